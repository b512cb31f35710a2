"""Fuzzing the public API: schemathesis against the published OpenAPI document, and lone surrogates.

Schemathesis runs as its CLI (`schemathesis run`, the way CI tools use it) against a real
`rapport serve` process with keys auth, on its own database, seeded with conversations whose ids
schemathesis draws on, so generated requests reach the services and the database and not only 404.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.helpers import start
from tests.conftest import new_key
from tests.resilience.servers import Server, create_key, fresh_database, running_server

EXAMPLES = 20  # per operation and phase; about 800 requests in all, a few seconds
SEED = "20261125"  # fixed: CI runs must be reproducible (`st replay` prints the failing case)
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFORMANCE = (
    "status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance"
)


@dataclass
class Target:
    server: Server
    key: str
    config: Path


def _seed(server: Server, key: str) -> list[str]:
    """Conversations in several states for the fuzzer's path parameters."""
    ids = []
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {key}"}) as client:
        for n in range(12):
            created = client.post(
                "/v1/conversations",
                json={"persona_id": "recruiter", "user_ref": f"learner-{n % 2}"},
            )
            created.raise_for_status()
            ids.append(created.json()["id"])
            if n % 3:
                turn = {"content": "How did you end up in recruiting?"}
                client.post(f"/v1/conversations/{ids[-1]}/turns", json=turn).raise_for_status()
    return ids


def _config(path: Path, conversation_ids: list[str]) -> Path:
    dictionaries = {
        "conversations": conversation_ids,
        "personas": ["recruiter", "conference_stranger", "prospect"],
        "learners": ["learner-0", "learner-1"],
    }
    lines = []
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    lines += [
        "[parameters]",
        'conversation_id = { dictionary = "conversations", probability = 0.8 }',
        'persona_id = { dictionary = "personas", probability = 0.6 }',
        'user_ref = { dictionary = "learners", probability = 0.6 }',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp("fuzz")
    configured = os.environ.get("RAPPORT_TEST_DATABASE_URL")
    with (
        fresh_database(configured, tmp) as url,
        running_server(url, tmp / "server.log", RAPPORT_AUTH="keys") as server,
    ):
        key = create_key(url, "schemathesis")
        yield Target(server, key, _config(tmp / "schemathesis.toml", _seed(server, key)))


@dataclass
class FuzzRun:
    process: subprocess.CompletedProcess[str]
    report: dict[str, Any]  # schemathesis's JSON run report

    def failures(self, *, server_errors: bool) -> list[dict[str, Any]]:
        """Failure groups of the server-error check, or of every other (conformance) check."""
        return [f for f in self.report["failures"] if (f["type"] == "ServerError") == server_errors]

    def output(self) -> str:
        return self.process.stdout[-6000:] + self.process.stderr[-2000:]


@pytest.fixture(scope="module")
def fuzz_run(target: Target, tmp_path_factory: pytest.TempPathFactory) -> FuzzRun:
    """One run with every check: the same seed draws the same requests whatever is checked, so
    the tests below share it instead of sending the ~800 requests once for each of them."""
    report = tmp_path_factory.mktemp("fuzz-report") / "run.json"
    process = schemathesis(target, f"not_a_server_error,{CONFORMANCE}", report)
    assert report.exists(), process.stdout[-6000:] + process.stderr[-2000:]
    return FuzzRun(process, json.loads(report.read_text(encoding="utf-8")))


def schemathesis(target: Target, checks: str, report: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(target.config),
            "run",
            f"{target.server.base}/openapi.json",
            "--header",
            f"Authorization: Bearer {target.key}",
            "--checks",
            checks,
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            SEED,
            "--generation-database",
            "none",
            "--request-timeout",
            "20",
            "--no-color",
            "--report",
            "json",
            "--report-json-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )


ON_POSTGRES = os.environ.get("RAPPORT_TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.mark.slow
def test_schemathesis_finds_no_server_error(fuzz_run: FuzzRun, target: Target) -> None:
    log = target.server.log()  # its "unhandled ... at file:line" says where a 500 came from
    assert fuzz_run.failures(server_errors=True) == [], fuzz_run.output() + log[-3000:]
    assert fuzz_run.report["errors"] == [], fuzz_run.output() + log[-3000:]
    assert "unhandled" not in log and "Traceback" not in log, log[-4000:]


@pytest.mark.slow
def test_schemathesis_every_response_matches_the_published_schema(fuzz_run: FuzzRun) -> None:
    assert fuzz_run.failures(server_errors=False) == [], fuzz_run.output()
    assert fuzz_run.report["errors"] == [], fuzz_run.output()
    assert fuzz_run.report["test_cases"]["generated"] > 0, fuzz_run.output()


# -- lone surrogates ------------------------------------------------------------------------
# "\ud800" is valid JSON and decodes to a Python str, but no UTF-8 encoder accepts it: stored,
# it fails in the database driver. It must be refused at the door (422), never reach the DB.

SURROGATE = "hi \\ud800 there?"  # JSON-escaped, as a client would send it


@pytest.fixture
async def lenient_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, but a server error comes back as a 500 response instead of raising."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {await new_key(app)}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://rapport.test", headers=headers
    ) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("turns", f'{{"content": "{SURROGATE}"}}', id="turn content"),
        pytest.param(
            "/v1/conversations",
            f'{{"persona_id": "recruiter", "user_ref": "{SURROGATE}"}}',
            id="conversation user_ref",
        ),
        pytest.param("/v1/conversations", f'{{"persona_id": "{SURROGATE}"}}', id="persona_id"),
        pytest.param(
            "/v1/analyze",
            f'{{"message": "{SURROGATE}"}}',
            id="analyze message",
        ),
        pytest.param(
            "/v1/analyze",
            f'{{"message": "Why?", "partner_said": "{SURROGATE}"}}',
            id="analyze partner_said",
        ),
    ],
)
async def test_lone_surrogates_are_refused_not_a_server_error(
    lenient_client: httpx.AsyncClient, path: str, body: str
) -> None:
    if path == "turns":
        path = f"/v1/conversations/{(await start(lenient_client))['id']}/turns"
    response = await lenient_client.post(path, content=body.encode())
    assert response.status_code < 500, response.text


@pytest.mark.parametrize("path", ["/v1/conversations", "/v1/learners/learner-0/conversations"])
async def test_an_absurd_page_offset_is_refused_not_a_server_error(
    lenient_client: httpx.AsyncClient, path: str
) -> None:
    response = await lenient_client.get(path, params={"offset": str(2**64)})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("POST", "/v1/conversations", {"persona_id": "recruiter\u0000"}),
        pytest.param(
            "POST",
            "/v1/conversations",
            {"persona_id": "recruiter", "user_ref": "a\u0000b"},
        ),
        pytest.param("GET", "/v1/conversations?user_ref=a%00b", None),
        pytest.param("GET", "/v1/learners/a%00b/conversations", None),
        pytest.param("GET", "/v1/conversations/a%00b", None),
        pytest.param("DELETE", "/v1/conversations/a%00b", None),
        pytest.param("GET", "/v1/personas/a%00b", None),
        pytest.param("DELETE", "/v1/personas/a%00b", None),
    ],
)
async def test_a_nul_character_in_an_identifier_is_refused_not_a_server_error(
    lenient_client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await lenient_client.request(method, path, json=body)
    assert response.status_code in (404, 422), response.text  # an unknown id may be a 404
