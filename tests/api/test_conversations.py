import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.api.helpers import (
    LISTENER_TO_RECRUITER,
    PITCHER_TO_RECRUITER,
    assert_problem,
    parse_sse,
    say,
    start,
    transcript,
)

MOVES = {
    "follow_up_question",
    "new_topic_question",
    "mirror_question",
    "reflection",
    "acknowledgement",
    "self_disclosure",
    "self_focus",
    "pitch",
    "topic_hijack",
    "minimal",
    "dismissive",
}


async def test_create_conversation_returns_the_opening_line(client):
    body = await start(client, "conference_stranger", difficulty="hard", user_ref="learner-1")
    assert body["persona_id"] == "conference_stranger" and body["difficulty"] == "hard"
    assert body["state"]["stage"] == "opening" and body["state"]["turn"] == 0
    assert 0 <= body["state"]["trust"] <= 1 and body["state"]["ended"] is False
    [opening] = body["messages"]
    assert opening["index"] == 0 and opening["role"] == "persona" and opening["content"]


async def test_difficulty_defaults_to_normal(client):
    assert (await start(client, "prospect"))["difficulty"] == "normal"


async def test_turn_answers_with_feedback_reply_and_state(client):
    conversation = await start(client)
    response = await say(client, conversation["id"], LISTENER_TO_RECRUITER[0])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["turn"] == 1
    assert body["user"] == {"index": 1, "content": LISTENER_TO_RECRUITER[0]}
    assert body["reply"]["index"] == 2 and body["reply"]["content"]
    feedback = body["feedback"]
    assert set(feedback) == {"genuine_interest", "score", "moves", "evidence", "tip"}
    assert set(feedback["moves"]) <= MOVES and 0 <= feedback["score"] <= 100
    for evidence in feedback["evidence"]:
        assert evidence["text"] in LISTENER_TO_RECRUITER[0]
    assert set(body["state"]) == {"stage", "trust", "turn", "ended", "outcome", "hooks_unlocked"}


async def test_transcript_carries_feedback_on_user_messages(client):
    # Seeded: whether a bare "How did you end up in recruiting?" is genuine interest depends on
    # which of Priya's openings came first (one asks what brings you over), and without a seed
    # openings go round across the conversations this worker held.
    conversation = await start(client, seed="transcript-feedback")
    await say(client, conversation["id"], LISTENER_TO_RECRUITER[0])
    messages = (await transcript(client, conversation["id"]))["messages"]
    assert [m["role"] for m in messages] == ["persona", "user", "persona"]
    assert messages[1]["feedback"]["genuine_interest"] is True
    assert "feedback" not in messages[0]


async def test_listener_reaches_discovery_and_a_warm_close(client):
    # A seed: the wording is then fixed whatever other conversations this worker held before
    # (without one, lines go round across conversations and this script's reflections, written
    # against one wording of Priya's answers, may not fit).
    conversation = await start(client, seed="listener-reaches-discovery")
    states = []
    for line in LISTENER_TO_RECRUITER:
        response = await say(client, conversation["id"], line)
        assert response.status_code == 200, response.text
        states.append(response.json()["state"])
        if states[-1]["ended"]:
            break
    assert "discovery" in {s["stage"] for s in states}
    report = (await client.post(f"/v1/conversations/{conversation['id']}/end")).json()
    assert report["outcome"] == "warm_close"
    assert report["genuine_interest_rate"] >= 0.7
    assert "discovery" in report["stages_reached"]


async def test_pitcher_cools_the_persona_and_does_not_get_a_warm_close(client):
    conversation = await start(client)
    stages = []
    for line in PITCHER_TO_RECRUITER:
        response = await say(client, conversation["id"], line)
        assert response.status_code == 200, response.text
        stages.append(response.json()["state"]["stage"])
        if response.json()["state"]["ended"]:
            break
    ended_by_turn = (await transcript(client, conversation["id"]))["ended_at"]
    assert (ended_by_turn is not None) == (stages[-1] == "ended")
    report = (await client.post(f"/v1/conversations/{conversation['id']}/end")).json()
    assert (await transcript(client, conversation["id"]))["ended_at"] is not None
    assert report["outcome"] in {"walked_away", "neutral_close"}
    assert "cooling" in stages or report["outcome"] == "walked_away"
    # Turn 1 ("I'm a senior engineer ... looking for a job") is an answer when Priya's opening
    # asked what brings them over, and a pitch otherwise; turn 2 (the resume) is one either way.
    assert report["first_pitch_turn"] in (1, 2)
    assert report["mean_score"] < 40


async def test_report_matches_the_transcript(client):
    conversation = await start(client)
    for line in LISTENER_TO_RECRUITER[:3]:
        await say(client, conversation["id"], line)
    report = (await client.get(f"/v1/conversations/{conversation['id']}/report")).json()
    messages = (await transcript(client, conversation["id"]))["messages"]
    user = [m for m in messages if m["role"] == "user"]
    assert report["turns"] == 3
    assert len(report["trust_curve"]) == 4
    scores = [m["feedback"]["score"] for m in user]
    assert report["mean_score"] == pytest.approx(sum(scores) / 3, abs=0.05)
    user_words = sum(len(m["content"].split()) for m in user)
    all_words = sum(len(m["content"].split()) for m in messages)
    assert report["talk_share"] == pytest.approx(user_words / all_words, abs=0.02)


