"""The role guard: a reply must be the persona speaking, in its own voice, to the learner.

A small model drifts out of its role in ways the leak checks (app/llm/guard.py) do not see
(issue 17: SmolLM2-135M said "I'm Alex's partner in this job" and asked the learner for
mentoring). Three kinds, all checked on the reply alone, sentence by sentence as it streams:

- **speaking as the learner**: claiming the learner's name ("I'm Alex", "Alex here"), or a
  first-person sentence that repeats the learner's own words (their pitch, their product, their
  self-introduction) as the persona's;
- **the learner's ask, from the persona**: the persona asking to be referred, hired, mentored,
  for a demo or a meeting slot, handing over its resume, or saying it is looking for a job: what
  the learner came for, turned around;
- **narrating**: stage directions (`*smiles*`, `(laughs)`, `[pauses]`), the persona described
  in the third person by its own name ("Priya nods"), or the learner called "the user".

A reply that breaks one is redone once with a reminder; if the second draft breaks too, its
clean sentences stand or an in-character line from the persona's YAML replaces it
(app/llm/engine.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.llm.guard import ngrams

# A learner's own words: a first-person sentence of the reply that shares this many 5-word runs
# (6 words in a row) with what the learner said is the learner's line, not the persona's.
COPIED_GRAMS = 2
FIRST_PERSON = re.compile(r"^\W*(?:i|i'm|i’m|im|i've|i’ve|i'd|i’d|my|we|we're|we’re|our)\b", re.I)
SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")

# What the learner asks for at a networking event, asked by the persona instead.
INVERTED_ASK = re.compile(
    "|".join(
        (
            r"\b(?:could|can|would|will) you (?:please |maybe |possibly )?(?:refer|hire|mentor|"
            r"recommend|introduce) me\b",
            r"\b(?:could|can|would|will) you (?:please |maybe )?(?:be|become) my (?:mentor|"
            r"referral|reference)\b",
            r"\b(?:could|can|would|will) you (?:please )?(?:pass|forward|send|look at|take a "
            r"look at|review) my (?:resume|cv|portfolio|pitch deck|deck)\b",
            r"\b(?:here(?:'s| is) my|attached is my|i(?:'ll| will) send you my) (?:resume|cv|"
            r"portfolio)\b",
            r"\b(?:i'm|i’m|i am) (?:currently |actively |actually |also |now |really )?(?:looking "
            r"for|seeking|hunting for) "
            r"(?:a |an )?(?:new )?(?:job|role|position|internship|mentor|referral)\b",
            r"\b(?:i'd|i’d|i would) be (?:a |the )?(?:perfect|great|ideal) (?:fit|candidate|hire)"
            r" for (?:your|the) (?:team|company|role)\b",
            r"\b(?:can|could) i (?:book|schedule|get) (?:a |an )?(?:demo|call|meeting|interview) "
            r"with you\b",
        )
    ),
    re.IGNORECASE,
)

STAGE_DIRECTION = re.compile(
    r"\*[^*\n]{1,60}\*"  # *smiles*, *adjusts her badge*
    r"|\((?:[^()\n]{0,20}\b)?(?:smiles?|smiling|laughs?|laughing|chuckles?|grins?|nods?|"
    r"sighs?|pauses?|shrugs?|winks?|leans?|looks?|glances?)\b[^()\n]{0,40}\)"  # (laughs)
    r"|\[[^\[\]\n]{1,40}\]"  # [pauses]
)
THIRD_PERSON_VERBS = (
    r"says|said|smiles|smiled|nods|nodded|laughs|laughed|replies|replied|responds|responded|"
    r"answers|answered|asks|asked|(?:looks?|looked) (?:at|up|around|away|down)|"
    r"leans|leaned|pauses|paused|shrugs|shrugged|"
    r"grins|grinned|chuckles|chuckled|sighs|sighed|thinks|thought|continues|continued|"
    r"glances|glanced|adds|added|explains|explained|tells|told|hands|handed"
)
THE_USER = re.compile(r"\bthe (?:user|learner|human)(?:'s|’s)?\b", re.IGNORECASE)
# "I'm Alex" and "my name is Alex": a name the learner gave for themselves.
SELF_NAMED = re.compile(
    r"\b(?i:i'm|i’m|i am|my name is|my name's|name's|this is|call me)\s+([A-Z][a-z]{1,20})\b"
)
NOT_NAMES = {
    "Also", "Afraid", "Back", "Glad", "Good", "Happy", "Here", "Just", "Looking", "New", "Not",
    "Only", "Really", "Right", "So", "Still", "Sure", "The", "Very", "Well", "Working",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RoleBreak:
    kind: str  # speaking_as_user | inverted_ask | narration
    detail: str


class RoleCheck:
    """The role rules for one reply: who the persona is, who the learner is and what they said."""

    def __init__(
        self,
        persona_name: str,
        learner_lines: Sequence[str] = (),
        learner_name: str | None = None,
        own_words: Iterable[str] = (),
    ) -> None:
        """`own_words`: texts whose words are the persona's whoever repeats them (its briefing,
        its earlier lines): a learner who said them back to it does not make them theirs."""
        first = persona_name.split()[0]
        self.learner_names = {n for n in (learner_name, *learner_names(learner_lines)) if n}
        self.learner_names -= {first, persona_name}  # a learner who shares the persona's name
        names = sorted({re.escape(persona_name), re.escape(first)}, key=len, reverse=True)
        self.third_person = re.compile(
            rf"(?:^|[.!?]\s+|,\s*)(?:{'|'.join(names)})\s+(?:{THIRD_PERSON_VERBS})\b"
        )
        claims = [re.escape(n) for n in sorted(self.learner_names)]
        self.claims_learner = (
            re.compile(
                rf"\b(?:i'm|i’m|i am|my name is|my name's|this is|call me)\s+(?:{'|'.join(claims)})"
                rf"\b(?!['’]s)|^\W*(?:{'|'.join(claims)}) here\b",
                re.IGNORECASE,
            )
            if claims
            else None
        )
        self.learner_grams = frozenset().union(*(ngrams(line) for line in learner_lines)) - (
            frozenset().union(*(ngrams(text) for text in own_words))
        )

    def check(self, text: str) -> RoleBreak | None:
        if found := STAGE_DIRECTION.search(text):
            return RoleBreak("narration", found.group(0))
        if found := self.third_person.search(text):
            return RoleBreak("narration", found.group(0).strip(" .!?,"))
        if found := THE_USER.search(text):
            return RoleBreak("narration", found.group(0))
        if self.claims_learner and (found := self.claims_learner.search(text)):
            return RoleBreak("speaking_as_user", found.group(0))
        if self.learner_grams:
            for sentence in SENTENCE.findall(text):
                if not FIRST_PERSON.match(sentence):
                    continue
                copied = ngrams(sentence) & self.learner_grams
                if len(copied) >= COPIED_GRAMS:
                    return RoleBreak("speaking_as_user", " / ".join(sorted(copied)[:2]))
        if found := INVERTED_ASK.search(text):
            return RoleBreak("inverted_ask", found.group(0))
        return None


def learner_names(lines: Iterable[str]) -> list[str]:
    """Names the learner gave for themselves ("Hi, I'm Alex"), in order."""
    found = []
    for line in lines:
        for match in SELF_NAMED.finditer(line):
            name = match.group(1)
            if name not in NOT_NAMES and name not in found:
                found.append(name)
    return found
