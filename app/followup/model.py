"""The learned note labeller: one logistic regression per label over `notes.features`.

Trained by `tools/train_notes.py` (scikit-learn, at development time only) on labelled notes
written by independent writers, and shipped as plain numbers in `model/notes.json`, so that
inference is a few dot products with numpy. The card beside it (`model/CARD.md`) says what it
was trained on and how it scores. Without the file the rules in `decide_by_rules` decide.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MODEL_PATH = Path(__file__).parent / "model" / "notes.json"
LABELS = ("specific", "thanks", "ask", "length")


@dataclass(frozen=True)
class LabelModel:
    classes: tuple[str, ...]
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    coef: NDArray[np.float64]  # classes x features (one row for a two-class label)
    intercept: NDArray[np.float64]

    def probabilities(self, x: NDArray[np.float64]) -> dict[str, float]:
        logits = self.coef @ ((x - self.mean) / self.scale) + self.intercept
        if len(self.classes) == 2:  # scikit-learn's binary form: one row, for classes[1]
            p = float(1.0 / (1.0 + np.exp(-logits[0])))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        shifted = np.exp(logits - logits.max())
        probs = shifted / shifted.sum()
        return {c: float(p) for c, p in zip(self.classes, probs, strict=True)}


@dataclass(frozen=True)
class NoteModel:
    features: tuple[str, ...]
    labels: dict[str, LabelModel]

    def predict(self, x: list[float]) -> dict[str, tuple[str, float]]:
        """Per label: the class the model is surest of, and how sure."""
        vector = np.asarray(x, dtype=np.float64)
        out = {}
        for name, model in self.labels.items():
            probs = model.probabilities(vector)
            best = max(probs, key=lambda c: probs[c])
            out[name] = (best, probs[best])
        return out


def from_json(data: dict[str, Any]) -> NoteModel:
    labels = {
        name: LabelModel(
            classes=tuple(body["classes"]),
            mean=np.asarray(body["mean"], dtype=np.float64),
            scale=np.asarray(body["scale"], dtype=np.float64),
            coef=np.asarray(body["coef"], dtype=np.float64),
            intercept=np.asarray(body["intercept"], dtype=np.float64),
        )
        for name, body in data["labels"].items()
    }
    return NoteModel(tuple(data["features"]), labels)


@lru_cache(maxsize=1)
def load(path: Path = MODEL_PATH) -> NoteModel | None:
    """The shipped model, or None when there is none (the rules decide then)."""
    if not path.exists():
        return None
    return from_json(json.loads(path.read_text(encoding="utf-8")))