async def test_turn_on_an_ended_conversation_is_409_and_changes_nothing(client):
    conversation = await start(client)
    await say(client, conversation["id"], LISTENER_TO_RECRUITER[0])
    await client.post(f"/v1/conversations/{conversation['id']}/end")
    before = await transcript(client, conversation["id"])
    assert_problem(
        await say(client, conversation["id"], "One more thing?"), 409, "conversation_ended"
    )
    assert await transcript(client, conversation["id"]) == before


async def test_ending_twice_returns_the_same_report(client):
    conversation = await start(client)
    await say(client, conversation["id"], LISTENER_TO_RECRUITER[0])
    first = await client.post(f"/v1/conversations/{conversation['id']}/end")
    second = await client.post(f"/v1/conversations/{conversation['id']}/end")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


async def test_two_simultaneous_turns_never_corrupt_the_transcript(client):
    # Whether they truly overlap depends on timing here; tests/resilience/test_concurrency.py
    # forces the overlap and proves the 200 + 409. Whatever the timing, the transcript holds.
    conversation = await start(client)
    answers = await asyncio.gather(
        say(client, conversation["id"], "How did you end up in recruiting?"),
        say(client, conversation["id"], "What does a typical day look like?"),
    )
    codes = sorted(a.status_code for a in answers)
    assert codes in ([200, 200], [200, 409])
    messages = (await transcript(client, conversation["id"]))["messages"]
    assert [m["index"] for m in messages] == list(range(1 + 2 * codes.count(200)))
    assert [m["role"] for m in messages[1:]] == ["user", "persona"] * codes.count(200)
    for answer in answers:
        if answer.status_code == 200:
            body = answer.json()
            assert messages[body["reply"]["index"]]["content"] == body["reply"]["content"]
            assert body["reply"]["index"] == body["user"]["index"] + 1


async def test_retry_with_nothing_missing_is_409(client):
    conversation = await start(client)
    response = await client.post(f"/v1/conversations/{conversation['id']}/retry")
    assert_problem(response, 409, "nothing_to_retry")


async def test_streamed_turn_sends_feedback_deltas_state_and_done(client):
    conversation = await start(client)
    async with client.stream(
        "POST",
        f"/v1/conversations/{conversation['id']}/turns",
        json={"content": LISTENER_TO_RECRUITER[0]},
        headers={"Accept": "text/event-stream"},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(await response.aread())
    names = [name for name, _ in events]
    assert names[0] == "feedback" and names[-2:] == ["state", "done"]
    assert set(names[1:-2]) == {"delta"} and len(names) >= 4
    done = events[-1][1]
    assert (
        "".join(data["text"] for name, data in events if name == "delta")
        == done["reply"]["content"]
    )
    assert done["feedback"] == events[0][1]
    stored = (await transcript(client, conversation["id"]))["messages"]
    assert stored[-1]["content"] == done["reply"]["content"]


async def test_delete_erases_the_conversation(client):
    conversation = await start(client)
    await say(client, conversation["id"], LISTENER_TO_RECRUITER[0])
    assert (await client.delete(f"/v1/conversations/{conversation['id']}")).status_code == 204
    assert_problem(await client.get(f"/v1/conversations/{conversation['id']}"), 404)
    assert_problem(await client.delete(f"/v1/conversations/{conversation['id']}"), 404)


async def test_deleted_text_lingers_in_neither_the_database_nor_its_wal(client, database_url):
    # Erasure means gone from disk: SQLite otherwise keeps deleted cells in free pages and the
    # inserted frames in the WAL until some later checkpoint (on PostgreSQL the delete is all).
    marker = f"fired-from-acme-{uuid.uuid4().hex}"
    conversation = await start(client)
    response = await say(client, conversation["id"], f"I was {marker} last week")
    assert response.status_code == 200, response.text
    assert (await client.delete(f"/v1/conversations/{conversation['id']}")).status_code == 204
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return
    for path in (Path(url.database), Path(f"{url.database}-wal")):
        if path.exists():
            assert marker.encode() not in path.read_bytes(), path.name


async def test_learner_conversations_are_listed_for_export(client):
    a = await start(client, user_ref="learner-42")
    b = await start(client, "prospect", user_ref="learner-42")
    await start(client, user_ref="someone-else")
    listed = (await client.get("/v1/learners/learner-42/conversations")).json()
    assert {c["id"] for c in listed["conversations"]} == {a["id"], b["id"]}
    assert listed["total"] == 2


async def test_every_persona_can_be_held_end_to_end(client):
    personas = [p["id"] for p in (await client.get("/v1/personas")).json()["personas"]]
    lines = [
        "Hi, I'm Alex. What brings you here today?",
        "How did you get into that?",
        "What has been the hardest part of it?",
    ]
    for persona in personas:
        conversation = await start(client, persona)
        for line in lines:
            response = await say(client, conversation["id"], line)
            assert response.status_code == 200, (persona, response.text)
            assert response.json()["reply"]["content"].strip(), persona
        report = (await client.post(f"/v1/conversations/{conversation['id']}/end")).json()
        assert report["turns"] == 3 and report["outcome"] is not None, persona


async def test_the_same_seed_replays_the_same_conversation(client):
    replies = []
    for _ in range(2):
        conversation = await start(client, "prospect", seed="script-7")
        lines = [conversation["messages"][0]["content"]]
        for line in LISTENER_TO_RECRUITER[:4]:
            lines.append((await say(client, conversation["id"], line)).json()["reply"]["content"])
        replies.append(lines)
    assert replies[0] == replies[1]
