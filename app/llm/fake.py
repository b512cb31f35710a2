"""An OpenAI-compatible fake chat server for tests, the benchmark and key-less demos.

    python -m app.llm.fake --port 8100 --latency 0.3
    RAPPORT_LLM_BASE_URL=http://127.0.0.1:8100/v1 RAPPORT_LLM_API_KEY=fake rapport serve

It speaks POST /v1/chat/completions (plain, SSE streaming, tool calls and JSON-schema answers) and
GET /v1/models. Tests steer it over HTTP: POST /_fake/config sets latency and failures, GET
/_fake/requests shows what it was sent, POST /_fake/reset restores the start-up state.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from app.llm.fake_replies import (
    compose_reply,
    runaway,
    structured_answer,
    structured_request,
    text_of,
)
from app.llm.tokens import count_chat_tokens, count_tokens, encoding_for

# break_stream drops the connection midway; truncate_stream ends the body cleanly but early, with
# neither a finish_reason nor [DONE], as a misbehaving proxy might; unfinished_stream stops midway
# with a well-formed `data: [DONE]` and no finish_reason, as a llama.cpp server did when it gave
# up on a slot (issue 17: "I'm glad to hear that. You've got" was stored as a whole reply).
FailMode = Literal[
    "503",
    "429",
    "timeout",
    "break_stream",
    "truncate_stream",
    "unfinished_stream",
    "invalid_json",
]
CUT_STREAMS = {"break_stream", "truncate_stream", "unfinished_stream"}
FailScope = Literal["all", "chat", "structured"]
FAKE_MODEL = "rapport-fake"


class FakeConfig(BaseModel):
    """Everything a test can change at run time; POST /_fake/config takes any subset."""

    model_config = ConfigDict(extra="forbid")

    latency: float = 0.0  # seconds a call takes, the whole answer included
    # A streamed answer's first token comes after this share of `latency`; the other tokens are
    # paced over the rest, as a model produces them (a burst at the end would be unrealistic).
    first_token_share: float = Field(0.5, ge=0.0, le=1.0)
    chunk_delay: float | None = None  # fixed seconds between streamed chunks instead
    fail: FailMode | None = None
    fail_times: int | None = None  # how many requests fail; None: every one until reconfigured
    fail_scope: FailScope = "all"  # plain chat requests, structured ones, or both
    hang: float = 30.0  # how long a "timeout" failure keeps the client waiting
    retry_after_ms: int = 10  # sent with 429/503 so the client's retries stay quick in tests
    stubborn: bool = False  # ignore the caller's correction and repeat the slip
    structured_answer: dict[str, Any] | None = None  # answer every structured request with this
    reply: str | None = None  # answer every plain chat request with this text
    # When set, chat requests must carry `Authorization: Bearer <api_key>`, as OpenAI and a vLLM
    # or llama.cpp server started with --api-key require; others are answered 401.
    api_key: str | None = None
    # A small local model that never ends its turn (issue 17): it writes the next lines of the
    # conversation itself, or repeats its last sentence, until a stop sequence, max_tokens or
    # the end of its context window. `token_seconds` is what each generated token costs.
    loop: bool = False
    context_tokens: int = 4096
    token_seconds: float = 0.0
    # A model whose tokenizer is not OpenAI's: it reports this many prompt tokens per o200k token
    # (SmolLM2 ~1.1), and, with `refuse_over_context`, answers 400 to a request whose prompt plus
    # max_tokens does not fit `context_tokens`, as llama.cpp's server does.
    tokenizer_scale: float = Field(1.0, gt=0)
    refuse_over_context: bool = False
    # A server with this many slots (llama.cpp's --parallel, 1 by default): a request beyond
    # them waits for one, and a streamed one gets its headers at once, then a `: ping` comment
    # every `ping_seconds` until its slot is free. None: as many at once as are sent.
    slots: int | None = Field(None, ge=1)
    ping_seconds: float = Field(5.0, gt=0)
    # A server that finishes a plain (not streamed) request after its client has hung up, slot
    # held all the while, as llama-cpp-python does; a stream it stops at the next token.
    finish_abandoned: bool = False


class ConfigUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency: float | None = None
    first_token_share: float | None = Field(None, ge=0.0, le=1.0)
    chunk_delay: float | None = None
    fail: FailMode | Literal[""] | None = None
    fail_times: int | None = None
    fail_scope: FailScope | None = None
    hang: float | None = None
    retry_after_ms: int | None = None
    stubborn: bool | None = None
    structured_answer: dict[str, Any] | None = None
    reply: str | None = None
    api_key: str | None = None
    loop: bool | None = None
    context_tokens: int | None = None
    token_seconds: float | None = None
    tokenizer_scale: float | None = Field(None, gt=0)
    refuse_over_context: bool | None = None
    slots: int | None = Field(None, ge=1)
    ping_seconds: float | None = Field(None, gt=0)
    finish_abandoned: bool | None = None


@dataclass
class FakeState:
    initial: FakeConfig
    config: FakeConfig = field(init=False)
    failures_left: int | None = field(init=False, default=None)
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=1000))
    ids: itertools.count[int] = field(default_factory=itertools.count)
    slot_gate: asyncio.Semaphore | None = field(init=False, default=None)
    busy: int = field(init=False, default=0)  # requests holding a slot (or being answered)
    most_busy: int = field(init=False, default=0)  # the most at once since the last reset

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.config = self.initial.model_copy()
        self.failures_left = self.config.fail_times
        self.requests.clear()
        self.slot_gate = _gate(self.config.slots)
        self.most_busy = self.busy

    def update(self, changes: ConfigUpdate) -> None:
        values = changes.model_dump(exclude_unset=True)
        if values.get("fail") == "":
            values["fail"] = None
        self.config = self.config.model_copy(update=values)
        if "fail" in values or "fail_times" in values:
            self.failures_left = self.config.fail_times
        if "slots" in values:
            self.slot_gate = _gate(self.config.slots)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        gate = self.slot_gate
        if gate is None:
            async with self.counted():
                yield
            return
        async with gate, self.counted():
            yield

    @asynccontextmanager
    async def counted(self) -> AsyncIterator[None]:
        self.busy += 1
        self.most_busy = max(self.most_busy, self.busy)
        try:
            yield
        finally:
            self.busy -= 1

    def take_failure(self, structured: bool) -> FailMode | None:
        """The failure this request suffers, if any, counting it against fail_times."""
        config = self.config
        if config.fail is None:
            return None
        if config.fail_scope != "all" and (config.fail_scope == "structured") != structured:
            return None
        if self.failures_left is not None:
            if self.failures_left <= 0:
                return None
            self.failures_left -= 1
        return config.fail


def _gate(slots: int | None) -> asyncio.Semaphore | None:
    return asyncio.Semaphore(slots) if slots is not None else None


def error_response(status: int, message: str, kind: str, retry_after_ms: int) -> JSONResponse:
    headers = {"retry-after-ms": str(retry_after_ms)} if status in {429, 503} else {}
    body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
    return JSONResponse(body, status_code=status, headers=headers)


def usage(body: dict[str, Any], completion: str, scale: float = 1.0) -> dict[str, int]:
    prompt = count_chat_tokens(text_of(m.get("content")) for m in body["messages"])
    prompt, done = round(prompt * scale), round(count_tokens(completion) * scale)
    return {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}


def generated(body: dict[str, Any], answer: str, config: FakeConfig) -> tuple[str, str]:
    """The answer as the server sends it, and why it ended: a looping model carries on past
    `answer`; the text is cut at max_tokens (or the context's end) and at the first stop
    sequence, as llama.cpp, vLLM, Ollama and OpenAI all do."""
    text, limit = answer, body.get("max_tokens") or body.get("max_completion_tokens")
    if config.loop:
        room = max(
            1, config.context_tokens - usage(body, "", config.tokenizer_scale)["prompt_tokens"]
        )
        limit = min(limit, room) if limit else room
        unit = runaway(body["messages"], answer)
        # More than enough: joined together, the pieces may take fewer tokens than apart.
        text += unit * (2 * limit // max(1, count_tokens(unit)) + 1)
    finish = "stop"
    if limit:
        tokens = encoding_for().encode_ordinary(text)
        if len(tokens) > limit:
            text, finish = encoding_for().decode(tokens[:limit]), "length"
    stops = body.get("stop") or []
    cuts = [text.find(s) for s in ([stops] if isinstance(stops, str) else stops) if s in text]
    if cuts:
        text, finish = text[: min(cuts)], "stop"
    return text, finish


def completion_body(
    state: FakeState, body: dict[str, Any], text: str, tool: str | None, finish: str = "stop"
) -> dict[str, Any]:
    n = next(state.ids)
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    if tool:
        call = {
            "id": f"call_{n}",
            "type": "function",
            "function": {"name": tool, "arguments": text},
        }
        message.update(content=None, tool_calls=[call])
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-fake-{n}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model") or FAKE_MODEL,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage(body, text, state.config.tokenizer_scale),
    }


def chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    payload = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n"


def split_for_stream(text: str) -> list[str]:
    """Word-sized pieces whose concatenation is the text, like a model's token stream."""
    pieces, start = [], 0
    for i, char in enumerate(text):
        if char == " " and i > start:
            pieces.append(text[start:i])
            start = i
    pieces.append(text[start:])
    return [p for p in pieces if p]


class BrokenStream(RuntimeError):
    """Raised mid-response so the server drops the connection without finishing the body."""


async def stream_events(
    state: FakeState,
    body: dict[str, Any],
    text: str,
    failure: FailMode | None,
    finish: str = "stop",
) -> AsyncIterator[str]:
    cid, model = f"chatcmpl-fake-{next(state.ids)}", body.get("model") or FAKE_MODEL
    yield chunk(cid, model, {"role": "assistant", "content": ""})
    pieces = split_for_stream(text)
    config = state.config
    pacing = (1 - config.first_token_share) * config.latency / max(1, len(pieces))
    gap = config.chunk_delay if config.chunk_delay is not None else pacing
    gap = gap or config.token_seconds  # a word-sized piece is about one token
    # Each piece is due at a fixed time after the first, so the call takes `latency` in all:
    # sleeping `gap` after every send would add each sleep's overshoot and each send's time.
    loop = asyncio.get_running_loop()
    first = loop.time()
    for i, piece in enumerate(pieces):
        if i >= max(1, len(pieces) // 2):
            if failure == "break_stream":
                raise BrokenStream("the fake breaks this stream on purpose")
            if failure == "truncate_stream":
                return
            if failure == "unfinished_stream":
                yield "data: [DONE]\n\n"
                return
        yield chunk(cid, model, {"content": piece})
        if gap:
            await asyncio.sleep(max(0.0, first + (i + 1) * gap - loop.time()))
    yield chunk(cid, model, {}, finish=finish)
    if (body.get("stream_options") or {}).get("include_usage"):
        tail = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time())}
        tail.update(model=model, choices=[], usage=usage(body, text, state.config.tokenizer_scale))
        yield f"data: {json.dumps(tail)}\n\n"
    yield "data: [DONE]\n\n"


