"""A partner worth practising with twice: its lines go round across conversations instead of
coming back word for word, and stock agreement answers a reflection, not a bare question."""

from __future__ import annotations

import pytest

from app.dialogue.recency import RecentLines
from app.dialogue.scripted import ScriptedEngine, content_words, sentences
from app.feedback.types import Feedback, Move
from tests.dialogue.factories import LISTENER, PERSONA_IDS, Conversation, feedback, persona

LINES = [
    "How did you get started in this line of work?",
    "Tell me more about that.",
    "So it sounds like that shaped how you work today. What was that like?",
    "What does a typical day look like for you?",
    "That sounds intense. How do you handle the hard days?",
    "What do you do outside work to switch off?",
    "What's the biggest challenge you're facing right now?",
    "That makes sense. What would help most?",
]


async def _talk(persona_id: str, seed: str, recent: RecentLines | None) -> list[str]:
    talk = Conversation(persona(persona_id), seed=seed, recent=recent)
    for line, verdict in zip(LINES, LISTENER, strict=False):
        if talk.state.ended:
            break
        await talk.say(line, verdict)
    return talk.persona_lines()


def _repeated(conversations: list[list[str]]) -> int:
    """Sentences said word for word in an earlier conversation."""
    earlier: set[str] = set()
    count = 0
    for lines in conversations:
        said = [s for line in lines for s in sentences(line)]
        count += sum(1 for s in said if s in earlier)
        earlier.update(said)
    return count


def test_recent_lines_remember_the_latest_use_and_forget_the_oldest() -> None:
    recent = RecentLines(capacity=3)
    recent.record("p", ["a", "b"])
    recent.record("p", ["c"])
    assert recent.last_said("p", ["a"]) == 1 and recent.last_said("p", ["c"]) == 2
    assert recent.last_said("p", ["a", "c"]) == 2  # a line is as recent as its newest sentence
    assert recent.last_said("someone_else", ["a"]) == 0  # each persona has its own
    recent.record("p", ["d"])
    assert recent.last_said("p", ["a"]) == 0 and len(recent) == 3  # the oldest is forgotten


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_every_opening_is_said_once_before_any_comes_back(persona_id: str) -> None:
    who, engine, recent = persona(persona_id), ScriptedEngine(), RecentLines()
    said = [
        engine.opening(who, "normal", f"learner-{n}", recent=recent)
        for n in range(len(who.openings))
    ]
    assert sorted(said) == sorted(who.openings)


def test_a_seed_alone_gives_the_same_opening_whatever_was_said_elsewhere() -> None:
    who, engine, recent = persona(), ScriptedEngine(), RecentLines()
    alone = engine.opening(who, "normal", "script-7")
    for n in range(5):
        engine.opening(who, "normal", f"other-{n}", recent=recent)
    assert engine.opening(who, "normal", "script-7") == alone


async def test_the_same_seed_and_the_same_record_give_the_same_replies() -> None:
    first, second = RecentLines(), RecentLines()
    for recent in (first, second):
        await _talk("recruiter", "earlier", recent)
    assert await _talk("recruiter", "now", first) == await _talk("recruiter", "now", second)


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_conversations_sharing_the_record_repeat_far_less(persona_id: str) -> None:
    seeds = [f"learner-{n}" for n in range(5)]
    alone = [await _talk(persona_id, seed, None) for seed in seeds]
    recent = RecentLines()
    shared = [await _talk(persona_id, seed, recent) for seed in seeds]
    assert _repeated(shared) < _repeated(alone) / 2
    assert len({lines[0] for lines in shared}) == len(seeds)  # five learners, five openings


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_a_question_back_is_asked_once_in_whichever_wording(persona_id: str) -> None:
    said = "\n".join(await _talk(persona_id, "questions", None) * 1)
    for question in persona(persona_id).questions:
        asked = [w for w in question.wordings if w in said]
        assert len(asked) <= 1, asked


# --- stock agreement --------------------------------------------------------------------------

REFLECTION: Feedback = feedback(85, Move.REFLECTION)


async def _after_an_answer(persona_id: str = "recruiter") -> Conversation:
    talk = Conversation(persona(persona_id), seed="reflections")
    await talk.say("How did you end up in recruiting?", feedback(80, Move.NEW_TOPIC_QUESTION))
    return talk


async def test_no_yes_exactly_to_a_bare_question_the_analyzer_called_a_reflection() -> None:
    talk = await _after_an_answer()
    reply = await talk.say("What are the interview rounds like?", REFLECTION)
    assert not any(line in reply for line in talk.who.reactions.reflection), reply


async def test_no_yes_exactly_to_a_thank_you() -> None:
    talk = await _after_an_answer()
    reply = await talk.say("Thank you, I'd really like that.", REFLECTION)
    assert not any(line in reply for line in talk.who.reactions.reflection), reply


async def test_a_reflection_of_what_was_said_gets_the_agreement() -> None:
    talk = await _after_an_answer()
    first, second = sorted(content_words(talk.persona_lines()[-1]), key=len)[-2:]
    reply = await talk.say(f"So it was {first} and {second}, in the end.", REFLECTION)
    assert any(reply.startswith(line) for line in talk.who.reactions.reflection), reply


async def test_a_summary_of_something_never_said_gets_no_agreement() -> None:
    talk = await _after_an_answer()
    reply = await talk.say("So the stories landed better than the slides.", REFLECTION)
    assert not any(line in reply for line in talk.who.reactions.reflection), reply
