"""The learned move model: one logistic regression per move over `features.extract`.

Trained by `tools/train_analyzer.py` (scikit-learn, at development time only) and shipped as
plain arrays in `model/analyzer.npz`, so inference is a few numpy dot products with no framework.
The model card beside it (`model/CARD.md`) says what it was trained on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from app.feedback.features import VERSION, TurnFeatures
from app.feedback.types import Move

MODEL_PATH = Path(__file__).parent / "model" / "analyzer.npz"


@dataclass(frozen=True)
class MoveModel:
    moves: tuple[Move, ...]
    mean: NDArray[np.float32]
    scale: NDArray[np.float32]
    dense_weights: NDArray[np.float32]  # moves x dense features
    ngram_weights: NDArray[np.float32]  # moves x vocabulary
    bias: NDArray[np.float32]
    thresholds: NDArray[np.float32]
    vocabulary: dict[str, int]

    def probabilities(self, features: TurnFeatures) -> dict[Move, float]:
        x = (features.dense - self.mean) / self.scale
        logits = self.dense_weights @ x + self.bias
        vocabulary = self.vocabulary
        columns = [c for g in set(features.ngrams) if (c := vocabulary.get(g)) is not None]
        if columns:
            logits = logits + self.ngram_weights[:, columns].sum(axis=1)
        probs = 1.0 / (1.0 + np.exp(-logits))
        return {m: float(p) for m, p in zip(self.moves, probs, strict=True)}

    def decide(
        self, probs: dict[Move, float], thresholds: NDArray[np.float32] | None = None
    ) -> set[Move]:
        limits = self.thresholds if thresholds is None else thresholds
        return decide_one(probs, dict(zip(self.moves, limits.tolist(), strict=True)))


# Moves the writers almost never give one turn together (under 1% of co-occurrences in the
# corpus): a turn is a follow-up *or* a hijack, a reflection *or* a put-down. When the model is
# past both thresholds, the one it is surer of (in log-odds above its threshold) stands.
# Pitch and self-focus are left out: a late ask with a follow-up, congratulations then one's own
# story, are common and real.
LISTENING = frozenset(
    {
        Move.FOLLOW_UP_QUESTION,
        Move.NEW_TOPIC_QUESTION,
        Move.MIRROR_QUESTION,
        Move.REFLECTION,
        Move.ACKNOWLEDGEMENT,
    }
)
NOT_LISTENING = frozenset({Move.TOPIC_HIJACK, Move.DISMISSIVE, Move.MINIMAL})
# A question builds on their line or opens a new topic, never both (the guide's definitions).
# A minimal reply ("Cool.", "ok") is a move on its own: none of the 261 the writers labelled
# carries a second move, so "Cool." is minimal *or* a put-down, whichever the model is surer of.
EXCLUSIVE = (
    (LISTENING, NOT_LISTENING),
    (frozenset({Move.FOLLOW_UP_QUESTION}), frozenset({Move.NEW_TOPIC_QUESTION})),
    (frozenset({Move.MINIMAL}), frozenset(Move) - {Move.MINIMAL}),
)


def _logit(p: NDArray[np.float32]) -> NDArray[np.float64]:
    # In double precision, as `decide_one` computes: in single, 1 - 1e-6 rounds so that a sure
    # move's margin over an even threshold falls below an even move's over a zero one.
    p64 = np.clip(p.astype(np.float64), 1e-6, 1 - 1e-6)
    return np.log(p64 / (1 - p64))


def decode(
    probs: NDArray[np.float32], thresholds: NDArray[np.float32], moves: tuple[Move, ...]
) -> NDArray[np.bool_]:
    """Rows of move probabilities -> rows of decided moves (shared with training)."""
    on = probs >= thresholds
    margin = _logit(probs) - _logit(thresholds)
    for first, second in EXCLUSIVE:
        a = np.asarray([m in first for m in moves])
        b = np.asarray([m in second for m in moves])
        both = on[:, a].any(axis=1) & on[:, b].any(axis=1)
        if not both.any():
            continue
        best_a = np.where(on[:, a], margin[:, a], -np.inf).max(axis=1)
        best_b = np.where(on[:, b], margin[:, b], -np.inf).max(axis=1)
        drop_b = both & (best_a >= best_b)
        drop_a = both & ~drop_b
        on[np.ix_(drop_b, b)] = False
        on[np.ix_(drop_a, a)] = False
    return on


def _logit_one(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def decide_one(probs: dict[Move, float], thresholds: dict[Move, float]) -> set[Move]:
    """`decode` for one turn, in plain Python: numpy's cost per call on eleven numbers was a
    tenth of an analysis. The same rules, the same order (a test holds the two together)."""
    on = {m for m, p in probs.items() if p >= thresholds[m]}
    margin = {m: _logit_one(probs[m]) - _logit_one(thresholds[m]) for m in on}
    for first, second in EXCLUSIVE:
        a, b = on & first, on & second
        if a and b:
            on -= b if max(margin[m] for m in a) >= max(margin[m] for m in b) else a
    return on


def save(model: MoveModel, path: Path = MODEL_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    vocab = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    np.savez_compressed(
        path,
        version=np.asarray(VERSION),
        moves=np.asarray([m.value for m in model.moves]),
        mean=model.mean,
        scale=model.scale,
        dense_weights=model.dense_weights,
        ngram_weights=model.ngram_weights,
        bias=model.bias,
        thresholds=model.thresholds,
        vocabulary=np.asarray(vocab),
    )


def load(path: Path = MODEL_PATH) -> MoveModel | None:
    """The shipped model, or None when it is missing or was built for other features."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        if int(data["version"]) != VERSION:
            return None
        return MoveModel(
            moves=tuple(Move(m) for m in data["moves"]),
            mean=data["mean"].astype(np.float32),
            scale=data["scale"].astype(np.float32),
            dense_weights=data["dense_weights"].astype(np.float32),
            ngram_weights=data["ngram_weights"].astype(np.float32),
            bias=data["bias"].astype(np.float32),
            thresholds=data["thresholds"].astype(np.float32),
            vocabulary={str(g): i for i, g in enumerate(data["vocabulary"])},
        )


@lru_cache(maxsize=1)
def model() -> MoveModel | None:
    return load()
