"""Scores order turns the way a coach would, and tips name what the partner said."""

from __future__ import annotations

from app.feedback.analyzer import analyze
from app.feedback.scoring import score
from app.feedback.types import Move
from tests.feedback.factories import partner

LINE = "I actually left teaching last year to move into recruiting. It was a hard call."


def test_scores_follow_the_coaches_ordering_of_moves() -> None:
    ordered = [
        [Move.FOLLOW_UP_QUESTION],
        [Move.NEW_TOPIC_QUESTION],
        [Move.ACKNOWLEDGEMENT],
        [Move.SELF_DISCLOSURE],
        [Move.MINIMAL],
        [Move.SELF_FOCUS],
        [Move.TOPIC_HIJACK],
        [Move.PITCH],
    ]
    scores = [score(moves) for moves in ordered]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == len(scores)


def test_reflection_scores_like_a_follow_up() -> None:
    assert score([Move.REFLECTION]) == score([Move.FOLLOW_UP_QUESTION])


def test_a_pitch_caps_the_score_however_warm_the_rest() -> None:
    warm_pitch = score([Move.FOLLOW_UP_QUESTION, Move.ACKNOWLEDGEMENT, Move.PITCH])
    assert warm_pitch < score([Move.TOPIC_HIJACK])


def test_analysed_turns_keep_the_ordering_end_to_end() -> None:
    follow_up = analyze("What made you leave teaching?", partner(LINE)).score
    minimal = analyze("ok", partner(LINE)).score
    pitch = analyze("Can you refer me for a job?", partner(LINE)).score
    assert follow_up > minimal > pitch


def test_tip_names_what_the_partner_did() -> None:
    tip = analyze("ok", partner(LINE)).tip
    assert "leave teaching" in tip


def test_tip_after_a_hijack_quotes_the_partners_question() -> None:
    tip = analyze("Do you sponsor visas?", partner("Hi! I'm Priya. What brings you over?")).tip
    assert "What brings you over?" in tip


def test_tip_is_one_sentence() -> None:
    tip = analyze("Cool.", partner(LINE)).tip
    assert tip.count(". ") == 0 and tip.endswith((".", "?", '"'))


def test_tip_picks_the_partners_turning_point_over_other_actions() -> None:
    line = "I taught chemistry for four years, then I left teaching to join a recruiting team."
    assert '"What made you leave teaching?"' in analyze("ok", partner(line)).tip


def test_tip_after_a_follow_up_names_what_it_picked_up() -> None:
    tip = analyze("What made you leave teaching?", partner(LINE)).tip
    # the partner's own clause the question built on, not a keyword
    assert tip.startswith('You picked up "I actually left teaching'), tip
