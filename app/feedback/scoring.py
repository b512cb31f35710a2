"""From moves to the verdict and the 0..100 score.

The bands encode the coach's ordering (issue 3): follow-up or reflection > open question >
acknowledgement > neutral > minimal > self-focus > hijack > pitch. A negative move caps the
score in its band however good the rest of the turn is: a warm question does not redeem a pitch.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.feedback.types import NEGATIVE_MOVES, POSITIVE_MOVES, Move

BAND: dict[Move, int] = {
    Move.FOLLOW_UP_QUESTION: 85,
    Move.REFLECTION: 85,
    Move.NEW_TOPIC_QUESTION: 70,
    Move.ACKNOWLEDGEMENT: 60,
    Move.SELF_DISCLOSURE: 50,
    Move.MIRROR_QUESTION: 50,
    Move.MINIMAL: 38,
    Move.SELF_FOCUS: 28,
    Move.TOPIC_HIJACK: 18,
    Move.DISMISSIVE: 12,
    Move.PITCH: 5,
}
NEUTRAL = 50
# Room inside a band for extras; always below the next band up.
BAND_ROOM = {85: 15, 70: 9, 60: 9, 50: 7, 38: 8, 28: 8, 18: 8, 12: 5, 5: 6}


def genuine_interest(moves: Iterable[Move]) -> bool:
    present = set(moves)
    return bool(present & POSITIVE_MOVES) and not (present & NEGATIVE_MOVES)


def _bonus(present: set[Move]) -> int:
    bonus = 0
    if {Move.FOLLOW_UP_QUESTION, Move.REFLECTION} <= present:
        bonus += 8  # reflect, then ask: the strongest listening turn
    if Move.ACKNOWLEDGEMENT in present and len(present & POSITIVE_MOVES) > 1:
        bonus += 4
    if Move.SELF_DISCLOSURE in present and present & (POSITIVE_MOVES | {Move.MIRROR_QUESTION}):
        bonus += 3  # shares, then hands the floor back
    if present & POSITIVE_MOVES and present & NEGATIVE_MOVES:
        bonus += 3
    return bonus


def score(moves: Iterable[Move]) -> int:
    present = set(moves)
    negatives = present & NEGATIVE_MOVES
    if negatives:
        base = min(BAND[m] for m in negatives)
    elif present:
        base = max(BAND[m] for m in present)
    else:
        base = NEUTRAL
    return max(0, min(100, base + min(_bonus(present), BAND_ROOM[base])))
