"""How often the scripted persona repeats a sentence, within and across conversations.

Usage: python tools/eval_repeats.py [--eval-json var/eval.json] [--per-persona 20]

Drives `--per-persona` conversations with each persona through the analyzer, the machine and
the scripted engine, with the user lines of the persona's evaluation scripts (evals/scripts/<id>)
and a seed per conversation. Reports, per persona, sentences repeated within a conversation
(the target is 0) and the share of reply sentences already said in an earlier conversation of
the set (the target is under 10%). `--eval-json` also reads the transcripts `make eval` wrote.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.dialogue.engine import ReplyContext  # noqa: E402
from app.dialogue.machine import advance, initial_state  # noqa: E402
from app.dialogue.scripted import ScriptedEngine, reply, sentences  # noqa: E402
from app.feedback.analyzer import analyze  # noqa: E402
from app.feedback.types import Utterance  # noqa: E402
from app.personas.registry import load_personas  # noqa: E402
from app.personas.schema import Persona  # noqa: E402

MAX_TURNS = 40


def converse(persona: Persona, lines: list[str], seed: str, difficulty: str) -> list[str]:
    """The persona's replies (the opening first) to `lines`, until the conversation ends."""
    engine = ScriptedEngine()
    history = [Utterance("persona", engine.opening(persona, difficulty, seed))]
    state = initial_state(persona, difficulty)
    for text in lines:
        if state.ended:
            break
        verdict = analyze(text, tuple(history))
        after = advance(state, verdict, persona, difficulty, max_turns=MAX_TURNS)
        history.append(Utterance("user", text))
        ctx = ReplyContext(persona, difficulty, tuple(history), verdict, state, after, seed)
        history.append(Utterance("persona", reply(ctx)))
        state = after
    return [u.content for u in history if u.role == "persona"]


def repeats(conversations: list[list[str]]) -> tuple[int, float, int]:
    """(sentences repeated within a conversation, share said in an earlier one, sentences)."""
    within = 0
    earlier: set[str] = set()
    across = total = 0
    for replies in conversations:
        said = [s for line in replies for s in sentences(line)]
        within += len(said) - len(set(said))
        across += sum(1 for s in said if s in earlier)
        total += len(said)
        earlier.update(said)
    return within, across / max(total, 1), total


def scripted_lines(persona_id: str) -> list[tuple[str, list[str]]]:
    out = []
    for path in sorted((ROOT / "evals" / "scripts" / persona_id).glob("*.yaml")):
        script = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append((str(script.get("difficulty", "normal")), list(script.get("user", []))))
    return out


def per_persona(count: int) -> dict[str, tuple[int, float, int]]:
    registry = load_personas(ROOT / "personas")
    results = {}
    for persona_id in sorted(p.name for p in (ROOT / "evals" / "scripts").iterdir()):
        scripts = scripted_lines(persona_id)
        if not scripts or persona_id not in {p.stem for p in (ROOT / "personas").glob("*.yaml")}:
            continue
        persona = registry.get(persona_id)
        conversations = []
        for n in range(count):
            difficulty, lines = scripts[n % len(scripts)]
            conversations.append(converse(persona, lines, f"repeats-{n}", difficulty))
        results[persona_id] = repeats(conversations)
    return results


def from_eval_json(path: Path) -> dict[str, tuple[int, float, int]]:
    runs = json.loads(path.read_text(encoding="utf-8"))["runs"]
    by_persona: dict[str, list[list[str]]] = {}
    for run in runs:
        replies = [m["content"] for m in run.get("messages", []) if m["role"] == "persona"]
        by_persona.setdefault(run["persona_id"], []).append(replies)
    return {pid: repeats(convs) for pid, convs in by_persona.items()}


def show(title: str, results: dict[str, tuple[int, float, int]]) -> None:
    print(title)
    for persona_id, (within, across, total) in sorted(results.items()):
        print(f"  {persona_id:20s} within {within:3d}  across {across:6.1%}  ({total} sentences)")


def main(argv: list[str]) -> int:
    count = int(argv[argv.index("--per-persona") + 1]) if "--per-persona" in argv else 20
    show(
        f"{count} conversations per persona (evaluation scripts' lines, seeded):",
        per_persona(count),
    )
    if "--eval-json" in argv:
        path = Path(argv[argv.index("--eval-json") + 1])
        show(f"make eval conversations ({path}):", from_eval_json(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
