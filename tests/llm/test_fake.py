"""The fake server itself, spoken to with plain HTTP as any OpenAI-compatible client would."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import httpx

from app.llm.bench import wait_for
from tests.llm.conftest import FakeControl

CHAT = {
    "model": "any-model",
    "messages": [
        {"role": "system", "content": "You are Sam Lee, a designer."},
        {"role": "user", "content": "How did you get into design?"},
    ],
}


def test_models_are_listed(fake: FakeControl) -> None:
    models = fake.http.get("/v1/models").json()

    assert models["object"] == "list" and models["data"][0]["id"]


def test_same_request_gets_the_same_in_character_reply(fake: FakeControl) -> None:
    first = fake.http.post("/v1/chat/completions", json=CHAT).json()
    second = fake.http.post("/v1/chat/completions", json=CHAT).json()

    text = first["choices"][0]["message"]["content"]
    assert text == second["choices"][0]["message"]["content"]
    assert "Sam" in text and "how did you get into design" in text.lower()
    assert first["usage"]["total_tokens"] == (
        first["usage"]["prompt_tokens"] + first["usage"]["completion_tokens"]
    )


def test_streaming_sends_sse_chunks_usage_and_done(fake: FakeControl) -> None:
    body = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}

    lines = fake.http.post("/v1/chat/completions", json=body).text.split("\n\n")

    events = [line.removeprefix("data: ") for line in lines if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert "Sam" in text
    assert chunks[-1]["usage"]["completion_tokens"] > 0


def test_an_unfinished_stream_ends_with_done_but_no_finish_reason(fake: FakeControl) -> None:
    fake.configure(fail="unfinished_stream", fail_times=1)

    lines = fake.http.post("/v1/chat/completions", json={**CHAT, "stream": True}).text
    events = [e.removeprefix("data: ") for e in lines.split("\n\n") if e.startswith("data: ")]

    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks)
    assert any(c["choices"][0]["delta"].get("content") for c in chunks)


def test_json_schema_requests_get_a_valid_object_of_that_schema(fake: FakeControl) -> None:
    schema = {
        "type": "object",
        "properties": {
            "mood": {"enum": ["calm", "tense"]},
            "count": {"type": "integer", "minimum": 1, "maximum": 3},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
        },
        "$defs": {"Tag": {"type": "string"}},
    }
    body = {**CHAT, "response_format": {"type": "json_schema", "json_schema": {"schema": schema}}}

    answer = fake.http.post("/v1/chat/completions", json=body).json()

    value = json.loads(answer["choices"][0]["message"]["content"])
    assert value["mood"] in {"calm", "tense"}
    assert 1 <= value["count"] <= 3
    assert all(isinstance(tag, str) for tag in value["tags"])


def test_failures_last_fail_times_requests_then_the_fake_recovers(fake: FakeControl) -> None:
    fake.configure(fail="503", fail_times=2)

    statuses = [fake.http.post("/v1/chat/completions", json=CHAT).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_requests_are_recorded_until_reset(fake: FakeControl) -> None:
    fake.http.post("/v1/chat/completions", json=CHAT)
    assert fake.requests()[0]["messages"] == CHAT["messages"]

    fake.reset()

    assert fake.requests() == []


def test_the_fake_runs_as_a_command_for_key_less_demos() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "app.llm.fake", "--port", str(port), "--latency", "0.01"]
    server = subprocess.Popen(command)
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", seconds=20)
        reply = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=CHAT)
        assert reply.status_code == 200 and "Sam" in reply.text
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_streamed_answer_takes_the_latency_with_tokens_paced_after_the_first(
    fake: FakeControl,
) -> None:
    fake.configure(latency=0.4)
    started = time.perf_counter()
    arrivals = []
    with fake.http.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as answer:
        for line in answer.iter_lines():
            if '"content": "' in line and '"content": ""' not in line:
                arrivals.append(time.perf_counter() - started)

    assert 0.15 <= arrivals[0] < 0.35  # about half the latency before the first token
    assert arrivals[-1] - arrivals[0] >= 0.12  # the rest paced, not one burst
    assert time.perf_counter() - started < 1.0
