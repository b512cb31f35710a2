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
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.multioutput import MultiOutputClassifier

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.feedback import learned, stack  # noqa: E402
from app.feedback.analyzer import rule_pass  # noqa: E402
from app.feedback.evaluate import history_of, load_annomi  # noqa: E402
from app.feedback.features import VERSION as FEATURES_VERSION  # noqa: E402
from app.feedback.features import TurnFeatures, extract  # noqa: E402
from app.feedback.scoring import genuine_interest  # noqa: E402
from app.feedback.types import NEGATIVE_MOVES, POSITIVE_MOVES, Move  # noqa: E402

TURNS = REPO / "evals" / "data" / "turns.jsonl"
INCOMING = REPO / "evals" / "data" / "corpus" / "incoming"
CARD = learned.MODEL_PATH.parent / "CARD.md"
MIN_COUNT = 3  # an n-gram seen fewer times says more about one writer than about the move
MAX_VOCAB = 16000
C = 0.05
FOLDS = 5
# AnnoMI's even transcripts teach the two acts it codes (question, reflection) to those heads
# only, at a lower weight: counselling is not networking, but asking and restating are the same.
ANNOMI_HEADS = {Move.FOLLOW_UP_QUESTION: "question", Move.REFLECTION: "reflection"}
ANNOMI_WEIGHT = 0.3
MOVES: tuple[Move, ...] = tuple(Move)
POSITIVE = {m.value for m in POSITIVE_MOVES}
NEGATIVE_MASK = np.asarray([m in NEGATIVE_MOVES for m in MOVES])
MUST_CATCH = {Move.PITCH, Move.SELF_FOCUS, Move.DISMISSIVE, Move.TOPIC_HIJACK}
MIN_RECALL = 0.75  # out of fold, before decoding; costs about a tenth of a point of accuracy
# Turns in history-decides pairs count double: the same words with two labels are what teach
# the model to read the moment, and the message alone is what it leans on otherwise
# (leave-writers-out: 0.734 -> 0.741 on pairs, overall unchanged).
PAIR_WEIGHT = 2.0
# The second stage (app/feedback/stack.py): small trees with many turns in each leaf, so it
# learns products of signals the corpus shows often, not one writer's turns. Chosen
# leave-writers-out (session 15): 100 rounds of 7 leaves did as well as 150 or 300 rounds of 15
# (0.865 against 0.868 out of fold) at a third of the nodes, which is what a turn pays for.
STACK_TREES = {
    "max_iter": 100,
    "learning_rate": 0.1,
    "max_leaf_nodes": 7,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
}
# Each move's probability is half the trees' and half the linear model's: as good out of fold
# (0.864 against 0.865 for the trees alone), and the linear model's reading of AnnoMI's
# questions and reflections, which the trees never see, keeps its say.
STACK_WEIGHT = 0.5


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


def annomi_rows() -> tuple[list[TurnFeatures], list[str]]:
    """Therapist utterances of even transcripts (odd ones are the benchmark), with labels."""
    items = load_annomi("even")
    feats = []
    for it in items:
        found, ctx = rule_pass(it.text, it.history)
        feats.append(extract(it.text, ctx, [m for m in Move if m in found]))
    return feats, [it.label for it in items]


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


def sample_weights(items: list[dict[str, Any]]) -> np.ndarray:
    return np.asarray([PAIR_WEIGHT if it.get("pair") else 1.0 for it in items], np.float32)


def fit_move(x, y: np.ndarray, extra=None, weights=None) -> LogisticRegression | None:
    """One head; `extra` is (features, labels) of AnnoMI rows for the heads that learn from it."""
    if y.sum() < 2:
        return None
    weights = np.ones(len(y), np.float32) if weights is None else weights
    if extra is not None:
        x = sparse.vstack([x, extra[0]]).tocsr()
        weights = np.concatenate([weights, np.full(len(extra[1]), ANNOMI_WEIGHT, np.float32)])
        y = np.concatenate([y, extra[1]])
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced", solver="liblinear")
    return clf.fit(x, y, sample_weight=weights)


def _extra(move: Move, annomi, vocab, mean, scale):
    if annomi is None or move not in ANNOMI_HEADS:
        return None
    feats, labels = annomi
    y = np.asarray([lab == ANNOMI_HEADS[move] for lab in labels], np.int32)
    return matrix(feats, vocab, mean, scale), y


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.2, 0.9, 0.025):
        pred = p >= t
        tp = (pred & (y == 1)).sum()
        f1 = 2 * tp / max(1, pred.sum() + y.sum())
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def writer(item: dict[str, Any]) -> str:
    """Who wrote a turn: the team (turns.jsonl) or an independent writer (id prefix)."""
    return "team" if item["id"][:2] in ("d-", "t-") else item["id"].split("-")[0]


