"""Score pairs of texts with a one-logit cross-encoder (MiniLM fine-tuned, int8 ONNX): the
matcher's reranker (`app.dialogue.rerank`) and the hollow-question model
(`app.feedback.answered`) both read (text, text) pairs this way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer


def pair_probabilities(
    session: onnxruntime.InferenceSession, tokenizer: Tokenizer, pairs: Sequence[tuple[str, str]]
) -> NDArray[np.float32]:
    """The model's probability for each (first, second) pair, in one zero-padded batch."""
    if not pairs:
        return np.zeros(0, np.float32)
    encoded = [tokenizer.encode(first, second) for first, second in pairs]
    width = max(len(e.ids) for e in encoded)
    ids = np.zeros((len(encoded), width), np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for r, e in enumerate(encoded):
        ids[r, : len(e.ids)] = e.ids
        types[r, : len(e.type_ids)] = e.type_ids
        mask[r, : len(e.ids)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    (logits,) = session.run(None, feeds)
    return (1.0 / (1.0 + np.exp(-logits[:, 0]))).astype(np.float32)
