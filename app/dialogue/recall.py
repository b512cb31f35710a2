"""Building what a persona remembers of a learner from their last conversation. Pure.

The service hands in the last conversation's transcript and final state (and what that one
remembered in turn, so a chain of conversations keeps everything told along it); this module
decides what stays: the topics the persona talked about, its own lines, the hooks it revealed,
how it ended, the trust reached, how long ago, and the learner's name if they gave one.
A memory travels as JSON on the conversation that continues (`as_json` / `from_json`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from app.dialogue.memory import LearnerMemory
from app.dialogue.scripted import INTRODUCTION, NOT_NAMES, lemmas
from app.dialogue.signals import fact_lines
from app.dialogue.types import DialogueState, Outcome
from app.feedback.types import Utterance
from app.personas.schema import Hook, Persona

MAX_SAID = 200  # the persona's own lines kept across a chain of conversations, newest last


def remember(
    persona: Persona,
    conversation_id: str,
    transcript: Sequence[Utterance],
    state: DialogueState,
    *,
    last_active: datetime,
    now: datetime,
    earlier: LearnerMemory | None = None,
) -> LearnerMemory:
    """What the persona keeps of the conversation `conversation_id`, on top of `earlier` (what
    that conversation itself remembered)."""
    said = [u.content for u in transcript if u.role == "persona"]
    quoted = _quotes_the_file(persona, said)
    name = learner_name(u.content for u in transcript if u.role == "user")
    before = earlier or _nothing(conversation_id)
    return LearnerMemory(
        conversation_id=conversation_id,
        learner_name=name or before.learner_name,
        topics=_merged(before.topics, topics_told(persona, said, quoted=quoted)),
        said=_merged(before.said, said)[-MAX_SAID:],
        hooks=_merged(before.hooks, hooks_revealed(persona, said, state, quoted=quoted)),
        outcome=state.outcome,
        trust=round(state.trust, 3),
        days_ago=max(0, (now - last_active).days),
    )


def learner_name(user_lines: Iterable[str]) -> str | None:
    """The first name the learner gave ("Hi, I'm Alex", "my name is Sam")."""
    for line in user_lines:
        for match in INTRODUCTION.finditer(line):
            name = match.group(1)
            if name[0].isupper() and name.lower() not in NOT_NAMES:
                return name
    return None


def topics_told(persona: Persona, said: Sequence[str], *, quoted: bool) -> tuple[str, ...]:
    """Fact topics the persona talked about, in the order of the file. A scripted persona quotes
    its lines; a model words them itself, so then a fact's keywords in its lines count."""
    text = "\n".join(said)
    if quoted:
        return tuple(f.topic for f in persona.facts if any(x in text for x in fact_lines(f)))
    words = lemmas(text)
    return tuple(
        f.topic for f in persona.facts if any(_contains(words, lemmas(k)) for k in f.keywords)
    )


def hooks_revealed(
    persona: Persona, said: Sequence[str], state: DialogueState, *, quoted: bool
) -> tuple[str, ...]:
    """Hooks the persona told: unlocked and, when its lines show, actually said."""
    text = "\n".join(said)
    unlocked = [h for h in persona.hooks if h.id in state.unlocked_hooks]
    return tuple(h.id for h in unlocked if not quoted or any(x in text for x in _hook_lines(h)))


def as_json(memory: LearnerMemory | None) -> dict[str, Any] | None:
    if memory is None:
        return None
    return {
        "conversation_id": memory.conversation_id,
        "learner_name": memory.learner_name,
        "topics": list(memory.topics),
        "said": list(memory.said),
        "hooks": list(memory.hooks),
        "outcome": memory.outcome.value if memory.outcome else None,
        "trust": memory.trust,
        "days_ago": memory.days_ago,
    }


def from_json(data: dict[str, Any] | None) -> LearnerMemory | None:
    if not data:
        return None
    return LearnerMemory(
        conversation_id=str(data["conversation_id"]),
        learner_name=data.get("learner_name"),
        topics=tuple(data.get("topics", ())),
        said=tuple(data.get("said", ())),
        hooks=tuple(data.get("hooks", ())),
        outcome=Outcome(data["outcome"]) if data.get("outcome") else None,
        trust=float(data.get("trust", 0.0)),
        days_ago=int(data.get("days_ago", 0)),
    )


def _quotes_the_file(persona: Persona, said: Sequence[str]) -> bool:
    text = "\n".join(said)
    lines = [x for f in persona.facts for x in fact_lines(f)]
    lines += [x for h in persona.hooks for x in _hook_lines(h)]
    return any(x in text for x in lines)


def _hook_lines(hook: Hook) -> list[str]:
    deeper = getattr(hook, "deeper_lines", None)
    rest = deeper if isinstance(deeper, list) else [d for d in hook.deeper if isinstance(d, str)]
    return [*hook.reveal, *rest]


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def _merged(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


def _nothing(conversation_id: str) -> LearnerMemory:
    return LearnerMemory(conversation_id, None, (), (), (), None, 0.0, 0)
