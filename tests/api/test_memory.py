"""Relationship memory over the API (issue 15, item 5): the same learner meeting the same persona
again is remembered; anyone else starts fresh."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.helpers import LISTENER_TO_RECRUITER, start, transcript
from tests.conftest import new_key
from tests.dialogue.factories import persona

FIRST_MEETING_TRUST = persona("recruiter").difficulties["normal"].initial_trust


async def _talk(client: httpx.AsyncClient, conversation_id: str, lines: list[str]) -> None:
    for line in lines:
        response = await client.post(
            f"/v1/conversations/{conversation_id}/turns", json={"content": line}
        )
        assert response.status_code == 200, response.text
        if response.json()["state"]["ended"]:
            break


async def _first_meeting(client: httpx.AsyncClient, user_ref: str) -> dict[str, Any]:
    # Seeded: unseeded conversations share what personas said lately, so the wording (and with
    # it how the scripted listener's lines land) would depend on the tests that ran before.
    first = await start(client, user_ref=user_ref, seed=f"first-meeting-{user_ref}")
    await _talk(client, first["id"], LISTENER_TO_RECRUITER)
    ended = await client.post(f"/v1/conversations/{first['id']}/end")
    assert ended.status_code == 200, ended.text
    return first


async def test_a_second_conversation_continues_the_first_and_remembers_the_learner(client):
    first = await _first_meeting(client, "alex@example.com")
    assert first["continues"] is None  # a first meeting starts fresh

    second = await start(client, user_ref="alex@example.com")

    assert second["continues"] == first["id"]
    assert second["state"]["trust"] > FIRST_MEETING_TRUST  # warmer than a stranger
    assert second["state"]["turn"] == 0
    opening = second["messages"][0]["content"]
    assert "Alex" in opening  # "Hi, I'm Alex" last time: greeted by name
    assert opening not in persona("recruiter").openings  # not a first-meeting line
    again = await transcript(client, second["id"])
    assert again["continues"] == first["id"]


async def test_a_third_conversation_continues_the_latest_one(client):
    first = await _first_meeting(client, "sam")
    second = await start(client, user_ref="sam")
    await _talk(client, second["id"], ["How have things been since the fair?"])

    third = await start(client, user_ref="sam")

    assert third["continues"] == second["id"] != first["id"]


async def test_a_conversation_where_the_learner_said_nothing_is_not_what_is_remembered(client):
    first = await _first_meeting(client, "kim")
    await start(client, user_ref="kim")  # opened and abandoned without a word

    later = await start(client, user_ref="kim")

    assert later["continues"] == first["id"]


async def test_without_user_ref_every_conversation_starts_fresh(client):
    first = await start(client)
    await _talk(client, first["id"], LISTENER_TO_RECRUITER[:3])

    second = await start(client)

    assert second["continues"] is None
    assert second["state"]["trust"] == FIRST_MEETING_TRUST


async def test_another_persona_or_another_tenant_does_not_remember(app, client):
    await _first_meeting(client, "jo")

    other_persona = await start(client, "conference_stranger", user_ref="jo")
    assert other_persona["continues"] is None

    other_tenant = {"Authorization": f"Bearer {await new_key(app)}"}
    response = await client.post(
        "/v1/conversations",
        json={"persona_id": "recruiter", "user_ref": "jo"},
        headers=other_tenant,
    )
    assert response.status_code == 201, response.text
    assert response.json()["continues"] is None


async def test_erasing_a_conversation_erases_what_later_ones_remembered_of_it(client):
    first = await _first_meeting(client, "lee")
    second = await start(client, user_ref="lee")
    assert second["continues"] == first["id"]

    assert (await client.delete(f"/v1/conversations/{first['id']}")).status_code == 204

    assert (await transcript(client, second["id"]))["continues"] is None
    third = await start(client, user_ref="lee")  # lee said nothing in the second one
    assert third["continues"] is None
    assert third["state"]["trust"] == FIRST_MEETING_TRUST


async def test_listings_say_which_conversation_each_one_continues(client):
    first = await _first_meeting(client, "ari")
    second = await start(client, user_ref="ari")
    listed = (await client.get("/v1/learners/ari/conversations")).json()["conversations"]
    assert {c["id"]: c["continues"] for c in listed} == {
        first["id"]: None,
        second["id"]: first["id"],
    }
