"""End to end without a server: real sentences through the analyzer, the machine and the engine.

The user simulated here reacts to what the persona says: it answers a question the persona asked
before asking its own, as an attentive person would.
"""

from __future__ import annotations

import pytest

from app.dialogue.machine import finish
from app.dialogue.types import Outcome, Stage
from app.feedback.analyzer import analyze
from tests.dialogue.factories import PERSONA_IDS, Conversation, persona

# Questions that build on whatever the persona just said, as a good listener's do.
CURIOUS_QUESTIONS = [
    "How did you get started in this line of work?",
    "Tell me more about that.",
    "What was that like for you?",
    "So it sounds like that really mattered to you. Why is that?",
    "How did you feel about that?",
    "What happened next?",
    "Why do you think that is?",
    "Tell me more about that.",
    "What was the hardest part of that?",
    "How did that change things for you?",
    "What did you learn from that?",
    "What would you do differently now?",
]
ANSWER = "Honestly, I'm still figuring that out, but I like learning from people who've done it."
PITCHES = [
    "Hi, I'm a senior engineer with ten years of experience and I'm looking for my next role.",
    "Could you pass my resume to your hiring manager? I'd be a great fit.",
    "Our platform cuts operating costs by thirty percent, can I book you a demo?",
    "I've led teams at three startups and shipped products used by millions.",
    "Let me send you my portfolio, I think you'll be impressed.",
    "So can we set up a call next week to talk about what I can do for you?",
    "ok",
    "cool",
]


async def _run(conversation: Conversation, lines: list[str], *, answer_first: bool) -> None:
    for question in lines:
        if conversation.state.ended:
            return
        asked_me = "?" in conversation.history[-1].content
        text = f"{ANSWER} {question}" if answer_first and asked_me else question
        await conversation.say(text, analyze(text, tuple(conversation.history)))


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_an_attentive_user_reaches_discovery_and_a_warm_close(persona_id: str) -> None:
    conversation = Conversation(persona(persona_id))
    await _run(conversation, CURIOUS_QUESTIONS, answer_first=True)
    discovery = next(s.turn for s in conversation.states if s.stage is Stage.DISCOVERY)
    # Within six turns: the analyzer calls some of these answer-then-ask turns self-focus, and
    # which ones depends on the persona's wording, which varies by conversation now.
    assert discovery <= 6
    assert Stage.OPPORTUNITY in conversation.state.stages_reached
    # The persona does not cut a good conversation short at a fixed count (issue 15); when the
    # user says goodbye after twelve turns, it is a warm close.
    assert not conversation.state.ended
    assert finish(conversation.state).outcome is Outcome.WARM_CLOSE


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_a_user_who_only_pitches_cools_the_persona_and_loses_them(persona_id: str) -> None:
    conversation = Conversation(persona(persona_id))
    await _run(conversation, PITCHES, answer_first=False)
    assert Stage.COOLING in conversation.state.stages_reached
    assert conversation.state.outcome in {Outcome.WALKED_AWAY, Outcome.NEUTRAL_CLOSE}
    # Seven turns, not six: the learned analyzer lets two of these pitches pass as neutral
    # ("I've led teams at three startups...", "Let me send you my portfolio...") after the
    # persona's own question, which cools the persona a turn later (reported in issue 14).
    assert conversation.state.turn <= 7
    assert not conversation.state.unlocked_hooks
