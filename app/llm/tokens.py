"""Offline token counting with bpe-openai, which carries the cl100k and o200k tables.

tiktoken fetches its tables over the network on first use; these machines cannot, so every count
in the project (prompt budgets, the fake server's usage numbers, the benchmark) goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import bpe_openai

DEFAULT_ENCODING = "o200k_base"
# OpenAI's chat format adds a few framing tokens per message and to prime the reply.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3


@cache
def _encoding(name: str) -> bpe_openai.Encoding:
    # Building an encoding takes ~0.1 s; one per name for the life of the process.
    return _bpe().get_encoding(name)


@cache
def _bpe() -> ModuleType:
    """bpe-openai, imported on first use: the import alone is ~0.6 s of CPU, which a scripted
    server, the CLI and every test worker paid at start-up without counting a token."""
    import bpe_openai

    return bpe_openai


@lru_cache(maxsize=64)
def encoding_name(model: str | None) -> str:
    """The model's encoding when bpe-openai knows it; o200k otherwise (vLLM, Ollama, llama.cpp).

    Non-OpenAI models use other tokenizers; o200k is a close enough yardstick for budgets.
    """
    if model:
        try:
            return _bpe().encoding_name_for_model(model)
        except (_bpe().UnsupportedModelError, ValueError, KeyError):
            pass
    return DEFAULT_ENCODING


def encoding_for(model: str | None = None) -> bpe_openai.Encoding:
    return _encoding(encoding_name(model))


def warm_up(model: str | None = None) -> None:
    """Load the tables at start-up, so the first turn does not stall the event loop."""
    encoding_for(model)
    encoding_for(None)


def count_tokens(text: str, model: str | None = None) -> int:
    return _count(text, encoding_name(model))


@lru_cache(maxsize=2048)
def _count(text: str, encoding: str) -> int:
    # Cached: a conversation's lines are counted again on every later turn's prompt.
    # encode_ordinary: user text containing "<|endoftext|>" is plain text, not an error.
    return len(_encoding(encoding).encode_ordinary(text))


def count_chat_tokens(contents: Iterable[str], model: str | None = None) -> int:
    """Prompt tokens of a chat request whose messages have these contents."""
    total = TOKENS_PER_REPLY
    for content in contents:
        total += TOKENS_PER_MESSAGE + count_tokens(content, model)
    return total


def truncate_to_tokens(text: str, limit: int, model: str | None = None) -> str:
    """The longest prefix of `text` within `limit` tokens, cut back to a word boundary."""
    encoding = encoding_for(model)
    tokens = encoding.encode_ordinary(text)
    if len(tokens) <= limit:
        return text
    prefix = encoding.decode(tokens[:limit])
    cut = prefix.rfind(" ")
    return (prefix[:cut] if cut > 0 else prefix).rstrip() + " …"
