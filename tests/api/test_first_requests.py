"""What a newcomer's first hand-written requests meet: the names a turn uses, curl's defaults."""

from __future__ import annotations

import httpx

from tests.api.helpers import assert_problem

PARTNER = "I used to teach chemistry before I moved into recruiting."


async def test_analyze_takes_content_as_a_turn_does(client: httpx.AsyncClient) -> None:
    by_content = await client.post(
        "/v1/analyze", json={"content": "What made you leave teaching?", "partner_said": PARTNER}
    )
    by_message = await client.post(
        "/v1/analyze", json={"message": "What made you leave teaching?", "partner_said": PARTNER}
    )
    assert by_content.status_code == 200, by_content.text
    assert by_content.json() == by_message.json()


async def test_analyze_refuses_message_and_content_together(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/analyze", json={"content": "Why?", "message": "How?"})
    body = assert_problem(response, 422, "invalid_input")
    assert "not both" in body["detail"]


async def test_an_empty_content_on_analyze_is_named_as_sent(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/v1/analyze", json={"content": " "}), 422)
    assert body["errors"][0]["field"] == "content"


async def test_malformed_json_names_the_position(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/analyze",
        content=b'{"content": "hi",}',
        headers={"Content-Type": "application/json"},
    )
    body = assert_problem(response, 400, "malformed_json")
    assert "character 17" in body["detail"]
    assert "17" not in str(body.get("errors"))


async def test_json_sent_as_a_form_is_415_saying_which_header(client: httpx.AsyncClient) -> None:
    # `curl -d '{...}'` without -H 'Content-Type: application/json' sends this.
    response = await client.post(
        "/v1/conversations",
        content=b'{"persona_id": "recruiter"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    body = assert_problem(response, 415, "unsupported_media_type")
    assert "Content-Type: application/json" in body["detail"]


async def test_no_body_at_all_is_still_a_field_required(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/v1/conversations"), 422, "invalid_input")
    assert "required" in body["detail"].lower()


async def test_timestamps_carry_their_utc_offset_when_read_back(client: httpx.AsyncClient) -> None:
    # JavaScript's Date reads "2026-12-03T11:21:11" as local time; with "+00:00" it is exact.
    created = (await client.post("/v1/conversations", json={"persona_id": "recruiter"})).json()
    read = (await client.get(f"/v1/conversations/{created['id']}")).json()
    ended = await client.post(f"/v1/conversations/{created['id']}/end")
    listed = (await client.get("/v1/conversations")).json()["conversations"][0]
    assert ended.status_code == 200
    assert created["created_at"].endswith("+00:00")
    assert read["created_at"] == created["created_at"]
    assert listed["ended_at"].endswith("+00:00")
