"""Question-to-line accuracy of the scripted engine's matcher (app/dialogue/understand.py).

Usage: python tools/eval_questions.py [FILE.jsonl ...] [--errors]

Each line of a file is {"id", "persona", "context"?, "question", "topic", "line"?}: `context` is
the persona's previous line (it sets the topic in focus and counts as said), `topic` the fact or
hook id that should answer (null: nothing the persona knows does), `line` the exact deeper line
that should be said, where the writer named one. Reports top-1 topic accuracy and, where given,
deeper-line accuracy. `--errors` lists the misses: use it on the dev set only; the held-out set
is the headline figure and is never tuned on.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.dialogue.understand import knowledge_index  # noqa: E402
from app.personas.registry import load_personas  # noqa: E402

DEFAULT = ROOT / "evals" / "data" / "questions" / "heldout.jsonl"


def predict(persona, item: dict) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    index = knowledge_index(persona)
    context = item.get("context") or ""
    focus = index.topic_of(context) if context else None
    said = [context] if context else []
    match = index.match(item["question"], focus, said)
    topic = match.topic.id if match.topic else None
    return topic, index.answer(match, said)


def evaluate(path: Path, show_errors: bool) -> dict[str, float]:
    registry = load_personas(ROOT / "personas")
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    right = lines_right = lines_total = 0
    groups: dict[str, list[int]] = {}
    started = time.perf_counter()
    for item in items:
        topic, line = predict(registry.get(item["persona"]), item)
        ok = topic == item["topic"]
        right += ok
        group = "null" if item["topic"] is None else ("context" if item.get("context") else "plain")
        groups.setdefault(group, []).append(ok)
        if item.get("line"):
            lines_total += 1
            lines_right += ok and line == item["line"]
        if show_errors and not ok:
            print(
                f"  miss {item['id']} [{item['persona']}] {item['question']!r}: "
                f"want {item['topic']}, got {topic}"
            )
        elif show_errors and item.get("line") and line != item["line"]:
            print(f"  line {item['id']} {item['question']!r}: got {str(line)[:60]!r}")
    seconds = time.perf_counter() - started
    n = len(items)
    print(f"{path.name}: {n} questions, top-1 topic accuracy {right / n:.3f}")
    for group, oks in sorted(groups.items()):
        print(f"  {group:8s} {sum(oks) / len(oks):.3f} ({len(oks)})")
    if lines_total:
        print(f"  deeper-line accuracy {lines_right / lines_total:.3f} ({lines_total} with a line)")
    print(f"  {seconds / n * 1000:.2f} ms per question, index building included")
    return {"top1": right / n, "line": lines_right / lines_total if lines_total else float("nan")}


def main(argv: list[str]) -> int:
    show_errors = "--errors" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or [DEFAULT]
    for path in paths:
        evaluate(path, show_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
