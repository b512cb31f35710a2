"""The per-turn analyzer: which moves a user's message makes, given what the partner said.

Pure and deterministic. Rules first (they explain themselves with the user's own words); the
context decides between look-alikes: a question is a follow-up when it builds on the partner's
line, a hijack when it steps over the partner's own question, and a referral ask is a pitch
early and fine late in a warm conversation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.feedback import cues
from app.feedback.context import Context, build_context
from app.feedback.scoring import genuine_interest, score
from app.feedback.text import content_stems, named_entities, sentences, words, wordset
from app.feedback.tips import tip_for
from app.feedback.types import Evidence, Feedback, Move, Utterance

# Huang et al.'s rule: a question followed by more than 40 characters is rhetorical.
RHETORICAL_TAIL = 40
MONOLOGUE_WORDS = 60
SELF_FOCUS_MIN_WORDS = 8

# Subject and possessive forms: "tell me more" is not talk about oneself.
FIRST_PERSON = wordset("i i'm i've i'd i'll my mine myself we we're we've our ours")
SECOND_PERSON = wordset("you you're you've you'd you'll your yours yourself")
# Words that point back at something the partner said.
ANAPHORA = wordset("that this it there she he they them those these then")
BACK_REFERENCE = re.compile(r"\byou (?:mentioned|said|told|were saying|talked about)\b", re.I)


@dataclass(slots=True)
class _Found:
    """Moves found so far, each with the first words that earned it."""

    evidence: dict[Move, str] = field(default_factory=dict)

    def add(self, move: Move, text: str) -> None:
        text = text.strip()
        if text and move not in self.evidence:
            self.evidence[move] = text

    def drop(self, move: Move) -> None:
        self.evidence.pop(move, None)

    def __contains__(self, move: Move) -> bool:
        return move in self.evidence


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().rstrip("\"')”’ ").endswith("?")


def _rhetorical(message: str) -> bool:
    last = message.rfind("?")
    return last >= 0 and len(message[last + 1 :].strip()) > RHETORICAL_TAIL


def _untyped_question(sentence: str, message: str) -> bool:
    """Chat users often drop the question mark: "what got you into design"."""
    return (
        "?" not in message
        and cues.QUESTION_START.match(sentence) is not None
        and (bool(SECOND_PERSON & set(words(sentence))))
    )


def _links_to_partner(sentence: str, ctx: Context) -> bool:
    """Does this sentence build on what the partner said (words, names, or pointing back)?"""
    if not ctx.has_partner:
        return False
    stems = content_stems(sentence)
    if stems & ctx.partner_stems or named_entities(sentence) & ctx.partner_entities:
        return True
    if set(words(sentence)) & ctx.partner_entities:
        return True
    if BACK_REFERENCE.search(sentence) and stems & (ctx.earlier_stems | ctx.partner_stems):
        return True
    return bool(ctx.partner_statements) and bool(ANAPHORA & set(words(sentence)))


class Analyzer:
    """Stateless; a class so callers can hold one and tests can build their own."""

    def analyze(self, message: str, history: Sequence[Utterance] = ()) -> Feedback:
        ctx = build_context(history)
        found = _Found()
        sents = sentences(message)
        if not sents:
            return _finish(message, found, ctx)
        _pitches(message, ctx, found)
        _steering(message, ctx, found)
        _questions(message, sents, ctx, found)
        _statements(sents, ctx, found)
        _acknowledgement(message, ctx, found)
        _self_talk(message, sents, ctx, found)
        _minimal(message, found)
        return _finish(message, found, ctx)


def _pitches(message: str, ctx: Context, found: _Found) -> None:
    product = cues.PRODUCT_PITCH.search(message)
    if product and not (ctx.asked_about_user and "?" not in message):
        found.add(Move.PITCH, product.group(0))
    own = cues.SELF_PITCH.search(message)
    if own and not ctx.asked_about_user:
        found.add(Move.PITCH, own.group(0))
    ask = cues.ASK.search(message)
    if ask and not ctx.warm:
        found.add(Move.PITCH, ask.group(0))


def _steering(message: str, ctx: Context, found: _Found) -> None:
    steer = cues.HIJACK.search(message)
    if steer and not (content_stems(steer.group(0)) & ctx.partner_stems):
        found.add(Move.TOPIC_HIJACK, steer.group(0))
    dismiss = cues.DISMISSIVE.search(message)
    if dismiss:
        found.add(Move.DISMISSIVE, dismiss.group(0))


def _answers_partner(sents: tuple[str, ...], ctx: Context) -> bool:
    """Did the user say something before asking: an answer, or at least engagement?"""
    statements = [s for s in sents if not _is_question(s)]
    if any(len(words(s)) > 3 for s in statements):
        return True
    question_stems: frozenset[str] = frozenset()
    for q in ctx.partner_questions:
        question_stems |= content_stems(q)
    return any(content_stems(s) & question_stems for s in sents)


def _questions(message: str, sents: tuple[str, ...], ctx: Context, found: _Found) -> None:
    more = cues.MORE_REQUEST.search(message)
    if more and (ctx.has_partner or not _rhetorical(message)):
        found.add(Move.FOLLOW_UP_QUESTION, more.group(0))
    if _rhetorical(message):
        return
    answered = _answers_partner(sents, ctx)
    for sent in sents:
        if not (_is_question(sent) or _untyped_question(sent, message)):
            continue
        _classify_question(sent, ctx, answered, found)


def _classify_question(sent: str, ctx: Context, answered: bool, found: _Found) -> None:
    if cues.PRODUCT_PITCH.search(sent) or (cues.ASK.search(sent) and not ctx.warm):
        return  # a sales question: already a pitch
    if cues.MIRROR.match(sent.strip()):
        found.add(Move.MIRROR_QUESTION, sent)
        return
    linked = _links_to_partner(sent, ctx) or (
        ctx.has_partner and cues.GENERIC_FOLLOW_UP.match(sent.strip()) is not None
    )
    if linked:
        found.add(Move.FOLLOW_UP_QUESTION, sent)
        return
    ignores_question = bool(ctx.partner_questions) and not answered
    if ignores_question or ctx.partner_emotional:
        found.add(Move.TOPIC_HIJACK, sent)
        return
    found.add(Move.NEW_TOPIC_QUESTION, sent)


def _statements(sents: tuple[str, ...], ctx: Context, found: _Found) -> None:
    for sent in sents:
        if _is_question(sent):
            continue
        stripped = sent.strip()
        if cues.NOT_REFLECTION.match(stripped):
            continue
        if cues.REFLECTION.match(stripped):
            found.add(Move.REFLECTION, sent)
            continue
        tokens = words(stripped)
        if tokens and tokens[0] in SECOND_PERSON and _links_to_partner(sent, ctx):
            found.add(Move.REFLECTION, sent)


def _acknowledgement(message: str, ctx: Context, found: _Found) -> None:
    match = cues.EMPATHY.search(message)
    if match:
        found.add(Move.ACKNOWLEDGEMENT, match.group(0))


def _self_talk(message: str, sents: tuple[str, ...], ctx: Context, found: _Found) -> None:
    tokens = words(message)
    own = [s for s in sents if not _is_question(s) and FIRST_PERSON & set(words(s))]
    if not own:
        return
    engaged = Move.FOLLOW_UP_QUESTION in found or Move.REFLECTION in found
    if len(tokens) >= MONOLOGUE_WORDS and not engaged:
        found.add(Move.SELF_FOCUS, own[0])
        return
    linked = (
        not ctx.has_partner or ctx.asked_about_user or any(_links_to_partner(s, ctx) for s in own)
    )
    positive = any(
        m in found
        for m in (
            Move.FOLLOW_UP_QUESTION,
            Move.REFLECTION,
            Move.NEW_TOPIC_QUESTION,
            Move.ACKNOWLEDGEMENT,
        )
    )
    if linked or positive or len(tokens) < SELF_FOCUS_MIN_WORDS:
        found.add(Move.SELF_DISCLOSURE, own[0])
    else:
        found.add(Move.SELF_FOCUS, own[0])


def _minimal(message: str, found: _Found) -> None:
    if found.evidence:
        return
    tokens = words(message)
    if len(tokens) <= 3 or all(t in cues.BACKCHANNEL_WORDS for t in tokens):
        found.add(Move.MINIMAL, message)


def _finish(message: str, found: _Found, ctx: Context) -> Feedback:
    moves = [m for m in Move if m in found]
    evidence = [Evidence(move=m, text=found.evidence[m]) for m in moves]
    return Feedback(
        genuine_interest=genuine_interest(moves),
        score=score(moves),
        moves=moves,
        evidence=evidence,
        tip=tip_for(message, moves, ctx),
    )


_DEFAULT = Analyzer()


def analyze(message: str, history: Sequence[Utterance] = ()) -> Feedback:
    """Feedback on one user message; `history` is the conversation before it, oldest first."""
    return _DEFAULT.analyze(message, history)
