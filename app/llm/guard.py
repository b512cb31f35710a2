"""The output guard: a persona's line must stay in character.

Three ways a model breaks character, whatever the user typed to provoke it: it admits to being an
AI, it turns into the user's networking coach, or it echoes its private briefing. The guard checks
text before the user sees it; `SentenceGate` applies it sentence by sentence to a stream, so only
checked sentences are released and a bad one is never sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.llm.role import RoleCheck

AI_DISCLOSURE = [
    r"\bas an? (ai|a\.i\.|artificial intelligence|(large )?language model|llm|chatbot|bot|"
    r"virtual assistant|ai assistant|assistant)\b",
    r"\bi(?:'m| am) (?:just |only |merely |actually |really )?an? "
    r"(ai|a\.i\.|artificial intelligence|(large )?language model|llm|chatbot|bot|program|"
    r"virtual assistant|ai assistant)\b",
    r"\bi(?:'m| am) not (?:a )?(real|human|a real person|an actual person)\b",
    r"\b(my|i have no) (training data|knowledge cut-?off)\b",
    r"\bi was (trained|created|developed|programmed) (by|to)\b",
    r"\b(this|our) (role-?play|simulation|practice session|practice conversation)\b",
    r"\bi(?:'m| am) (just )?(playing|a character|a persona)\b",
]
# Coaching is about the user's own conversation, so most patterns need a "you": a recruiter may
# well say she values communication skills or genuine interest in the product.
COACHING = [
    r"\byou(?:'re| are)? (?:should |could |need to |might |did )?(?:show|showing|showed)"
    r"(?: more)? genuine interest\b",
    r"\b(that|this) (showed|shows) (real |genuine )?interest\b",
    r"\b(ask|asking|try|use) (more |some |a few |an? )?(open[- ]ended|follow[- ]up) questions?\b",
    r"\bfollow[- ]up questions? (to|will|would|shows?|help)\b",
    r"\b(?:you should|you could|you need to|helps you|(?<!i )try to) (build|establish) "
    r"(rapport|trust)\b",
    r"\b(your|practi[cs]e) active listening\b",
    r"\byour (networking|conversation(al)?|listening) (tips?|skills?|technique|style)\b",
    r"\bnetworking (tips?|advice)\b",
    r"\bhere'?s (some |my )?feedback\b",
    r"\bfeedback on (your|how you)\b",
    r"\b(tip|feedback|suggestion)\s*:",
    r"\byour score\b|\bi'?d (rate|score|give) (you|that|this)\b",
    r"\b(you|that|this)(?:'s| is| was| gets?)? (?:a |an )?\d{1,3} ?(?:/|out of) ?(?:10|ten|100)\b",
    r"\bin your next (message|turn|reply)\b",
    r"\b(hold|save) (off on |back )?(your|the) pitch\b|\bpitch(ing)? too (early|soon)\b",
]
META = [
    r"\bsystem prompt\b",
    r"\bmy (instructions|guidelines|briefing)\b",
    r"\b(instructions|rules|guidelines) i (was|am|were) given\b",
    r"\bi (was|am|have been) instructed\b",
    r"\bprivate brief\b",
    r"^\s*#{1,6} ",
]
# Copying is judged on words, normalised (case, accents, punctuation, spacing): a run of
# ECHO_GRAM words that is also in the briefing is one copied n-gram, and ECHO_THRESHOLD distinct
# ones make an echo. That is any 8 words in a row, or several shorter runs adding up, whatever
# part of the briefing they come from. Measured on the seven personas' own lines and 7,800 lines
# people wrote as networking partners (tests/llm/test_guard_echo.py): the longest innocent overlap
# is 3 n-grams, a persona retelling its background ("for four years before a friend pulled").
ECHO_GRAM = 5
ECHO_THRESHOLD = 4


@dataclass(frozen=True, slots=True)
class Violation:
    # ai_disclosure | coaching | prompt_echo | empty, or a role break (app/llm/role.py):
    # speaking_as_user | inverted_ask | narration
    kind: str
    detail: str

    def reason(self) -> str:
        return {
            "ai_disclosure": "it talked about being an AI or a character",
            "coaching": "it coached the other person instead of talking with them",
            "prompt_echo": "it revealed the private briefing",
            "empty": "it was empty",
            "speaking_as_user": "it spoke as the other person instead of as yourself",
            "inverted_ask": "it asked the other person for what they came to ask you for",
            "narration": "it narrated or used stage directions instead of just speaking",
        }[self.kind]


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    """One scan for a list whose every match is a violation (no tolerated words)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE)


_AI, _COACH, _META = _any_of(AI_DISCLOSURE), _any_of(COACHING), _any_of(META)
_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = re.compile(r"['\u2019\u02bc]")


