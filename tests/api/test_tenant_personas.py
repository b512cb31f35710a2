from tests import personas_yaml
from tests.api.helpers import assert_problem, say, start
from tests.conftest import new_key


def recruiter_as(persona_id: str, name: str = "Dana Whitfield") -> dict:
    body = personas_yaml.builtin("recruiter")
    return {**body, "id": persona_id, "name": name}


async def test_a_tenant_persona_is_created_listed_and_held_in_conversation(client):
    created = await client.post("/v1/personas", json=recruiter_as("acme_recruiter"))
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "tenant" and "hooks" not in created.json()
    listed = {p["id"]: p for p in (await client.get("/v1/personas")).json()["personas"]}
    assert listed["acme_recruiter"]["source"] == "tenant"
    assert listed["recruiter"]["source"] == "builtin"
    conversation = await start(client, "acme_recruiter")
    turn = await say(client, conversation["id"], "How did you end up in recruiting?")
    assert turn.status_code == 200 and turn.json()["reply"]["content"]


async def test_a_tenant_persona_is_invisible_to_other_tenants(app, client):
    await client.post("/v1/personas", json=recruiter_as("private_recruiter"))
    other = {"Authorization": f"Bearer {await new_key(app)}"}
    assert_problem(await client.get("/v1/personas/private_recruiter", headers=other), 404)
    listed = (await client.get("/v1/personas", headers=other)).json()["personas"]
    assert "private_recruiter" not in {p["id"] for p in listed}
    response = await client.post(
        "/v1/conversations", json={"persona_id": "private_recruiter"}, headers=other
    )
    assert_problem(response, 404)


async def test_built_in_personas_are_read_only(client):
    assert_problem(await client.post("/v1/personas", json=recruiter_as("recruiter")), 409)
    assert_problem(await client.put("/v1/personas/recruiter", json=recruiter_as("recruiter")), 409)
    assert_problem(await client.delete("/v1/personas/recruiter"), 409)


async def test_an_invalid_persona_is_422_naming_the_field(client):
    body = recruiter_as("broken")
    del body["name"]
    problem = assert_problem(await client.post("/v1/personas", json=body), 422)
    assert "name" in problem["detail"]


async def test_creating_the_same_id_twice_is_409(client):
    assert (await client.post("/v1/personas", json=recruiter_as("twice"))).status_code == 201
    assert_problem(await client.post("/v1/personas", json=recruiter_as("twice")), 409)


async def test_put_replaces_and_delete_keeps_running_conversations_intact(client):
    await client.post("/v1/personas", json=recruiter_as("editable"))
    conversation = await start(client, "editable")
    replaced = await client.put("/v1/personas/editable", json=recruiter_as("editable", "Robin"))
    assert replaced.status_code == 200 and replaced.json()["name"] == "Robin"
    assert (await client.delete("/v1/personas/editable")).status_code == 204
    assert_problem(await client.get("/v1/personas/editable"), 404)
    # the conversation keeps the persona it started with
    turn = await say(client, conversation["id"], "What brings you here today?")
    assert turn.status_code == 200, turn.text


async def test_put_on_a_missing_persona_is_404(client):
    assert_problem(await client.put("/v1/personas/ghost", json=recruiter_as("ghost")), 404)


async def test_a_character_card_body_is_imported(client):
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {
            "name": "Lena Ortiz",
            "description": "{{char}} is a product manager at a fintech firm.",
            "personality": "curious, dry humour",
            "scenario": "You meet {{char}} at a meetup.",
            "first_mes": "Hi, I'm {{char}}. First time at this meetup?",
            "mes_example": "",
            "creator_notes": "",
            "system_prompt": "",
            "post_history_instructions": "",
            "alternate_greetings": [],
            "tags": ["networking"],
            "creator": "test",
            "character_version": "1",
            "extensions": {},
        },
    }
    created = await client.post("/v1/personas", json=card)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Lena Ortiz" and created.json()["warnings"]


async def test_publishable_keys_cannot_change_personas(app, raw_client):
    key = await new_key(app, publishable=True, origins=["https://coach.example"])
    headers = {"Authorization": f"Bearer {key}", "Origin": "https://coach.example"}
    response = await raw_client.post("/v1/personas", json=recruiter_as("pk_made"), headers=headers)
    assert_problem(response, 403)


async def test_extensions_nested_past_the_bound_are_422_not_500(client):
    # 256 levels was a 500 (a recursion limit when the persona was stored and re-encoded).
    deep: dict = {}
    for _ in range(256):
        deep = {"x": deep}
    problem = assert_problem(
        await client.post("/v1/personas", json={**recruiter_as("deep"), "extensions": deep}), 422
    )
    assert "extensions" in problem["detail"] and "32 levels" in problem["detail"]
    shallow: dict = {}
    for _ in range(8):
        shallow = {"x": [shallow]}
    body = {**recruiter_as("shallow"), "extensions": {"tool": shallow}}
    assert (await client.post("/v1/personas", json=body)).status_code == 201
