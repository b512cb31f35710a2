"""Evaluation scripts with a recall answer and a follow-up note, and their expectations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.evals.checks import Observed, check
from app.evals.scripts import ScriptError, parse_script

BASE: dict[str, Any] = {"name": "s", "persona": "recruiter", "user": ["Hi!"]}


def test_recall_and_note_expectations_need_the_answer_and_the_note():
    with pytest.raises(ScriptError, match="recall expectations need a `recall:`"):
        parse_script({**BASE, "expect": {"min_recall_score": 50}}, Path("s.yaml"))
    with pytest.raises(ScriptError, match="note expectations need a `note:`"):
        parse_script({**BASE, "expect": {"note_good": True}}, Path("s.yaml"))
    with pytest.raises(ScriptError, match="note_ask"):
        parse_script({**BASE, "note": "Thanks!", "expect": {"note_ask": "huge"}}, Path("s.yaml"))


def test_a_chained_script_gives_each_conversation_its_own_recall_and_note():
    script = parse_script(
        {
            "name": "s",
            "persona": "recruiter",
            "conversations": [
                {"user": ["Hi"], "recall": "She taught.", "expect": {"max_invented": 0}},
                {"user": ["Hi again"], "note": "Thanks!", "expect": {"note_length": "too_short"}},
            ],
        },
        Path("s.yaml"),
    )
    first, second = (script.for_meeting(m) for m in script.meetings())
    assert first.recall == "She taught." and first.note is None
    assert second.note == "Thanks!" and second.recall is None


def observed(recall: dict[str, Any], note: dict[str, Any]) -> Observed:
    return Observed({"recall": recall, "follow_up_note": note}, {"trust": 0.5})


def test_the_checks_read_the_recall_and_the_note_from_the_report():
    script = parse_script(
        {
            **BASE,
            "recall": "She taught chemistry for six years.",
            "note": "Thanks!",
            "expect": {
                "min_recall_score": 50,
                "max_misremembered": 0,
                "note_good": True,
                "note_ask": ["none", "fine"],
            },
        },
        Path("s.yaml"),
    )
    recall = {
        "score": 0,
        "summary": "You recalled 0 of the 3 things Priya told you.",
        "recalled": [],
        "misremembered": [{"claim": "She taught chemistry for six years", "detail": "x"}],
        "invented": [],
    }
    note = {"good": False, "ask": {"value": "too_big", "comment": "Not earned."}}
    failures = check(script.expect, observed(recall, note))
    assert failures == [
        "recall score 0 is below the expected minimum 50: You recalled 0 of the 3 things Priya "
        "told you.",
        'expected at most 0 details misremembered, got 1 ("She taught chemistry for six years")',
        "expected the note's good to be true, got false",
        "expected the note's ask to be none or fine, got too_big: Not earned.",
    ]
