"""One sentence of coaching that names what the partner said.

"Ask more questions" teaches nothing; "Ask what made you leave teaching" does. The tip picks a
hook from the partner's last line (something they did, a name, or a content phrase) and turns it
into the next move, chosen from the worst thing the user's turn did.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.feedback.context import Context
from app.feedback.text import (
    FILLER,
    PREFIX,
    STOP_WORDS,
    content_stems,
    lemma,
    prefixes,
    raw_words,
    stem,
    wordset,
)
from app.feedback.types import Move

_DID = re.compile(
    r"\b(?:I|we)(?:'ve| have| had)?\s+(?:just |recently |actually |finally |also |once |"
    r"eventually |originally )?([a-z]+)\s+((?:[\w'’-]+\s?){1,5})",
    re.IGNORECASE,
)
_NOT_ACTIONS = wordset(
    """am was were be been think thought guess mean know knew feel felt want wanted hope
    would could should will can do did don't didn't really just also have had 'm 've love like
    agree see saw say said get got tell told wish need try tried used believe"""
)
_TRAILING = re.compile(r"\s+(?:to|in|at|on|for|of|with|the|a|an)$", re.I)
_STOP_AT = re.compile(
    r"(?:[,;:]|\b(?:and|but|so|because|which|who|when|though|although|for|since|until|last|"
    r"ago|before|after|then|during|while)\b).*",
    re.I,
)
# Turning points make the best questions ("I left teaching" over "I taught chemistry").
_CHANGES = wordset(
    "leave quit move switch join start found launch build change stop become retire return sell"
)
# simplemma reads "left" as the adjective; in "I left X" it is always the verb.
_PAST_OVERRIDES = {"left": "leave"}
_SWAP = {
    "my": "your",
    "me": "you",
    "i": "you",
    "our": "your",
    "we": "you",
    "us": "you",
    "myself": "yourself",
    "mine": "yours",
}


def _swap(phrase: str) -> str:
    return " ".join(_SWAP.get(w.lower(), w) for w in phrase.split())


def _action_question(statement: str) -> str | None:
    """'I left teaching last year' -> '"What made you leave teaching?"'."""
    found: list[tuple[str, str]] = []
    for m in _DID.finditer(statement):
        verb = m.group(1).lower()
        if verb in _NOT_ACTIONS or verb in STOP_WORDS or lemma(verb) in _NOT_ACTIONS:
            continue
        obj_words = _STOP_AT.sub("", m.group(2)).split()[:4]
        if "to" in obj_words[1:]:  # "teaching to join a team": the purpose is another clause
            obj_words = obj_words[: obj_words.index("to", 1)]
        obj = _TRAILING.sub("", " ".join(obj_words)).strip(" ,;:-")
        base = _PAST_OVERRIDES.get(verb) or lemma(verb)
        if obj and (base != verb or verb.endswith("ed")):
            found.append((base, obj))
    if not found:
        return None
    base, obj = next((f for f in found if f[0] in _CHANGES), found[0])
    return f'"What made you {base} {_swap(obj)}?"'


def _name(ctx: Context) -> str | None:
    """A place, company or product the partner named (not their own name)."""
    for sent in ctx.recent_statements:
        introducing = False  # "I'm Tom Reyes": their own name is no topic
        for tok in raw_words(sent):
            if tok.lower() in _INTRODUCES:
                introducing = True
                continue
            if introducing and tok[:1].isupper():
                continue
            introducing = False
            if tok.lower() in ctx.partner_entities and "'" not in tok:
                return tok
    return None


def _phrase(ctx: Context) -> str | None:
    """The longest run of content words in what the partner said, cut before a past-tense
    verb ("recruiting turned out" -> "recruiting")."""
    best: list[str] = []
    for sent in ctx.recent_statements:
        run: list[str] = []
        for tok in [*raw_words(sent), ""]:
            low = tok.lower()
            skip = low in STOP_WORDS or low in FILLER or low in _NOT_ACTIONS or "'" in low
            if skip or len(tok) < 3 or low.endswith("ed"):
                best = run if len(run) > len(best) else best
                run = []
            else:
                run.append(tok)
    return " ".join(best[:3]) or None


def _topic(texts: Sequence[str], ctx: Context) -> str | None:
    """The partner's own words that the user's turn picked up, in the partner's order; from
    the move's evidence first, else from the whole message."""
    for text in texts:
        picked = prefixes(content_stems(text))
        used = {w.lower() for w in raw_words(text)}
        by_stem: dict[str, str] = {}
        for tok in raw_words(ctx.partner_last):
            low = tok.lower()
            key = stem(low)[:PREFIX]
            if low in STOP_WORDS or "'" in low or key not in picked:
                continue
            # one word per stem, the user's own form first ("teaching" over "taught")
            if key not in by_stem or (low in used and by_stem[key].lower() not in used):
                by_stem[key] = tok
        if by_stem:
            return " ".join(list(by_stem.values())[:3])
    return None


