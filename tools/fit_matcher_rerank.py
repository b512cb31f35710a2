"""Fit how the matcher blends in its cross-encoder (app/dialogue/rerank.py): `weight`, `lift` and
`centre` in app/dialogue/matcher_cross/meta.json, by top-1 accuracy through the whole matcher
(`KnowledgeIndex.match`, its overrides included) on development question files that neither the
cross-encoder nor the trees were trained on.

Usage: python tools/fit_matcher_rerank.py FILE.jsonl [FILE.jsonl ...] [--write]

Prints the matcher without the cross-encoder, the best blend and its neighbours. Never give it a
blind set (heldout2, heldout3, ...): the headline figure comes from those, scored after.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.dialogue import rerank  # noqa: E402
from app.dialogue.understand import knowledge_index  # noqa: E402
from app.personas.registry import load_personas  # noqa: E402

WEIGHTS = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0)
LIFTS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
CENTRES = (0.3, 0.5, 0.7)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if any(re.fullmatch(r"heldout\d+", f.stem) for f in args.files):
        parser.error("a blind set is never fitted on")
    model = rerank.load()
    if model is None:
        parser.error(f"no model in {rerank.HERE}")
    registry = load_personas(ROOT / "personas")
    items = [
        json.loads(line)
        for f in args.files
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    memo: dict[tuple[str, tuple[str, ...]], object] = {}
    probabilities = model.probabilities

    def remembered(query, texts):  # type: ignore[no-untyped-def]
        key = (query, tuple(texts))
        if key not in memo:
            memo[key] = probabilities(query, texts)
        return memo[key]

    def accuracy(reranker: rerank.Reranker | None) -> float:
        right = 0
        for item in items:
            index = knowledge_index(registry.get(item["persona"]))
            index.reranker = reranker
            context = item.get("context") or ""
            focus = index.topic_of(context) if context else None
            match = index.match(item["question"], focus, [context] if context else [])
            right += (match.topic.id if match.topic else None) == item["topic"]
        return right / len(items)

    print(f"{len(items)} questions; matcher alone {accuracy(None):.3f}")
    results = []
    for weight, lift, centre in itertools.product(WEIGHTS, LIFTS, CENTRES):
        trial = dataclasses.replace(model, weight=weight, lift=lift, centre=centre)
        object.__setattr__(trial, "probabilities", remembered)
        results.append((accuracy(trial), weight, lift, centre))
    results.sort(reverse=True)
    for acc, weight, lift, centre in results[:8]:
        print(f"  weight {weight:.2f} lift {lift:.1f} centre {centre:.1f}: {acc:.3f}")
    if args.write:
        _, weight, lift, centre = results[0]
        meta_path = rerank.HERE / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta.update(
            weight=weight, lift=lift, centre=centre, blend_fitted_on=[f.stem for f in args.files]
        )
        meta_path.write_text(json.dumps(meta, indent=1) + "\n")
        print(f"wrote {meta_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
