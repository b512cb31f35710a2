"""Tenant personas at scale (issue 16, point 5): a paginated listing that reads no persona
bodies, a per-key quota, and a big persona whose index is built once, not on every turn."""

from __future__ import annotations

import asyncio
import gc
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command

from app.db import alembic_config
from app.dialogue import understand
from app.main import create_app
from app.personas.schema import Persona
from tests import personas_yaml
from tests.api.helpers import assert_problem, say, start
from tests.conftest import make_settings, new_key

RECRUITER = personas_yaml.builtin("recruiter")


def persona(persona_id: str, **changes: Any) -> dict[str, Any]:
    return {**RECRUITER, "id": persona_id, "name": "Dana Whitfield", **changes}


async def create(client: httpx.AsyncClient, persona_id: str) -> httpx.Response:
    return await client.post("/v1/personas", json=persona(persona_id))


@pytest.fixture
async def quota_of_two(settings) -> AsyncIterator[Any]:
    application = create_app(make_settings(settings.database_url, max_tenant_personas=2))
    async with application.router.lifespan_context(application):
        yield application


async def client_of(application: Any) -> httpx.AsyncClient:
    key = await new_key(application)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application),
        base_url="http://rapport.test",
        headers={"Authorization": f"Bearer {key}"},
    )


# -- the listing -------------------------------------------------------------------------------


async def test_the_persona_listing_comes_a_page_at_a_time(client):
    for name in ("zeta", "alpha", "mid"):
        assert (await create(client, f"page_{name}")).status_code == 201
    everything = (await client.get("/v1/personas")).json()
    first = (await client.get("/v1/personas", params={"limit": 5})).json()
    rest = (await client.get("/v1/personas", params={"limit": 5, "offset": 5})).json()

    builtins = [p["id"] for p in everything["personas"] if p["source"] == "builtin"]
    ids = [p["id"] for p in everything["personas"]]
    assert ids == [*builtins, "page_alpha", "page_mid", "page_zeta"]
    assert everything["total"] == len(ids) and everything["limit"] == 200
    assert [p["id"] for p in first["personas"] + rest["personas"]] == ids[:10]
    assert (first["total"], first["limit"], first["offset"]) == (len(ids), 5, 0)


async def test_a_listed_tenant_persona_has_the_public_fields_and_nothing_else(client):
    await create(client, "listed_fields")
    listed = {p["id"]: p for p in (await client.get("/v1/personas")).json()["personas"]}
    one = (await client.get("/v1/personas/listed_fields")).json()

    assert listed["listed_fields"] == one
    assert {"hooks", "facts", "background"}.isdisjoint(listed["listed_fields"])


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1}])
async def test_a_page_out_of_bounds_is_422(client, params):
    assert_problem(await client.get("/v1/personas", params=params), 422, "invalid_input")


async def test_the_listing_reads_no_persona_bodies(client, monkeypatch):
    # 2,400 bodies validated in one request held the worker's event loop for 1.4 s.
    for i in range(3):
        await create(client, f"unread_{i}")
    validated = 0
    original = Persona.model_validate.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Persona], *args: Any, **kwargs: Any) -> Persona:
        nonlocal validated
        validated += 1
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(Persona, "model_validate", classmethod(counting))
    response = await client.get("/v1/personas")

    assert response.status_code == 200 and len(response.json()["personas"]) >= 10
    assert validated == 0


# -- the quota ---------------------------------------------------------------------------------


async def test_a_key_past_its_persona_quota_gets_a_409_problem_saying_what_to_do(quota_of_two):
    async with await client_of(quota_of_two) as client:
        assert (await create(client, "quota_a")).status_code == 201
        assert (await create(client, "quota_b")).status_code == 201
        refused = assert_problem(await create(client, "quota_c"), 409, "quota_exceeded")
        assert refused["limit"] == 2 and "delete" in refused["detail"].lower()
        # replacing one is not a new one, and deleting one makes room
        replaced = await client.put("/v1/personas/quota_b", json=persona("quota_b"))
        assert replaced.status_code == 200
        assert (await client.delete("/v1/personas/quota_a")).status_code == 204
        assert (await create(client, "quota_c")).status_code == 201


async def test_the_quota_is_per_key(quota_of_two):
    async with await client_of(quota_of_two) as one, await client_of(quota_of_two) as other:
        for i in range(2):
            assert (await create(one, f"mine_{i}")).status_code == 201
        assert (await create(other, "theirs")).status_code == 201


async def test_creations_at_once_cannot_pass_the_quota(quota_of_two):
    async with await client_of(quota_of_two) as client:
        answers = await asyncio.gather(*(create(client, f"race_{i}") for i in range(6)))
        statuses = sorted(a.status_code for a in answers)
        listed = (await client.get("/v1/personas")).json()["personas"]

    assert statuses == [201, 201, 409, 409, 409, 409]
    assert len([p for p in listed if p["source"] == "tenant"]) == 2


# -- a big persona's turns ---------------------------------------------------------------------


async def test_a_tenant_persona_index_is_built_once_not_on_every_turn(client, monkeypatch):
    # Unique content, so no earlier test has built this index already.
    facts = [dict(RECRUITER["facts"][0], answers=[f"I started out in {uuid.uuid4().hex}."])]
    body = persona("indexed_once", facts=[*facts, *RECRUITER["facts"][1:]])
    assert (await client.post("/v1/personas", json=body)).status_code == 201
    built = 0
    original = understand.KnowledgeIndex.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal built
        built += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(understand.KnowledgeIndex, "__init__", counting)
    for _ in range(2):
        conversation = await start(client, "indexed_once")
        for text in ("How did you end up in recruiting?", "What is a normal day like?"):
            assert (await say(client, conversation["id"], text)).status_code == 200

    assert built == 1


# -- the migration -----------------------------------------------------------------------------


def test_the_migration_lists_personas_created_before_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url.replace("sqlite://", "sqlite+aiosqlite://"))
    command.upgrade(config, "0006")
    engine = sa.create_engine(url)
    body = Persona.model_validate(persona("from_before")).model_dump(mode="json")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO tenant_personas (tenant_id, persona_id, body, created_at, "
                "updated_at) VALUES ('t', 'from_before', :body, '2026-01-01', '2026-01-01')"
            ),
            {"body": json.dumps(body)},
        )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        listing = connection.execute(sa.text("SELECT listing FROM tenant_personas")).scalar_one()
    engine.dispose()

    assert json.loads(listing) == Persona.model_validate(body).public()


# -- the worker's pauses -----------------------------------------------------------------------


async def test_what_start_up_built_is_out_of_the_collectors_sight(app):
    # A full collection walked it all: 200-300 ms during which /healthz, like every request on
    # the worker, waited (tools/persona_bench.py).
    assert gc.get_freeze_count() > 10_000