def words(text: str) -> list[str]:
    """The words of a text, normalised: NFKC, accents and invisible characters dropped, case
    folded, apostrophes removed (don't -> dont), anything else that is not a letter or digit a
    break between words."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
        text = "".join(c for c in decomposed if unicodedata.category(c) not in {"Mn", "Cf"})
    return _WORD.findall(_APOSTROPHES.sub("", text.casefold()))


def _visible(text: str) -> str:
    """The text as read: compatibility forms folded (fullwidth letters, ligatures) and invisible
    characters (zero-width spaces and joiners) dropped, so "system\u200bprompt" is still seen."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def ngrams(text: str, size: int = ECHO_GRAM) -> frozenset[str]:
    tokens = words(text)
    return frozenset(" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


class OutputGuard:
    """Checks one persona's replies against the briefing it must not echo.

    `secrets` are the texts no reply may copy (the system prompt, hooks not yet unlocked);
    `spoken` the n-grams the persona's own lines use, which it may say whatever the briefing
    holds. The user's message plays no part in the leak checks: what the model says is judged
    on its own. `role`, when given, also checks that the reply is the persona speaking (not the
    learner, not a narrator): see app/llm/role.py.
    """

    def __init__(
        self,
        secrets: Iterable[str] = (),
        canary: str | None = None,
        spoken: frozenset[str] = frozenset(),
        role: RoleCheck | None = None,
    ) -> None:
        self.secret_ngrams: frozenset[str] = (
            frozenset().union(*(ngrams(secret) for secret in secrets)) - spoken
        )
        self.canary = canary
        self.role = role

    def check(self, text: str) -> Violation | None:
        if not text.strip():
            return Violation("empty", "")
        visible = _visible(text)
        for kind, pattern in (("ai_disclosure", _AI), ("coaching", _COACH), ("prompt_echo", _META)):
            found = pattern.search(visible)
            if found:
                return Violation(kind, found.group(0))
        if self.canary and self.canary.lower() in "".join(words(text)):
            return Violation("prompt_echo", self.canary)
        copied = ngrams(text) & self.secret_ngrams
        if len(copied) >= ECHO_THRESHOLD:
            return Violation("prompt_echo", " / ".join(sorted(copied)[:3]))
        if self.role is not None and (broken := self.role.check(visible)):
            return Violation(broken.kind, broken.detail)
        return None


QUOTES = re.compile(r"[\"“”]")
# The end of a sentence, without the whitespace after it, so a reply never ends in a space.
SENTENCE_END = re.compile(r"[.!?…]+[\"')\]’”]*(?=\s)")
LABEL = re.compile(r"^\s*\**[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2}\**\s*:\s+")


class SentenceGate:
    """Releases a stream one checked sentence at a time.

    `feed` returns the text that is now safe to send; once a violation is found nothing more is
    released and `violation` says why. `finish` checks and releases the unterminated tail.
    """

    def __init__(self, guard: OutputGuard, speaker_names: Iterable[str] = (), limit: int = 900):
        self.guard = guard
        self.buffer = ""
        self.released = 0  # characters of `buffer` already sent
        self.prepared = False  # the label and opening quote have been dealt with
        self.quoted = False  # the model wrapped its reply in quotation marks
        self.violation: Violation | None = None
        self.full = False  # the reply reached `limit` characters: stop reading the model
        self.limit = limit
        self.labels = {n.lower() for n in speaker_names}

    @property
    def sent(self) -> str:
        return self.buffer[: self.released]

    def feed(self, piece: str) -> str:
        if self.violation or self.full:
            return ""
        self.buffer += piece
        if not self.prepared:
            if not SENTENCE_END.search(self.buffer):
                return ""
            self._strip_label()
        ends = [m.end() for m in SENTENCE_END.finditer(self.buffer, self.released)]
        # Several sentences at once (a whole reply): one check covers them all, since a clean
        # text has no violation in any of its prefixes (they end at sentence ends).
        whole = len(ends) > 1 and self.guard.check(self.buffer[: ends[-1]]) is None
        out = []
        # One sentence at a time, so the clean ones before a bad one still go out.
        for end in ends:
            if self.violation or self.full:
                break
            out.append(self._release(end, checked=whole))
        return "".join(out)

    def finish(self) -> str:
        if self.violation or self.full:
            return ""
        if not self.prepared:
            self._strip_label()
        self.buffer = self.buffer.rstrip()
        out = self._release(len(self.buffer)) if len(self.buffer) > self.released else ""
        if not self.violation and not self.sent.strip():
            self.violation = Violation("empty", "")
        return out

    def _release(self, end: int, checked: bool = False) -> str:
        """Send the buffer up to `end`, unless the guard (or a `checked` longer text) finds a
        violation in it."""
        violation = None if checked else self.guard.check(self.buffer[:end])
        if violation:
            self.violation = violation
            return ""
        out = self.buffer[self.released : end]
        self.released = end
        self.full = self.released >= self.limit
        # A reply the model wrapped in quotation marks is sent without them.
        return QUOTES.sub("", out) if self.quoted else out

    def _strip_label(self) -> None:
        """Drop a "Priya:" label and an opening quotation mark before anything is sent."""
        self.prepared = True
        text = self.buffer
        match = LABEL.match(text)
        if match and match.group(0).strip(" *:").lower() in self.labels:
            text = text[match.end() :]
        text = text.lstrip()
        if text[:1] in {'"', "“"}:
            self.quoted = True
            text = text[1:]
        self.buffer = text
