"""'You mentioned...': does the conversation hold what the user says the partner said?

A callback to something said lines back is among the strongest signs of listening ("You mentioned
the recipe app died in 2012. What did you take from it?"). The same words about something the
partner never said ("You mentioned your sister's bakery" to someone who has no sister in the
conversation, "you said you were at Airbus" to a former banker) show the opposite: the user is
thinking of someone else, and steps over what this person did say. Both move models read the
words, which are a textbook follow-up, and call it one (dev w39-w48: 11 of 12 such turns).

The check is deliberately narrow: none of the content words of the claim appear in anything the
partner said, and its meaning is far from every sentence of theirs (a paraphrase, "your
commute" for "the 520 bridge was backed up", is near in meaning). A callback to something said
outside this conversation ("On stage you said...", "in your post") is not checked.
"""

from __future__ import annotations

import re

from app.feedback.context import Context
from app.feedback.embed import embed_one
from app.feedback.text import content_stems, derived, sentences, split_light

CLAIM = re.compile(
    r"(?i)\b(?:you|u) (?:mentioned|said|told (?:me|us)|were saying|talked about|brought up)\b"
    r"(?:\s+(?:earlier|before|that|about))*\s*(?P<claim>[^.?!]*)"
)
# Said somewhere else than in this conversation: a talk, a post, a profile.
ELSEWHERE = re.compile(
    r"(?i)\b(?:on stage|in (?:your|the) (?:talk|keynote|post|article|blog|interview|panel|"
    r"podcast|video|session|newsletter|book|email|message|bio)|on (?:the|your) (?:panel|"
    r"podcast|call last|website|profile)|on (?:linkedin|twitter|x)|last (?:time|week|month|year))\b"
)
# Words a claim carries that say nothing about what was said.
NOT_CONTENT = frozenset(
    {"earli", "bit", "thing", "stuff", "part", "time", "ago", "back", "one"}
    | {"do", "go", "get", "make", "take", "come", "think", "say", "know", "want", "have"}
)
# A claim this close in meaning to a sentence of theirs is a paraphrase of it (dev w39-w48:
# every claim of something never said was under 0.35, wordllama cosine).
PARAPHRASE_MIN = 0.4


def never_said(message: str, ctx: Context) -> str | None:
    """The user's 'you mentioned X' sentence when nothing the partner said holds X."""
    if not ctx.persona_lines:
        return None
    # So do the user's earlier callbacks, which the partner let stand: "I was hooked when you
    # said the pilot almost failed twice" in the first line refers to a talk before it began.
    lines = (*ctx.persona_lines, *(line for line in ctx.user_lines if CLAIM.search(line)))
    theirs = frozenset().union(*(content_stems(line) for line in lines))
    for sentence in sentences(message):
        found = CLAIM.search(sentence)
        if found is None or ELSEWHERE.search(sentence):
            continue
        claim = found.group("claim")
        stems = {s for s in content_stems(claim) if s not in NOT_CONTENT}
        if not stems or any(s in theirs or derived(frozenset({s}), theirs) for s in stems):
            continue
        near = embed_one(claim)
        said = (s for line in lines for s in split_light(line))
        if all(float(near @ embed_one(s)) < PARAPHRASE_MIN for s in said):
            return sentence.strip()
    return None
