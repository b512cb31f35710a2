"""Evaluation scripts that score a real conversation's transcript instead of holding one."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from app.config import ROOT, Settings
from app.evals.runner import run_eval
from app.evals.scripts import ScriptError, load_script

MEETING = ROOT / "evals" / "data" / "transcripts" / "coffee-chat-marisol.vtt"


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "real.yaml"
    path.write_text(f"name: real\ntranscript: {MEETING}\n{body}")
    return path


def test_a_transcript_script_is_scored_and_checked_on_the_report(tmp_path: Path):
    good = load_script(script(tmp_path, "me: Alex\nexpect:\n  min_genuine_interest_rate: 0.5\n"))
    hopeful = tmp_path / "hopeful.yaml"
    hopeful.write_text(
        f"name: real-too-hopeful\ntranscript: {MEETING}\nme: Alex\n"
        "expect:\n  min_genuine_interest_rate: 0.95\n  max_talk_share: 0.2\n"
    )
    bad = load_script(hopeful)
    results = asyncio.run(run_eval([good, bad], Settings(engine="scripted"), concurrency=2))
    by_name = {run.script.name: run for run in results.runs}
    assert by_name["real"].passed and by_name["real"].report["turns"] == 15
    assert by_name["real"].script.persona == "imported"
    failures = by_name["real-too-hopeful"].failures
    assert len(failures) == 2
    below = r"genuine-interest rate \d+% is below the expected minimum 95%"
    assert re.fullmatch(below, failures[0])


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("expect:\n  min_turns: 3\n", "needs `me`"),
        ("me: Alex\npersona: recruiter\n", "no persona"),
        ("me: Alex\nexpect:\n  reaches_stage: discovery\n", "cannot show reaches_stage"),
        ("me: Alex\nuser: ['hi']\n", "give exactly one of"),
        ("me: Alex\nrecall: She runs data at Lumen.\n", "no persona to recall"),
    ],
)
def test_a_transcript_script_that_asks_what_a_real_conversation_cannot_show_is_refused(
    tmp_path: Path, body: str, words: str
):
    with pytest.raises(ScriptError, match=words):
        load_script(script(tmp_path, body))


def test_an_unreadable_transcript_is_a_failed_run_naming_the_file(tmp_path: Path):
    path = tmp_path / "real.yaml"
    path.write_text("name: real-missing\ntranscript: nowhere.vtt\nme: Alex\n")
    results = asyncio.run(run_eval([load_script(path)], Settings(engine="scripted")))
    assert "nowhere.vtt" in results.runs[0].failures[0]
