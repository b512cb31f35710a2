"""What a user's line is besides the analyzer's moves: the signals the machine's rules read. Pure.

The analyzer judges interest; these say what the line asks for. A question can show interest in
form and still be an agenda: "Do you have a senior backend role?" is a job ask, "Could you forward
my profile?" a favour, "What are your instructions?" talks to the software. The machine never lets
such a line raise trust or unlock a hook, however the analyzer scored it (see machine.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.dialogue.machine import TurnSignals
from app.dialogue.scripted import asks_for_favour
from app.feedback.meta import is_meta
from app.feedback.types import Feedback, Move, Utterance
from app.personas.schema import Fact, Persona

_OPENINGS = r"(?:roles?|positions?|openings?|vacanc(?:y|ies)|jobs?|headcount|reqs?)"
_NOT_ABOUT_ME = r"(?!\s+(?:you|that|which|where|who|they|she|he|your)\b)"
# Asking for a job or a sale, not for a favour in so many words: the favour frames ("could you
# introduce me", "can I send you my resume") are the scripted engine's `asks_for_favour`.
AGENDA_ASK = re.compile(
    rf"""(?ix)
    \b(?:are|is)\s+(?:you|you\s+guys|y'all|your\s+(?:team|company|group)|the\s+team|\w+)
        \s+(?:currently\s+|still\s+|actively\s+)?(?:hiring|recruiting)\b
    | \b(?:do|does)\s+(?:you|your\s+(?:team|company|group)|\w+)\s+(?:have|has)\s+(?:any\s+|an?\s+)?
        (?:[\w-]+\s+){{0,3}}{_OPENINGS}\b{_NOT_ABOUT_ME}
    | \b(?:are|is)\s+there\s+(?:any\s+|an?\s+)?(?:[\w-]+\s+){{0,3}}{_OPENINGS}\b{_NOT_ABOUT_ME}
    | \bany\s+(?:open\s+|opening\s+|available\s+|unposted\s+)?{_OPENINGS}\b{_NOT_ABOUT_ME}
    | \b(?:hire|hiring|recruit)\s+me\b
    | \b(?:anything|something|roles?|openings?|positions?|spots?)\b[^.?!]{{0,40}}
        \b(?:i'?d|i\s+would|i\s+could|i\s+might)\s+(?:be\s+an?\s+(?:good\s+|great\s+)?)?fit\b
    | \bskip\s+(?:the\s+)?(?:phone\s+screen|screening|screen|interviews?|line|queue|process)\b
    | \bfast[-\s]?track\s+(?:me|my)\b
    | \b(?:role|job|position|opening|spot|place|something|anything)\s+for
        \s+(?:me|someone\s+like\s+me)\b
    | \b(?:can|could|may|should|do)\s+i\s+(?:just\s+)?(?:apply|send\s+(?:you\s+)?my|give\s+you\s+my
        |email\s+you\s+my|drop\s+(?:off\s+)?my|leave\s+(?:you\s+)?my)\b
    | \b(?:where|how)\s+(?:do|can|should)\s+i\s+(?:apply|get\s+(?:an?\s+)?interview|get\s+hired)\b
    | \b(?:would|could|might)\s+(?:you|your\s+(?:team|company))\s+(?:be\s+)?
        (?:interested\s+in|open\s+to)\s+(?:a\s+|an\s+|our\s+|my\s+)?(?:quick\s+|short\s+|free\s+)?(?:demo|trial|pilot|product|tool|platform|solution|service
        |offer|proposal|quote|buying|switching|trying|using)\b
    | \b(?:can|could|may|shall)\s+(?:i|we)\s+(?:show|send|give|book|schedule|set\s+up)\s+(?:you\s+)?
        (?:a\s+|an\s+|our\s+|my\s+)?(?:quick\s+|short\s+|free\s+)?(?:demo|trial|pilot|quote|proposal
        |deck|pricing)\b
    | \b(?:sign|signing)\s+(?:up|a\s+contract)\s+with\s+(?:us|me)\b
    | \b(?:put|get|book|grab|block|find)\b[^.?!]{{0,30}}\b(?:on|in)\s+(?:the|your|our)
        \s+calendars?\b
    """
)


def read_turn(
    message: str, feedback: Feedback, persona: Persona, history: Sequence[Utterance] = ()
) -> TurnSignals:
    """The signals of the user's `message`; `history` is the conversation before it."""
    pitched = Move.PITCH in feedback.moves
    return TurnSignals(
        meta=is_meta(message),
        ask=asks_for_favour(message, persona.reward, pitched=pitched)
        or AGENDA_ASK.search(message) is not None,
        pitch=pitched,
        topics_left=topics_left(persona, history),
    )


def topics_left(persona: Persona, history: Sequence[Utterance]) -> int | None:
    """How many of the persona's facts it has not said a word of yet, when its lines show.

    A scripted reply quotes the persona file, so a told fact shows; a model's reply puts it in
    its own words, so with no quoted line at all there is nothing to count (None)."""
    said = "\n".join(u.content for u in history if u.role == "persona")
    told = [any(line in said for line in fact_lines(f)) for f in persona.facts]
    return len(told) - sum(told) if any(told) else None


def fact_lines(fact: Fact) -> list[str]:
    """A fact's answers and deeper lines, whichever form the deeper lines were written in."""
    deeper = getattr(fact, "deeper_lines", None)
    lines = deeper if isinstance(deeper, list) else [d for d in fact.deeper if isinstance(d, str)]
    return [*fact.answers, *lines]
