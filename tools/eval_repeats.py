"""How often the scripted persona repeats a sentence, within and across conversations.

Usage: python tools/eval_repeats.py [--eval-json var/eval.json] [--per-persona 20] [--seeded]
       [--kinds]

What it measures. For each persona, `--per-persona` (20) conversations with different
learners, driven through the real analyzer, machine and scripted engine, each with its own
seed. A learner's turns mix, in an order drawn from the conversation's seed: the user lines of
one of the persona's evaluation scripts (evals/scripts/<id>: greetings, answers to the
persona's questions, reflections, asks, pitches), questions drawn from the persona's authored
`questions` (of facts, hooks and deeper lines, so different learners ask about different
things and in different words), and short follow-ups ("What happened next?"), for up to 16
turns or until the persona ends the conversation. A reply is split into sentences as the
engine streams it. One `RecentLines` serves the whole run, as the service keeps one per process
for conversations created without a seed (the persona prefers lines it said longest ago);
`--seeded` leaves it out, as for conversations created with a seed, where the seed alone
chooses each wording. `--per-persona 40` shows what happens once the lists come round.

- within: reply sentences (the opening included) that are word for word a sentence the
  persona already said earlier in the same conversation, summed over the conversations.
  The target is 0.
- across: the share of all reply sentences that are word for word a sentence the persona said
  in an earlier conversation of the set (with another learner). The target is under 10%.

`--eval-json` also reads the transcripts `make eval` wrote (its scripts only) and reports the
same two figures for them. `--kinds` says, per persona, which fields of its file the repeated
sentences come from (openings, answers, reactions.pitch, ...): where a bigger pool would help.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.dialogue.engine import ReplyContext  # noqa: E402
from app.dialogue.machine import advance, initial_state  # noqa: E402
from app.dialogue.recency import RecentLines  # noqa: E402
from app.dialogue.scripted import ScriptedEngine, reply, sentences  # noqa: E402
from app.feedback.analyzer import analyze  # noqa: E402
from app.feedback.types import Utterance  # noqa: E402
from app.personas.registry import load_personas  # noqa: E402
from app.personas.schema import Persona  # noqa: E402

MAX_TURNS = 40


def converse(
    persona: Persona,
    lines: list[str],
    seed: str,
    difficulty: str,
    recent: RecentLines | None = None,
) -> list[str]:
    """The persona's replies (the opening first) to `lines`, until the conversation ends."""
    engine = ScriptedEngine()
    history = [Utterance("persona", engine.opening(persona, difficulty, seed, recent=recent))]
    state = initial_state(persona, difficulty)
    for text in lines:
        if state.ended:
            break
        verdict = analyze(text, tuple(history))
        after = advance(state, verdict, persona, difficulty, max_turns=MAX_TURNS)
        history.append(Utterance("user", text))
        ctx = ReplyContext(
            persona, difficulty, tuple(history), verdict, state, after, seed, recent=recent
        )
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


FOLLOW_UPS = (
    "What happened next?", "How did that go?", "Really? How come?", "What was that like?",
    "Tell me more about that.", "How did you feel about it?", "Why's that?",
    "What made you decide that?", "Wait, really?", "And then what?",
)  # fmt: skip
MAX_USER_TURNS = 16


def learner_turns(persona: Persona, script: list[str], rng: random.Random) -> list[str]:
    """One learner's turns: the script's lines in order, with authored questions (a topic
    question, then sometimes a deeper one on the same topic) and follow-ups mixed in."""
    topics = [*persona.facts, *persona.hooks]
    rng.shuffle(topics)
    turns: list[str] = []
    lines = list(script)
    while len(turns) < MAX_USER_TURNS and (lines or topics):
        roll = rng.random()
        if lines and (roll < 0.4 or not topics):
            turns.append(lines.pop(0))
        elif topics:
            item = topics.pop()
            if item.questions:
                turns.append(rng.choice(item.questions))
            if rng.random() < 0.5:
                deeper = [q for line in item.deeper_lines for q in item.deeper_questions(line)]
                turns.append(rng.choice(deeper) if deeper else rng.choice(FOLLOW_UPS))
    return turns[:MAX_USER_TURNS]


def kinds(persona: Persona) -> dict[str, str]:
    """Each sentence of the persona's file -> the field it comes from (the first one)."""
    out: dict[str, str] = {}

    def add(lines: list[str], kind: str) -> None:
        for line in lines:
            for sentence in sentences(line):
                out.setdefault(sentence, kind)

    add(persona.openings, "openings")
    for fact in persona.facts:
        add(fact.answers, "answers")
        add(fact.deeper_texts, "deeper")
    for hook in persona.hooks:
        add(hook.reveal, "hooks.reveal")
        add(hook.guarded, "hooks.guarded")
        add(hook.deeper_texts, "hooks.deeper")
    for name, lines in persona.reactions.model_dump().items():
        add(lines or [], f"reactions.{name}")
    add([w for q in persona.questions for w in q.wordings], "questions")
    for name in ("offer", "confirm", "accept", "defer"):
        add(getattr(persona.reward, name), f"reward.{name}")
    for name in ("wrap_up", "warm", "neutral"):
        add(getattr(persona.closings, name), f"closings.{name}")
    return out


def repeats_by_kind(
    persona: Persona, conversations: list[list[str]]
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """By the field they come from: sentences said again from an earlier conversation,
    sentences said, and the field's sentences in the persona's file."""
    kind = kinds(persona)
    earlier: set[str] = set()
    repeated: Counter[str] = Counter()
    used: Counter[str] = Counter()
    for replies in conversations:
        said = [s for line in replies for s in sentences(line)]
        repeated.update(kind.get(s, "composed") for s in said if s in earlier)
        used.update(kind.get(s, "composed") for s in said)
        earlier.update(said)
    return repeated, used, Counter(kind.values())


def per_persona(
    count: int, show_kinds: bool = False, seeded: bool = False
) -> dict[str, tuple[int, float, int]]:
    registry = load_personas(ROOT / "personas")
    # One per process, as the service keeps one for every conversation created without a seed.
    recent = None if seeded else RecentLines()
    results = {}
    for persona_id in sorted(p.name for p in (ROOT / "evals" / "scripts").iterdir()):
        scripts = scripted_lines(persona_id)
        if not scripts or persona_id not in {p.stem for p in (ROOT / "personas").glob("*.yaml")}:
            continue
        persona = registry.get(persona_id)
        conversations = []
        for n in range(count):
            rng = random.Random(f"repeats|{persona_id}|{n}")
            difficulty, lines = rng.choice(scripts)
            turns = learner_turns(persona, lines, rng)
            conversations.append(converse(persona, turns, f"repeats-{n}", difficulty, recent))
        results[persona_id] = repeats(conversations)
        if show_kinds:
            total = results[persona_id][2]
            repeated, used, pool = repeats_by_kind(persona, conversations)
            print(f"  {persona_id} (field: repeated share of all; sentences said / in the file):")
            for k, n in repeated.most_common(10):
                print(f"    {k:24s} {n / total:5.1%}  {used[k]:4d} / {pool[k]}")
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
    seeded = "--seeded" in argv
    how = "each wording by its seed alone" if seeded else "one RecentLines, as the service"
    show(
        f"{count} conversations per persona (script lines, authored questions, follow-ups; {how}):",
        per_persona(count, "--kinds" in argv, seeded),
    )
    if "--eval-json" in argv:
        path = Path(argv[argv.index("--eval-json") + 1])
        show(f"make eval conversations ({path}):", from_eval_json(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