def _objective(items, labels, oof, thresholds) -> float:
    """The verdict's accuracy, plus a quarter of the moves' mean F1 so no move is sacrificed."""
    pred = learned.decode(oof, thresholds, MOVES)
    gold = np.asarray([bool(it["genuine_interest"]) for it in items])
    positive = np.asarray([m.value in POSITIVE for m in MOVES])
    verdict = pred[:, positive].any(axis=1) & ~pred[:, ~positive & NEGATIVE_MASK].any(axis=1)
    tp = (pred & (labels == 1)).sum(axis=0)
    f1 = 2 * tp / np.maximum(1, pred.sum(axis=0) + labels.sum(axis=0))
    return float((verdict == gold).mean() + 0.25 * f1.mean())


def recall_ceiling(labels: np.ndarray, oof: np.ndarray, j: int, floor: float) -> float:
    """The highest threshold at which move j still finds `floor` of its turns."""
    positives = np.sort(oof[labels[:, j] == 1, j])
    if not len(positives) or floor <= 0:
        return 1.0
    return float(positives[min(len(positives) - 1, int(np.floor((1 - floor) * len(positives))))])


def tune_for_verdict(items, labels, oof, thresholds: np.ndarray, floor: float) -> np.ndarray:
    """Coordinate ascent on the out-of-fold predictions: move one threshold at a time while the
    objective improves. Starts from each move's own best-F1 threshold; the moves a coach most
    needs caught (pitch, self-focus, dismissive, hijack) keep at least `floor` recall."""
    ceilings = [
        recall_ceiling(labels, oof, j, floor) if m in MUST_CATCH else 1.0
        for j, m in enumerate(MOVES)
    ]
    best = np.minimum(thresholds, ceilings)
    score = _objective(items, labels, oof, best)
    for _ in range(3):
        for j in range(len(best)):
            for t in np.arange(0.2, min(0.9, ceilings[j] + 1e-9), 0.025):
                trial = best.copy()
                trial[j] = t
                trial_score = _objective(items, labels, oof, trial)
                if trial_score > score + 1e-9:
                    best, score = trial, trial_score
    return best.astype(np.float32)


def out_of_fold(
    feats: list[TurnFeatures], labels: np.ndarray, groups: list[str], weights, annomi=None
) -> np.ndarray:
    """Predictions for each writer's turns from a model trained on the other writers only, so
    thresholds are chosen for writers the model has never read, as users will be."""
    probs = np.zeros(labels.shape, np.float32)
    folds = GroupKFold(min(FOLDS, len(set(groups))))
    for train, test in folds.split(feats, groups=groups):
        tr = [feats[i] for i in train]
        vocab = vocabulary(tr)
        mean, scale = _standardiser(tr)
        xtr, xte = (
            matrix(tr, vocab, mean, scale),
            matrix([feats[i] for i in test], vocab, mean, scale),
        )
        for j, move in enumerate(MOVES):
            extra = _extra(move, annomi, vocab, mean, scale)
            clf = fit_move(xtr, labels[train, j], extra, weights[train])
            probs[test, j] = clf.predict_proba(xte)[:, 1] if clf else 0.0
    return probs


def _standardiser(feats: list[TurnFeatures]) -> tuple[np.ndarray, np.ndarray]:
    dense = np.stack([f.dense for f in feats])
    return dense.mean(axis=0), dense.std(axis=0) + 1e-3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exclude", nargs="*", default=[], help="batch stems to leave out")
    parser.add_argument("--no-cv", action="store_true", help="skip the out-of-fold thresholds")
    parser.add_argument(
        "--no-annomi", action="store_true", help="leave out AnnoMI's even transcripts"
    )
    parser.add_argument(
        "--no-stack", action="store_true", help="no second stage (the linear model decides)"
    )
    parser.add_argument(
        "--min-recall",
        type=float,
        default=MIN_RECALL,
        help="recall floor for pitch, self-focus, dismissive and hijack, out of fold",
    )
    args = parser.parse_args(argv)

    items, sources = training_items(set(args.exclude))
    moves = MOVES
    labels = np.asarray([[m.value in it["moves"] for m in moves] for it in items], np.int32)
    feats = featurize(items)
    annomi = None if args.no_annomi else annomi_rows()
    if annomi:
        sources["AnnoMI even transcripts (question and reflection heads only)"] = len(annomi[1])
    weights = sample_weights(items)
    thresholds = np.full(len(moves), 0.5, np.float32)
    if not args.no_cv:
        groups = [writer(it) for it in items]
        oof = _cached_oof(
            items, bool(annomi), lambda: out_of_fold(feats, labels, groups, weights, annomi)
        )
        thresholds = np.asarray(
            [best_threshold(labels[:, j], oof[:, j]) for j in range(len(moves))], np.float32
        )
        thresholds = tune_for_verdict(items, labels, oof, thresholds, args.min_recall)
        _report_cv(items, labels, oof, thresholds, moves, groups)
        if not args.no_stack:
            _fit_stack(items, labels, feats, oof, groups, weights, args.min_recall)
    if args.no_cv or args.no_stack:
        # A stage fitted on another first stage's log-odds would read these wrongly.
        stack.PATH.unlink(missing_ok=True)
    vocab = vocabulary(feats)
    mean, scale = _standardiser(feats)
    x = matrix(feats, vocab, mean, scale)
    n_dense = mean.shape[0]
    dense_w = np.zeros((len(moves), n_dense), np.float32)
    bag_w = np.zeros((len(moves), len(vocab)), np.float32)
    bias = np.full(len(moves), -20.0, np.float32)
    for j, move in enumerate(moves):
        clf = fit_move(x, labels[:, j], _extra(move, annomi, vocab, mean, scale), weights)
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


