"""Publishable keys act for one visitor (API.md, "Auth"): every endpoint x every kind of caller.

A `pk_` key is in the page source and any client can forge an Origin, so the key alone must not
reach a conversation: only the conversation token its creator got back does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.models import Conversation
from app.services import access
from tests import personas_yaml
from tests.api.helpers import assert_problem, parse_sse
from tests.conftest import new_key

ORIGIN = "https://coach.example"
CALLERS = ["rk", "pk_token", "pk_no_token", "pk_other_token", "no_key"]
TOKEN = "X-Rapport-Conversation-Token"
VISITOR = "X-Rapport-Visitor-Token"


@dataclass
class World:
    """A secret key and a publishable key (one tenant each), each with a conversation of its own,
    and a second visitor's conversation on the publishable key."""

    rk: dict[str, str]
    pk: dict[str, str]
    rk_conversation: str
    pk_conversation: str
    token: str
    other_token: str


@pytest.fixture
async def world(app: Any, raw_client: httpx.AsyncClient) -> World:
    rk = {"Authorization": f"Bearer {await new_key(app)}"}
    pk_key = await new_key(app, publishable=True, origins=[ORIGIN])
    pk = {"Authorization": f"Bearer {pk_key}", "Origin": ORIGIN}
    mine = await _create(raw_client, rk)
    visitor = await _create(raw_client, pk)
    other_visitor = await _create(raw_client, pk)
    return World(rk, pk, mine["id"], visitor["id"], visitor["token"], other_visitor["token"])


