"""The API on the LLM engine, against the OpenAI-compatible fake server over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from app.main import create_app
from tests.api.helpers import assert_problem, parse_sse, say, start, transcript
from tests.conftest import make_settings
from tests.llm.conftest import FakeControl


@asynccontextmanager
async def llm_api(
    database_url: str, fake: FakeControl, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    values: dict[str, Any] = {
        "auth": "open",
        "engine": "llm",
        "llm_base_url": f"{fake.base_url}/v1",
        "llm_api_key": "test-key",
        "llm_timeout": 2.0,
        "llm_max_retries": 1,
    }
    settings = make_settings(database_url, **{**values, **overrides})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rapport.test") as c:
            yield c


async def test_llm_conversation_runs_end_to_end_over_rest(database_url, fake):
    async with llm_api(database_url, fake) as client:
        conversation = await start(client, "prospect")
        for line in [
            "Thanks for making time, Denise. What does your week look like?",
            "What makes the peak season so hard on the floor?",
        ]:
            response = await say(client, conversation["id"], line)
            assert response.status_code == 200, response.text
            assert response.json()["reply"]["content"].strip()
        report = (await client.post(f"/v1/conversations/{conversation['id']}/end")).json()
        assert report["turns"] == 2
    assert any(r["messages"][0]["role"] == "system" for r in fake.requests())


async def test_a_rest_turn_asks_the_model_for_one_answer_and_an_sse_turn_for_a_stream(
    database_url, fake
):
    async with llm_api(database_url, fake) as client:
        conversation = await start(client, "recruiter")
        assert (await say(client, conversation["id"], "How did you start?")).status_code == 200
        rest = [r for r in fake.requests() if r["messages"][0]["content"].startswith("You are ")]
        assert [r["stream"] for r in rest] == [False]
        async with client.stream(
            "POST",
            f"/v1/conversations/{conversation['id']}/turns",
            json={"content": "What did you like about it?"},
            headers={"Accept": "text/event-stream"},
        ) as answer:
            assert "delta" in {event for event, _ in parse_sse(await answer.aread())}
    persona = [r for r in fake.requests() if r["messages"][0]["content"].startswith("You are ")]
    assert [r["stream"] for r in persona] == [False, True]


async def test_llm_turn_streams_deltas_over_sse(database_url, fake):
    fake.configure(chunk_delay=0.001)
    async with llm_api(database_url, fake) as client:
        conversation = await start(client, "recruiter")
        async with client.stream(
            "POST",
            f"/v1/conversations/{conversation['id']}/turns",
            json={"content": "How did you end up in recruiting?"},
            headers={"Accept": "text/event-stream"},
        ) as response:
            events = parse_sse(await response.aread())
    names = [name for name, _ in events]
    assert names[0] == "feedback" and names[-2:] == ["state", "done"]
    assert names.count("delta") >= 2
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert text == events[-1][1]["reply"]["content"]


async def test_model_failure_keeps_the_message_stores_no_reply_and_retry_completes(
    database_url, fake
):
    async with llm_api(database_url, fake) as client:
        conversation = await start(client, "recruiter")
        fake.configure(fail="503")
        failed = await say(client, conversation["id"], "How did you end up in recruiting?")
        assert_problem(failed, 503, "llm_unavailable")
        messages = (await transcript(client, conversation["id"]))["messages"]
        assert [m["role"] for m in messages] == ["persona", "user"]
        assert messages[1]["feedback"] is not None
        assert_problem(await say(client, conversation["id"], "Hello?"), 409, "reply_missing")
        fake.configure(fail="")
        retried = await client.post(f"/v1/conversations/{conversation['id']}/retry")
        assert retried.status_code == 200, retried.text
        assert retried.json()["reply"]["index"] == 2
        messages = (await transcript(client, conversation["id"]))["messages"]
        assert [m["role"] for m in messages] == ["persona", "user", "persona"]
        assert (await say(client, conversation["id"], "What is a typical day?")).status_code == 200


async def test_a_stream_that_breaks_midway_sends_error_and_stores_nothing_partial(
    database_url, fake
):
    async with llm_api(database_url, fake) as client:
        conversation = await start(client, "recruiter")
        fake.configure(fail="break_stream")
        async with client.stream(
            "POST",
            f"/v1/conversations/{conversation['id']}/turns",
            json={"content": "How did you end up in recruiting?"},
            headers={"Accept": "text/event-stream"},
        ) as response:
            events = parse_sse(await response.aread())
        assert events[0][0] == "feedback" and events[-1][0] == "error"
        assert events[-1][1]["code"] == "llm_unavailable"
        messages = (await transcript(client, conversation["id"]))["messages"]
        assert [m["role"] for m in messages] == ["persona", "user"]
        fake.configure(fail="")
        assert (
            await client.post(f"/v1/conversations/{conversation['id']}/retry")
        ).status_code == 200


async def test_a_stream_that_stops_without_a_finish_reason_stores_nothing_and_retry_answers(
    database_url, fake
):
    async with llm_api(database_url, fake) as client:
        conversation = await start(client, "recruiter")
        cid = conversation["id"]
        fake.configure(fail="unfinished_stream", fail_times=1)
        async with client.stream(
            "POST",
            f"/v1/conversations/{cid}/turns",
            json={"content": "How did you end up in recruiting?"},
            headers={"Accept": "text/event-stream"},
        ) as response:
            events = parse_sse(await response.aread())
        assert [n for n, _ in events if n in {"done", "state"}] == []
        assert events[-1][0] == "error" and events[-1][1]["code"] == "llm_unavailable"
        cut = "".join(data["text"] for name, data in events if name == "delta")
        messages = (await transcript(client, cid))["messages"]
        assert [m["role"] for m in messages] == ["persona", "user"]

        retried = await client.post(f"/v1/conversations/{cid}/retry")

        assert retried.status_code == 200, retried.text
        reply = retried.json()["reply"]["content"]
        assert reply != cut and reply.startswith(cut)
        stored = (await transcript(client, cid))["messages"]
        assert [m["content"] for m in stored[2:]] == [reply]


async def test_retry_after_end_is_refused_and_adds_nothing_to_the_ended_conversation(
    database_url, fake
):
    async with llm_api(database_url, fake) as client:
        conversation = await start(client, "recruiter")
        cid = conversation["id"]
        fake.configure(fail="503")
        assert_problem(await say(client, cid, "How did you start?"), 503, "llm_unavailable")
        fake.configure(fail="")
        report = await client.post(f"/v1/conversations/{cid}/end")
        assert report.status_code == 200, report.text

        refused = await client.post(f"/v1/conversations/{cid}/retry")
        streamed = await client.post(
            f"/v1/conversations/{cid}/retry", headers={"Accept": "text/event-stream"}
        )

        assert_problem(refused, 409, "conversation_ended")
        assert_problem(streamed, 409, "conversation_ended")
        after = await transcript(client, cid)
        assert [m["role"] for m in after["messages"]] == ["persona", "user"]
        assert after["state"]["ended"] is True
        assert (await client.get(f"/v1/conversations/{cid}/report")).json() == report.json()
    persona_calls = [r for r in fake.requests() if r["messages"][0]["role"] == "system"]
    assert len(persona_calls) == 2  # the failed turn and its one client retry; none after /end


async def test_the_goodbye_owed_by_a_turn_that_ended_the_conversation_can_still_be_retried(
    database_url, fake
):
    async with llm_api(database_url, fake, max_turns=1) as client:
        conversation = await start(client, "recruiter")
        cid = conversation["id"]
        fake.configure(fail="503")
        failed = await say(client, cid, "How did you end up in recruiting?")
        assert_problem(failed, 503, "llm_unavailable")
        fake.configure(fail="")

        retried = await client.post(f"/v1/conversations/{cid}/retry")

        assert retried.status_code == 200, retried.text
        assert retried.json()["state"]["ended"] is True
        roles = [m["role"] for m in (await transcript(client, cid))["messages"]]
        assert roles == ["persona", "user", "persona"]


async def test_judge_runs_beside_the_reply_and_its_verdict_is_stored(database_url, fake):
    async with llm_api(database_url, fake, feedback_judge="llm") as client:
        conversation = await start(client, "recruiter")
        response = await say(client, conversation["id"], "What made you leave teaching?")
        assert response.status_code == 200, response.text
        stored = (await transcript(client, conversation["id"]))["messages"][1]["feedback"]
        assert stored == response.json()["feedback"]
    structured = [r for r in fake.requests() if r.get("response_format") or r.get("tools")]
    assert structured, "the judge asked the model for a structured verdict"


async def test_judge_failure_leaves_the_local_verdict(database_url, fake):
    fake.configure(fail="503", fail_scope="structured")
    async with llm_api(database_url, fake, feedback_judge="llm") as client:
        conversation = await start(client, "recruiter")
        response = await say(client, conversation["id"], "What made you leave teaching?")
        assert response.status_code == 200, response.text
        local = await client.post(
            "/v1/analyze",
            json={
                "message": "What made you leave teaching?",
                "history": [{"role": "persona", "content": conversation["messages"][0]["content"]}],
            },
        )
        assert response.json()["feedback"] == local.json()
