"""The one wrapper around the chat model: any OpenAI-compatible endpoint through LangChain.

Every failure (HTTP error after the client's own retries, timeout, a stream cut midway, output
that does not parse) is logged and re-raised as app.errors.LLMUnavailable, so callers deal with a
single domain error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Literal, cast

import openai
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from app.config import Settings
from app.errors import LLMUnavailable
from app.llm.metrics import LLM_CALL_SECONDS, LLM_CALLS, LLM_TOKENS
from app.llm.tokens import count_chat_tokens, count_tokens, warm_up

log = logging.getLogger(__name__)

StructuredMethod = Literal["function_calling", "json_schema", "json_mode"]
# Local servers (vLLM, Ollama, llama.cpp) want some key in the header but ignore its value.
PLACEHOLDER_KEY = "not-needed"
DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False  # counted here because the server did not report it

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    usage: Usage


class StreamResult:
    """Filled in as a stream() runs: the usage once the stream has finished."""

    usage: Usage | None = None


def usage_from(message: AIMessage | AIMessageChunk | None) -> Usage | None:
    meta = getattr(message, "usage_metadata", None)
    if not meta:
        return None
    return Usage(meta.get("input_tokens", 0), meta.get("output_tokens", 0))


def estimate_usage(messages: Sequence[BaseMessage], text: str, model: str) -> Usage:
    prompt = count_chat_tokens((str(m.content) for m in messages), model)
    return Usage(prompt, count_tokens(text, model), estimated=True)


def record(call: str, started: float, usage: Usage) -> None:
    LLM_CALLS.labels(call=call, outcome="ok").inc()
    LLM_CALL_SECONDS.labels(call=call).observe(time.perf_counter() - started)
    LLM_TOKENS.labels(kind="prompt").inc(usage.prompt_tokens)
    LLM_TOKENS.labels(kind="completion").inc(usage.completion_tokens)


class LLMClient:
    """complete / stream / structured over a ChatOpenAI model; errors become LLMUnavailable."""

    def __init__(
        self, chat: ChatOpenAI, *, structured_method: StructuredMethod = "function_calling"
    ) -> None:
        self.chat = chat
        self.model = chat.model_name
        warm_up(self.model)
        timeout = chat.request_timeout
        self.timeout = float(timeout) if isinstance(timeout, int | float) else DEFAULT_TIMEOUT
        # Tool calling is the structured-output route the most OpenAI-compatible servers share.
        self.structured_method = structured_method
        # id(schema) -> (schema, runnable); the schema is kept so its id cannot be reused.
        self._structured: dict[int, tuple[object, Runnable[Any, Any]]] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, *, structured_method: StructuredMethod = "function_calling"
    ) -> LLMClient:
        chat = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or PLACEHOLDER_KEY,
            model=settings.llm_model,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            temperature=0.7,
            use_responses_api=False,
            # Our own connection pool: LangChain's default one is shared by the whole process and
            # bound to the first event loop that used it, which breaks a CLI or test suite that
            # runs several loops.
            http_async_client=openai.DefaultAsyncHttpxClient(),
        )
        return cls(chat, structured_method=structured_method)

    async def aclose(self) -> None:
        """Close the connection pool (the app's lifespan calls this on shutdown)."""
        if self.chat.http_async_client is not None:
            await self.chat.http_async_client.aclose()

    async def complete(self, messages: Sequence[BaseMessage]) -> Completion:
        started = time.perf_counter()
        try:
            answer = await self.chat.ainvoke(list(messages))
        except Exception as exc:
            raise self._unavailable("complete", exc, started) from exc
        text = answer.text if isinstance(answer.text, str) else str(answer.content)
        usage = usage_from(answer) or estimate_usage(messages, text, self.model)
        record("complete", started, usage)
        return Completion(text, usage)

    async def stream(
        self, messages: Sequence[BaseMessage], result: StreamResult | None = None
    ) -> AsyncGenerator[str, None]:
        """Yield text pieces as the model produces them; a cut stream raises LLMUnavailable."""
        started, parts, usage = time.perf_counter(), [], None
        # Closed with this generator, so a caller that stops early also ends the HTTP response.
        pieces = cast(AsyncGenerator[AIMessageChunk, None], self.chat.astream(list(messages)))
        try:
            async with aclosing(pieces):
                async for piece in pieces:
                    usage = usage_from(piece) or usage
                    text = piece.text if isinstance(piece.text, str) else ""
                    if text:
                        parts.append(text)
                        yield text
        except Exception as exc:
            raise self._unavailable("stream", exc, started) from exc
        usage = usage or estimate_usage(messages, "".join(parts), self.model)
        record("stream", started, usage)
        if result is not None:
            result.usage = usage

    async def structured(
        self, messages: Sequence[BaseMessage], schema: type[BaseModel] | dict[str, Any]
    ) -> tuple[Any, Usage]:
        """An object of `schema` (a pydantic class, or a dict for a JSON schema) and the usage."""
        started = time.perf_counter()
        runnable = self._structured_runnable(schema)
        try:
            answer = await runnable.ainvoke(list(messages))
        except Exception as exc:
            raise self._unavailable("structured", exc, started) from exc
        if answer.get("parsing_error") is not None or answer.get("parsed") is None:
            error = answer.get("parsing_error") or ValueError("the model returned no object")
            raise self._unavailable("structured", error, started)
        raw = answer.get("raw")
        usage = usage_from(raw) or estimate_usage(
            messages, str(getattr(raw, "content", "")), self.model
        )
        record("structured", started, usage)
        return answer["parsed"], usage

    def _structured_runnable(self, schema: type[BaseModel] | dict[str, Any]) -> Runnable[Any, Any]:
        # Built once per schema: converting a schema to a tool definition costs CPU on every turn.
        key = id(schema)
        if key not in self._structured:
            self._structured[key] = (
                schema,
                self.chat.with_structured_output(
                    schema, method=self.structured_method, include_raw=True
                ),
            )
        return self._structured[key][1]

    def _unavailable(self, call: str, exc: BaseException, started: float) -> LLMUnavailable:
        elapsed = time.perf_counter() - started
        LLM_CALLS.labels(call=call, outcome="error").inc()
        LLM_CALL_SECONDS.labels(call=call).observe(elapsed)
        log.warning(
            "llm %s failed after %.2fs (model=%s): %s: %s",
            call,
            elapsed,
            self.model,
            type(exc).__name__,
            exc,
        )
        return LLMUnavailable(
            f"The language model did not answer ({type(exc).__name__}); try again shortly.",
            cause=type(exc).__name__,
        )
