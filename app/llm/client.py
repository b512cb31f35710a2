"""The one wrapper around the chat model: any OpenAI-compatible endpoint through LangChain.

Every failure (HTTP error after the client's own retries, timeout, a stream cut midway, output
that does not parse) is logged and re-raised as app.errors.LLMUnavailable, so callers deal with a
single domain error.

The persona's reply and the summaries, the hot path, go by default through the OpenAI SDK client
that ChatOpenAI configured (same base URL, key, timeout and retries), posting the request body
as built here and reading the JSON or the server-sent events directly. The SDK's typed
`chat.completions.create` walks every message against its TypedDict unions (about 0.25 ms per
message, 2.5 ms for a ten-message prompt), LangChain adds its callbacks and message objects
on top (8 ms a call in all), and both build several pydantic objects per streamed token; with 25
conversations on one worker that CPU is the throughput limit (docs/benchmarks.md). The
structured judge keeps LangChain's `with_structured_output` over the SDK's public `create`.
`via="langchain"` sends every call through ChatOpenAI instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

import httpx
import openai
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from app.config import Settings
from app.errors import LLMUnavailable
from app.llm.metrics import LLM_CALL_SECONDS, LLM_CALLS, LLM_TOKENS
from app.llm.slots import Busy, EndpointSlots
from app.llm.template_tokens import without_control_tokens
from app.llm.tokens import count_chat_tokens, count_tokens, warm_up

log = logging.getLogger(__name__)

StructuredMethod = Literal["function_calling", "json_schema", "json_mode"]
Via = Literal["sdk", "langchain"]
ROLES = {"system": "system", "human": "user", "ai": "assistant"}
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
    finish_reason: str | None = None  # "length" when the answer hit max_tokens


@dataclass(frozen=True, slots=True)
class CallOptions:
    """What one kind of call asks of the model besides the messages."""

    # Where the model must stop: a line that starts with a speaker's label is the model writing
    # the other side of the conversation (or the next line of a transcript) on its own.
    stop: tuple[str, ...] = ()
    max_tokens: int | None = None
    temperature: float | None = None  # None: the client's (0.7, or 0 when `precise`)
    frequency_penalty: float | None = None
    # Work nobody waits for (a summary): skipped when the endpoint's slots are wanted for a
    # reply (app/llm/slots.py).
    background: bool = False


PLAIN = CallOptions()


@dataclass(frozen=True, slots=True)
class CallBudgets:
    """The bounds of each kind of call, from Settings (see docs/llm.md)."""

    reply_max_tokens: int = 200
    summary_max_tokens: int = 260
    judge_max_tokens: int = 400
    simulator_max_tokens: int = 200
    summary_temperature: float = 0.2
    frequency_penalty: float = 0.3

    @classmethod
    def from_settings(cls, settings: Settings) -> CallBudgets:
        return cls(
            reply_max_tokens=settings.llm_reply_max_tokens,
            summary_max_tokens=settings.llm_summary_max_tokens,
            judge_max_tokens=settings.llm_judge_max_tokens,
            simulator_max_tokens=settings.llm_simulator_max_tokens,
            summary_temperature=settings.llm_summary_temperature,
            frequency_penalty=settings.llm_frequency_penalty,
        )


class StreamResult:
    """Filled in as a stream() runs: the usage and the finish reason once it has finished."""

    usage: Usage | None = None
    # "stop", or "length" when the answer hit max_tokens: the last sentence may be cut short.
    finish_reason: str | None = None


class BrokenStream(Exception):
    """The server's event stream ended or failed before the model finished its answer."""


def usage_from(message: AIMessage | AIMessageChunk | None) -> Usage | None:
    meta = getattr(message, "usage_metadata", None)
    if not meta:
        return None
    return Usage(meta.get("input_tokens", 0), meta.get("output_tokens", 0))


