"""Property: whatever a user types, the analyzer answers with a valid, quotable verdict."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.feedback.analyzer import analyze
from app.feedback.types import Utterance

# Letters and marks from many scripts, emoji, right-to-left text and the punctuation that
# drives sentence splitting and question detection.
CHARS = st.characters(whitelist_categories=["L", "M", "N", "P", "S", "Z"])
ALPHABET = CHARS | st.sampled_from(list("?!.…,'’\n\t -İß🙂"))
FRAGMENTS = st.sampled_from(
    [
        "👩🏽‍💻",
        "مرحبا، كيف حالك؟",
        "שלום!",
        "What made you leave?",
        "So it sounds like ",
        "Dr. ",
        "...",
    ]
)
MESSAGES = (
    st.lists(st.one_of(st.text(ALPHABET, max_size=80), FRAGMENTS), min_size=1, max_size=40)
    .map(lambda parts: "".join(parts)[:2000])
    .filter(lambda text: bool(text))
)
HISTORIES = st.lists(
    st.builds(Utterance, st.sampled_from(["persona", "user"]), st.text(ALPHABET, max_size=300)),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(message=MESSAGES, history=HISTORIES)
def test_any_message_gets_valid_feedback_quoting_its_own_words(
    message: str, history: list[Utterance]
) -> None:
    fb = analyze(message, history)
    assert 0 <= fb.score <= 100
    assert fb.tip.strip()
    assert len({e.move for e in fb.evidence}) == len(fb.evidence)
    for evidence in fb.evidence:
        assert evidence.text and evidence.text in message
        assert evidence.move in fb.moves
