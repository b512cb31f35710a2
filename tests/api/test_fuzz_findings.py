"""What schemathesis `--checks all` (make fuzz) found, each pinned by a test of its own."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.helpers import assert_problem, start


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/v1/conversations", "GET, POST"),
        ("PATCH", "/v1/personas", "GET, POST"),
        ("POST", "/v1/personas/recruiter", "DELETE, GET, PUT"),
        ("PUT", "/v1/analyze", "POST"),
    ],
)
async def test_a_405_names_every_method_of_the_path_not_only_the_first_routes(
    client, method, path, allowed
):
    # Two routes on one path (GET and POST /v1/conversations): the 405 said `Allow: POST`.
    response = await client.request(method, path)

    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allowed


def published(openapi: dict[str, Any], schema: str, field: str) -> re.Pattern[str]:
    properties = openapi["components"]["schemas"][schema]["properties"][field]
    variants = properties.get("anyOf", [properties])
    return re.compile(next(v["pattern"] for v in variants if "pattern" in v))


TEXTS = [
    "Hi there",
    "two\nlines\tand a tab",
    "nul \x00",
    "bell \x07",
    "trailing c1 \x85",
    "trailing return\r",
    "  ",
    "\u3000\u00a0",
    "\ufeff",
    "é ✓",
]


@pytest.mark.parametrize("text", TEXTS)
async def test_the_published_patterns_accept_what_the_api_accepts(app, client, text):
    # The schema said "any string" and the API refused control characters: every fuzzed
    # control character was a "schema-valid request rejected".
    openapi = app.openapi()
    conversation = await start(client)
    turn = await client.post(
        f"/v1/conversations/{conversation['id']}/turns", json={"content": text}
    )
    created = await client.post(
        "/v1/conversations", json={"persona_id": "recruiter", "user_ref": text}
    )

    assert bool(published(openapi, "TurnIn", "content").search(text)) == (turn.status_code == 200)
    user_ref_ok = bool(published(openapi, "CreateConversation", "user_ref").search(text))
    assert user_ref_ok == (created.status_code == 201), created.text
