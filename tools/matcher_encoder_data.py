"""Write var/matcher-encoder-data.json: the rows the matcher indexes (every persona's authored
questions and line sentences, each with its topic) and every question set, for
tools/finetune_matcher_encoder.py, which runs in a scratch environment with PyTorch and cannot
import the app.

Usage: python tools/matcher_encoder_data.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.dialogue.understand import _layers, _rows, question_part  # noqa: E402
from app.personas.registry import load_personas  # noqa: E402

OUT = ROOT / "var" / "matcher-encoder-data.json"
BLIND = re.compile(r"heldout\d+")  # heldout2, heldout3, ...; heldout.jsonl is development data


def main() -> int:
    rows = [
        {"persona": p.id, "topic": topic.id, "line": line, "text": text, "question": w == 1.0}
        for p in load_personas(ROOT / "personas").all()
        for topic, _, line, questions, own in _layers(p)
        for text, w in _rows(questions, own)
    ]
    questions = []
    for path in sorted((ROOT / "evals" / "data" / "questions").glob("*.jsonl")):
        if BLIND.fullmatch(path.stem):
            continue  # the blind sets are never training (or validation) data
        for raw in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(raw)
            item.update(file=path.stem, query=question_part(item["question"]))
            questions.append(item)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"rows": rows, "questions": questions}), encoding="utf-8")
    print(f"wrote {OUT}: {len(rows)} rows, {len(questions)} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
