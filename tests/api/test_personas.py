from tests.api.helpers import assert_problem


async def test_lists_the_three_builtin_personas_with_public_fields(client):
    response = await client.get("/v1/personas")
    assert response.status_code == 200
    personas = {p["id"]: p for p in response.json()["personas"]}
    assert {"recruiter", "conference_stranger", "prospect"} <= personas.keys()
    for persona in personas.values():
        assert {"id", "name", "role", "summary", "difficulties"} <= persona.keys()
        assert {"easy", "normal", "hard"} <= set(persona["difficulties"])


async def test_persona_listing_never_exposes_hidden_hooks(client):
    body = (await client.get("/v1/personas/recruiter")).text.lower()
    assert "hooks" not in body and "unlisted" not in body


async def test_unknown_persona_is_a_404_problem(client):
    assert_problem(await client.get("/v1/personas/dragon"), 404, "not_found")
