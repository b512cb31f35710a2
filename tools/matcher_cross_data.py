"""Write var/matcher-cross-data.json for tools/finetune_matcher_cross.py (which runs in a scratch
environment with PyTorch and cannot import the app): each persona's topics as the cross-encoder
reads them (`app.dialogue.cross.topic_text`), the authored questions, and every development
question with the matcher's own view of it (its query, its best topics by the trees, their
scores and the 'anything answers?' margin), for hard negatives and for fitting the blend.

Never the blind sets (heldout2, heldout3, ...): they are not written at all.

Usage: python tools/matcher_cross_data.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.dialogue.rerank import CANDIDATES, topic_text  # noqa: E402
from app.dialogue.understand import knowledge_index  # noqa: E402
from app.personas.registry import load_personas  # noqa: E402

OUT = ROOT / "var" / "matcher-cross-data.json"
BLIND = re.compile(r"heldout\d+")


def main() -> int:
    registry = load_personas(ROOT / "personas")
    topics = {
        p.id: {f"{kind}:{tid}": text for (kind, tid), text in topic_text(p).items()}
        for p in registry.all()
    }
    authored = [
        {"persona": p.id, "topic": f"{kind}:{item_id}", "question": q}
        for p in registry.all()
        for kind, items in (("fact", p.facts), ("hook", p.hooks))
        for item in items
        for item_id in [getattr(item, "topic", None) or item.id]
        for q in [
            *item.questions,
            *(q for line in item.deeper_lines for q in item.deeper_questions(line)),
        ]
    ]
    questions = []
    for path in sorted((ROOT / "evals" / "data" / "questions").glob("*.jsonl")):
        if BLIND.fullmatch(path.stem):
            continue
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip():
                continue
            item = json.loads(raw)
            persona = registry.get(item["persona"])
            index = knowledge_index(persona)
            context = item.get("context") or ""
            focus = index.topic_of(context) if context else None
            match = index.match(item["question"], focus, [context] if context else [])
            scores, margin = index.topic_scores(match.query, focus)
            best = sorted(range(len(scores)), key=lambda i: -float(scores[i]))[:CANDIDATES]
            gold = item["topic"]
            kinds = {t.id: t.kind for t in index.topics}
            questions.append(
                {
                    "file": path.stem,
                    "persona": persona.id,
                    "query": match.query,
                    "gold": None if gold is None else f"{kinds.get(gold, 'fact')}:{gold}",
                    "predicted": None
                    if match.topic is None
                    else f"{match.topic.kind}:{match.topic.id}",
                    "candidates": [f"{index.topics[i].kind}:{index.topics[i].id}" for i in best],
                    "scores": [float(scores[i]) for i in best],
                    "margin": margin,
                }
            )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(
        json.dumps({"topics": topics, "authored": authored, "questions": questions}),
        encoding="utf-8",
    )
    print(f"wrote {OUT}: {len(questions)} questions, {len(authored)} authored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