def event_data(line: str) -> str | None:
    """The payload of an SSE `data:` line; None for comments, other fields and blank lines."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


async def sse_lines(chunks: AsyncIterator[bytes]) -> AsyncGenerator[str, None]:
    """The lines of an event stream, whatever way the network cut it into chunks."""
    pending = b""
    async for chunk in chunks:
        pending += chunk
        if b"\n" not in chunk:
            continue
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line.rstrip(b"\r").decode("utf-8")
    if pending:
        yield pending.rstrip(b"\r").decode("utf-8")


async def first_by(pieces: AsyncGenerator[str, None], deadline: float) -> AsyncGenerator[str, None]:
    """The pieces, the first of them by `deadline` (loop time) or TimeoutError. The timeout
    scope never stays open across a `yield`, where it would cancel the consumer instead."""
    async with aclosing(pieces):
        try:
            async with asyncio.timeout_at(deadline):
                first = await anext(pieces)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise TimeoutError("no first token before the deadline") from None
        yield first
        async for piece in pieces:
            yield piece


def usage_from_event(event: dict[str, Any]) -> Usage | None:
    usage = event.get("usage")
    if not isinstance(usage, dict):
        return None
    return Usage(usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)


def estimate_usage(messages: Sequence[BaseMessage], text: str, model: str) -> Usage:
    prompt = count_chat_tokens((str(m.content) for m in messages), model)
    return Usage(prompt, count_tokens(text, model), estimated=True)


def record(call: str, started: float, usage: Usage) -> None:
    LLM_CALLS.labels(call=call, outcome="ok").inc()
    LLM_CALL_SECONDS.labels(call=call).observe(time.perf_counter() - started)
    LLM_TOKENS.labels(kind="prompt").inc(usage.prompt_tokens)
    LLM_TOKENS.labels(kind="completion").inc(usage.completion_tokens)


class TokenScale:
    """How many of the server's tokens one of our o200k tokens is, learned from replies.

    A local model's tokenizer is not OpenAI's (SmolLM2 counts ~10% more on these prompts), and a
    context window is counted in the server's tokens. Every call whose usage the server reported
    updates a moving average of usage.prompt_tokens over our own count of the same messages; the
    prompt builder divides the window by it. Bounded, so one odd answer cannot shrink a prompt
    to nothing or let it overflow by half."""

    WEIGHT = 0.2  # of the newest observation
    LOW, HIGH = 0.5, 3.0
    # Before the server has said anything: local models' tokenizers count 10-20% more than o200k
    # on these prompts (SmolLM2 ~1.1), so the first prompt errs on the short side.
    PRIOR = 1.2

    def __init__(self) -> None:
        self.ratio = self.PRIOR
        self.observed = 0

    def observe(self, server_tokens: int, our_tokens: int) -> None:
        if server_tokens <= 0 or our_tokens <= 0:
            return
        seen = min(self.HIGH, max(self.LOW, server_tokens / our_tokens))
        # The first observation replaces the prior; later ones move the average.
        self.ratio = seen if not self.observed else self.ratio + self.WEIGHT * (seen - self.ratio)
        self.observed += 1


class LLMClient:
    """complete / stream / structured over a ChatOpenAI model; errors become LLMUnavailable."""

    def __init__(
        self,
        chat: ChatOpenAI,
        *,
        structured_method: StructuredMethod = "function_calling",
        via: Via = "sdk",
        max_stop_sequences: int = 4,
        budgets: CallBudgets | None = None,
        max_tokens_field: str = "max_tokens",
        concurrency: int = 0,
        first_token_timeout: float | None = None,
        background_delay: float = 0.0,
    ) -> None:
        self.chat = chat
        # OpenAI takes at most 4 stop sequences; its reasoning models take none (0).
        self.max_stop_sequences = max_stop_sequences
        self.budgets = budgets or CallBudgets()
        self.max_tokens_field = max_tokens_field
        self.slots = EndpointSlots(concurrency, background_delay=background_delay)
        self.token_scale = TokenScale()
        # For judging and summarising: the same verdict for the same message, run after run.
        self.precise = chat.model_copy(update={"temperature": 0.0})
        self.via = via
        self.model = chat.model_name
        warm_up(self.model)
        timeout = chat.request_timeout
        self.timeout = float(timeout) if isinstance(timeout, int | float) else DEFAULT_TIMEOUT
        # A stream's first token, retries and the wait for a slot included. The read timeout
        # does not bound it: a queued request's `: ping` comments keep the connection busy.
        self.first_token_timeout = first_token_timeout or self.timeout
        # Tool calling is the structured-output route the most OpenAI-compatible servers share.
        self.structured_method = structured_method
        # (id(schema), max_tokens) -> (schema, runnable); the schema is kept so that its id
        # cannot be reused.
        self._structured: dict[tuple[int, int | None], tuple[object, Runnable[Any, Any]]] = {}

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        structured_method: StructuredMethod = "function_calling",
        via: Via = "sdk",
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
            # runs several loops. The SDK's aiohttp transport, which it recommends for
            # concurrency: a streamed reply costs 2.5 ms of CPU on it against 5.4 ms on the
            # default one (docs/benchmarks.md).
            http_async_client=openai.DefaultAioHttpClient(),
        )
        return cls(
            chat,
            structured_method=structured_method,
            via=via,
            max_stop_sequences=settings.llm_max_stop_sequences,
            budgets=CallBudgets.from_settings(settings),
            max_tokens_field=settings.llm_max_tokens_field,
            concurrency=settings.llm_concurrency,
            first_token_timeout=settings.llm_first_token_timeout,
            background_delay=settings.llm_background_delay,
        )

    def _measured(self, messages: Sequence[BaseMessage], usage: Usage | None) -> Usage | None:
        """The server's usage, if it reported one; its prompt count teaches `token_scale`."""
        if usage is not None and usage.prompt_tokens:
            ours = count_chat_tokens((str(m.content) for m in messages), self.model)
            self.token_scale.observe(usage.prompt_tokens, ours)
        return usage

    async def aclose(self) -> None:
        """Close the connection pool (the app's lifespan calls this on shutdown)."""
        if self.chat.http_async_client is not None:
            await self.chat.http_async_client.aclose()

    async def complete(
        self,
        messages: Sequence[BaseMessage],
        *,
        precise: bool = False,
        options: CallOptions = PLAIN,
    ) -> Completion:
        """The whole answer at once; `precise` asks for temperature 0."""
        started = time.perf_counter()
        messages = without_control_tokens(messages)
        call = self._sdk_complete if self.via == "sdk" else self._langchain_complete
        if options.background and self.slots.limit:
            call = self._streamed_complete  # a reply may need the slot: see there
        try:
            async with self.slots.hold(background=options.background):
                text, usage, finish = await call(messages, precise, options)
        except Exception as exc:
            raise self._unavailable("complete", exc, started) from exc
        usage = self._measured(messages, usage) or estimate_usage(messages, text, self.model)
        record("complete", started, usage)
        return Completion(text, usage, finish)

    async def _langchain_complete(
        self, messages: Sequence[BaseMessage], precise: bool, options: CallOptions
    ) -> tuple[str, Usage | None, str | None]:
        chat = self.precise if precise else self.chat
        answer = await chat.ainvoke(list(messages), **self._langchain_kwargs(options))
        text = answer.text if isinstance(answer.text, str) else str(answer.content)
        return text, usage_from(answer), answer.response_metadata.get("finish_reason")

    async def _sdk_complete(
        self, messages: Sequence[BaseMessage], precise: bool, options: CallOptions
    ) -> tuple[str, Usage | None, str | None]:
        # `post` with an httpx.Response cast is the SDK's documented way to send a body as it is:
        # the client's auth, retries on 429/5xx and timeout still apply.
        answer = await self._sdk.post(
            "/chat/completions",
            cast_to=httpx.Response,
            body=self._payload(messages, stream=False, precise=precise, options=options),
        )
        body = answer.json()
        if not isinstance(body, dict) or body.get("error"):
            raise ValueError(f"the server answered without a completion: {str(body)[:200]}")
        choice = body["choices"][0]
        text = (choice.get("message") or {}).get("content")
        if not isinstance(text, str):
            raise ValueError("the completion has no text content")
        return text, usage_from_event(body), choice.get("finish_reason")

    async def _streamed_complete(
        self, messages: Sequence[BaseMessage], precise: bool, options: CallOptions
    ) -> tuple[str, Usage | None, str | None]:
        """Background work on a slot-limited endpoint, asked for as a stream and read whole.

        A reply that needs the slot cancels the background call (app/llm/slots.py); cancelling a
        plain request only hangs up, and llama-cpp-python (like a llama.cpp or Ollama slot) goes
        on generating it, so the reply still waited behind a summary nobody would read. A stream
        is stopped: the server notices the closed connection at its next token, and
        llama-cpp-python ends a running stream itself as soon as another request arrives. A
        stream cut that way has no finish_reason and fails like any broken one."""
        if precise and options.temperature is None:
            options = replace(options, temperature=self.precise.temperature)
        tally, parts = StreamResult(), []
        read = self._sdk_pieces if self.via == "sdk" else self._langchain_pieces
        async with aclosing(read(messages, tally, options)) as pieces:
            async for text in pieces:
                parts.append(text)
        return "".join(parts), tally.usage, tally.finish_reason

    async def stream(
        self,
        messages: Sequence[BaseMessage],
        result: StreamResult | None = None,
        *,
        options: CallOptions = PLAIN,
    ) -> AsyncGenerator[str, None]:
        """Yield text pieces as the model produces them; a cut stream raises LLMUnavailable."""
        started, parts, tally = time.perf_counter(), [], StreamResult()
        messages = without_control_tokens(messages)
        read = self._sdk_pieces if self.via == "sdk" else self._langchain_pieces
        deadline = asyncio.get_running_loop().time() + self.first_token_timeout
        if options.background:  # preempting it would cancel whatever its reader was doing
            raise ValueError("a stream is read by someone waiting for it: not background work")
        try:
            async with self.slots.hold():
                # Closed with this generator: a caller that stops early ends the HTTP response.
                pieces = first_by(read(messages, tally, options), deadline)
                async with aclosing(pieces):
                    async for text in pieces:
                        parts.append(text)
                        yield text
        except Exception as exc:
            raise self._unavailable("stream", exc, started) from exc
        usage = self._measured(messages, tally.usage) or estimate_usage(
            messages, "".join(parts), self.model
        )
        record("stream", started, usage)
        if result is not None:
            result.usage, result.finish_reason = usage, tally.finish_reason

    async def _langchain_pieces(
        self, messages: Sequence[BaseMessage], tally: StreamResult, options: CallOptions
    ) -> AsyncGenerator[str, None]:
        pieces = cast(
            AsyncGenerator[AIMessageChunk, None],
            self.chat.astream(list(messages), **self._langchain_kwargs(options)),
        )
        async with aclosing(pieces):
            async for piece in pieces:
                tally.usage = usage_from(piece) or tally.usage
                tally.finish_reason = piece.response_metadata.get("finish_reason") or (
                    tally.finish_reason
                )
                text = piece.text if isinstance(piece.text, str) else ""
                if text:
                    yield text
        if tally.finish_reason is None:
            raise BrokenStream("the event stream ended before the model finished")

    async def _sdk_pieces(
        self, messages: Sequence[BaseMessage], tally: StreamResult, options: CallOptions
    ) -> AsyncGenerator[str, None]:
        # The SDK sends the request, retrying 429/5xx and timing out as configured, before the
        # body is read; only the event stream is parsed here.
        answer = cast(
            httpx.Response,
            await self._sdk.post(
                "/chat/completions",
                cast_to=httpx.Response,
                body=self._payload(messages, stream=True, options=options),
                stream=True,
            ),
        )
        try:
            async for line in sse_lines(answer.aiter_bytes()):
                data = event_data(line)
                if data is None:
                    continue
                if data == "[DONE]":
                    break  # the end of the stream, not proof that the answer is whole
                event = json.loads(data)
                if event.get("error"):
                    raise BrokenStream(f"the server sent an error mid-stream: {event['error']}")
                tally.usage = usage_from_event(event) or tally.usage
                for choice in event.get("choices") or []:
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        yield text
                    tally.finish_reason = choice.get("finish_reason") or tally.finish_reason
            # A server or proxy that gives up (a slot cancelled, a context shift refused) may
            # still close with [DONE]; only a finish_reason says the model finished its answer.
            if tally.finish_reason is None:
                raise BrokenStream("the event stream ended before the model finished")
        finally:
            await answer.aclose()

    @property
    def _sdk(self) -> openai.AsyncOpenAI:
        return self.chat.root_async_client

    def _stops(self, options: CallOptions) -> list[str]:
        return list(options.stop[: self.max_stop_sequences])

    def _langchain_kwargs(self, options: CallOptions) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if stop := self._stops(options):
            kwargs["stop"] = stop
        if options.max_tokens is not None:
            # As the body says it: LangChain would rename a max_tokens argument, which
            # llama.cpp, Ollama and vLLM read, to OpenAI's newer max_completion_tokens.
            kwargs["extra_body"] = {self.max_tokens_field: options.max_tokens}
        if options.temperature is not None:
            kwargs["temperature"] = options.temperature
        if options.frequency_penalty is not None:
            kwargs["frequency_penalty"] = options.frequency_penalty
        return kwargs

    def _payload(
        self,
        messages: Sequence[BaseMessage],
        *,
        stream: bool,
        precise: bool = False,
        options: CallOptions = PLAIN,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": ROLES[m.type], "content": str(m.content)} for m in messages],
            "stream": stream,
        }
        temperature = self.precise.temperature if precise else self.chat.temperature
        if options.temperature is not None:
            temperature = options.temperature
        if temperature is not None:
            payload["temperature"] = temperature
        max_tokens = options.max_tokens if options.max_tokens is not None else self.chat.max_tokens
        if max_tokens is not None:
            payload[self.max_tokens_field] = max_tokens
        if options.frequency_penalty is not None:
            payload["frequency_penalty"] = options.frequency_penalty
        if stop := self._stops(options):
            payload["stop"] = stop
        if stream and self.chat.stream_usage:  # as ChatOpenAI decides: off for most others
            payload["stream_options"] = {"include_usage": True}
        return payload

    async def structured(
        self,
        messages: Sequence[BaseMessage],
        schema: type[BaseModel] | dict[str, Any],
        *,
        max_tokens: int | None = None,
        background: bool = False,
    ) -> tuple[Any, Usage]:
        """An object of `schema` (a pydantic class, or a dict for a JSON schema) and the usage."""
        started = time.perf_counter()
        messages = without_control_tokens(messages)
        runnable = self._structured_runnable(schema, max_tokens)
        try:
            async with self.slots.hold(background=background):
                parsed = await runnable.ainvoke(list(messages))
        except Exception as exc:  # includes an answer that does not parse
            raise self._unavailable("structured", exc, started) from exc
        if parsed is None:
            raise self._unavailable("structured", ValueError("no object in the answer"), started)
        # Estimated: asking LangChain for the raw message as well costs a millisecond a call.
        answer = parsed.model_dump_json() if isinstance(parsed, BaseModel) else json.dumps(parsed)
        usage = estimate_usage(messages, answer, self.model)
        record("structured", started, usage)
        return parsed, usage

    def _structured_runnable(
        self, schema: type[BaseModel] | dict[str, Any], max_tokens: int | None
    ) -> Runnable[Any, Any]:
        # Built once per schema: converting a schema to a tool definition costs CPU on every turn.
        key = (id(schema), max_tokens)
        if key not in self._structured:
            model = self.precise
            if max_tokens is not None:
                model = model.model_copy(update={"extra_body": {self.max_tokens_field: max_tokens}})
            self._structured[key] = (
                schema,
                model.with_structured_output(schema, method=self.structured_method),
            )
        return self._structured[key][1]

    def _unavailable(self, call: str, exc: BaseException, started: float) -> LLMUnavailable:
        elapsed = time.perf_counter() - started
        if isinstance(exc, Busy):  # skipped, not failed: the server was never asked
            LLM_CALLS.labels(call=call, outcome="skipped").inc()
            log.info("llm %s skipped: %s", call, exc)
            return LLMUnavailable("The model's server is busy with replies.", cause="Busy")
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
