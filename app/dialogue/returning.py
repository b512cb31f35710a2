"""The first line to a learner the persona has met before: it remembers them.

Both engines open this way (the LLM engine, too, opens from the YAML: creating a conversation
must be instant). A revealed hook is the strongest memory ("Alex! Did you ever talk to
Marcus?"); otherwise a topic of last time; lines said last time are not said again.
"""

from __future__ import annotations

import random

from app.dialogue.memory import LearnerMemory
from app.dialogue.types import Stage
from app.personas.schema import Persona

GENERIC_GREETINGS = ("{name}! Good to see you again.", "Oh, hello again!")


def returning_opening(persona: Persona, memory: LearnerMemory, seed: str) -> str:
    rng = random.Random(f"{seed}|returning")
    returning = persona.returning
    greetings = list(returning.greeting) if returning else list(GENERIC_GREETINGS)
    named = [g for g in greetings if "{name}" in g]
    plain = [g for g in greetings if "{name}" not in g]
    name = memory.learner_name
    pool = (named if name else plain) or plain or named
    greeting = rng.choice(pool).replace("{name}", name or "").replace(" ,", ",")
    said = set(memory.said)
    recall = _recall(persona, memory, rng, said)
    if recall is None:
        recall = _question(persona, rng, said)
    return " ".join(part for part in (greeting, recall) if part)


def _recall(
    persona: Persona, memory: LearnerMemory, rng: random.Random, said: set[str]
) -> str | None:
    returning = persona.returning
    if returning is None:
        return None
    for hook_id in reversed(memory.hooks):  # the latest secret is the freshest memory
        lines = [line for line in returning.hooks.get(hook_id, []) if line not in said]
        if lines:
            return rng.choice(lines)
    named = [t for t in reversed(memory.topics) if t in returning.topics]
    if named and returning.recall:
        line = rng.choice(list(returning.recall))
        return line.replace("{about}", returning.topics[named[0]])
    return None


def _question(persona: Persona, rng: random.Random, said: set[str]) -> str | None:
    """Without anything to refer back to: a question, as a first line should end with one."""
    fresh = [
        q.text for q in persona.questions if q.min_stage is Stage.OPENING and q.text not in said
    ]
    return rng.choice(fresh) if fresh else None
