"""The learned move model: one logistic regression per move over `features.extract`.

Trained by `tools/train_analyzer.py` (scikit-learn, at development time only) and shipped as
plain arrays in `model/analyzer.npz`, so inference is a few numpy dot products with no framework.
The model card beside it (`model/CARD.md`) says what it was trained on.
"""

from __future__ import annotations

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
        columns = [self.vocabulary[g] for g in set(features.ngrams) if g in self.vocabulary]
        if columns:
            logits = logits + self.ngram_weights[:, columns].sum(axis=1)
        probs = 1.0 / (1.0 + np.exp(-logits))
        return {m: float(p) for m, p in zip(self.moves, probs, strict=True)}

    def decide(self, probs: dict[Move, float]) -> set[Move]:
        return {m for m, t in zip(self.moves, self.thresholds, strict=True) if probs[m] >= t}


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
