"""Dialogue state shared by the state machine, the engines and the service layer. Pure data."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Stage(StrEnum):
    OPENING = "opening"
    RAPPORT = "rapport"
    DISCOVERY = "discovery"
    OPPORTUNITY = "opportunity"
    CLOSING = "closing"
    ENDED = "ended"
    COOLING = "cooling"


class Outcome(StrEnum):
    WARM_CLOSE = "warm_close"
    NEUTRAL_CLOSE = "neutral_close"
    WALKED_AWAY = "walked_away"


class TurnMark(StrEnum):
    """How the machine remembers a recent user turn when it weighs a hook or an ask."""

    INTERESTED = "interested"  # genuine interest, no agenda
    PLAIN = "plain"  # neither interested nor pushing an agenda
    AGENDA = "agenda"  # a pitch, a meta question or an ask


class DialogueState(BaseModel):
    """Everything the machine needs between turns; stored as JSON on the conversation row.

    `public()` is the API's "state" object; the remaining fields are internal bookkeeping.
    """

    model_config = ConfigDict(extra="ignore")

    stage: Stage = Stage.OPENING
    trust: float = Field(ge=0.0, le=1.0)
    turn: int = 0
    ended: bool = False
    outcome: Outcome | None = None
    # internal
    cold_streak: int = 0
    warm_streak: int = 0
    stages_reached: list[Stage] = Field(default_factory=lambda: [Stage.OPENING])
    unlocked_hooks: list[str] = Field(default_factory=list)
    recent: list[TurnMark] = Field(default_factory=list)  # the last few turns, oldest first
    asked_well: bool = False  # the learner made a well-timed ask (machine.well_timed_ask)

    def public(self) -> dict[str, Any]:
        return {
            "stage": self.stage.value,
            "trust": round(self.trust, 3),
            "turn": self.turn,
            "ended": self.ended,
            "outcome": self.outcome.value if self.outcome else None,
            # How many, never which: the hooks themselves are the persona's hidden facts.
            "hooks_unlocked": len(self.unlocked_hooks),
        }
