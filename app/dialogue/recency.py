"""What each persona said lately in other conversations, so that its lines go round.

A persona's lists of variants (openings, reactions, answers, questions back, reveals) are used
in full before a line comes round again: the scripted engine prefers the variant whose
sentences this persona said longest ago (never, best) and lets the conversation's seed choose
among equals. Ten conversations with Priya then meet ten openings, not three, however the
seeds fall.

The service owns one per process and passes it in for conversations without a caller-given
seed; a given seed promises the same wording for the same turns, so there the seed alone
decides (None). Pure and bounded: the sentences said longest ago are forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

CAPACITY = 20_000  # sentences remembered, all personas together (a persona has 1-2 thousand)


class RecentLines:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._clock = 0
        self._last: OrderedDict[tuple[str, str], int] = OrderedDict()

    def last_said(self, persona_id: str, sentences: Iterable[str]) -> int:
        """When the persona last said any of `sentences`: a count that grows with every line
        recorded, 0 for never (or forgotten). Lower is longer ago."""
        return max((self._last.get((persona_id, s), 0) for s in sentences), default=0)

    def record(self, persona_id: str, sentences: Iterable[str]) -> None:
        """The persona said these (one reply, or one opening), just now."""
        self._clock += 1
        for sentence in sentences:
            key = (persona_id, sentence)
            self._last[key] = self._clock
            self._last.move_to_end(key)
        while len(self._last) > self.capacity:
            self._last.popitem(last=False)

    def __len__(self) -> int:
        return len(self._last)
