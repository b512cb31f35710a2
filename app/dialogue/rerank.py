"""The matcher's second opinion: a cross-encoder that reads the question and a topic together.

The matcher (`app.dialogue.understand`) ranks a persona's topics by how close the question is to
each topic's authored questions and lines, one sentence embedding against another, and decides
with trees over those similarities whether anything answers at all. Two sentences can be close
and still not ask and answer the same thing ("What's your favourite pastry?" is near the coffee
queue; "Which accounts feel the errors most?" near when the errors happen). This model reads the
question and one topic as a single sequence (the topic's first questions, its first answer and
the start of each deeper line) and says how likely that topic answers it. It is
all-MiniLM-L6-v2 fine-tuned by `tools/finetune_matcher_cross.py` (development time only, with
PyTorch) on the personas' authored questions and the development question sets, never the
blind ones; it ships as int8 ONNX in `matcher_cross/` and runs with onnxruntime and tokenizers.

The matcher asks it about its own best few topics only (`CANDIDATES`) and blends the answer in
(`Reranker.blend`, weights fitted on a development writer neither model was trained on).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from app.nlp.pairs import pair_probabilities

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

    from app.personas.schema import Persona

HERE = Path(__file__).parent / "matcher_cross"
CANDIDATES = 4  # the matcher's best topics the cross-encoder reads
MAX_TOKENS = 160
TOPIC_QUESTIONS = 3  # authored questions written into a topic's text


def _first_sentence(text: str) -> str:
    for end in (". ", "? ", "! "):
        cut = text.find(end)
        if 0 < cut < 160:
            return text[: cut + 1]
    return text[:160]


def topic_text(persona: Persona) -> dict[tuple[str, str], str]:
    """Each topic as the model reads it, keyed by (kind, id): a few of its authored questions,
    its first answer, and the first sentence of each deeper line."""
    out: dict[tuple[str, str], str] = {}
    for kind, items in (("fact", persona.facts), ("hook", persona.hooks)):
        for item in items:
            key = (kind, item.topic if kind == "fact" else item.id)  # type: ignore[union-attr]
            surface = item.answers if kind == "fact" else item.reveal  # type: ignore[union-attr]
            parts = [
                " ".join(item.questions[:TOPIC_QUESTIONS]),
                surface[0] if surface else "",
                *(_first_sentence(line) for line in item.deeper_lines),
            ]
            out[key] = " | ".join(p for p in parts if p)
    return out


def tokenizer_from(path: Path) -> Tokenizer:
    """The tokenizer as training and inference both use it: unpadded (MiniLM's file pads to
    128, which the fine-tuning batches would otherwise attend to), the longer of the question
    and the topic's text cut first: a long topic text as a rule, a pasted essay too."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(MAX_TOKENS, strategy="longest_first")
    tokenizer.no_padding()
    return tokenizer


@dataclass(frozen=True)
class Reranker:
    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer
    weight: float  # how much of a candidate's score is this model's probability
    lift: float  # how much this model's best probability moves 'does anything answer?'
    centre: float  # the probability at which it moves it not at all

    def probabilities(self, query: str, texts: Sequence[str]) -> NDArray[np.float32]:
        """How likely each topic text answers the query, in one batch."""
        return pair_probabilities(self.session, self.tokenizer, [(query, t) for t in texts])

    def blend(
        self,
        scores: NDArray[np.float32],
        margin: float,
        candidates: Sequence[int],
        probabilities: NDArray[np.float32],
    ) -> tuple[NDArray[np.float32], float]:
        """The matcher's topic scores and margin with this model's say on `candidates` (the
        best few topics, in `probabilities`' order): a candidate's score moves toward its
        probability; the margin moves by how far the best probability is from `centre`."""
        blended = scores.copy()
        for i, p in zip(candidates, probabilities.tolist(), strict=True):
            blended[i] = (1 - self.weight) * float(scores[i]) + self.weight * p
        best = float(probabilities.max()) if len(probabilities) else self.centre
        return blended, margin + self.lift * (best - self.centre)


def load(folder: Path = HERE) -> Reranker | None:
    """The shipped model, or None when its files are not there (the matcher decides alone)."""
    meta_path = folder / "meta.json"
    if not (meta_path.is_file() and (folder / "model.onnx").is_file()):
        return None
    from app.nlp.threads import onnx_session

    meta = json.loads(meta_path.read_text())
    return Reranker(
        session=onnx_session(folder / "model.onnx"),
        tokenizer=tokenizer_from(folder / "tokenizer.json"),
        weight=float(meta["weight"]),
        lift=float(meta["lift"]),
        centre=float(meta["centre"]),
    )


@lru_cache(maxsize=1)
def model() -> Reranker | None:
    """The reranker, unless `RAPPORT_MATCHER_RERANK=0` turns it off."""
    if os.environ.get("RAPPORT_MATCHER_RERANK", "1") == "0":
        return None
    return load()
