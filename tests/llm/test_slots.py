"""EndpointSlots on its own: replies wait their turn, background work gives way."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.llm.slots import Busy, EndpointSlots


async def hold_for(slots: EndpointSlots, seconds: float, log: list[str], name: str) -> None:
    async with slots.hold():
        log.append(f"{name} in")
        await asyncio.sleep(seconds)
        log.append(f"{name} out")


async def test_without_a_limit_every_call_goes_straight_through() -> None:
    slots, log = EndpointSlots(0), []

    await asyncio.gather(*(hold_for(slots, 0.01, log, str(n)) for n in range(5)))

    assert log[:5] == [f"{n} in" for n in range(5)]


async def test_replies_beyond_the_limit_wait_first_come_first_served() -> None:
    slots, log = EndpointSlots(1), []

    await asyncio.gather(*(hold_for(slots, 0.01, log, str(n)) for n in range(3)))

    assert log == ["0 in", "0 out", "1 in", "1 out", "2 in", "2 out"]
    assert slots.in_use == 0


async def test_background_work_is_skipped_when_no_slot_is_free() -> None:
    slots = EndpointSlots(1)
    async with slots.hold():
        with pytest.raises(Busy):
            async with slots.hold(background=True):
                pytest.fail("no slot was free")
    async with slots.hold(background=True):
        assert slots.in_use == 1
    assert slots.in_use == 0


async def test_a_reply_takes_the_slot_of_running_background_work() -> None:
    slots, log = EndpointSlots(1), []

    async def summary() -> str:
        try:
            async with slots.hold(background=True):
                await asyncio.sleep(10)
        except Busy:
            await asyncio.sleep(0)  # the task was not left cancelled: it may carry on
            return "deferred"
        return "done"

    running = asyncio.create_task(summary())
    await asyncio.sleep(0.01)
    async with asyncio.timeout(1):
        await hold_for(slots, 0.01, log, "reply")

    assert await running == "deferred"
    assert log == ["reply in", "reply out"] and slots.in_use == 0


async def test_a_caller_that_gives_up_waiting_leaks_no_slot() -> None:
    slots = EndpointSlots(1)
    async with slots.hold():
        waiter = asyncio.create_task(hold_for(slots, 0, [], "late"))
        await asyncio.sleep(0.01)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
    async with asyncio.timeout(1), slots.hold():
        assert slots.in_use == 1
    assert slots.in_use == 0


@settings(max_examples=40, deadline=None)
@given(
    limit=st.integers(1, 3),
    calls=st.lists(st.tuples(st.booleans(), st.integers(0, 3)), min_size=1, max_size=12),
)
def test_never_more_than_the_limit_at_once_and_all_given_back(
    limit: int, calls: list[tuple[bool, int]]
) -> None:
    async def scenario() -> None:
        slots, peak = EndpointSlots(limit), [0]

        async def call(background: bool, ticks: int) -> None:
            await asyncio.sleep(0)
            try:
                async with slots.hold(background=background):
                    peak[0] = max(peak[0], slots.in_use)
                    for _ in range(ticks):
                        await asyncio.sleep(0)
            except Busy:
                assert background

        await asyncio.gather(*(call(b, t) for b, t in calls))
        assert peak[0] <= limit and slots.in_use == 0 and slots.waiting == 0

    asyncio.run(scenario())


async def test_background_work_waits_its_delay_after_a_reply_and_gives_way_to_the_next() -> None:
    slots = EndpointSlots(1, background_delay=0.2)
    async with slots.hold():
        pass
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def background() -> float:
        async with slots.hold(background=True):
            return loop.time() - started

    assert 0.18 <= await background() < 1.0  # it waited for the learner's moment

    async with slots.hold():
        pass
    late = asyncio.create_task(background())
    await asyncio.sleep(0.05)
    async with slots.hold():  # the learner's next message, inside the delay
        with pytest.raises(Busy):
            await late  # skipped, not run behind the reply
