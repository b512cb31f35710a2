"""First pins on the analyzer's public surface; the hard cases live in test_hard_cases.py."""

from app.feedback.analyzer import analyze
from app.feedback.types import Move, Utterance


def test_follow_up_on_partner_line_is_genuine_interest() -> None:
    history = [Utterance("persona", "I actually left teaching last year to move into recruiting.")]
    fb = analyze("What made you leave teaching?", history)
    assert fb.genuine_interest
    assert Move.FOLLOW_UP_QUESTION in fb.moves


def test_tip_names_what_the_partner_said() -> None:
    history = [Utterance("persona", "I actually left teaching last year to move into recruiting.")]
    fb = analyze("ok", history)
    assert "leave teaching" in fb.tip
