"""The endpoint's slots, shared so that a reply never waits behind background work.

A llama.cpp server has as many slots as `--parallel` (one by default), Ollama as
OLLAMA_NUM_PARALLEL; a request beyond them waits in the server's queue, where a reply would sit
behind a summary or a judge's verdict (issue 17: four turns in six hit 503 that way). With
RAPPORT_LLM_CONCURRENCY set, this process sends at most that many requests at once:

- a reply (or a simulated user's line) waits for a slot, first come, first served, and takes
  the one a background call holds if there is no other: that call is cancelled, its work
  deferred (the next turn's summary covers its lines; the analyzer's verdict stands);
- a background call (summary, judge) starts only when a slot is free and no reply is waiting;
  otherwise it is skipped at once (`Busy`).

With no limit (0, the default: OpenAI, or a vLLM server that batches) every call goes straight
through.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Busy(Exception):
    """Background work skipped or stopped: every slot is taken or a reply needs one."""


class EndpointSlots:
    def __init__(self, limit: int = 0, *, background_delay: float = 0.0) -> None:
        self.limit = limit  # 0: no limit
        # Background work waits this long after the last reply finished before it starts: the
        # learner is reading and typing. A summary started the moment a reply ended holds a
        # one-slot CPU server for the whole of its prompt (seconds), which nothing can
        # interrupt, and the learner's next reply would wait for it.
        self.background_delay = background_delay
        self.last_reply_end = float("-inf")  # loop time
        self.in_use = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._background: set[asyncio.Task[object]] = set()
        self._preempted: set[asyncio.Task[object]] = set()

    @asynccontextmanager
    async def hold(self, *, background: bool = False) -> AsyncIterator[None]:
        """A slot for the length of the block; see the module docstring for who waits."""
        if not self.limit:
            yield
            return
        if background:
            async with self._background_slot():
                yield
            return
        await self._take()
        try:
            yield
        finally:
            self.last_reply_end = asyncio.get_running_loop().time()
            self._give_back()

    @property
    def waiting(self) -> int:
        return sum(not f.done() for f in self._waiting)

    async def _take(self) -> None:
        if self.in_use < self.limit and not self.waiting:
            self.in_use += 1
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        self._preempt()
        try:
            await turn  # a slot is handed over by the call that gives it back
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._give_back()  # handed over just as this caller gave up: pass it on
            raise

    def _give_back(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot goes to the next in line, still in use
                return
        self.in_use -= 1

    @asynccontextmanager
    async def _background_slot(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        pause = self.last_reply_end + self.background_delay - loop.time()
        if pause > 0:
            await asyncio.sleep(pause)  # then it starts only if the slot is still free
        if self.in_use >= self.limit or self.waiting:
            raise Busy("every slot of the model's server is taken or wanted for a reply")
        task = asyncio.current_task()
        assert task is not None
        self.in_use += 1
        self._background.add(task)
        try:
            yield
        except asyncio.CancelledError:
            if task not in self._preempted:
                raise
            task.uncancel()  # our cancellation, not the caller's: it ends as Busy
            raise Busy("a reply needed this slot") from None
        finally:
            self._background.discard(task)
            self._preempted.discard(task)
            self._give_back()

    def _preempt(self) -> None:
        """Stop one background call so that its slot comes to the reply now waiting."""
        for task in self._background - self._preempted:
            self._preempted.add(task)
            task.cancel()
            return
