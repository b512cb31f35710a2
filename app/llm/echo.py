"""What a persona's reply must not copy, and what it may say however close to its briefing.

The guard (app/llm/guard.py) compares a reply with the whole system prompt and with every hook
not unlocked yet. Two things are taken out first, so that a persona saying its own lines is never
an echo: the persona's authored lines that the prompt quotes (a fact's first answer, the example
lines and questions of the stage directive) are cut out of the prompt, and the n-grams that the
persona's authored lines share with its story (background, personality, hooks, ...) are spoken,
not secret: authors retell the background in the answers, and so may the model. The running
summary is cut out too: it is this conversation's own content, which the user has seen.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from app.llm.guard import OutputGuard, ngrams
from app.llm.role import RoleCheck
from app.personas.schema import Hook, Persona

VOICES_KEPT = 32  # personas whose spoken n-grams are kept (the built-ins plus recent tenants')


@dataclass(frozen=True, slots=True)
class Voice:
    """The n-grams a persona's own lines share with its story: always (`base`), or once a hook
    is open (`hooks`, by hook id). Only the shared ones are kept, a few hundred per persona."""

    base: frozenset[str]
    hooks: dict[str, frozenset[str]]

    def spoken(self, open_hooks: Iterable[str]) -> frozenset[str]:
        return self.base.union(*(self.hooks.get(h, frozenset()) for h in open_hooks))


_VOICES: OrderedDict[int, tuple[Persona, Voice]] = OrderedDict()


def voice_of(persona: Persona) -> Voice:
    """The persona's Voice, built once per persona object (a strong reference keeps the id from
    being reused while it is cached)."""
    cached = _VOICES.get(id(persona))
    if cached is not None and cached[0] is persona:
        _VOICES.move_to_end(id(persona))
        return cached[1]
    story = _ngrams_of(story_texts(persona))
    voice = Voice(
        base=_ngrams_of(base_lines(persona)) & story,
        hooks={hook.id: _ngrams_of(hook_lines(persona, hook)) & story for hook in persona.hooks},
    )
    _VOICES[id(persona)] = (persona, voice)
    while len(_VOICES) > VOICES_KEPT:
        _VOICES.popitem(last=False)
    return voice


def briefing_guard(
    persona: Persona,
    *,
    system: str,
    quoted: Iterable[str],
    open_hooks: Iterable[str],
    canary: str,
    role: RoleCheck | None = None,
) -> OutputGuard:
    """The guard for one reply: `system` is the system prompt as sent, `quoted` the persona's
    own lines (and the conversation summary) it contains, `open_hooks` the hooks the persona may
    talk about (unlocked now, or told in an earlier conversation)."""
    open_ids = set(open_hooks)
    briefing = system
    for line in sorted({q for q in quoted if q.strip()}, key=len, reverse=True):
        briefing = briefing.replace(line, "\n")
    locked = [text for h in persona.hooks if h.id not in open_ids for text in hook_secrets(h)]
    return OutputGuard(
        secrets=(briefing, *locked),
        canary=canary,
        spoken=voice_of(persona).spoken(open_ids),
        role=role,
    )


def hook_secrets(hook: Hook) -> list[str]:
    return [hook.summary, *hook.reveal, *hook.deeper_lines]


def story_texts(persona: Persona) -> Iterator[str]:
    """What the briefing says about the persona, which its own lines may well retell."""
    yield from (persona.background, persona.personality, persona.speaking_style)
    yield from (persona.scenario, persona.summary, persona.reward.summary)
    for hook in persona.hooks:
        yield from hook_secrets(hook)


def base_lines(persona: Persona) -> Iterator[str]:
    """Every line the persona may say before any hook is open."""
    for fact in persona.facts:
        yield from (*fact.answers, *fact.deeper_lines)
    for hook in persona.hooks:
        yield from hook.guarded
    for group in (persona.reactions, persona.closings):
        for name in type(group).model_fields:
            yield from getattr(group, name)
    reward = persona.reward
    yield from (*persona.openings, *reward.offer, *reward.confirm, *reward.accept, *reward.defer)
    yield from (q.text for q in persona.questions)
    if persona.returning is not None:
        yield from (*persona.returning.greeting, *persona.returning.topics.values())


def hook_lines(persona: Persona, hook: Hook) -> Iterator[str]:
    yield from (*hook.reveal, *hook.deeper_lines)
    if persona.returning is not None:
        yield from persona.returning.hooks.get(hook.id, [])


def _ngrams_of(lines: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(ngrams(line) for line in lines))
