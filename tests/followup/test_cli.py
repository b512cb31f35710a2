"""`rapport chat` asks the recall check and the note after the scorecard; `rapport note`."""

from __future__ import annotations

import json

from tests.test_cli import Run

LISTENER = [
    "Hi Priya, I'm Alex. How did you end up in recruiting?",
    "A chemistry teacher! What made you decide to leave teaching?",
    "/end",
]


def test_chat_asks_what_you_learned_and_coaches_the_note_after_the_scorecard(in_process: Run):
    after = [
        "She taught high-school chemistry before she went into recruiting.",
        "",
        "Hi Priya, thanks for the chat at the fair.",
        "I keep thinking about your years teaching chemistry.",
        "",
    ]
    done = in_process("chat", stdin="\n".join(LISTENER + after) + "\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.index("Scorecard") < out.index("What did you learn about Priya?")
    assert "Recall check" in out and "/100" in out
    assert "Follow-up note" in out and "specific:" in out and "try:" in out


def test_chat_skips_the_recall_check_and_the_note_on_an_empty_answer(in_process: Run):
    done = in_process("chat", stdin="\n".join([*LISTENER, "", ""]) + "\n")
    assert done.returncode == 0, done.stderr
    assert "What did you learn about Priya?" in done.stdout
    assert "Recall check" not in done.stdout and "Follow-up note" not in done.stdout


def test_note_prints_the_feedback_as_json(in_process: Run):
    done = in_process(
        "note",
        "Thanks!",
        "--revealed",
        "she runs the red team at a regional bank",
        "--ended",
        "warm",
        "--channel",
        "linkedin",
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["good"] is False and body["length"]["value"] == "too_short"
    assert "red team" in body["rewrite"]["write"]


def test_note_names_the_option_it_refuses(in_process: Run):
    done = in_process("note", "Thanks!", "--revealed", "she skis", "--ended", "frosty")
    assert done.returncode == 2 and "ended" in done.stderr
