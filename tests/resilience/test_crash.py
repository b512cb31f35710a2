"""Crash safety: SIGKILL the server mid-run, restart it, and lose no acknowledged turn."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.resilience.servers import Server, start_server

pytestmark = pytest.mark.slow

WORKERS = 8  # conversations in flight at once
KILL_AFTER_TURNS = 60  # acknowledged turns before the kill, so it lands mid-run
LINES = [
    "Hi, I'm Sam. What brings you to this event?",
    "How did you end up doing that kind of work?",
    "What has surprised you most about it so far?",
    "So it sounds like the team grew faster than the process did.",
    "Tell me more about how you handle that.",
    "I'm a data engineer and I'm looking for a new role, could you refer me?",
]


@dataclass
class Run:
    """What the clients were told: every turn answered with 200, by conversation."""

    acknowledged: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    turns: int = 0
    enough: asyncio.Event = field(default_factory=asyncio.Event)  # time to pull the plug

    def acknowledge(self, conversation: str, body: dict[str, Any]) -> None:
        self.acknowledged[conversation].append(body)
        self.turns += 1
        if self.turns >= KILL_AFTER_TURNS:
            self.enough.set()


async def _talk(client: httpx.AsyncClient, worker: int, run: Run) -> None:
    """Hold conversation after conversation until the server goes away."""
    counter = itertools.count()
    try:
        while True:
            created = await client.post("/v1/conversations", json={"persona_id": "recruiter"})
            if created.status_code != 201:
                run.unexpected.append(f"create: {created.status_code} {created.text}")
                return
            conversation = created.json()["id"]
            run.acknowledged[conversation] = []
            await _turns(client, conversation, worker, counter, run)
    except httpx.TransportError:
        return  # the kill: whatever was in flight was never acknowledged


async def _turns(
    client: httpx.AsyncClient,
    conversation: str,
    worker: int,
    counter: itertools.count[int],
    run: Run,
) -> None:
    while True:
        n = next(counter)
        text = f"{LINES[n % len(LINES)]} (worker {worker}, line {n})"  # unique, so findable
        response = await client.post(
            f"/v1/conversations/{conversation}/turns", json={"content": text}
        )
        if response.status_code != 200:
            run.unexpected.append(f"turn: {response.status_code} {response.text}")
            return
        body = response.json()
        run.acknowledge(conversation, body)
        if body["state"]["ended"]:
            return


async def _run_until_killed(server: Server) -> Run:
    run = Run()
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        workers = [asyncio.create_task(_talk(client, w, run)) for w in range(WORKERS)]
        await asyncio.wait_for(run.enough.wait(), timeout=60)
        await asyncio.to_thread(server.kill)
        await asyncio.gather(*workers)
    return run


def _lost_turns(conversation: dict[str, Any], acknowledged: list[dict[str, Any]]) -> list[str]:
    """Every acknowledged turn must be stored whole: the user's line, its feedback, the reply."""
    messages = {m["index"]: m for m in conversation["messages"]}
    lost = []
    for turn in acknowledged:
        user, reply = messages.get(turn["user"]["index"]), messages.get(turn["reply"]["index"])
        whole = (
            user is not None
            and user["role"] == "user"
            and user["content"] == turn["user"]["content"]
            and user["feedback"] == turn["feedback"]
            and reply is not None
            and reply["role"] == "persona"
            and reply["content"] == turn["reply"]["content"]
        )
        if not whole:
            lost.append(f"{conversation['id']} turn {turn['turn']}")
    return lost


def _assert_well_formed(conversation: dict[str, Any]) -> None:
    indexes = [m["index"] for m in conversation["messages"]]
    roles = [m["role"] for m in conversation["messages"]]
    assert indexes == list(range(len(indexes))), conversation["id"]
    assert roles == [("persona", "user")[i % 2] for i in range(len(roles))], conversation["id"]


async def _retry_when_free(client: httpx.AsyncClient, cid: str) -> httpx.Response:
    """POST .../retry, waiting as told while the dead worker's reply lease runs out (the reply
    deadline plus a little; a few seconds with the settings these servers run with)."""
    for _ in range(30):
        retried = await client.post(f"/v1/conversations/{cid}/retry")
        if retried.status_code != 409 or retried.json()["code"] != "turn_in_progress":
            return retried
        await asyncio.sleep(int(retried.headers["retry-after"]))
    raise AssertionError("the reply lease never ran out")


async def _continue(client: httpx.AsyncClient, conversation: dict[str, Any]) -> None:
    """After the restart the conversation goes on: a reply the kill cut off is retried first."""
    cid = conversation["id"]
    if conversation["messages"][-1]["role"] == "user":
        retried = await _retry_when_free(client, cid)
        assert retried.status_code == 200, retried.text
        assert retried.json()["reply"]["index"] == conversation["messages"][-1]["index"] + 1
    if conversation["state"]["ended"]:
        return
    more = await client.post(
        f"/v1/conversations/{cid}/turns", json={"content": "What are you working on this week?"}
    )
    assert more.status_code in (200, 409), more.text
    if more.status_code == 409:  # the retried reply may have been the one that ended it
        assert more.json()["code"] == "conversation_ended", more.text