async def _create(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    created = await client.post(
        "/v1/conversations", json={"persona_id": "recruiter"}, headers=headers
    )
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def _as(world: World, caller: str) -> tuple[dict[str, str], str]:
    """The caller's headers, and the conversation it aims at (its own, or the visitor's)."""
    if caller == "rk":
        return world.rk, world.rk_conversation
    if caller == "no_key":
        return {"Origin": ORIGIN}, world.pk_conversation
    tokens = {"pk_token": world.token, "pk_other_token": world.other_token, "pk_no_token": None}
    token = tokens[caller]
    return {**world.pk, **({TOKEN: token} if token else {})}, world.pk_conversation


def _persona(persona_id: str) -> dict[str, Any]:
    # One of the smaller built-ins: a persona body must fit the 64 KiB request limit.
    body = personas_yaml.builtin("investor")
    return {**body, "id": persona_id, "name": "Dana Whitfield"}


# (method, path, body, extra headers) -> expected status per caller, in CALLERS order.
ON_CONVERSATION = {
    "read": (("GET", "", None, {}), [200, 200, 404, 404, 401]),
    "report": (("GET", "/report", None, {}), [200, 200, 404, 404, 401]),
    "turn": (("POST", "/turns", {"content": "How did you get into this?"}, {}), [200] * 2),
    "turn_stream": (
        ("POST", "/turns", {"content": "How did you start?"}, {"Accept": "text/event-stream"}),
        [200] * 2,
    ),
    "retry": (("POST", "/retry", None, {}), [409, 409]),
    "retry_stream": (("POST", "/retry", None, {"Accept": "text/event-stream"}), [409, 409]),
    "end": (("POST", "/end", None, {}), [200, 200, 404, 404, 401]),
    "delete": (("DELETE", "", None, {}), [204, 204, 404, 404, 401]),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("action", sorted(ON_CONVERSATION))
async def test_conversation_endpoints_by_kind_of_caller(raw_client, world, action, caller):
    (method, suffix, body, extra), expected = ON_CONVERSATION[action]
    expected = [*expected, 404, 404, 401][:5] if len(expected) == 2 else expected
    headers, conversation_id = _as(world, caller)
    response = await raw_client.request(
        method,
        f"/v1/conversations/{conversation_id}{suffix}",
        json=body,
        headers={**headers, **extra},
    )
    want = expected[CALLERS.index(caller)]
    assert response.status_code == want, response.text
    if want >= 400:
        assert_problem(response, want)
        await _untouched(raw_client, world)
    elif "stream" in action:
        assert [name for name, _ in parse_sse(response.content)][-1] == "done"


async def _untouched(client: httpx.AsyncClient, world: World) -> None:
    """A refused caller changed nothing: the visitor's conversation is there, as it was."""
    owner = {**world.pk, TOKEN: world.token}
    seen = await client.get(f"/v1/conversations/{world.pk_conversation}", headers=owner)
    assert seen.status_code == 200
    assert len(seen.json()["messages"]) == 1 and not seen.json()["state"]["ended"]


# Endpoints that do not name a conversation: (method, path, body) -> status per caller.
GENERAL = {
    "list_personas": (("GET", "/v1/personas", None), [200, 200, 200, 200, 401]),
    "get_persona": (("GET", "/v1/personas/recruiter", None), [200, 200, 200, 200, 401]),
    "create_persona": (("POST", "/v1/personas", "new"), [201, 403, 403, 403, 401]),
    "replace_persona": (("PUT", "/v1/personas/{own}", "own"), [200, 403, 403, 403, 401]),
    "delete_persona": (("DELETE", "/v1/personas/{own}", None), [204, 403, 403, 403, 401]),
    "create_conversation": (
        ("POST", "/v1/conversations", {"persona_id": "recruiter"}),
        [201, 201, 201, 201, 401],
    ),
    "create_with_user_ref": (
        ("POST", "/v1/conversations", {"persona_id": "recruiter", "user_ref": "alex"}),
        [201, 403, 403, 403, 401],
    ),
    "list_conversations": (("GET", "/v1/conversations", None), [200, 403, 403, 403, 401]),
    "list_by_user_ref": (
        ("GET", "/v1/conversations?user_ref=alex", None),
        [200, 403, 403, 403, 401],
    ),
    "learner_conversations": (
        ("GET", "/v1/learners/alex/conversations", None),
        [200, 403, 403, 403, 401],
    ),
    "analyze": (("POST", "/v1/analyze", {"message": "How so?"}), [200, 200, 200, 200, 401]),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("action", sorted(GENERAL))
async def test_other_endpoints_by_kind_of_caller(raw_client, world, action, caller):
    (method, path, body), expected = GENERAL[action]
    headers, _ = _as(world, caller)
    own = f"own_{uuid.uuid4().hex[:8]}"
    created = await raw_client.post("/v1/personas", json=_persona(own), headers=world.rk)
    assert created.status_code == 201, created.text
    if body == "new":
        body = _persona(f"new_{uuid.uuid4().hex[:8]}")
    elif body == "own":
        body = _persona(own)
    response = await raw_client.request(method, path.format(own=own), json=body, headers=headers)
    want = expected[CALLERS.index(caller)]
    assert response.status_code == want, response.text
    if want == 403:
        assert_problem(response, 403)


@pytest.mark.parametrize(
    "origin",
    [
        ORIGIN,  # the key's own origin: the key is public, the origin proves nothing
        "https://evil.example",
        "https://coach.example.evil.example",
        "null",
        "https://coach.example/../",
        None,
    ],
)
async def test_a_pk_key_with_any_origin_cannot_read_list_end_or_delete_what_it_did_not_create(
    raw_client, world, origin
):
    headers = {"Authorization": world.pk["Authorization"]}
    if origin is not None:
        headers["Origin"] = origin
    base = f"/v1/conversations/{world.pk_conversation}"
    attempts = [
        ("GET", base),
        ("GET", f"{base}/report"),
        ("POST", f"{base}/end"),
        ("DELETE", base),
        ("GET", "/v1/conversations"),
        ("GET", "/v1/learners/alex/conversations"),
    ]
    for method, path in attempts:
        response = await raw_client.request(method, path, headers=headers)
        assert response.status_code in {403, 404}, (method, path, response.text)
        assert not {"messages", "conversations", "turns"} & response.json().keys()
    await _untouched(raw_client, world)


async def test_a_pk_conversation_answers_with_a_token_and_a_visitor_token(raw_client, world):
    created = await _create(raw_client, world.pk)
    assert created["token"].startswith("ct_") and created["visitor_token"].startswith("vt_")
    assert created["user_ref"] is None  # the derived learner reference is not shown to visitors
    secret = await _create(raw_client, world.rk)
    assert "token" not in secret and "visitor_token" not in secret


async def test_a_visitor_token_continues_as_the_same_learner(app, raw_client, world):
    first = await _create(raw_client, world.pk)
    again = await _create(raw_client, {**world.pk, VISITOR: first["visitor_token"]})
    stranger = await _create(raw_client, world.pk)
    assert again["visitor_token"] == first["visitor_token"]
    assert stranger["visitor_token"] != first["visitor_token"]
    refs = await _user_refs(app, first["id"], again["id"], stranger["id"])
    assert refs[first["id"]] == refs[again["id"]] != refs[stranger["id"]]
    assert refs[first["id"]] == access.learner_ref(first["visitor_token"])


async def test_a_visitor_token_the_server_never_issued_starts_a_new_learner(app, raw_client, world):
    made_up = "vt_" + "A" * 43
    created = await _create(raw_client, {**world.pk, VISITOR: made_up})
    assert created["visitor_token"] != made_up
    refs = await _user_refs(app, created["id"])
    assert refs[created["id"]] == access.learner_ref(created["visitor_token"])


async def test_another_keys_visitor_token_does_not_carry_over(app, raw_client, world):
    first = await _create(raw_client, world.pk)
    other_key = await new_key(app, publishable=True, origins=[ORIGIN])
    other = {"Authorization": f"Bearer {other_key}", "Origin": ORIGIN}
    moved = await _create(raw_client, {**other, VISITOR: first["visitor_token"]})
    assert moved["visitor_token"] != first["visitor_token"]


async def test_tokens_are_stored_only_as_hashes(app, raw_client, world):
    created = await _create(raw_client, world.pk)
    async with app.state.runtime.db.transaction() as session:
        row = (
            await session.execute(select(Conversation).where(Conversation.id == created["id"]))
        ).scalar_one()
    stored = f"{row.token_hash} {row.user_ref}"
    assert created["token"] not in stored and created["visitor_token"] not in stored
    assert row.token_hash == access.hash_token(created["token"])


async def test_tokens_are_compared_in_constant_time(raw_client, world, monkeypatch):
    compared: list[tuple[str, str]] = []
    real = access.hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    headers = {**world.pk, TOKEN: world.other_token}
    assert_problem(
        await raw_client.get(f"/v1/conversations/{world.pk_conversation}", headers=headers), 404
    )
    assert compared == [(access.hash_token(world.other_token), access.hash_token(world.token))]


async def test_a_malformed_token_is_treated_as_none(raw_client, world):
    for token in ("", "ct_short", world.token + "x", world.token.replace("ct_", "vt_"), "ct_ " * 9):
        headers = {**world.pk, TOKEN: token}
        response = await raw_client.get(
            f"/v1/conversations/{world.pk_conversation}", headers=headers
        )
        assert_problem(response, 404)


async def test_secret_keys_ignore_token_headers_and_keep_user_ref(raw_client, world):
    created = await raw_client.post(
        "/v1/conversations",
        json={"persona_id": "recruiter", "user_ref": "alex"},
        headers={**world.rk, TOKEN: world.token, VISITOR: "vt_" + "B" * 43},
    )
    assert created.status_code == 201 and created.json()["user_ref"] == "alex"
    listed = await raw_client.get("/v1/learners/alex/conversations", headers=world.rk)
    assert [c["id"] for c in listed.json()["conversations"]] == [created.json()["id"]]


async def test_the_widget_may_send_the_token_headers_cross_origin(raw_client):
    response = await raw_client.options(
        "/v1/conversations/x",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,x-rapport-conversation-token,"
            "x-rapport-visitor-token",
        },
    )
    assert response.status_code == 200, response.text
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "x-rapport-conversation-token" in allowed and "x-rapport-visitor-token" in allowed


async def _user_refs(app: Any, *ids: str) -> dict[str, str | None]:
    async with app.state.runtime.db.transaction() as session:
        rows = await session.execute(
            select(Conversation.id, Conversation.user_ref).where(Conversation.id.in_(ids))
        )
        return {row.id: row.user_ref for row in rows}
