"""Issue 16, point 9: each HTTP detail as its RFC says, and one quiet log line per failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.main import create_app
from tests.api.helpers import assert_problem, start
from tests.conftest import make_settings


async def test_a_chunked_body_over_the_limit_is_413(client):
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"message": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post(
        "/v1/analyze", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload_too_large")


async def test_a_chunked_body_under_the_limit_is_read_whole(client):
    async def chunks() -> AsyncIterator[bytes]:
        for part in (b'{"message": ', b'"How did you ', b'start?"}'):
            yield part

    response = await client.post(
        "/v1/analyze", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text


async def test_malformed_json_is_400_without_a_made_up_field(client):
    response = await client.post(
        "/v1/analyze", content=b'{"message": "hi",,}', headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 400, "malformed_json")
    assert "errors" not in body or not body["errors"]
    assert "character" in body["detail"]


async def test_405_names_the_allowed_methods(client):
    response = await client.put("/v1/analyze", json={})
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"


async def test_401_says_which_scheme_to_use(raw_client):
    response = await raw_client.get("/v1/personas")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_unhandled_error_is_one_log_line_with_no_sql(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog
):
    def broken(*args: Any, **kw: Any) -> Any:
        raise OperationalError("SELECT secret_column FROM learners", {}, Exception("down"))

    monkeypatch.setattr("app.api.routes.analyze.analyze_request", broken)
    # raise_app_exceptions: a re-raised error (that uvicorn would log again) fails the test.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    with caplog.at_level(logging.INFO):
        async with httpx.AsyncClient(
            transport=transport, base_url="http://rapport.test", headers=client.headers
        ) as strict:
            response = await strict.post("/v1/analyze", json={"message": "hi"})
    assert_problem(response, 500, "internal")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    line = errors[0].getMessage()
    assert "OperationalError" in line and "/v1/analyze" in line
    assert "SELECT" not in caplog.text and "secret_column" not in caplog.text


async def test_a_hung_model_fails_within_the_deadline_under_the_proxy_timeout(settings):
    tight = make_settings(settings.database_url, llm_timeout=1.0, llm_max_retries=0)
    assert tight.reply_deadline_seconds == 1.0
    app = create_app(tight)
    async with app.router.lifespan_context(app):
        engine = app.state.runtime.engine

        class Hung:
            name = engine.name

            def opening(self, *args: Any, **kw: Any) -> str:
                return engine.opening(*args, **kw)

            async def reply(self, ctx: Any) -> str:
                await asyncio.sleep(3600)
                return ""

            async def stream(self, ctx: Any) -> AsyncIterator[str]:
                yield "Well"
                await asyncio.sleep(3600)

            async def summarize(self, *args: Any) -> None:
                return None

        app.state.runtime.engine = Hung()
        from tests.conftest import new_key

        headers = {"Authorization": f"Bearer {await new_key(app)}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=headers, timeout=10
        ) as c:
            cid = (await start(c))["id"]
            loop = asyncio.get_running_loop()
            began = loop.time()
            turn = await c.post(f"/v1/conversations/{cid}/turns", json={"content": "Hi?"})
            assert_problem(turn, 503, "llm_unavailable")
            assert loop.time() - began < 3
            began = loop.time()
            streamed = await c.post(
                f"/v1/conversations/{cid}/retry", headers={"Accept": "text/event-stream"}
            )
            assert "event: error" in streamed.text and "llm_unavailable" in streamed.text
            assert loop.time() - began < 3


def test_the_reply_deadline_stays_under_the_proxy_timeout():
    settings = Settings(
        engine="llm", llm_base_url="http://llm", llm_timeout=20, llm_max_retries=2, proxy_timeout=60
    )
    assert settings.reply_deadline_seconds == 55  # 3 attempts x 20 s would be 60: cut at 55
    assert settings.reply_lease_seconds > settings.reply_deadline_seconds


def test_create_app_itself_refuses_open_auth_on_a_public_address():
    with pytest.raises(ValueError, match="loopback"):
        create_app(Settings(auth="open", host="0.0.0.0"))


async def test_open_auth_answers_only_loopback_callers(settings):
    app = create_app(make_settings(settings.database_url, auth="open"))
    async with app.router.lifespan_context(app):
        for peer, expected in (("127.0.0.1", 200), ("203.0.113.9", 401)):
            transport = httpx.ASGITransport(app=app, client=(peer, 1234))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                assert (await c.get("/v1/personas")).status_code == expected


async def test_metrics_need_the_token_when_one_is_set(settings):
    app = create_app(make_settings(settings.database_url, metrics_token="m-secret"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            assert_problem(await c.get("/metrics"), 401)
            wrong = {"Authorization": "Bearer nope"}
            assert_problem(await c.get("/metrics", headers=wrong), 401)
            right = {"Authorization": "Bearer m-secret"}
            assert (await c.get("/metrics", headers=right)).status_code == 200


async def test_without_a_token_metrics_answer_only_this_machine(app):
    for peer, expected in (("127.0.0.1", 200), ("203.0.113.9", 404)):
        transport = httpx.ASGITransport(app=app, client=(peer, 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            assert (await c.get("/metrics")).status_code == expected


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/conversations", {"persona_id": "recruiter", "seed": "a\x00b"}),
        ("/v1/conversations", {"persona_id": "recruiter", "difficulty": "hard\x00"}),
        ("/v1/analyze", {"message": "Why?", "partner_said": "I left\x00."}),
        ("/v1/analyze", {"message": "Why?", "history": [{"role": "persona", "content": "\x07"}]}),
    ],
)
async def test_control_characters_are_refused_in_every_string_field(client, path, body):
    # Point 7: a NUL in `seed` reached PostgreSQL, which refused it: a 500.
    response = await client.post(path, json=body)
    assert_problem(response, 422, "invalid_input")
