"""A sentence encoder for matching questions by meaning: all-MiniLM-L6-v2, fine-tuned on the
personas' questions (tools/finetune_matcher_encoder.py), run with onnxruntime.

The model (int8, 23 MB) and its tokenizer ship in `app/nlp/minilm/` (exported by
tools/export_encoder.py; Apache-2.0, see the README there), so nothing is downloaded, ever, and
torch is not needed. It tells paraphrases apart far better than the static word vectors of
`app.feedback.embed` (nearest authored question, held-out questions: 0.88 against 0.83), at a
cost of about a millisecond a sentence, so it is used where a turn asks one question of it (which
of the persona's lines answers the user), not on the analyzer's hot path.

Embeddings of a persona's authored questions and lines are many (about 2,000 a persona, some
seconds to embed) and the same in every process, so `encode_cached` keeps them on disk, one row
per text, keyed by the model and the text.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime
from filelock import FileLock, Timeout
from numpy.typing import NDArray
from tokenizers import Tokenizer

from app.nlp.cache import TextCache, cache_dir
from app.nlp.threads import onnx_session

HERE = Path(__file__).with_name("minilm")
DIM = 384
CACHE_VERSION = 3  # bumped when `encode` changes what it returns for the same model
LOCK_SECONDS = 300  # longest wait for another process embedding the same texts
MAX_TOKENS = 128  # the model was trained on up to 128 word pieces; a question is far shorter


@lru_cache(maxsize=1)
def _session() -> onnxruntime.InferenceSession:
    # One thread: a turn encodes one short question (app/nlp/threads.py).
    return onnx_session(HERE / "model.onnx")


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
        out[row] = _encode_one(text)
    return out


def _encode_one(text: str) -> NDArray[np.float32]:
    encoding = _tokenizer().encode(text)
    ids = np.asarray([encoding.ids], dtype=np.int64)
    mask = np.asarray([encoding.attention_mask], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    (hidden,) = _session().run(None, feeds)
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.divide(pooled, norms, out=np.zeros_like(pooled), where=norms > 0)[0]


def encode_cached(texts: Sequence[str]) -> NDArray[np.float32]:
    """`encode(texts)`, each text read from disk when this model has embedded it before.

    The cache is one SQLite file per model (a text's hash -> its embedding), so editing a
    persona embeds only the lines that changed. Processes starting together (API workers, test
    workers) take a file lock while they embed what is missing, so one of them does it and the
    others read its rows instead of all spending the same seconds. A cache that cannot be read
    or written is only a miss.
    """
    keys = [hashlib.sha256(t.encode("utf-8")).digest()[:16] for t in texts]
    path = cache_dir() / f"encoder-{model_hash()}-v{CACHE_VERSION}.sqlite3"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        found = _read(path, keys)
        if len(found) < len(set(keys)):
            with FileLock(f"{path}.lock", timeout=LOCK_SECONDS):
                found = _read(path, keys)
                missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
                if missing:
                    vectors = encode(list(missing.values()))
                    found.update(zip(missing, vectors, strict=True))
                    _write(path, list(zip(missing, vectors, strict=True)))
    except (OSError, sqlite3.Error, Timeout):
        return encode(texts)  # no usable cache folder, or a holder that never finished
    return np.stack([found[k] for k in keys]) if keys else np.zeros((0, DIM), np.float32)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=LOCK_SECONDS)
    db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
    return db


def _read(path: Path, keys: list[bytes]) -> dict[bytes, NDArray[np.float32]]:
    found: dict[bytes, NDArray[np.float32]] = {}
    unique = list(dict.fromkeys(keys))
    with closing(_connect(path)) as db:
        for start in range(0, len(unique), 500):  # SQLite's limit on bound parameters
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"  # noqa: S608
            for key, blob in db.execute(query, chunk):
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (DIM,):  # anything else is a foreign row: embed again
                    found[key] = vector
    return found


def _write(path: Path, rows: list[tuple[bytes, NDArray[np.float32]]]) -> None:
    with closing(_connect(path)) as db, db:
        db.executemany(
            "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
            [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in rows],
        )


# The last few hundred messages: a turn asks about the same text more than once (the question,
# its last sentence, the focus check).
encode_one = TextCache(512, encode)
