import httpx

from tests.api.helpers import assert_problem, start, transcript
from tests.conftest import new_key


async def test_missing_key_is_401(raw_client):
    assert_problem(await raw_client.get("/v1/personas"), 401, "unauthorized")


async def test_wrong_key_is_401(raw_client):
    response = await raw_client.get("/v1/personas", headers={"Authorization": "Bearer rk_nope"})
    assert_problem(response, 401, "unauthorized")


async def test_other_tenant_gets_404_not_403(app, client):
    conversation = await start(client)
    other = await new_key(app)
    response = await client.get(
        f"/v1/conversations/{conversation['id']}", headers={"Authorization": f"Bearer {other}"}
    )
    assert_problem(response, 404, "not_found")
    turn = await client.post(
        f"/v1/conversations/{conversation['id']}/turns",
        json={"content": "Hello?"},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert_problem(turn, 404, "not_found")
    assert len((await transcript(client, conversation["id"]))["messages"]) == 1


async def test_publishable_key_works_only_from_its_origin(app, raw_client):
    key = await new_key(app, publishable=True, origins=["https://coach.example"])
    allowed = {"Authorization": f"Bearer {key}", "Origin": "https://coach.example"}
    created = await raw_client.post(
        "/v1/conversations", json={"persona_id": "recruiter"}, headers=allowed
    )
    assert created.status_code == 201
    elsewhere = {"Authorization": f"Bearer {key}", "Origin": "https://evil.example"}
    refused = await raw_client.get(f"/v1/conversations/{created.json()['id']}", headers=elsewhere)
    body = assert_problem(refused, 403, "origin_not_allowed")
    assert "https://coach.example" in body["detail"]
    no_origin = await raw_client.get("/v1/personas", headers={"Authorization": f"Bearer {key}"})
    assert_problem(no_origin, 403, "origin_not_allowed")


async def test_publishable_key_sees_only_conversations_it_created(app, client, raw_client):
    server_side = await start(client)
    key = await new_key(app, publishable=True, origins=["https://coach.example"])
    headers = {"Authorization": f"Bearer {key}", "Origin": "https://coach.example"}
    response = await raw_client.get(f"/v1/conversations/{server_side['id']}", headers=headers)
    assert_problem(response, 404)


async def test_cors_preflight_answers_for_widget_origins(raw_client):
    response = await raw_client.options(
        "/v1/conversations",
        headers={
            "Origin": "https://coach.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in {"*", "https://coach.example"}


async def test_revoked_key_stops_working(app):
    from app.services.admin import create_key, revoke_key

    created = await create_key(app.state.settings, "to-revoke", False, [])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert (
            await c.post(
                "/v1/analyze",
                json={"message": "hi"},
                headers={"Authorization": f"Bearer {created.plain}"},
            )
        ).status_code == 200
        assert await revoke_key(app.state.settings, created.record.id) == 1
        app.state.key_cache.clear()  # a running worker forgets within 5 s; the test does not wait
        response = await c.post(
            "/v1/analyze",
            json={"message": "hi"},
            headers={"Authorization": f"Bearer {created.plain}"},
        )
        assert_problem(response, 401)


async def test_keys_are_stored_hashed(app):
    from sqlalchemy import select

    from app.models import ApiKey

    plain = await new_key(app)
    async with app.state.runtime.db.transaction() as session:
        stored = (await session.execute(select(ApiKey.key_hash, ApiKey.prefix))).all()
    assert all(plain != row.key_hash and plain not in row.key_hash for row in stored)


async def test_publishable_key_on_the_apis_own_origin_works_on_same_origin_gets(app, raw_client):
    # Browsers send no Origin on same-origin GETs, only Sec-Fetch-Site: same-origin.
    key = await new_key(app, publishable=True, origins=["http://rapport.test"])
    headers = {"Authorization": f"Bearer {key}", "Sec-Fetch-Site": "same-origin"}
    assert (await raw_client.get("/v1/personas", headers=headers)).status_code == 200
    cross = {"Authorization": f"Bearer {key}", "Sec-Fetch-Site": "cross-site"}
    assert_problem(await raw_client.get("/v1/personas", headers=cross), 403)
