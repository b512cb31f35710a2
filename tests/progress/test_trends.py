"""Trends from reports: what improved, what did not, and the next thing to practise."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.feedback.report import Report
from app.progress.charts import learner_charts, sparkline
from app.progress.trends import Point, trend


def point(n: int, interest: float, follow_ups: int, questions: int, talk: float, **moves: float):
    report = Report(
        turns=10,
        genuine_interest_rate=interest,
        mean_score=40 + 50 * interest,
        questions=questions,
        follow_up_questions=follow_ups,
        reflections=1,
        reflection_to_question_ratio=round(1 / questions, 2) if questions else None,
        talk_share=talk,
        longest_monologue_words=20,
        first_pitch_turn=None,
        trust_curve=[],
        stages_reached=[],
        outcome="warm_close" if interest > 0.5 else "walked_away",
        highlights=[],
        tips=[],
    )
    shares = {"pitch": 0.0, "minimal": 0.0} | moves
    keys = ("follow_up_question", "reflection", "acknowledgement", "pitch", "self_focus")
    keys += ("topic_hijack", "minimal", "dismissive")
    return Point(
        conversation_id=str(n),
        date=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=n),
        persona_id="recruiter",
        persona="Priya Raman, recruiter",
        source="practice",
        ended=True,
        report=report,
        moves={k: shares.get(k, 0.0) for k in keys},
    )


def test_a_learner_who_stopped_pitching_and_asked_follow_ups_is_improving():
    points = [
        point(1, 0.2, 0, 4, 0.7, pitch=0.5),
        point(2, 0.3, 1, 4, 0.65, pitch=0.4),
        point(3, 0.3, 1, 5, 0.6, pitch=0.3),
        point(4, 0.6, 3, 5, 0.5, pitch=0.1),
        point(5, 0.8, 4, 5, 0.4),
        point(6, 0.9, 5, 6, 0.35),
    ]
    found = trend(points)
    assert found["status"] == "improving" and found["compared"] == 3
    improved = {c["measure"] for c in found["improved"]}
    assert {"genuine_interest_rate", "follow_up_share", "talk_share", "pitch"} <= improved
    # reflections per question stayed low: not improved, and the next thing to practise
    assert "reflection_ratio" in {c["measure"] for c in found["not_improved"]}
    assert found["next_practice"]["measure"] == "reflection_ratio"
    assert "your last 3 conversations" in found["next_practice"]["text"]


def test_a_learner_who_slipped_is_slipping_and_told_the_first_thing_that_costs_most():
    points = [point(1, 0.9, 4, 5, 0.4), point(2, 0.8, 4, 5, 0.4), point(3, 0.2, 0, 3, 0.8)]
    points.append(point(4, 0.1, 0, 2, 0.8, minimal=0.7))
    found = trend(points)
    assert found["status"] == "slipping"
    assert found["next_practice"]["measure"] == "minimal"
    slipped = {c["measure"] for c in found["not_improved"] if c["verdict"] == "slipped"}
    assert "genuine_interest_rate" in slipped


def test_one_conversation_is_too_few_for_a_trend():
    found = trend([point(1, 0.5, 1, 2, 0.5)])
    assert found["status"] == "too_few" and found["improved"] == []
    assert found["next_practice"] is not None


def test_the_charts_are_svg_without_scripts_and_one_per_measure_and_the_outcomes():
    charts = learner_charts([point(n, 0.1 * n, n, 6, 0.5) for n in range(1, 6)])
    assert [title for title, _ in charts][-1] == "How each conversation ended"
    assert len(charts) == 5
    for _, svg in charts:
        assert svg.startswith("<svg") and "<script" not in svg
        assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", svg)
    assert "<script" not in sparkline([0.1, None, 0.5])
