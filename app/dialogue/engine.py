"""The contract every persona engine (scripted, LLM) fulfils. Pure: no I/O here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.dialogue.memory import LearnerMemory
from app.dialogue.recency import RecentLines
from app.dialogue.types import DialogueState
from app.feedback.types import Feedback, Utterance

if TYPE_CHECKING:
    from app.personas.schema import Persona


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What an engine knows when it writes the persona's next line."""

    persona: Persona
    difficulty: str
    history: tuple[Utterance, ...]  # the whole conversation, oldest first, the new user line last
    feedback: Feedback  # the analyzer's verdict on the new user line
    before: DialogueState  # the state before this turn
    after: DialogueState  # the state the machine moved to because of this turn
    seed: str  # stable per conversation: engines that vary their wording must be deterministic
    summary: str = ""  # running summary of the older part of the conversation (LLM engine)
    summary_covers: int = 0  # how many leading lines of `history` the summary stands for
    memory: LearnerMemory | None = None  # the learner's last conversation with this persona
    # What the persona said lately in other conversations (owned by the service, one per
    # process); None when the caller gave a seed, which alone then decides the wording.
    recent: RecentLines | None = None


class PersonaEngine(Protocol):
    name: str

    def opening(
        self,
        persona: Persona,
        difficulty: str,
        seed: str,
        memory: LearnerMemory | None = None,
        recent: RecentLines | None = None,
    ) -> str:
        """The persona's first line (message index 0). With `memory` (the learner met this
        persona before) it greets them again and refers back to last time; with `recent` it
        prefers an opening not said lately in other conversations."""
        ...

    def stream(self, ctx: ReplyContext) -> AsyncIterator[str]:
        """Yield the reply in chunks as it is produced; the concatenation is the whole reply.

        Raises app.errors.LLMUnavailable when the model fails; nothing partial is kept then.
        """
        ...

    async def reply(self, ctx: ReplyContext) -> str:
        """The whole reply at once, for callers that do not stream; the same text `stream`
        would have produced. Raises app.errors.LLMUnavailable like `stream`."""
        ...

    async def summarize(
        self, persona: Persona, history: tuple[Utterance, ...], summary: str, covers: int
    ) -> tuple[str, int] | None:
        """Fold older lines into the running summary, off the turn's critical path.

        Returns the new (summary, covers) or None when nothing needs summarising. The service
        calls it after a turn has been answered and stores the result on the conversation.
        """
        ...