Gone = Callable[[], Awaitable[bool]]


async def _never_gone() -> bool:
    return False


async def generating(seconds: float, gone: Gone) -> None:
    """Take `seconds` to generate, stopping early (and freeing the slot) if the client has
    gone away, as llama.cpp and Ollama check between tokens."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        await asyncio.sleep(min(left, 0.05))
        if await gone():
            return


async def chat_completions(
    state: FakeState,
    body: dict[str, Any],
    authorization: str | None = None,
    gone: Gone = _never_gone,
) -> Response:
    key = state.config.api_key
    if key is not None and authorization != f"Bearer {key}":
        return error_response(401, "Incorrect API key provided", "invalid_api_key", 0)
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        return error_response(400, "'messages' must be a non-empty list", "invalid_request", 0)
    state.requests.append(body)
    wanted = structured_request(body)
    failure = state.take_failure(structured=wanted is not None)
    config = state.config
    if failure in {"503", "429"}:
        status = int(failure)  # type: ignore[arg-type]
        kind = "rate_limit_exceeded" if status == 429 else "server_overloaded"
        return error_response(
            status, f"The fake answers {status} on purpose", kind, config.retry_after_ms
        )
    if config.refuse_over_context:
        needed = usage(body, "", config.tokenizer_scale)["prompt_tokens"]
        needed += body.get("max_tokens") or body.get("max_completion_tokens") or 0
        if needed > config.context_tokens:
            window = config.context_tokens
            message = f"the request exceeds the available context size ({needed} > {window} tokens)"
            return error_response(400, message, "exceed_context_size_error", 0)
    streamed = wanted is None and bool(body.get("stream"))
    if streamed and state.slot_gate is not None:
        events = queued_stream(state, body, failure)
        return StreamingResponse(events, media_type="text/event-stream")
    async with state.slot():
        return await answer(state, body, failure, streamed, gone)


async def answer(
    state: FakeState,
    body: dict[str, Any],
    failure: FailMode | None,
    streamed: bool,
    gone: Gone = _never_gone,
) -> Response:
    config, wanted = state.config, structured_request(body)
    first_token = config.latency * (config.first_token_share if streamed else 1.0)
    await asyncio.sleep(config.hang if failure == "timeout" else first_token)
    if wanted is not None:
        tool, schema = wanted
        text = structured_answer(body, schema, config.structured_answer)
        if failure == "invalid_json":
            text = text[: len(text) // 2]
        return JSONResponse(completion_body(state, body, text, tool or None))
    reply = config.reply or compose_reply(body["messages"], config.stubborn)
    text, finish = generated(body, reply, config)
    if streamed:
        events = stream_events(state, body, text, failure, finish)
        return StreamingResponse(events, media_type="text/event-stream")
    if failure in CUT_STREAMS:
        raise BrokenStream("the fake drops this response on purpose")
    await generating(
        config.token_seconds * count_tokens(text), _never_gone if config.finish_abandoned else gone
    )
    return JSONResponse(completion_body(state, body, text, None, finish))


async def queued_stream(
    state: FakeState, body: dict[str, Any], failure: FailMode | None
) -> AsyncIterator[str]:
    """A streamed answer from a server with few slots: `: ping` comments while it waits for one
    (the connection looks alive, however long the queue), then the events, slot held."""
    gate, config = state.slot_gate, state.config
    assert gate is not None
    while True:
        try:
            async with asyncio.timeout(config.ping_seconds):
                await gate.acquire()
            break
        except TimeoutError:
            yield ": ping\n\n"
    try:
        async with state.counted():
            await asyncio.sleep(config.hang if failure == "timeout" else 0.0)
            await asyncio.sleep(config.latency * config.first_token_share)
            reply = config.reply or compose_reply(body["messages"], config.stubborn)
            text, finish = generated(body, reply, config)
            async for event in stream_events(state, body, text, failure, finish):
                yield event
    finally:
        gate.release()


def create_fake_app(latency: float = 0.0, **config: Any) -> FastAPI:
    """The fake server; `config` takes any FakeConfig field (fail, fail_times, stubborn, ...)."""
    state = FakeState(FakeConfig(latency=latency, **config))
    app = FastAPI(title="Rapport fake OpenAI-compatible server", docs_url=None, redoc_url=None)
    app.state.fake = state

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Response:
        body = await request.json()
        authorization = request.headers.get("authorization")
        return await chat_completions(state, body, authorization, request.is_disconnected)

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        entry = {"id": FAKE_MODEL, "object": "model", "created": 0, "owned_by": "rapport"}
        return {"object": "list", "data": [entry]}

    @app.get("/_fake/config")
    async def read_config() -> FakeConfig:
        return state.config

    @app.post("/_fake/config")
    async def write_config(changes: ConfigUpdate) -> FakeConfig:
        state.update(changes)
        return state.config

    @app.get("/_fake/requests")
    async def recorded() -> dict[str, Any]:
        # most_busy: the most requests answered at once since the last reset (slots permitting)
        return {"requests": list(state.requests), "most_busy": state.most_busy}

    @app.post("/_fake/reset")
    async def reset() -> dict[str, str]:
        state.reset()
        return {"status": "reset"}

    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Run the fake OpenAI-compatible server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per call")
    parser.add_argument("--api-key", help="answer 401 to requests without this bearer key")
    args = parser.parse_args(argv)
    app = create_fake_app(latency=args.latency, api_key=args.api_key)
    base = f"http://{args.host}:{args.port}/v1"
    print(
        f"fake OpenAI-compatible server on {base} ({args.latency:.2f} s per call)\n"
        f"  try: RAPPORT_LLM_BASE_URL={base} RAPPORT_LLM_API_KEY={args.api_key or 'fake'} "
        "rapport serve",
        file=sys.stderr,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
