"""When does the matcher say "no idea" to a question past a story already told?

Usage: python tools/eval_knows_more.py [--story-only] FILE.jsonl [FILE.jsonl ...]

`KnowledgeIndex.knows_more` (app/dialogue/understand.py) makes the persona say it does not know
when a follow-up asks about a story it has told for something none of the topic's lines says.
The question sets hold few such moments: their `context` is one line, usually a deeper one, and
the topic's surface is not said yet. So this replays each question whose context is a deeper
line with the topic's surface said too, as a conversation would have it, and counts how often
the check fires, by what the writer wanted:

- untold: the writer named an untold deeper line of that topic (firing is a miss);
- again: the writer named the context line itself (firing is a miss: the story again);
- topic: the topic, no line named (firing is probably a miss);
- null: nothing the persona knows answers (firing is right);
- other: another topic (firing says "no idea" where another topic's line was wanted).

Use it on development sets only; the blind ones are never read.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.dialogue.understand import knowledge_index  # noqa: E402
from app.personas.registry import load_personas  # noqa: E402

KINDS = ("untold", "again", "topic", "null", "other")


def replay(paths: list[Path], story_only: bool = False) -> tuple[Counter[str], Counter[str]]:
    """Questions reaching the check, and those it fired on, by kind. `story_only`: the told
    line alone is said, as when a question went straight to the story; a follow-up that names
    no line then wants the surface ("topic": firing is a miss)."""
    registry = load_personas(ROOT / "personas")
    reached: Counter[str] = Counter()
    fired: Counter[str] = Counter()
    for path in paths:
        for raw in path.read_text().splitlines():
            if not raw.strip():
                continue
            item = json.loads(raw)
            if not item.get("context"):
                continue
            index = knowledge_index(registry.get(item["persona"]))
            node = index.owner.get(item["context"])
            if node is None or node.line is None:
                continue  # a surface line or none: the check needs a story told
            told = index.line_of(item["context"])
            said = [told] if story_only else [*index.surface_lines(node.topic), told]
            match = index.match(item["question"], node.topic, said)
            if match.topic != node.topic:
                continue
            if item["topic"] is None:
                kind = "null"
            elif item["topic"] != node.topic.id:
                kind = "other"
            elif item.get("line") == told:
                kind = "again"
            elif item.get("line"):
                kind = "untold"
            else:
                kind = "topic"
            reached[kind] += 1
            fired[kind] += not index.knows_more(match, said)
    return reached, fired


def main(argv: list[str]) -> int:
    story_only = "--story-only" in argv
    paths = [Path(a) for a in argv if a != "--story-only"]
    if not paths:
        print(__doc__)
        return 2
    reached, fired = replay(paths, story_only)
    for kind in KINDS:
        print(f"  {kind:7s} fired {fired[kind]:3d} of {reached[kind]:3d} that reach the topic")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
