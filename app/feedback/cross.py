"""The fine-tuned move model: a small transformer reading the conversation and the reply at once.

The linear model (`app.feedback.learned`) sees the reply and the partner's line through static
word vectors and hand-made signals; whether a question asks what was just said, whether an ask
comes in the first minute or after a warm quarter of an hour, whether "how exciting" is praise or
a sneer, are relations between the two that a linear sum over separate vectors reads poorly.
This model is all-MiniLM-L6-v2 fine-tuned (by `tools/finetune_analyzer.py`, at development time
only, with PyTorch) on the labelled corpus as a cross-encoder: one sequence holding the last few
lines of the conversation and the reply, eleven move outputs and one for genuine interest. It
ships as int8 ONNX in `model/cross/` and runs with onnxruntime and tokenizers, as the question
encoder does; nothing is downloaded and torch is not needed at run time. The analyzer blends its
probabilities with the shipped model's (weight in `meta.json`, fitted by
`tools/fit_cross_blend.py` on a writer neither was trained on) and lets the blend overrule
neither an exact cue nor that model's certainty (`analyzer._backed`).

`pair_text` is the one place the model's input is written, for training and inference alike.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from app.feedback.embed import readable

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

HERE = Path(__file__).parent / "model" / "cross"
MAX_TOKENS = 256
# How many lines of the conversation the model reads: the partner's line and the five before it.
# A model records the number it was trained with in meta.json (`context_lines`; models that say
# nothing read six), so a retrain with another length cannot be fed the wrong one. Twelve, a whole
# practice conversation, was tried in session 23 and not shipped (docs/benchmarks.md).
CONTEXT_LINES = 6
LINE_CHARS = 320  # a line longer than this keeps its start and its end


class Line(Protocol):
    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= LINE_CHARS:
        return text
    half = LINE_CHARS // 2
    return f"{text[:half]} ... {text[-half:]}"


def pair_text(
    message: str, history: Sequence[Line], context_lines: int = CONTEXT_LINES
) -> tuple[str, str]:
    """(conversation, reply): the last `context_lines` lines of the conversation as the model reads
    them, newest line last, with how many replies the user had given before this one; and the
    reply itself."""
    users_before = sum(1 for h in history if h.role == "user")
    recent = history[-context_lines:]
    lines = [
        f"{'them' if h.role == 'persona' else 'you'}: {_clip(readable(h.content))}" for h in recent
    ]
    head = f"reply {users_before + 1}" + (" (cut)" if len(history) > len(recent) else "")
    return " | ".join([head, *lines]), " ".join(readable(message).split())


@dataclass(frozen=True)
class CrossModel:
    moves: tuple[str, ...]  # output order, genuine_interest last
    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer
    weight: float  # how much of a move's probability comes from this model (the rest: linear)
    thresholds: NDArray[np.float32]  # per move, for the blended probabilities
    context_lines: int = CONTEXT_LINES  # as the model was trained

    def text(self, message: str, history: Sequence[Line]) -> tuple[str, str]:
        """The model's input, as long as the one it was trained on."""
        return pair_text(message, history, self.context_lines)

    def probabilities(self, message: str, history: Sequence[Line]) -> NDArray[np.float32]:
        context, reply = self.text(message, history)
        enc = self.tokenizer.encode(context, reply)
        ids = np.asarray([enc.ids], dtype=np.int64)
        feeds = {
            "input_ids": ids,
            "attention_mask": np.asarray([enc.attention_mask], dtype=np.int64),
            "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64),
        }
        (logits,) = self.session.run(None, feeds)
        return (1.0 / (1.0 + np.exp(-logits[0]))).astype(np.float32)

    def own(self, message: str, history: Sequence[Line]) -> dict[str, float]:
        """This model's probabilities alone, by output name (genuine_interest included)."""
        return dict(zip(self.moves, self.probabilities(message, history).tolist(), strict=True))

    def blend(self, linear: dict[str, float], mine: dict[str, float]) -> dict[str, float]:
        """Each move's probability: this model's (`own`) and the shipped model's (the linear
        model and the trees over it), weighted."""
        return {m: self.weight * mine[m] + (1 - self.weight) * p for m, p in linear.items()}

    def threshold_row(self, moves: Sequence[str]) -> NDArray[np.float32]:
        return np.asarray([self.thresholds[self.moves.index(m)] for m in moves], np.float32)


def tokenizer_from(path: Path) -> Tokenizer:
    """The tokenizer as training and inference both use it: cut from the left (the newest lines
    and the reply stay), and unpadded. MiniLM's file pads every input to 128 tokens; with that
    left on, the fine-tuning batches (which mask only their own padding) trained the model on
    [PAD]s it attended to, while onnxruntime got the file's mask that leaves them out, and read
    the model's outputs up to 0.8 apart from PyTorch's (session 14)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(MAX_TOKENS, strategy="longest_first", direction="left")
    tokenizer.no_padding()
    return tokenizer


def load(folder: Path = HERE) -> CrossModel | None:
    """The shipped model, or None when it is not there (the linear model then decides alone)."""
    meta_path = folder / "meta.json"
    if not (meta_path.exists() and (folder / "model.onnx").exists()):
        return None
    from app.nlp.threads import onnx_session

    meta = json.loads(meta_path.read_text())
    session = onnx_session(folder / "model.onnx")  # one thread: a turn is one short sequence
    tokenizer = tokenizer_from(folder / "tokenizer.json")
    return CrossModel(
        moves=tuple(meta["outputs"]),
        session=session,
        tokenizer=tokenizer,
        weight=float(meta["weight"]),
        thresholds=np.asarray(meta["thresholds"], np.float32),
        context_lines=int(meta.get("context_lines", CONTEXT_LINES)),
    )


@lru_cache(maxsize=1)
def model() -> CrossModel | None:
    """The shipped model, blended over the linear model and the trees (session 17, see
    docs/benchmarks.md), unless `RAPPORT_CROSS_ANALYZER=0` turns it off."""
    if os.environ.get("RAPPORT_CROSS_ANALYZER", "1") == "0":
        return None
    return load()
