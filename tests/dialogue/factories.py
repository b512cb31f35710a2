"""Small builders for dialogue tests: feedback objects, the real personas, whole conversations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from app.config import ROOT
from app.dialogue.engine import ReplyContext
from app.dialogue.machine import advance, initial_state
from app.dialogue.recency import RecentLines
from app.dialogue.scripted import ScriptedEngine
from app.dialogue.types import DialogueState
from app.feedback.types import Feedback, Move, Utterance
from app.personas.registry import PersonaRegistry, load_personas
from app.personas.schema import Persona

PERSONA_IDS = ("recruiter", "conference_stranger", "prospect")
MAX_TURNS = 40


@cache
def registry() -> PersonaRegistry:
    return load_personas(ROOT / "personas")


def persona(persona_id: str = "recruiter") -> Persona:
    return registry().get(persona_id)


def feedback(score: int, *moves: Move) -> Feedback:
    return Feedback(
        genuine_interest=score >= 60 and not any(m in NEGATIVE for m in moves),
        score=score,
        moves=list(moves),
        evidence=[],
        tip="Ask about what they just said.",
    )


NEGATIVE = {Move.PITCH, Move.SELF_FOCUS, Move.TOPIC_HIJACK, Move.MINIMAL, Move.DISMISSIVE}

# An attentive listener: follow-up questions and reflections, scores in the 70s-90s.
LISTENER = tuple(
    feedback(score, *moves)
    for score, moves in [
        (74, (Move.FOLLOW_UP_QUESTION,)),
        (82, (Move.FOLLOW_UP_QUESTION,)),
        (78, (Move.REFLECTION,)),
        (90, (Move.FOLLOW_UP_QUESTION, Move.ACKNOWLEDGEMENT)),
        (72, (Move.NEW_TOPIC_QUESTION,)),
        (86, (Move.FOLLOW_UP_QUESTION,)),
        (80, (Move.REFLECTION, Move.FOLLOW_UP_QUESTION)),
        (75, (Move.FOLLOW_UP_QUESTION,)),
        (88, (Move.FOLLOW_UP_QUESTION,)),
        (79, (Move.ACKNOWLEDGEMENT, Move.FOLLOW_UP_QUESTION)),
        (83, (Move.FOLLOW_UP_QUESTION,)),
        (77, (Move.REFLECTION,)),
    ]
)
# A user who only pitches and talks about themselves: scores 5-20.
PITCHER = tuple(
    feedback(score, *moves)
    for score, moves in [
        (12, (Move.PITCH, Move.SELF_FOCUS)),
        (8, (Move.PITCH,)),
        (18, (Move.SELF_FOCUS,)),
        (5, (Move.PITCH, Move.TOPIC_HIJACK)),
        (15, (Move.PITCH,)),
        (20, (Move.SELF_FOCUS,)),
        (10, (Move.PITCH,)),
        (6, (Move.PITCH, Move.SELF_FOCUS)),
    ]
)


def play(
    who: Persona, turns: Iterable[Feedback], difficulty: str = "normal"
) -> list[DialogueState]:
    """Every state of a conversation, the initial one first; stops when it ends."""
    states = [initial_state(who, difficulty)]
    for turn in turns:
        if states[-1].ended:
            break
        states.append(advance(states[-1], turn, who, difficulty, max_turns=MAX_TURNS))
    return states


@dataclass
class Conversation:
    """A conversation driven turn by turn through the machine and the scripted engine."""

    who: Persona
    difficulty: str = "normal"
    seed: str = "conversation-1"
    engine: ScriptedEngine = field(default_factory=ScriptedEngine)
    recent: RecentLines | None = None  # shared by conversations, as the service shares one
    history: list[Utterance] = field(default_factory=list)
    states: list[DialogueState] = field(default_factory=list)
    contexts: list[ReplyContext] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.history.append(
            Utterance(
                "persona",
                self.engine.opening(self.who, self.difficulty, self.seed, recent=self.recent),
            )
        )
        self.states.append(initial_state(self.who, self.difficulty))

    @property
    def state(self) -> DialogueState:
        return self.states[-1]

    async def say(self, text: str, verdict: Feedback) -> str:
        before = self.state
        after = advance(before, verdict, self.who, self.difficulty, max_turns=MAX_TURNS)
        self.history.append(Utterance("user", text))
        ctx = ReplyContext(
            persona=self.who,
            difficulty=self.difficulty,
            history=tuple(self.history),
            feedback=verdict,
            before=before,
            after=after,
            seed=self.seed,
            recent=self.recent,
        )
        reply = "".join([chunk async for chunk in self.engine.stream(ctx)])
        self.history.append(Utterance("persona", reply))
        self.states.append(after)
        self.contexts.append(ctx)
        return reply

    def persona_lines(self) -> list[str]:
        return [u.content for u in self.history if u.role == "persona"]
