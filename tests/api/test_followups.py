"""The recall check and the follow-up note over HTTP: after the end, stored, in the report."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from app.models import Followup
from tests.api.helpers import LISTENER_TO_RECRUITER, assert_problem, say, start, transcript
from tests.api.progress_data import MEETING
from tests.conftest import new_key

SEED = "followups-listener"
RECALL = (
    "She taught high-school chemistry for four years before recruiting. Teaching taught her to "
    "spot candidates nodding along when they're lost."
)
NOTE = (
    "Hi Priya,\n\nThanks for the chat at the fair yesterday. I keep thinking about how teaching "
    "chemistry taught you to spot the polite nod in interviews; I caught myself doing it "
    "twice this week.\n\nBest,\nAlex"
)


async def ended_listener(client: httpx.AsyncClient, turns: int = 4) -> str:
    conversation = await start(client, "recruiter", seed=SEED)
    for line in LISTENER_TO_RECRUITER[:turns]:
        assert (await say(client, conversation["id"], line)).status_code == 200
    assert (await client.post(f"/v1/conversations/{conversation['id']}/end")).status_code == 200
    return str(conversation["id"])


async def recall(client: httpx.AsyncClient, cid: str, answer: str) -> httpx.Response:
    return await client.post(f"/v1/conversations/{cid}/recall", json={"answer": answer})


async def test_the_recall_check_waits_for_the_end_of_the_conversation(client):
    conversation = await start(client, "recruiter")
    await say(client, conversation["id"], LISTENER_TO_RECRUITER[0])
    response = await recall(client, conversation["id"], RECALL)
    assert_problem(response, 409, "conversation_not_ended")
    note = await client.post(f"/v1/conversations/{conversation['id']}/note", json={"note": NOTE})
    assert_problem(note, 409, "conversation_not_ended")


async def test_a_recall_answer_is_scored_against_what_the_persona_said(client):
    cid = await ended_listener(client)
    asked = (await client.get(f"/v1/conversations/{cid}/recall")).json()
    assert asked == {"question": "What did you learn about Priya?", "ended": True, "result": None}
    response = await recall(client, cid, RECALL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["question"] == "What did you learn about Priya?"
    assert body["recalled"] and 0 < body["score"] <= 100
    credited = {r["text"] for c in body["recalled"] for r in [c["revealed"], *c["also_revealed"]]}
    assert body["revealed_count"] == len(body["missed"]) + len(credited)
    for claim in body["recalled"]:
        assert claim["claim"] in RECALL
        assert claim["revealed"]["text"] and claim["revealed"]["kind"] in {
            "fact", "deeper", "hook", "offer", "said"
        }  # fmt: skip
    missed = {m["text"] for m in body["missed"]}
    assert not missed & credited
    report = (await client.get(f"/v1/conversations/{cid}/report")).json()
    assert report["recall"] == body and report["follow_up_note"] is None


async def test_a_recall_check_is_answered_once(client):
    cid = await ended_listener(client, turns=2)
    first = (await recall(client, cid, RECALL)).json()
    again = await recall(client, cid, RECALL)  # a retried request: the same result
    assert again.status_code == 200 and again.json() == first
    other = await recall(client, cid, "She runs trail races.")
    assert_problem(other, 409, "recall_already_answered")


async def test_a_follow_up_note_gets_labels_evidence_and_a_rewrite(client):
    cid = await ended_listener(client)
    # Quote her own words back, whichever variant of her story this conversation heard.
    said = (await transcript(client, cid))["messages"][2]["content"]
    story = max(said.split(". "), key=len).strip(" .")
    note = NOTE.replace(
        "I keep thinking about how teaching chemistry taught you to spot the polite nod in "
        "interviews; I caught myself doing it twice this week.",
        f'I keep thinking about what you said: "{story}."',
    )
    response = await client.post(
        f"/v1/conversations/{cid}/note", json={"note": note, "channel": "email"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["draft"] == 1 and body["channel"] == "email"
    assert set(body) >= {"good", "specific", "thanks", "ask", "length", "rewrite"}
    assert body["specific"]["value"] is True, body["specific"]
    for label in ("specific", "thanks", "ask"):
        for span in body[label]["evidence"]:
            assert note[span["start"] : span["start"] + len(span["text"])] == span["text"]
    assert body["rewrite"]["write"]
    second = await client.post(f"/v1/conversations/{cid}/note", json={"note": "Thanks!"})
    assert second.json()["draft"] == 2 and second.json()["length"]["value"] == "too_short"
    report = (await client.get(f"/v1/conversations/{cid}/report")).json()
    assert report["follow_up_note"]["draft"] == 2


async def test_a_note_can_be_analyzed_without_a_conversation(client):
    body: dict[str, Any] = {
        "note": "Hi Dana, thanks for the call. Could you refer me for the senior role, send me "
        "the salary band, and introduce me to your CTO?",
        "revealed": ["she moved from Lisbon to Denver last year", "her team ships weekly"],
        "offered": None,
        "ended": "cool",
        "channel": "email",
    }
    response = await client.post("/v1/notes/analyze", json=body)
    assert response.status_code == 200, response.text
    got = response.json()
    assert got["good"] is False and got["ask"]["value"] in {"too_many", "too_big"}
    assert "Lisbon" in got["rewrite"]["write"] or "weekly" in got["rewrite"]["write"]


async def test_bad_note_requests_are_refused_with_the_field_named(client):
    cases = [
        {"note": "  ", "revealed": ["x y z"]},
        {"note": "Thanks!", "revealed": []},
        {"note": "Thanks!", "revealed": ["she skis"], "ended": "frosty"},
        {"note": "Thanks!", "revealed": ["she skis"], "channel": "fax"},
        {"note": "Thanks!", "revealed": ["she skis"], "mood": "warm"},
        {"note": "x" * 6001, "revealed": ["she skis"]},
    ]
    for case in cases:
        assert_problem(await client.post("/v1/notes/analyze", json=case), 422, "invalid_input")


async def test_followups_are_erased_with_their_conversation(client, app):
    cid = await ended_listener(client, turns=2)
    await recall(client, cid, RECALL)
    await client.post(f"/v1/conversations/{cid}/note", json={"note": NOTE})
    assert (await client.delete(f"/v1/conversations/{cid}")).status_code == 204
    assert_problem(await recall(client, cid, RECALL), 404, "not_found")
    runtime = app.state.runtime
    async with runtime.db.transaction() as session:
        left = await session.scalar(
            select(func.count()).select_from(Followup).where(Followup.conversation_id == cid)
        )
    assert left == 0


async def test_a_widget_visitor_answers_the_recall_check_with_its_conversation_token(
    app, raw_client
):
    origin = "https://coach.example"
    pk = {"Authorization": f"Bearer {await new_key(app, publishable=True, origins=[origin])}"}
    pk["Origin"] = origin
    created = await raw_client.post(
        "/v1/conversations", json={"persona_id": "recruiter"}, headers=pk
    )
    cid, token = created.json()["id"], created.json()["token"]
    mine = {**pk, "X-Rapport-Conversation-Token": token}
    await raw_client.post(f"/v1/conversations/{cid}/turns", json={"content": "Hi!"}, headers=mine)
    assert (await raw_client.post(f"/v1/conversations/{cid}/end", headers=mine)).status_code == 200
    body = {"answer": RECALL}
    stranger = await raw_client.post(f"/v1/conversations/{cid}/recall", json=body, headers=pk)
    assert_problem(stranger, 404, "not_found")
    answered = await raw_client.post(f"/v1/conversations/{cid}/recall", json=body, headers=mine)
    assert answered.status_code == 200, answered.text
    note = await raw_client.post(f"/v1/conversations/{cid}/note", json={"note": NOTE}, headers=mine)
    assert note.status_code == 200, note.text
    report = await raw_client.get(f"/v1/conversations/{cid}/report", headers=mine)
    assert report.json()["recall"]["answer"] == RECALL


async def test_a_real_conversation_imported_from_a_transcript_has_a_recall_check_and_a_note(
    client,
):
    stored = await client.post(
        "/v1/transcripts",
        json={"transcript": MEETING.read_text(encoding="utf-8"), "me": "Alex", "store": True},
    )
    assert stored.status_code == 201, stored.text
    cid = stored.json()["conversation"]["id"]
    asked = (await client.get(f"/v1/conversations/{cid}/recall")).json()
    assert asked["question"] == "What did you learn about Marisol?"
    answer = (
        "Two of the pilot clinics are still on paper forms. The front desk staff have been "
        "burned by three different systems in five years. She has a cat called Miso."
    )
    body = (await recall(client, cid, answer)).json()
    assert len(body["recalled"]) == 2 and [c["claim"] for c in body["invented"]] == [
        "She has a cat called Miso"
    ]
    note = await client.post(
        f"/v1/conversations/{cid}/note",
        json={"note": "Hi Marisol, thanks for the coffee chat. Good luck with the paper-form "
              "pilot sites; I hope the new intake flow wins the front desk over.\n\nAlex"},
    )  # fmt: skip
    assert note.status_code == 200, note.text
    assert note.json()["specific"]["value"] is True