def _stack_model() -> MultiOutputClassifier:
    trees = HistGradientBoostingClassifier(
        **STACK_TREES,  # type: ignore[arg-type]
        class_weight="balanced",
        random_state=0,
    )
    return MultiOutputClassifier(trees)


def _positive_column(per_move) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.stack([p[:, 1] for p in per_move], axis=1).astype(np.float32)


def _fit_stack(items, labels, feats, oof, groups, weights, floor: float) -> None:  # type: ignore[no-untyped-def]
    """The second stage on the linear model's out-of-fold log-odds: its own out-of-fold
    predictions (the same writer folds) choose its thresholds; then fitted on every turn and
    written as one ONNX graph."""
    rows = stack.rows(oof, np.stack([f.dense for f in feats]))
    second = np.zeros(labels.shape, np.float32)
    for train, test in GroupKFold(min(FOLDS, len(set(groups)))).split(rows, groups=groups):
        fitted = _stack_model().fit(rows[train], labels[train], sample_weight=weights[train])
        second[test] = _positive_column(fitted.predict_proba(rows[test]))
    both = STACK_WEIGHT * second + (1 - STACK_WEIGHT) * oof
    thresholds = np.asarray(
        [best_threshold(labels[:, j], both[:, j]) for j in range(len(MOVES))], np.float32
    )
    thresholds = tune_for_verdict(items, labels, both, thresholds, floor)
    print(f"with the second stage (trees over the linear log-odds, weight {STACK_WEIGHT}):")
    _report_cv(items, labels, both, thresholds, MOVES, groups)
    _write_stack(_stack_model().fit(rows, labels, sample_weight=weights), rows, thresholds)


