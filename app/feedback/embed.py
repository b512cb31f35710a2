"""Sentence embeddings, loaded once per process from the wordllama wheel (no download, ever).

WordLlama ships its 256-dimension weights and tokenizer inside its package; pointing its cache
at the package folder with downloads disabled makes a missing file an error at start-up rather
than a network call at run time. One embedding costs about 45 microseconds on this machine.
"""

from __future__ import annotations

import os

# The tokenizer's Rayon thread pool costs more than it saves on a turn's few short texts: with
# it, an embedding call took 360 us on this 2-core machine under load, 62 us without (the
# library's documented switch; set before the first encode). A deployment can still say "true".
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import wordllama
from numpy.typing import NDArray
from wordllama import WordLlama

from app.nlp.cache import TextCache
from app.nlp.threads import one_blas_thread

DIM = 256

# What the word vectors cannot read: e-mail addresses, links, and identifiers that mix letters
# and digits (an order number, a hash). The tokenizer cuts each into many rare pieces, and the
# sentence's mean vector follows them: "Hi, I'm Dana zq4dfe6c4599. How did you get into
# recruiting?" read as a pitch (0.92) where "Hi, I'm Dana Kowalski." read as none (0.14). The
# training corpus holds two such tokens in 10,621 turns, so leaving them out matches training.
_UNREADABLE = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?:https?://|www\.)[^\s()<>]*[^\s()<>.,;:!?'\"]"
    r"|\b(?=(?:[A-Za-z0-9]*[0-9]){2})(?=(?:[A-Za-z0-9]*[A-Za-z]){2})[A-Za-z0-9]{8,}\b"
)

_EMPTY_BRACKETS = re.compile(r"[(\[]\s*[)\]]")
_SPACE_BEFORE_STOP = re.compile(r"\s+([.,;:!?])")


def readable(text: str) -> str:
    """`text` without what the word vectors cannot read (see `_UNREADABLE`)."""
    if not _UNREADABLE.search(text):
        return text
    left = _EMPTY_BRACKETS.sub("", _UNREADABLE.sub("", text))
    return _SPACE_BEFORE_STOP.sub(r"\1", " ".join(left.split()))


@lru_cache(maxsize=1)
def model() -> WordLlama:
    one_blas_thread()  # every product of these embeddings is small (app/nlp/threads.py)
    return WordLlama.load(dim=DIM, cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def embed(texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit-length embeddings, one row per text (an empty text gives a zero row)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    vectors = np.asarray(model().embed([readable(t) for t in texts], norm=False), np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


embed_one = TextCache(4096, embed)
