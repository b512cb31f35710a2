import pytest

from tests.api.helpers import assert_problem, say, start, transcript


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 2001, "2,000"),
        ("hello\x00there", "control"),
        ("bell\x07", "control"),
    ],
    ids=["empty", "whitespace-only", "too-long", "nul-byte", "bell-character"],
)
async def test_bad_message_is_422_with_a_clear_detail_and_nothing_stored(client, content, fragment):
    conversation = await start(client)
    body = assert_problem(await say(client, conversation["id"], content), 422, "invalid_input")
    assert fragment in body["detail"]
    assert len((await transcript(client, conversation["id"]))["messages"]) == 1


async def test_message_of_exactly_2000_characters_after_trimming_is_accepted(client):
    conversation = await start(client)
    response = await say(client, conversation["id"], "  " + "a" * 2000 + "  ")
    assert response.status_code == 200, response.text


async def test_newlines_and_tabs_are_allowed(client):
    conversation = await start(client)
    assert (await say(client, conversation["id"], "Hi!\n\tHow did you start?")).status_code == 200


async def test_unknown_fields_are_rejected(client):
    response = await client.post("/v1/conversations", json={"persona_id": "recruiter", "mood": 1})
    body = assert_problem(response, 422)
    assert "mood" in body["detail"] and "unknown field" in body["detail"]


async def test_unknown_persona_on_create_is_404(client):
    assert_problem(await client.post("/v1/conversations", json={"persona_id": "nobody"}), 404)


async def test_unknown_difficulty_is_422_naming_the_choices(client):
    response = await client.post(
        "/v1/conversations", json={"persona_id": "recruiter", "difficulty": "nightmare"}
    )
    body = assert_problem(response, 422)
    assert "normal" in body["detail"]


async def test_unknown_conversation_is_404(client):
    assert_problem(await say(client, "no-such-conversation", "Hi"), 404, "not_found")


async def test_malformed_json_is_400(client):
    # Not a field's problem (the body is not JSON at all): 400, as for any unparsable request.
    response = await client.post(
        "/v1/conversations", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")


async def test_oversized_body_is_413(client):
    response = await client.post(
        "/v1/analyze",
        content=b'{"message": "' + b"a" * 70_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413, "payload_too_large")


async def test_analyze_rejects_partner_said_that_disagrees_with_history(client):
    response = await client.post(
        "/v1/analyze",
        json={
            "message": "What made you leave?",
            "partner_said": "I work in sales.",
            "history": [{"role": "persona", "content": "I used to teach chemistry."}],
        },
    )
    assert "partner_said" in assert_problem(response, 422)["detail"]