def _write_stack(fitted: MultiOutputClassifier, rows: np.ndarray, thresholds) -> None:  # type: ignore[no-untyped-def]
    import onnx
    from onnxruntime import InferenceSession
    from skl2onnx import to_onnx

    exported = to_onnx(
        fitted, rows[:1], options={"zipmap": False}, target_opset={"": 17, "ai.onnx.ml": 3}
    )
    merged = _one_node(exported)
    onnx.helper.set_model_props(
        merged,
        {
            "moves": json.dumps([m.value for m in MOVES]),
            "thresholds": json.dumps([round(float(t), 4) for t in thresholds]),
            "weight": str(STACK_WEIGHT),
            "features_version": str(FEATURES_VERSION),
        },
    )
    data = merged.SerializeToString()
    # The merged graph must say what scikit-learn says, to float precision.
    sample = rows[:: max(1, len(rows) // 500)]
    (ours,) = InferenceSession(data).run(["probabilities"], {"X": sample})
    theirs = _positive_column(fitted.predict_proba(sample))
    gap = float(np.abs(ours - theirs).max())
    if gap > 1e-4:
        raise SystemExit(f"the exported stage differs from scikit-learn's by {gap:.2g}")
    stack.PATH.write_bytes(data)
    print(f"wrote {stack.PATH} (largest gap to scikit-learn {gap:.1g})")


def _in_move_order(graph):  # type: ignore[no-untyped-def]
    """The classifier nodes in the order of the moves, read off the graph's output sequence
    (the nodes themselves are listed in another order: by name, "...10" before "...2")."""
    made_by = {out: node for node in graph.node for out in node.output}
    (sequence,) = [n for n in graph.node if n.op_type == "SequenceConstruct"]
    ordered = []
    for name in sequence.input:
        node = made_by[name]
        while node.op_type != "TreeEnsembleClassifier":
            node = made_by[node.input[0]]
        ordered.append(node)
    return ordered


def _one_node(exported):  # type: ignore[no-untyped-def]
    """skl2onnx writes one TreeEnsembleClassifier per move, each with its own reshapes, and a
    sequence of them: 35 nodes, 180 us a turn. The same trees as one TreeEnsembleRegressor
    with a target per move, whose LOGISTIC is each move's probability, is one node."""
    import onnx
    from onnx import TensorProto, helper

    trees = _in_move_order(exported.graph)
    merged: dict[str, list[Any]] = {}
    base: list[float] = []
    offset = 0
    for j, node in enumerate(trees):
        a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        binary = set(a["class_ids"]) == {0} and len(a["base_values"]) == 1
        if not binary or a["post_transform"] != b"LOGISTIC":
            raise SystemExit("unexpected tree export: not one logistic score per move")
        for key in (
            "nodes_falsenodeids",
            "nodes_featureids",
            "nodes_hitrates",
            "nodes_missing_value_tracks_true",
            "nodes_modes",
            "nodes_nodeids",
            "nodes_truenodeids",
            "nodes_values",
        ):
            merged.setdefault(key, []).extend(a[key])
        merged.setdefault("nodes_treeids", []).extend(t + offset for t in a["nodes_treeids"])
        merged.setdefault("target_treeids", []).extend(t + offset for t in a["class_treeids"])
        merged.setdefault("target_nodeids", []).extend(a["class_nodeids"])
        merged.setdefault("target_weights", []).extend(a["class_weights"])
        merged.setdefault("target_ids", []).extend([j] * len(a["class_ids"]))
        base.append(float(a["base_values"][0]))
        offset = max(merged["nodes_treeids"]) + 1
    node = helper.make_node(
        "TreeEnsembleRegressor",
        ["X"],
        ["probabilities"],
        domain="ai.onnx.ml",
        n_targets=len(trees),
        base_values=base,
        aggregate_function="SUM",
        post_transform="LOGISTIC",
        **merged,
    )
    width = exported.graph.input[0].type.tensor_type.shape.dim[1].dim_value
    graph = helper.make_graph(
        [node],
        "analyzer_stack",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, width])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, len(trees)])],
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)]
    model = helper.make_model(graph, opset_imports=opsets)
    onnx.checker.check_model(model)
    return model


OOF_CACHE = REPO / "var" / "analyzer-oof.npz"


def _cached_oof(items, with_annomi: bool, compute) -> np.ndarray:
    """Out-of-fold predictions are the slow part; reuse them while the data and features are the
    same (to try another recall floor, say), recompute otherwise."""
    key = (
        f"{len(items)}:{items[0]['id']}:{items[-1]['id']}:v{FEATURES_VERSION}:{with_annomi}"
        f":pairs{PAIR_WEIGHT}"
    )
    if OOF_CACHE.exists():
        with np.load(OOF_CACHE, allow_pickle=False) as data:
            if str(data["key"]) == key:
                return data["oof"]
    oof = compute()
    OOF_CACHE.parent.mkdir(exist_ok=True)
    np.savez_compressed(OOF_CACHE, key=np.asarray(key), oof=oof)
    return oof


def _report_cv(items, labels, oof, thresholds, moves, groups) -> None:
    pred = learned.decode(oof, thresholds, moves)
    gold_gi = np.asarray([bool(it["genuine_interest"]) for it in items])
    pred_gi = np.asarray(
        [genuine_interest([m for m, on in zip(moves, row, strict=True) if on]) for row in pred]
    )
    right = gold_gi == pred_gi
    print(f"leave-writers-out genuine_interest accuracy: {right.mean():.3f}")
    for group in sorted(set(groups)):
        mask = np.asarray([g == group for g in groups])
        print(f"  {group}: {right[mask].mean():.3f} over {mask.sum()} turns")
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
    if stack.PATH.exists():
        lines += [
            "Second stage (`stack.onnx`, app/feedback/stack.py): scikit-learn's",
            f"HistGradientBoostingClassifier per move ({_settings(STACK_TREES)}, balanced",
            "classes) over the linear model's out-of-fold log-odds and the exact signals of",
            f"`features.scalars`; a move's probability is {STACK_WEIGHT} the trees' and the rest",
            "the linear model's. Its own thresholds, chosen on its out-of-fold predictions, are in",
            "the graph's metadata; the ones above apply when the file is absent.",
            "",
        ]
    CARD.write_text("\n".join(lines))


def _settings(values: dict[str, float]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


if __name__ == "__main__":
    raise SystemExit(main())
