from sqlalchemy import text

from app.main import create_app
from tests.api.helpers import say, start, transcript
from tests.conftest import make_settings


async def test_analyze_returns_the_same_object_as_the_turn_endpoint(client):
    conversation = await start(client)
    turn = (await say(client, conversation["id"], "How did you end up in recruiting?")).json()
    analyzed = await client.post(
        "/v1/analyze",
        json={
            "message": "How did you end up in recruiting?",
            "history": [{"role": "persona", "content": conversation["messages"][0]["content"]}],
        },
    )
    assert analyzed.status_code == 200
    assert analyzed.json() == turn["feedback"]


async def test_analyze_short_form_with_partner_said_equals_history_form(client):
    partner = "I used to teach high-school chemistry before recruiting."
    short = await client.post(
        "/v1/analyze", json={"message": "What made you leave teaching?", "partner_said": partner}
    )
    long = await client.post(
        "/v1/analyze",
        json={
            "message": "What made you leave teaching?",
            "history": [{"role": "persona", "content": partner}],
        },
    )
    assert short.json() == long.json()
    assert "follow_up_question" in short.json()["moves"]


async def test_health_ready_and_metrics(raw_client, client):
    assert (await raw_client.get("/healthz")).json() == {"status": "ok"}
    assert (await raw_client.get("/readyz")).status_code == 200
    conversation = await start(client)
    await say(client, conversation["id"], "How did you end up in recruiting?")
    metrics = (await raw_client.get("/metrics")).text
    assert "rapport_turns_total" in metrics and "rapport_http_requests_total" in metrics


async def test_a_restarted_server_keeps_every_acknowledged_turn(settings, client):
    conversation = await start(client)
    await say(client, conversation["id"], "How did you end up in recruiting?")
    before = await transcript(client, conversation["id"])
    fresh = create_app(make_settings(settings.database_url))
    async with (
        fresh.router.lifespan_context(fresh),
        fresh.state.runtime.db.transaction() as session,
    ):
        count = (
            await session.execute(
                text("SELECT count(*) FROM messages WHERE conversation_id = :c"),
                {"c": conversation["id"]},
            )
        ).scalar_one()
    assert count == len(before["messages"]) == 3
