"""Train the learned move model: `python tools/train_analyzer.py` (wired to `make train-analyzer`).

Reads the training corpus (the dev split of evals/data/turns.jsonl and every delivered batch in
evals/data/corpus/incoming/; never the frozen test split, never evals/data/corpus/blind/), turns
each turn into `app.feedback.features.extract`, fits one L2 logistic regression per move with
scikit-learn, picks each move's threshold on out-of-fold predictions, and writes
app/feedback/model/analyzer.npz and its card. Deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.feedback import learned  # noqa: E402
from app.feedback.analyzer import rule_pass  # noqa: E402
from app.feedback.evaluate import history_of  # noqa: E402
from app.feedback.features import TurnFeatures, extract  # noqa: E402
from app.feedback.scoring import genuine_interest  # noqa: E402
from app.feedback.types import Move  # noqa: E402

TURNS = REPO / "evals" / "data" / "turns.jsonl"
INCOMING = REPO / "evals" / "data" / "corpus" / "incoming"
CARD = learned.MODEL_PATH.parent / "CARD.md"
MIN_COUNT = 3  # an n-gram seen fewer times says more about one writer than about the move
MAX_VOCAB = 8000
C = 0.5
FOLDS = 5


def training_items(exclude: set[str]) -> tuple[list[dict[str, Any]], Counter[str]]:
    items = [json.loads(x) for x in TURNS.read_text().splitlines() if x.strip()]
    items = [it for it in items if it["split"] == "dev"]
    sources: Counter[str] = Counter({"turns.jsonl dev split": len(items)})
    for path in sorted(INCOMING.glob("*.jsonl")):
        if path.stem in exclude:
            continue
        batch = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        items += batch
        sources[f"corpus/incoming/{path.name}"] = len(batch)
    return items, sources


def featurize(items: list[dict[str, Any]]) -> list[TurnFeatures]:
    out = []
    for it in items:
        history = history_of(it)
        found, ctx = rule_pass(it["message"], history)
        out.append(extract(it["message"], ctx, [m for m in Move if m in found]))
    return out


def vocabulary(feats: list[TurnFeatures]) -> dict[str, int]:
    counts = Counter(g for f in feats for g in set(f.ngrams))
    kept = sorted((g for g, c in counts.items() if c >= MIN_COUNT), key=lambda g: (-counts[g], g))
    return {g: i for i, g in enumerate(kept[:MAX_VOCAB])}


def matrix(feats: list[TurnFeatures], vocab: dict[str, int], mean: np.ndarray, scale: np.ndarray):
    dense = (np.stack([f.dense for f in feats]) - mean) / scale
    rows, cols = [], []
    for i, f in enumerate(feats):
        for g in set(f.ngrams):
            if g in vocab:
                rows.append(i)
                cols.append(vocab[g])
    bag = sparse.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(feats), len(vocab))
    )
    return sparse.hstack([sparse.csr_matrix(dense), bag]).tocsr()


def fit_move(x, y: np.ndarray) -> LogisticRegression | None:
    if y.sum() < 2:
        return None
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced", solver="liblinear")
    return clf.fit(x, y)


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.2, 0.9, 0.025):
        pred = p >= t
        tp = (pred & (y == 1)).sum()
        f1 = 2 * tp / max(1, pred.sum() + y.sum())
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def out_of_fold(feats: list[TurnFeatures], labels: np.ndarray) -> np.ndarray:
    probs = np.zeros(labels.shape, np.float32)
    for train, test in KFold(FOLDS, shuffle=True, random_state=7).split(feats):
        tr = [feats[i] for i in train]
        vocab = vocabulary(tr)
        mean, scale = _standardiser(tr)
        xtr, xte = (
            matrix(tr, vocab, mean, scale),
            matrix([feats[i] for i in test], vocab, mean, scale),
        )
        for j in range(labels.shape[1]):
            clf = fit_move(xtr, labels[train, j])
            probs[test, j] = clf.predict_proba(xte)[:, 1] if clf else 0.0
    return probs


def _standardiser(feats: list[TurnFeatures]) -> tuple[np.ndarray, np.ndarray]:
    dense = np.stack([f.dense for f in feats])
    return dense.mean(axis=0), dense.std(axis=0) + 1e-3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exclude", nargs="*", default=[], help="batch stems to leave out")
    parser.add_argument("--no-cv", action="store_true", help="skip the out-of-fold thresholds")
    args = parser.parse_args(argv)

    items, sources = training_items(set(args.exclude))
    moves = tuple(Move)
    labels = np.asarray([[m.value in it["moves"] for m in moves] for it in items], np.int32)
    feats = featurize(items)
    thresholds = np.full(len(moves), 0.5, np.float32)
    if not args.no_cv:
        oof = out_of_fold(feats, labels)
        thresholds = np.asarray(
            [best_threshold(labels[:, j], oof[:, j]) for j in range(len(moves))], np.float32
        )
        _report_cv(items, labels, oof, thresholds, moves)
    vocab = vocabulary(feats)
    mean, scale = _standardiser(feats)
    x = matrix(feats, vocab, mean, scale)
    n_dense = mean.shape[0]
    dense_w = np.zeros((len(moves), n_dense), np.float32)
    bag_w = np.zeros((len(moves), len(vocab)), np.float32)
    bias = np.full(len(moves), -20.0, np.float32)
    for j in range(len(moves)):
        clf = fit_move(x, labels[:, j])
        if clf is None:
            continue
        coef = clf.coef_[0]
        dense_w[j], bag_w[j], bias[j] = coef[:n_dense], coef[n_dense:], clf.intercept_[0]
    learned.save(
        learned.MoveModel(
            moves,
            mean.astype(np.float32),
            scale.astype(np.float32),
            dense_w,
            bag_w,
            bias,
            thresholds,
            vocab,
        )
    )
    _write_card(sources, len(items), len(vocab), thresholds, moves)
    print(f"trained on {len(items)} turns, vocabulary {len(vocab)}; wrote {learned.MODEL_PATH}")
    return 0


def _report_cv(items, labels, oof, thresholds, moves) -> None:
    pred = oof >= thresholds
    gold_gi = np.asarray([bool(it["genuine_interest"]) for it in items])
    pred_gi = np.asarray(
        [genuine_interest([m for m, on in zip(moves, row, strict=True) if on]) for row in pred]
    )
    print(f"{FOLDS}-fold out-of-fold genuine_interest accuracy: {(gold_gi == pred_gi).mean():.3f}")
    for j, m in enumerate(moves):
        y, p = labels[:, j] == 1, pred[:, j]
        rec = (y & p).sum() / max(1, y.sum())
        prec = (y & p).sum() / max(1, p.sum())
        print(
            f"  {m.value:20s} support {y.sum():4d} P {prec:.3f} R {rec:.3f} t {thresholds[j]:.3f}"
        )


def _write_card(sources: Counter[str], n: int, vocab: int, thresholds, moves) -> None:
    lines = [
        "# Model card: the learned move model (analyzer.npz)",
        "",
        f"Trained {datetime.now(UTC):%Y-%m-%d} by `tools/train_analyzer.py` on {n} labelled turns:",
        "",
        "| source | turns |",
        "| --- | ---: |",
        *(f"| {s} | {c} |" for s, c in sorted(sources.items())),
        "",
        "Who wrote what: `turns.jsonl` dev turns were written by the team while developing the",
        "rules; `corpus/incoming/` batches by independent writers (helpers given only",
        "docs/labelling.md, FEEDBACK.md and evals/data/corpus/BRIEF.md, never the analyzer),",
        "each scored blind by tools/blind_ledger.py before it was used (ledger.jsonl).",
        "Never used: the frozen test split of turns.jsonl and evals/data/corpus/blind/.",
        "",
        "Features: app/feedback/features.py (wordllama 256-d embeddings, context, rule hints)",
        f"and {vocab} word n-grams seen at least {MIN_COUNT} times. One L2 logistic regression",
        "per move",
        f"(C={C}, balanced classes); thresholds chosen on {FOLDS}-fold out-of-fold predictions:",
        "",
        "| move | threshold |",
        "| --- | ---: |",
        *(f"| {m.value} | {t:.3f} |" for m, t in zip(moves, thresholds, strict=True)),
        "",
    ]
    CARD.write_text("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
