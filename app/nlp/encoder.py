"""A sentence encoder for matching questions by meaning: all-MiniLM-L6-v2, run with onnxruntime.

The model (int8, 23 MB) and its tokenizer ship in `app/nlp/minilm/` (exported by
tools/export_encoder.py; Apache-2.0, see the README there), so nothing is downloaded, ever, and
torch is not needed. It tells paraphrases apart far better than the static word vectors of
`app.feedback.embed` (nearest authored question, held-out questions: 0.88 against 0.83), at a
cost of about a millisecond a sentence, so it is used where a turn asks one question of it (which
of the persona's lines answers the user), not on the analyzer's hot path.

Embeddings of a persona's authored questions are many (about 1,700 a persona) and the same in
every process, so `encode_cached` keeps them on disk, keyed by the model and the texts.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime
from filelock import FileLock, Timeout
from numpy.typing import NDArray
from tokenizers import Tokenizer

HERE = Path(__file__).with_name("minilm")
DIM = 384
CACHE_VERSION = 2  # bumped when `encode` changes what it returns for the same model
LOCK_SECONDS = 300  # longest wait for another process embedding the same texts
MAX_TOKENS = 128  # the model was trained on up to 128 word pieces; a question is far shorter


@lru_cache(maxsize=1)
def _session() -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    # One thread: a turn encodes one short question, where a thread pool costs more than it
    # saves, and several API workers share the machine's cores.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        str(HERE / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(HERE / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


@lru_cache(maxsize=1)
def model_hash() -> str:
    return hashlib.sha256((HERE / "model.onnx").read_bytes()).hexdigest()[:16]


def encode(texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit-length embeddings, one row per text, in order.

    One text at a time: the int8 model quantises each call's activations with one scale, so a
    text's embedding would shift a little with whatever shares its batch (cosine 0.98-0.99),
    and a user typing an authored question word for word should meet that question's own row.
    Batches of 8 were only a fifth faster.
    """
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for row, text in enumerate(texts):
        out[row] = _encode_batch([text])[0]
    return out


def _encode_batch(texts: list[str]) -> NDArray[np.float32]:
    encodings = _tokenizer().encode_batch(texts)
    ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
    mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    (hidden,) = _session().run(None, feeds)
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.divide(pooled, norms, out=np.zeros_like(pooled), where=norms > 0)


def cache_dir() -> Path:
    """Where `encode_cached` keeps embeddings: RAPPORT_CACHE_DIR, else the user's cache folder."""
    configured = os.environ.get("RAPPORT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rapport"


def encode_cached(texts: Sequence[str]) -> NDArray[np.float32]:
    """`encode(texts)`, read from disk when this model has embedded exactly these texts before.

    A missing, unreadable or foreign file is only a cache miss. Processes starting together
    (API workers, test workers) take a file lock, so one of them embeds and the others read its
    result instead of all spending the same seconds; the file is written atomically besides.
    """
    digest = hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()[:24]
    path = cache_dir() / f"encoder-{model_hash()}-v{CACHE_VERSION}-{digest}.npy"
    cached = _load(path, len(texts))
    if cached is not None:
        return cached
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{path}.lock", timeout=LOCK_SECONDS):
            cached = _load(path, len(texts))
            if cached is not None:
                return cached
            vectors = encode(texts)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
                np.save(f, vectors, allow_pickle=False)
            os.replace(f.name, path)
            return vectors
    except (OSError, Timeout):
        return encode(texts)  # a read-only cache folder, or a holder that never finished


def _load(path: Path, rows: int) -> NDArray[np.float32] | None:
    try:
        cached = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    ok = cached.shape == (rows, DIM) and cached.dtype == np.float32
    return cached if ok else None


class _Recent:
    """The last few hundred messages' embeddings: a turn asks about the same text more than
    once (the question, its last sentence, the focus check)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[str, NDArray[np.float32]] = OrderedDict()

    def __call__(self, text: str) -> NDArray[np.float32]:
        vector = self._data.get(text)
        if vector is None:
            vector = encode([text])[0]
            vector.setflags(write=False)
            self._data[text] = vector
            if len(self._data) > self.size:
                self._data.popitem(last=False)
        else:
            self._data.move_to_end(text)
        return vector

    def cache_clear(self) -> None:
        self._data.clear()


encode_one = _Recent(512)
