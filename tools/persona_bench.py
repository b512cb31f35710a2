"""Tenant personas at scale: a big listing, and turns with a big persona (issue 16, point 5).

In one process, through the ASGI app (so a stall of the event loop shows as a slow /healthz, as it
would for every request on that worker):

1. N small tenant personas (N=2,400 by default, written straight to the database, as if created
   before a quota existed or under a raised one); time `GET /v1/personas` (the default page and
   every page) while /healthz is asked every 5 ms, and report the slowest /healthz.
2. A tenant persona of about 63 KB (as JSON): the mean time of a turn on it, beside a built-in
   persona's, and how many times its knowledge index is built over those turns.

    .venv/bin/python tools/persona_bench.py
    .venv/bin/python tools/persona_bench.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db import upgrade_to_head  # noqa: E402
from app.dialogue import understand  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import TenantPersona  # noqa: E402
from app.personas.schema import Persona  # noqa: E402
from app.personas.validate import validate_data  # noqa: E402
from app.services.admin import create_key  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)

QUESTIONS = [
    "Hi, I'm Alex. How did you end up in recruiting?",
    "A chemistry teacher! What made you decide to leave teaching?",
    "What does a typical day look like for you now?",
    "What kind of engineers are you hoping to find this year?",
    "Tell me more about why that matters so much for the nurses.",
]


def trimmed(body: Any, keep: int) -> Any:
    """The persona file with every list of lines cut to `keep` items (facts and hooks kept)."""
    if isinstance(body, list):
        return [trimmed(item, keep) for item in body[:keep]]
    if isinstance(body, dict):
        return {key: trimmed(value, keep) for key, value in body.items()}
    return body


def persona_body(persona_id: str, keep: int, *, facts: int | None = None) -> dict[str, Any]:
    source = yaml.safe_load((ROOT / "personas" / "recruiter.yaml").read_text())
    body = {
        key: [trimmed(item, keep) for item in value]
        if key in ("facts", "hooks")
        else trimmed(value, keep)
        for key, value in source.items()
    }
    body.pop("returning", None)
    if facts is not None:
        body["facts"] = body["facts"][:facts]
        topics = {fact["topic"] for fact in body["facts"]}
        body["questions"] = [q for q in body["questions"] if q.get("topic") in (None, *topics)]
    result = validate_data({**body, "id": persona_id, "name": "Dana Whitfield"}, "bench")
    assert result.persona is not None, result.errors
    return result.persona.model_dump(mode="json")


async def timed(call: Callable[[], Awaitable[httpx.Response]]) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = await call()
    return time.perf_counter() - start, response


async def while_probing(
    client: httpx.AsyncClient, work: Callable[[], Awaitable[Any]]
) -> tuple[Any, float]:
    """Run `work` while /healthz is asked every 5 ms; the slowest /healthz, in seconds."""
    done = asyncio.Event()
    slowest = 0.0

    async def probe() -> None:
        # A request that arrives while the loop is blocked waits for it: measure from when the
        # probe meant to send (the last answer plus 5 ms), not from when it got to send.
        nonlocal slowest
        due = time.perf_counter()
        while not done.is_set():
            await client.get("/healthz")
            now = time.perf_counter()
            slowest = max(slowest, now - due)
            due = now + 0.005
            await asyncio.sleep(0.005)

    prober = asyncio.create_task(probe())
    await asyncio.sleep(0.02)
    try:
        result = await work()
    finally:
        done.set()
        await prober
    return result, slowest


async def listing(client: httpx.AsyncClient, count: int) -> None:
    took, first = await timed(lambda: client.get("/v1/personas"))
    first.raise_for_status()
    page = first.json()
    print(
        f"GET /v1/personas: {took * 1000:.0f} ms, {len(page['personas'])} personas in the answer"
        + (f" of {page['total']}" if "total" in page else "")
    )

    async def every_page() -> tuple[int, int]:
        pages = seen = 0
        offset: int | None = 0
        while offset is not None:
            response = await client.get("/v1/personas", params={"limit": 200, "offset": offset})
            response.raise_for_status()
            body = response.json()
            pages, seen = pages + 1, seen + len(body["personas"])
            if "total" not in body:
                return pages, seen  # no pagination: the first answer was everything
            offset = offset + 200 if offset + 200 < body["total"] else None
        return pages, seen

    start = time.perf_counter()
    (pages, seen), slowest = await while_probing(client, every_page)
    print(
        f"all {seen} personas in {pages} page(s): {(time.perf_counter() - start) * 1000:.0f} ms; "
        f"slowest concurrent /healthz {slowest * 1000:.0f} ms"
    )
    _, slowest = await while_probing(client, lambda: client.get("/v1/personas"))
    print(f"slowest /healthz during one default listing: {slowest * 1000:.0f} ms")


async def turns_on(client: httpx.AsyncClient, persona_id: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        created = await client.post("/v1/conversations", json={"persona_id": persona_id})
        created.raise_for_status()
        cid = created.json()["id"]
        for text in QUESTIONS:
            turn = f"/v1/conversations/{cid}/turns"
            took, response = await timed(lambda u=turn, t=text: client.post(u, json={"content": t}))
            response.raise_for_status()
            times.append(took)
    return times


async def big_persona(client: httpx.AsyncClient, rounds: int) -> None:
    body = persona_body("big_recruiter", 4, facts=12)
    size = len(httpx.Request("POST", "/", json=body).content)
    created = await client.post("/v1/personas", json=body)
    created.raise_for_status()
    built = 0
    original = understand.KnowledgeIndex.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal built
        built += 1
        original(self, *args, **kwargs)

    await turns_on(client, "recruiter", 1)  # warm up both
    await turns_on(client, "big_recruiter", 1)
    understand.KnowledgeIndex.__init__ = counting  # type: ignore[method-assign]
    try:
        builtin = await turns_on(client, "recruiter", rounds)
        tenant = await turns_on(client, "big_recruiter", rounds)
    finally:
        understand.KnowledgeIndex.__init__ = original  # type: ignore[method-assign]
    print(
        f"turn, built-in recruiter: mean {statistics.mean(builtin) * 1000:.1f} ms, "
        f"median {statistics.median(builtin) * 1000:.1f} ms ({len(builtin)} turns)"
    )
    print(
        f"turn, {size / 1024:.0f} KB tenant persona: mean {statistics.mean(tenant) * 1000:.1f} ms, "
        f"median {statistics.median(tenant) * 1000:.1f} ms ({len(tenant)} turns); "
        f"knowledge index built {built} time(s) during them"
    )


async def seed(app: Any, tenant_id: str, count: int) -> None:
    body = persona_body("small", 1, facts=3)
    runtime = app.state.runtime
    async with runtime.db.transaction() as session:
        for i in range(count):
            record = {**body, "id": f"bench_{i:05d}", "name": f"Bench Persona {i}"}
            listed = Persona.model_validate(record).public()
            # Without the listing column (an older checkout, for a before/after), the body only.
            extra = {"listing": listed} if hasattr(TenantPersona, "listing") else {}
            session.add(
                TenantPersona(tenant_id=tenant_id, persona_id=record["id"], body=record, **extra)
            )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        upgrade_to_head(url)
        settings = Settings(
            database_url=url,
            auth="keys",
            engine="scripted",
            rate_limit_per_minute=1_000_000,
            max_tenant_personas=args.personas + 10,  # as if the operator raised the quota
            llm_base_url=None,
            llm_api_key=None,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            key = await create_key(settings, f"bench-{uuid.uuid4().hex[:6]}", False, [])
            headers = {"Authorization": f"Bearer {key.plain}"}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers, timeout=120
            ) as client:
                await seed(app, key.record.id, args.personas)
                print(f"{args.personas} tenant personas, {url.split(':')[0]}")
                await listing(client, args.personas)
                await big_persona(client, args.rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--personas", type=int, default=2400)
    parser.add_argument("--rounds", type=int, default=4, help="conversations of 5 turns each")
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
