"""What a persona revealed in one conversation: the facts, deeper lines, hooks and offer the
learner heard, each with the persona's own words and where in the transcript it was said.

The scripted engine quotes the persona file, so a revealed line is found verbatim; a model
words its lines itself, so a persona line that quotes nothing in the file counts by its
statements (questions, pleasantries and the persona's stock reactions are not things learned).
Hooks count only once the conversation unlocked them (the state records which).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from app.dialogue.signals import fact_lines
from app.dialogue.types import DialogueState
from app.feedback.text import content_stems, split_light
from app.feedback.types import Utterance
from app.personas.schema import Hook, Persona

Kind = Literal["fact", "deeper", "hook", "offer", "said"]
MIN_STATEMENT_WORDS = 5  # shorter model statements ("Honestly, yes.") tell nothing to recall
MIN_STATEMENT_STEMS = 2


@dataclass(frozen=True, slots=True)
class Revealed:
    kind: Kind  # fact answer, deeper line, hook (hidden until earned), offer, or a model's line
    text: str  # the persona's words
    index: int  # the transcript index of the persona message that said it
    topic: str | None = None  # the fact topic (None for hooks: their ids stay internal)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "topic": self.topic, "text": self.text, "index": self.index}


@dataclass(frozen=True, slots=True)
class _Entry:
    text: str
    kind: Kind
    topic: str | None


def revealed(
    persona: Persona, transcript: Sequence[Utterance], state: DialogueState
) -> list[Revealed]:
    """Everything the persona told the learner after its opening line, in the order said."""
    catalogue = _catalogue(persona, state)
    stock = _stock_lines(persona)
    found: dict[str, Revealed] = {}
    for index, line in enumerate(transcript):
        if line.role != "persona" or index == 0:
            continue  # the opening is the persona's public introduction, not something learned
        quoted = [e for e in catalogue if e.text in line.content]
        if quoted:
            for entry in quoted:
                found.setdefault(entry.text, Revealed(entry.kind, entry.text, index, entry.topic))
            continue
        statements = _statements(line.content, stock)
        if statements:
            text = " ".join(statements)
            found.setdefault(text, Revealed("said", text, index, None))
    return sorted(found.values(), key=lambda r: r.index)


def revealed_in_lines(transcript: Sequence[Utterance]) -> list[Revealed]:
    """A real conversation (an imported transcript) has no persona file: what the other person
    told the learner is their statements, line by line."""
    found: dict[str, Revealed] = {}
    for index, line in enumerate(transcript):
        if line.role == "persona" and (statements := _statements(line.content, set())):
            text = " ".join(statements)
            found.setdefault(text, Revealed("said", text, index, None))
    return list(found.values())


def background(persona: Persona, transcript: Sequence[Utterance]) -> list[str]:
    """What else a true claim can rest on: the persona's public profile, and every line it
    said (its opening, its asides): true, but not what listening earned."""
    texts = [persona.name, f"{persona.role} at {persona.company}", persona.summary]
    texts.append(persona.scenario)
    return texts + [u.content for u in transcript if u.role == "persona"]


def offered(persona: Persona, items: Sequence[Revealed]) -> str | None:
    """What the persona offered at the end, in the persona file's own summary, if it did."""
    return persona.reward.summary if any(r.kind == "offer" for r in items) else None


def _catalogue(persona: Persona, state: DialogueState) -> list[_Entry]:
    entries: list[_Entry] = []
    for fact in persona.facts:
        entries += [_Entry(t, "fact", fact.topic) for t in fact.answers]
        deeper = [t for t in fact_lines(fact) if t not in fact.answers]
        entries += [_Entry(t, "deeper", fact.topic) for t in [*deeper, *fact.deeper_texts]]
    for hook in persona.hooks:
        if hook.id in state.unlocked_hooks:
            entries += [_Entry(t, "hook", None) for t in _hook_texts(hook)]
    reward = persona.reward
    entries += [_Entry(t, "offer", None) for t in [*reward.offer, *reward.accept, *reward.confirm]]
    # Longest first, so that a line quoting a longer entry is not also credited a shorter one
    # that the longer one contains.
    unique = {e.text: e for e in entries}
    return sorted(unique.values(), key=lambda e: -len(e.text))


def _hook_texts(hook: Hook) -> list[str]:
    return [*hook.reveal, *hook.deeper_texts]


def _stock_lines(persona: Persona) -> set[str]:
    """The persona's lines that carry no fact: reactions, questions, closings, confirmations."""
    r = persona.reactions
    lines = [
        *r.pitch, *r.minimal, *r.ignored, *r.dismissive, *r.self_focus, *r.follow_up,
        *r.reflection, *r.disclosure, *r.thanks, *r.unknown, *r.cooling, *r.recovering,
        *r.walk_away, *r.answered, *r.no_match, *r.meta,
        *persona.reward.defer, *persona.closings.wrap_up, *persona.closings.warm,
        *persona.closings.neutral, *(q.text for q in persona.questions),
    ]  # fmt: skip
    return {s for line in lines for s in split_light(line)}


def _statements(content: str, stock: set[str]) -> list[str]:
    kept = []
    for sentence in split_light(content):
        if sentence in stock or sentence.endswith("?"):
            continue
        if len(sentence.split()) < MIN_STATEMENT_WORDS:
            continue
        if len(content_stems(sentence)) >= MIN_STATEMENT_STEMS:
            kept.append(sentence)
    return kept
