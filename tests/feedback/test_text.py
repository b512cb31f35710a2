"""Sentence splitting for the feedback: the fast punctuation split keeps abbreviations whole."""

from __future__ import annotations

from app.feedback.text import split_light


def test_split_light_keeps_a_m_inside_its_sentence() -> None:
    # Live (session 23): a tip quoted Marisol's "One paused retry queue that nobody mentioned at
    # a 2 a.m" as if her sentence ended at "a.m.".
    line = "One paused retry queue nobody mentioned at a 2 a.m. handover. The dashboards were fine."
    assert split_light(line) == (
        "One paused retry queue nobody mentioned at a 2 a.m. handover.",
        "The dashboards were fine.",
    )
    assert split_light("ok. so what? Dr. Ng said hi.") == ("ok.", "so what?", "Dr. Ng said hi.")
