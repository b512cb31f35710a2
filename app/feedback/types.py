"""The feedback vocabulary shared by the analyzer, the dialogue machine, the API and the evals.

Pure data: no I/O. The field names are the public contract of API.md ("feedback" object).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["persona", "user"]


class Move(StrEnum):
    FOLLOW_UP_QUESTION = "follow_up_question"
    NEW_TOPIC_QUESTION = "new_topic_question"
    MIRROR_QUESTION = "mirror_question"
    REFLECTION = "reflection"
    ACKNOWLEDGEMENT = "acknowledgement"
    SELF_DISCLOSURE = "self_disclosure"
    SELF_FOCUS = "self_focus"
    PITCH = "pitch"
    TOPIC_HIJACK = "topic_hijack"
    MINIMAL = "minimal"
    DISMISSIVE = "dismissive"


POSITIVE_MOVES = frozenset(
    {Move.FOLLOW_UP_QUESTION, Move.REFLECTION, Move.NEW_TOPIC_QUESTION, Move.ACKNOWLEDGEMENT}
)
NEGATIVE_MOVES = frozenset(
    {Move.SELF_FOCUS, Move.PITCH, Move.TOPIC_HIJACK, Move.MINIMAL, Move.DISMISSIVE}
)
QUESTION_MOVES = frozenset({Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION, Move.MIRROR_QUESTION})


@dataclass(frozen=True, slots=True)
class Utterance:
    """One line of a conversation, as the analyzer and the engines see it."""

    role: Role
    content: str


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    move: Move
    text: str = Field(description="The exact words of the user's message that earned the move.")


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    genuine_interest: bool
    score: int = Field(ge=0, le=100)
    moves: list[Move]
    evidence: list[Evidence]
    tip: str
