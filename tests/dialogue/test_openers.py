"""A persona answers questions about what its own opening line mentions.

Session 27: an independent writer (w56) asked one curious question about a detail of each of the
170 openings, and 43 got "No idea. Why do you ask?" ("What happened with the pallet in aisle
six?" right after Denise said a pallet was down in aisle six). The personas now carry lines for
their openings' details; these cases are worded afresh, not taken from the writers' sets."""

from __future__ import annotations

import pytest

from app.feedback.analyzer import analyze
from app.feedback.types import Utterance
from tests.dialogue.factories import Conversation, persona


@pytest.mark.parametrize(
    ("persona_id", "opening", "question", "expected"),
    [
        (
            "prospect",
            "pallet down in aisle six",
            "Oh no, what happened with the pallet?",
            "tomatoes",
        ),
        (
            "recruiter",
            "free socks",
            "the socks ran out already? what were they like?",
            "stethoscopes",
        ),
        ("recruiter", "free socks", "What were the socks like?", "stethoscopes"),
        pytest.param(
            "investor",
            "one bad sandwich",
            "One bad sandwich, ha. What was wrong with it?",
            "Egg salad",
            marks=pytest.mark.xfail(strict=True, reason="known miss: 'it' read as her company"),
        ),
        ("investor", "one bad sandwich", "A bad sandwich? From the buffet here?", "Egg salad"),
        (
            "hiring_manager",
            "untangling this cable",
            "What's the story with that cable?",
            "adapters",
        ),
        ("alumni_mentor", "table by the window", "Does the light really help you think?", "window"),
        ("group_conversation", "by the snacks", "What's good on the snack table?", "pretzels"),
        (
            "conference_stranger",
            "espresso machine",
            "So who's winning, you or the machine?",
            "barista",
        ),
    ],
)
async def test_a_question_about_the_opening_s_detail_is_answered(
    persona_id: str, opening: str, question: str, expected: str
) -> None:
    who = persona(persona_id)
    conversation = Conversation(who, seed="opening-detail")
    line = next(o for o in who.openings if opening in o)
    conversation.history[0] = Utterance("persona", line)
    answer = await conversation.say(question, analyze(question, conversation.history))
    assert expected.lower() in answer.lower(), (line, answer)
    assert not any(stock.split("{")[0][:25] in answer for stock in who.reactions.no_match)
