"""The analyzer is pure: same input, same verdict; and its evidence is the user's own words."""

from __future__ import annotations

from app.feedback.analyzer import Analyzer, analyze
from tests.feedback.factories import partner

LINE = "We moved the whole data stack to BigQuery last year, and it was a rough migration."


def test_same_message_and_history_give_the_same_feedback() -> None:
    message = "That sounds rough. What made the migration so hard?"
    assert analyze(message, partner(LINE)) == Analyzer().analyze(message, partner(LINE))


def test_evidence_quotes_exact_substrings_of_the_message() -> None:
    message = "That sounds rough.   What made the migration so hard?"
    fb = analyze(message, partner(LINE))
    assert fb.evidence
    assert all(e.text in message for e in fb.evidence)


def test_empty_message_gets_neutral_feedback_without_moves() -> None:
    fb = analyze("   ", partner(LINE))
    assert fb.moves == [] and fb.evidence == []
    assert not fb.genuine_interest


def test_opening_line_without_history_is_analysed() -> None:
    fb = analyze("Hi, I'm Alex. What brings you to the conference?")
    assert fb.genuine_interest


def test_evidence_stays_exact_when_lower_casing_changes_the_text_length() -> None:
    message = "İstanbul was lovely. Congrats on the promotion!"  # "İ".lower() is two characters
    fb = analyze(message, partner("I just got promoted, and we celebrated in Istanbul."))
    assert any(e.text == "Congrats on the promotion" for e in fb.evidence)