def _suggestion(ctx: Context) -> str:
    for sent in ctx.recent_statements:
        action = _action_question(sent)
        if action:
            return action
    name = _name(ctx)
    if name:
        return f"what {name} has been like for them"
    phrase = _phrase(ctx)
    if phrase:
        return f'more about "{phrase}"'
    return "what they are working on right now and what drew them to it"


# Good turns: name what the user picked up, then the next step.
_PRAISE = {
    Move.FOLLOW_UP_QUESTION: (
        "Strong follow-up{on}; when they answer, reflect it back in a sentence before asking more."
    ),
    Move.REFLECTION: "Good reflection{on}; now let them expand, or ask {ask}.",
}
_INTRODUCES = frozenset({"i'm", "im", "am", "is", "name's", "i’m", "called", "hi", "hey", "hello"})


def _negative_tip(moves: set[Move], message: str, ctx: Context, ask: str) -> str | None:
    if Move.PITCH in moves:
        return f"Hold the pitch until they trust you; for now, ask {ask}."
    if Move.TOPIC_HIJACK in moves:
        if ctx.partner_questions:
            question = ctx.partner_questions[-1].strip()
            return f'Answer their question ("{question}") in a sentence first, then ask {ask}.'
        return f"Stay with what they just told you before changing the subject: ask {ask}."
    if Move.DISMISSIVE in moves:
        return f"Drop the judgement and get curious instead: ask {ask}."
    if Move.SELF_FOCUS in moves:
        return f"Cut your part to two sentences and hand the floor back: ask {ask}."
    if Move.MINIMAL in moves:
        short = message.strip()[:30]
        return f'Give them more than "{short}": ask {ask}.'
    return None


def tip_for(
    message: str, moves: Sequence[Move], ctx: Context, evidence: Mapping[Move, str] | None = None
) -> str:
    present = set(moves)
    evidence = evidence or {}
    if not ctx.has_partner:
        if present & {Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION}:
            return "Good opener; when they answer, pick one detail they give and ask about it."
        return "Open with a question about them, such as what brought them here today."
    ask = _suggestion(ctx)
    negative = _negative_tip(present, message, ctx, ask)
    if negative:
        return negative
    for move, praise in _PRAISE.items():
        if move in present:
            topic = _topic([evidence.get(move, message), message], ctx)
            on = f' on "{topic}"' if topic else ""
            return praise.format(on=on, ask=ask)
    if Move.NEW_TOPIC_QUESTION in present:
        return f"Good open question; next time build on what they said first: ask {ask}."
    if Move.ACKNOWLEDGEMENT in present:
        return f"Nice recognition; follow it with a question: ask {ask}."
    if Move.MIRROR_QUESTION in present:
        return f"Instead of handing their question back, ask {ask}."
    return f"Turn the attention to them: ask {ask}."
