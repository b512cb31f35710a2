"""POST /v1/transcripts: a real conversation scored like a practice one, stored only if asked."""

from __future__ import annotations

import httpx

from app.feedback.analyzer import analyze
from app.feedback.types import Utterance
from app.transcripts.parse import MAX_BYTES, MAX_TURNS
from tests.api.helpers import assert_problem
from tests.api.progress_data import MEETING, key_client

VTT = MEETING.read_text(encoding="utf-8")


async def score(client: httpx.AsyncClient, **body) -> httpx.Response:
    return await client.post("/v1/transcripts", json={"transcript": VTT, "me": "Alex", **body})


async def test_a_webvtt_meeting_gets_feedback_per_turn_and_a_report_and_nothing_is_stored(client):
    before = (await client.get("/v1/conversations")).json()["total"]
    response = await score(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["format"] == "vtt" and body["learner"] == "Alex Kim"
    assert [s["name"] for s in body["speakers"]] == ["Alex Kim", "Marisol Vega"]
    assert len(body["messages"]) == 30 and body["conversation"] is None
    mine = [m for m in body["messages"] if m["role"] == "user"]
    assert len(mine) == 15 and all(m["speaker"] == "Alex Kim" for m in mine)
    assert set(mine[0]["feedback"]) == {"genuine_interest", "score", "moves", "evidence", "tip"}
    report = body["report"]
    assert report["turns"] == 15 and report["trust_curve"] == [] and report["outcome"] is None
    assert 0 < report["genuine_interest_rate"] <= 1 and 0 < report["talk_share"] < 1
    assert (await client.get("/v1/conversations")).json()["total"] == before


async def test_the_feedback_is_the_analyzers_on_the_same_history_a_practice_turn_would_give(client):
    body = (await score(client)).json()
    history: list[Utterance] = []
    for message in body["messages"]:
        if message["role"] == "user":
            expected = analyze(message["content"], tuple(history)).model_dump(mode="json")
            assert message["feedback"] == expected
        history.append(Utterance(message["role"], message["content"]))


async def test_stored_it_is_an_imported_conversation_of_the_tenant_with_the_same_report(client):
    response = await score(client, store=True, user_ref="sam-17", outcome="warm_close")
    assert response.status_code == 201, response.text
    body = response.json()
    stored = body["conversation"]
    assert stored["source"] == "imported" and stored["user_ref"] == "sam-17"
    assert stored["persona_id"] == "imported" and stored["state"]["ended"] is True
    assert stored["state"]["outcome"] == "warm_close"
    report = await client.get(f"/v1/conversations/{stored['id']}/report")
    assert report.status_code == 200
    assert {k: report.json()[k] for k in body["report"]} == body["report"]
    read = (await client.get(f"/v1/conversations/{stored['id']}")).json()
    assert [m["content"] for m in read["messages"]] == [m["content"] for m in body["messages"]]
    listed = (await client.get("/v1/learners/sam-17/conversations")).json()
    assert [c["id"] for c in listed["conversations"]] == [stored["id"]]


async def test_an_imported_conversation_takes_no_turns_or_retries(client):
    stored = (await score(client, store=True)).json()["conversation"]
    turn = await client.post(f"/v1/conversations/{stored['id']}/turns", json={"content": "Hi"})
    assert_problem(turn, 409, "conversation_ended")
    retry = await client.post(f"/v1/conversations/{stored['id']}/retry")
    assert_problem(retry, 409, "conversation_ended")


async def test_another_tenant_cannot_see_a_stored_transcript(client, app):
    stored = (await score(client, store=True)).json()["conversation"]
    async with key_client(app) as other:
        response = await other.get(f"/v1/conversations/{stored['id']}")
    assert_problem(response, 404, "not_found")


async def test_a_name_that_is_nobody_lists_the_speakers(client):
    body = assert_problem(await score(client, me="Priya"), 422, "unknown_speaker")
    assert body["speakers"] == ["Alex Kim", "Marisol Vega"]
    assert "Alex Kim, Marisol Vega" in body["detail"]


async def test_a_name_that_could_be_two_speakers_is_refused_listing_them(client):
    text = "Alex Kim: Hi there.\nAlex Moreno: Hello!\nSam: Hi both."
    body = assert_problem(await score(client, transcript=text, me="alex"), 422, "unknown_speaker")
    assert "Alex Kim, Alex Moreno" in body["detail"] and len(body["speakers"]) == 3


async def test_a_malformed_file_is_422_naming_the_line(client):
    broken = VTT.replace("00:00:14.004 --> 00:00:15.927", "00:00:14.004 --> 00:0x:15.927")
    body = assert_problem(await score(client, transcript=broken), 422, "invalid_transcript")
    assert body["line"] == 12 and body["detail"].startswith("line 12: ")


async def test_turns_can_be_sent_as_data(client):
    turns = [
        {"speaker": "Dana", "text": "I just moved here from Lisbon for the job."},
        {"speaker": "Alex", "text": "Lisbon! What made you take the leap?", "start": 4.5},
    ]
    response = await client.post("/v1/transcripts", json={"transcript": turns, "me": "Alex"})
    assert response.status_code == 200, response.text
    assert response.json()["messages"][1]["feedback"]["genuine_interest"] is True


async def test_more_turns_than_the_limit_is_413_naming_it(client):
    lines = "\n".join(f"{'Alex' if n % 2 else 'Sam'}: {n}" for n in range(MAX_TURNS + 1))
    body = assert_problem(await score(client, transcript=lines), 413, "transcript_too_long")
    assert body["limit"] == MAX_TURNS


async def test_more_bytes_than_the_limit_is_413_naming_it(client):
    text = "Alex: hi\nSam: " + "x" * 3000 + "\n"
    big = text * (MAX_BYTES // len(text) + 1)
    body = assert_problem(await score(client, transcript=big), 413, "payload_too_large")
    assert body["limit"] == MAX_BYTES
    huge = await score(client, transcript=big * 3)  # over the body limit itself
    assert_problem(huge, 413, "payload_too_large")


async def test_user_ref_without_store_is_refused(client):
    assert_problem(await score(client, user_ref="sam"), 422, "invalid_input")


async def test_a_publishable_key_cannot_score_transcripts(app):
    async with key_client(app, publishable=True) as visitor:
        response = await visitor.post(
            "/v1/transcripts",
            json={"transcript": VTT, "me": "Alex"},
        )
    assert_problem(response, 403, "secret_key_required")
