"""The second stage: gradient-boosted trees over the linear model's verdicts and the exact signals.

The linear model (`app.feedback.learned`) adds up evidence; it cannot say "an ask is a pitch in
the first minute and fine after a warm quarter of an hour" or "a question that repeats their
line is hollow only when they just answered it", because those are products of two signals, not
sums. This stage reads, for each turn, the linear model's log-odds for every move together with
the hand-made signals of `features.scalars` (how far in, whether they asked the user something,
bad news, the answer-fit and hollowness checks...), and gives each move's probability again;
half of it, with half the linear model's, is the one the thresholds read.

Trained by `tools/train_analyzer.py` on the linear model's *out-of-fold* log-odds, so it learns
how far to trust the first stage on writers that stage never read, as it will be used. Shipped
as ONNX in `model/stack.onnx` (skl2onnx's export, merged into one tree-ensemble node for all
moves), its moves and thresholds in the graph's metadata; it runs with onnxruntime, as the
matcher's trees do. Without the file the linear model decides alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from app.feedback.embed import DIM
from app.feedback.features import VERSION
from app.feedback.types import Move

if TYPE_CHECKING:
    import onnxruntime

PATH = Path(__file__).parent / "model" / "stack.onnx"
# The dense features are four word-vector blocks (message, partner, their product, question)
# and then the exact signals; the trees read only the signals, the vectors reach them through
# the linear model's log-odds.
SIGNALS_FROM = 4 * DIM


def logits(probs: NDArray[np.float32]) -> NDArray[np.float32]:
    p = np.clip(probs, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p)).astype(np.float32)


def rows(linear: NDArray[np.float32], dense: NDArray[np.float32]) -> NDArray[np.float32]:
    """The stage's input, for training and inference alike: linear probabilities (rows x moves)
    and dense features (rows x features) -> rows x (moves + signals)."""
    return np.hstack([logits(linear), dense[:, SIGNALS_FROM:]]).astype(np.float32)


@dataclass(frozen=True)
class Stack:
    moves: tuple[Move, ...]
    session: onnxruntime.InferenceSession
    weight: float  # how much of a move's probability is the trees' (the rest: the linear model's)
    thresholds: NDArray[np.float32]  # per move, for the blended probabilities

    def probabilities(
        self, linear: dict[Move, float], dense: NDArray[np.float32]
    ) -> dict[Move, float]:
        first = np.asarray([[linear[m] for m in self.moves]], np.float32)
        (out,) = self.session.run(["probabilities"], {"X": rows(first, dense[None, :])})
        w = self.weight
        return {
            m: w * p + (1 - w) * linear[m] for m, p in zip(self.moves, out[0].tolist(), strict=True)
        }

    def threshold_row(self, moves: tuple[Move, ...]) -> NDArray[np.float32]:
        return np.asarray([self.thresholds[self.moves.index(m)] for m in moves], np.float32)


def load(path: Path = PATH) -> Stack | None:
    """The shipped stage, or None when it is missing or was built for other features."""
    if not path.exists():
        return None
    from app.nlp.threads import onnx_session

    session = onnx_session(path)  # one thread: one row a turn
    meta = session.get_modelmeta().custom_metadata_map
    if int(meta.get("features_version", -1)) != VERSION:
        return None
    return Stack(
        moves=tuple(Move(m) for m in json.loads(meta["moves"])),
        session=session,
        weight=float(meta.get("weight", 1.0)),
        thresholds=np.asarray(json.loads(meta["thresholds"]), np.float32),
    )


@lru_cache(maxsize=1)
def model() -> Stack | None:
    return load()
