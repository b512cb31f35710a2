"""What the learned analyzer sees of a turn: the pair, the conversation, and the rules' verdict.

A turn becomes a dense vector (sentence embeddings of the message and of what the partner said,
their interaction, how the conversation stands, and the rule pass's moves as hints) and a bag of
the message's word n-grams. The same function serves training (tools/train_analyzer.py) and
inference (app/feedback/learned.py), so the two cannot drift apart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.feedback import cues
from app.feedback.context import Context
from app.feedback.embed import DIM, embed_one
from app.feedback.meta import is_meta
from app.feedback.text import content_stems, sentences, words, wordset
from app.feedback.types import Move

VERSION = 1
RHETORICAL_TAIL = 40  # Huang et al.: over 40 characters after the last "?" make it rhetorical
TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]")
WH = wordset("what why how when where which who whose")
AUX = wordset(
    """do does did is are was were have has had can could would will should any may might
    isn't aren't don't doesn't didn't"""
)
FIRST = wordset("i i'm i've i'd i'll my mine me myself we we're we've our us")
SECOND = wordset("you you're you've you'd you'll your yours yourself u ur")
LAUGH = re.compile(r"(?i)\b(?:lol|lmao|haha+|hehe|rofl)\b|😂|🙄|😏")
MOVES: tuple[Move, ...] = tuple(Move)


@dataclass(frozen=True, slots=True)
class TurnFeatures:
    dense: NDArray[np.float32]
    ngrams: tuple[str, ...]


def ngrams(message: str) -> tuple[str, ...]:
    """Word unigrams and bigrams of the message, lower-cased, with ^ and $ at its edges."""
    tokens = ["^", *TOKEN.findall(message.lower()), "$"]
    grams = [t for t in tokens[1:-1]]
    grams += [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return tuple(grams)


def _cos(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    return float(a @ b)


def _max_cos(vector: NDArray[np.float32], lines: Iterable[str]) -> float:
    best = 0.0
    for line in lines:
        best = max(best, _cos(vector, embed_one(line)))
    return best


def _question_part(message: str) -> str:
    asked = [s for s in sentences(message) if "?" in s]
    return " ".join(asked)


def scalars(message: str, ctx: Context, rule_moves: Iterable[Move]) -> list[float]:
    """Hand-made signals: each is exact (a count, a position, a rule's verdict)."""
    toks = words(message)
    n = max(1, len(toks))
    tail = len(message) - message.rfind("?") - 1 if "?" in message else -1
    first = toks[0] if toks else ""
    stems = content_stems(message)
    partner_stems = ctx.partner_stems
    earlier_stems = ctx.earlier_stems
    found = set(rule_moves)
    return [
        *(1.0 if m in found else 0.0 for m in MOVES),
        math.log1p(len(toks)) / 5,
        min(len(sentences(message)), 8) / 8,
        min(message.count("?"), 4) / 4,
        1.0 if message.rstrip().endswith("?") else 0.0,
        1.0 if tail > RHETORICAL_TAIL else 0.0,
        1.0 if first in WH else 0.0,
        1.0 if first in AUX else 0.0,
        sum(t in FIRST for t in toks) / n,
        sum(t in SECOND for t in toks) / n,
        1.0 if toks and sum(t in FIRST for t in toks) / n > 0.12 else 0.0,
        min(ctx.user_turns_before, 12) / 12,
        ctx.prior_interest_rate,
        1.0 if ctx.warm else 0.0,
        1.0 if ctx.asked_about_user else 0.0,
        1.0 if ctx.partner_questions else 0.0,
        1.0 if ctx.partner_emotional else 0.0,
        1.0 if ctx.partner_shared else 0.0,
        1.0 if ctx.partner_content else 0.0,
        1.0 if ctx.invites_questions else 0.0,
        1.0 if ctx.introduced else 0.0,
        1.0 if not ctx.has_partner else 0.0,
        1.0 if is_meta(message) else 0.0,
        len(stems & partner_stems) / max(1, len(stems)),
        len(stems & earlier_stems) / max(1, len(stems)),
        1.0 if stems and stems <= partner_stems else 0.0,
        1.0 if LAUGH.search(message) else 0.0,
        1.0 if "!" in message else 0.0,
        1.0 if message == message.lower() else 0.0,
        1.0 if cues.ASK.search(message) else 0.0,
        1.0 if cues.JOB_SEEKING.search(message) else 0.0,
        1.0 if cues.PRODUCT_PITCH.search(message) else 0.0,
        1.0 if cues.EMOTION.search(" ".join(ctx.persona_lines[-2:])) else 0.0,
        math.log1p(len(words(ctx.partner_last))) / 5,
    ]


def extract(message: str, ctx: Context, rule_moves: Iterable[Move]) -> TurnFeatures:
    m = embed_one(message)
    p = embed_one(ctx.partner_last) if ctx.has_partner else np.zeros(DIM, np.float32)
    asked = _question_part(message)
    q = embed_one(asked) if asked else np.zeros(DIM, np.float32)
    earlier = ctx.persona_lines[:-1][-4:]
    extra = [
        _cos(m, p),
        _cos(q, p) if asked else 0.0,
        _max_cos(m, earlier),
        _max_cos(m, ctx.user_lines[-3:]),
    ]
    dense = np.concatenate(
        [m, p, m * p, q, np.asarray(scalars(message, ctx, rule_moves) + extra, np.float32)]
    ).astype(np.float32)
    return TurnFeatures(dense=dense, ngrams=ngrams(message))
