"""What a persona remembers of a learner from their last conversation. Pure data.

The service layer builds it from the learner's previous conversation with the same persona
(same tenant, same `user_ref`); the machine starts trust from a fraction of where it was left,
and the engines refer back to it in the opener and skip what was already told.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.dialogue.types import Outcome

# People remember warmth, not all of it: a second meeting starts from part of the trust reached.
TRUST_CARRIED = 0.6


@dataclass(frozen=True, slots=True)
class LearnerMemory:
    conversation_id: str  # the earlier conversation this one continues
    learner_name: str | None  # the name the learner gave, if they gave one
    topics: tuple[str, ...]  # fact topics the persona talked about
    said: tuple[str, ...]  # the persona's own lines, so it does not tell the same story twice
    hooks: tuple[str, ...]  # hook ids it revealed
    outcome: Outcome | None
    trust: float  # trust when that conversation ended
    days_ago: int  # whole days since it ended (0: earlier today)

    def starting_trust(self, initial: float) -> float:
        """A second meeting starts warmer than a first, never colder."""
        return max(initial, round(self.trust * TRUST_CARRIED, 3))
