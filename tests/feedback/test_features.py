"""The learned analyzer's hand-made signals: the ones that decide hollow questions, questions
typed without a question mark, and answering before asking back."""

from __future__ import annotations

import numpy as np
import pytest

from app.feedback.context import build_context
from app.feedback.embed import embed, embed_one
from app.feedback.features import (
    WH_TYPES,
    _answers_then_asks,
    _covered_question,
    _question_part,
    _wh_type_fit,
    contextual_ngrams,
)
from app.feedback.types import Utterance


def _ctx(*lines: str):
    roles = ["persona", "user"] * len(lines)
    return build_context([Utterance(role, line) for role, line in zip(roles, lines, strict=False)])


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        (
            "engineering mostly, my project was on gearbox wear how big are the turbines you use",
            "how big are the turbines you use",
        ),
        ("you said youre doing biotech mei what kind", "what kind"),
        ("Where are you based?", "Where are you based?"),
        ("where are you based", "where are you based"),
    ],
)
def test_a_question_typed_without_its_mark_is_still_a_question(message: str, asked: str) -> None:
    assert _question_part(message) == asked


@pytest.mark.parametrize(
    "message",
    ["i see what you mean", "that's exactly what I thought", "what a day!", "nice", "sure"],
)
def test_relative_clauses_and_exclamations_are_not_questions(message: str) -> None:
    assert _question_part(message) == ""


def _fit(kind: str, asked: str, *lines: str) -> list[float]:
    """(asks this kind, the last line answers it, an earlier line answers it) for one kind."""
    i = [name for name, _, _ in WH_TYPES].index(kind)
    return _wh_type_fit(asked, lines)[3 * i : 3 * i + 3]


def test_asking_where_after_they_named_the_place_is_flagged_even_in_lowercase() -> None:
    assert _fit("place", "where is the team based?", "the whole team's in denver, 22 of us") == [
        1.0,
        1.0,
        0.0,
    ]
    assert _fit("place", "where is the team based?", "We're hiring two engineers.") == [
        1.0,
        0.0,
        0.0,
    ]


def test_asking_how_many_when_a_number_was_said_two_lines_ago_is_flagged() -> None:
    lines = ("We have fourteen people on the Kenya launch.", "It's been a wild quarter.")
    assert _fit("amount", "how many people are on it?", *lines) == [1.0, 0.0, 1.0]


def test_asking_why_is_answered_only_by_a_reason() -> None:
    assert _fit(
        "reason", "Why Xero?", "We went with Xero because our accountant insisted on it."
    ) == [1.0, 1.0, 0.0]
    assert _fit("reason", "Why Xero?", "We went with Xero last spring.") == [1.0, 0.0, 0.0]


def test_answering_their_question_before_asking_back_is_told_apart_from_a_dodge() -> None:
    ctx = _ctx("What kind of role are you after, engineering or commercial?")
    answered = "Engineering, for sure. How big are the turbines you use?"
    dodged = "How big are the turbines you use? Just curious."
    assert _answers_then_asks(answered, ctx) == 1.0
    assert _answers_then_asks(dodged, ctx) == 0.0
    assert _answers_then_asks(answered, _ctx("We build offshore wind farms.")) == 0.0


def test_a_question_made_of_the_partners_own_words_is_marked_for_the_model() -> None:
    ctx = _ctx("I'm in my third year at Zalando, on the sizing recommendations team.")
    hollow = "And which team are you on at Zalando?"
    fresh = "What made you pick Berlin over London?"
    assert _covered_question(hollow, ctx)
    assert not _covered_question(fresh, ctx)
    assert any(g.startswith("H|") for g in contextual_ngrams(hollow, ctx))
    assert not any(g.startswith("H|") for g in contextual_ngrams(fresh, ctx))


def test_a_turns_texts_embedded_together_equal_each_embedded_alone() -> None:
    texts = ["hello there", "we moved off Python to Go two years ago", "ok"]
    embed_one.cache_clear()
    together = embed_one.many(texts)
    alone = embed(texts[:1])[0], embed(texts[1:2])[0], embed(texts[2:])[0]
    for a, b in zip(together, alone, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert embed_one("hello there") is together[0]  # served from the cache