async def test_sigkill_mid_run_loses_no_acknowledged_turn(
    served_database_url: str, tmp_path: Path
) -> None:
    # The lease a reply cut off by the kill leaves behind, which the retry after the restart
    # waits out: 3 s instead of the 10 s default (a scripted reply takes milliseconds).
    first = await asyncio.to_thread(
        start_server,
        served_database_url,
        tmp_path / "first.log",
        RAPPORT_SCRIPTED_LEASE_SECONDS="3",
    )
    run = await _run_until_killed(first)
    assert not run.unexpected, run.unexpected
    assert run.turns >= KILL_AFTER_TURNS, "the kill must land after real traffic"

    second = await asyncio.to_thread(start_server, served_database_url, tmp_path / "second.log")
    try:
        async with httpx.AsyncClient(base_url=second.base, timeout=30) as client:
            lost: list[str] = []
            for cid, acknowledged in run.acknowledged.items():
                found = await client.get(f"/v1/conversations/{cid}")
                assert found.status_code == 200, f"acknowledged conversation {cid} is gone"
                conversation = found.json()
                _assert_well_formed(conversation)
                lost += _lost_turns(conversation, acknowledged)
                await _continue(client, conversation)
    finally:
        second.stop()
    assert lost == [], f"{len(lost)} acknowledged turns lost: {lost[:5]}"


# -- a crash between a turn's two transactions ------------------------------------------------

PENDING = 4  # conversations whose reply is being written when the server dies


@contextmanager
def hanging_model() -> Iterator[str]:
    """An OpenAI-compatible base URL that accepts connections and never answers."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)
        yield f"http://127.0.0.1:{hole.getsockname()[1]}/v1"


async def _until_all_pending(client: httpx.AsyncClient, ids: list[str]) -> None:
    """Wait until every user line is stored (step 1 committed) while its reply is not."""
    for _ in range(400):
        lasts = [
            (await client.get(f"/v1/conversations/{cid}")).json()["messages"][-1]["role"]
            for cid in ids
        ]
        if all(role == "user" for role in lasts):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not every turn reached the model: {lasts}")


async def test_sigkill_while_replies_are_pending_then_retry_completes_them(
    served_database_url: str, tmp_path: Path
) -> None:
    with hanging_model() as llm:
        first = await asyncio.to_thread(
            start_server,
            served_database_url,
            tmp_path / "first.log",
            RAPPORT_ENGINE="llm",
            RAPPORT_LLM_BASE_URL=llm,
            RAPPORT_LLM_API_KEY="unused",
            RAPPORT_LLM_TIMEOUT="5",  # the reply lease the kill leaves behind: 5 + 5 s
            RAPPORT_LLM_MAX_RETRIES="0",
        )
        async with httpx.AsyncClient(base_url=first.base, timeout=60) as client:
            ids = [
                (await client.post("/v1/conversations", json={"persona_id": "recruiter"})).json()[
                    "id"
                ]
                for _ in range(PENDING)
            ]
            lines = {cid: f"What got you into recruiting? ({n})" for n, cid in enumerate(ids)}
            turns = [
                asyncio.create_task(
                    client.post(f"/v1/conversations/{cid}/turns", json={"content": line})
                )
                for cid, line in lines.items()
            ]
            await _until_all_pending(client, ids)
            await asyncio.to_thread(first.kill)
            outcomes = await asyncio.gather(*turns, return_exceptions=True)
    assert all(isinstance(o, httpx.TransportError) for o in outcomes), outcomes

    second = await asyncio.to_thread(start_server, served_database_url, tmp_path / "second.log")
    try:
        async with httpx.AsyncClient(base_url=second.base, timeout=30) as client:
            for cid, line in lines.items():
                await _complete_after_crash(client, cid, line)
    finally:
        second.stop()


async def _complete_after_crash(client: httpx.AsyncClient, cid: str, line: str) -> None:
    messages = (await client.get(f"/v1/conversations/{cid}")).json()["messages"]
    pending = messages[-1]
    assert (pending["role"], pending["content"]) == ("user", line)
    assert pending["feedback"], "the stored line lost its feedback"
    retried = await _retry_when_free(client, cid)
    assert retried.status_code == 200, retried.text
    assert retried.json()["user"] == {"index": pending["index"], "content": line}
    assert retried.json()["reply"]["index"] == pending["index"] + 1
    more = await client.post(
        f"/v1/conversations/{cid}/turns", json={"content": "And what do you enjoy most?"}
    )
    assert more.status_code == 200, more.text
    _assert_well_formed((await client.get(f"/v1/conversations/{cid}")).json())
