"""Caches: a bounded one of text embeddings, for any embedding function, and the folder where
what is built once per machine is kept (the encoder's embeddings, the lemma dictionary)."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

Embedder = Callable[[Sequence[str]], NDArray[np.float32]]


class TextCache:
    """One text's embedding, cached (a conversation's lines are embedded again every turn), and
    `many` to embed a turn's uncached texts in one call: one tokenizer pass and one pooling for
    the message, the partner's lines and the question instead of one each. The oldest entries
    go first once `size` is reached."""

    def __init__(self, size: int, embed: Embedder) -> None:
        self.size = size
        self._embed = embed
        self._data: OrderedDict[str, NDArray[np.float32]] = OrderedDict()

    def __call__(self, text: str) -> NDArray[np.float32]:
        vector = self._data.get(text)
        if vector is None:
            return self.many((text,))[0]
        self._data.move_to_end(text)
        return vector

    def many(self, texts: Sequence[str]) -> list[NDArray[np.float32]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._data]
        if missing:
            for text, vector in zip(missing, self._embed(missing), strict=True):
                vector.setflags(write=False)
                self._data[text] = vector
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return [self._data[t] if t in self._data else self._embed([t])[0] for t in texts]

    def cache_clear(self) -> None:
        self._data.clear()


def cache_dir() -> Path:
    """Where what is built once per machine is kept: RAPPORT_CACHE_DIR, else the user's cache
    folder."""
    configured = os.environ.get("RAPPORT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rapport"
