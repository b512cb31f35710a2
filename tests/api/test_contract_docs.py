"""docs/api.md, the contract a front-end developer reads, stays in step with the OpenAPI document
and with the error codes the code can raise."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import app.main  # noqa: F401  (imports every module that defines an error)
from app.api.problems import CODES
from app.config import ROOT
from app.errors import RapportError

DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
ENDPOINT_ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`]*)` \|", re.MULTILINE)
ERROR_ROW = re.compile(r"^\| (\d{3}) \| `([a-z_]+)` \|", re.MULTILINE)
OUTSIDE_OPENAPI = ("/metrics", "/widget.js", "/demo")


@pytest.fixture(scope="module")
def openapi(app: Any) -> dict[str, Any]:
    return app.openapi()  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_path_in_the_openapi_document_is_in_the_docs_and_back(openapi):
    documented = set(ENDPOINT_ROW.findall(DOC))
    published = operations(openapi)
    assert published - documented == set(), "in /openapi.json but not in docs/api.md"
    assert documented - published == set(), "in docs/api.md but not in /openapi.json"


async def test_the_paths_the_docs_keep_outside_the_openapi_document_are_served(
    openapi, client: httpx.AsyncClient
):
    for path in OUTSIDE_OPENAPI:
        assert f"`GET {path}`" in DOC
        assert path not in openapi["paths"]
        response = await client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"


def documented_codes() -> dict[str, int]:
    rows = ERROR_ROW.findall(DOC)
    codes = {code: int(status) for status, code in rows}
    assert len(codes) == len(rows), "a code is listed twice in docs/api.md"
    return codes


def published_codes(document: dict[str, Any]) -> dict[str, int]:
    """The codes the OpenAPI document names: all of them on Problem.code, by status on the
    responses each route declares."""
    code_field = document["components"]["schemas"]["Problem"]["properties"]["code"]
    by_status: dict[str, int] = {}
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                _, _, listed = response.get("description", "").partition("`code`: ")
                for code in filter(None, (c.strip() for c in listed.split(","))):
                    by_status[code] = int(status)
    assert set(by_status) <= set(code_field["examples"])
    return {code: by_status.get(code, 0) for code in code_field["examples"]}


def test_every_error_code_in_the_openapi_document_is_in_the_docs_and_back(openapi):
    documented, published = documented_codes(), published_codes(openapi)
    assert set(published) - set(documented) == set(), "in /openapi.json, not in docs/api.md"
    assert set(documented) - set(published) == set(), "in docs/api.md, not in /openapi.json"
    for code, status in published.items():
        if status:  # a code a route declares: under the same status in both
            assert documented[code] == status, code


def subclasses(cls: type[RapportError]) -> Iterator[type[RapportError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def raised_codes() -> set[tuple[int, str]]:
    """Every (status, code) the application can put in a problem: the domain errors' classes,
    and codes given explicitly where an error is raised or a problem is written by hand."""
    found = {(cls.status, cls.code) for cls in subclasses(RapportError)}
    explicit = re.compile(r"""code=["']([a-z_]+)["']|["']code["']:\s*["']([a-z_]+)["']""")
    for path in (ROOT / "app").rglob("*.py"):
        if path.name == "fake.py":  # the fake model server speaks OpenAI's error format
            continue
        for match in explicit.finditer(path.read_text(encoding="utf-8")):
            code = match.group(1) or match.group(2)
            status = next((s for s, codes in CODES.items() if code in codes), 0)
            found.add((status, code))
    return found


def test_every_code_the_application_raises_is_catalogued():
    catalogued = {(status, code) for status, codes in CODES.items() for code in codes}
    assert raised_codes() - catalogued == set(), "add it to app/api/problems.CODES and docs/api.md"
