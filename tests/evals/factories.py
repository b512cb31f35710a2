"""Small factories for eval results, shaped like the API's report, state and messages."""

from __future__ import annotations

from typing import Any


def make_report(**overrides: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "turns": 8,
        "genuine_interest_rate": 0.75,
        "mean_score": 72.5,
        "questions": 6,
        "follow_up_questions": 4,
        "talk_share": 0.38,
        "longest_monologue_words": 31,
        "first_pitch_turn": None,
        "trust_curve": [0.3, 0.38, 0.45, 0.52, 0.58, 0.63, 0.68, 0.72, 0.75],
        "stages_reached": ["opening", "rapport", "discovery", "opportunity", "closing"],
        "outcome": "warm_close",
        "highlights": ["How did you end up in recruiting?"],
        "tips": ["Keep asking follow-ups."],
    }
    return {**report, **overrides}


def make_state(**overrides: Any) -> dict[str, Any]:
    state = {"stage": "ended", "trust": 0.75, "turn": 8, "ended": True, "outcome": "warm_close"}
    return {**state, **overrides}


def make_messages(user_lines: list[str], scores: list[int] | None = None) -> list[dict[str, Any]]:
    scores = scores or [70] * len(user_lines)
    messages: list[dict[str, Any]] = [{"index": 0, "role": "persona", "content": "Hi there!"}]
    for i, (line, score) in enumerate(zip(user_lines, scores, strict=True)):
        feedback = {
            "genuine_interest": score >= 60,
            "score": score,
            "moves": ["follow_up_question"] if score >= 60 else ["pitch"],
            "evidence": [],
            "tip": "Ask about what she just said.",
        }
        state = {
            "stage": "rapport",
            "trust": 0.3 + 0.05 * i,
            "turn": i + 1,
            "ended": False,
            "outcome": None,
        }
        messages.append(
            {
                "index": len(messages),
                "role": "user",
                "content": line,
                "feedback": feedback,
                "state": state,
            }
        )
        messages.append({"index": len(messages), "role": "persona", "content": f"Reply {i + 1}."})
    return messages


def make_run_json(
    script: str,
    *,
    passed: bool = True,
    mean: float = 70.0,
    outcome: str = "warm_close",
    failures: list[str] | None = None,
    skipped: str | None = None,
) -> dict[str, Any]:
    """One entry of the `--json` document's `runs` list."""
    return {
        "script": script,
        "persona_id": script.split("-")[0],
        "difficulty": "normal",
        "passed": passed,
        "skipped": skipped,
        "failures": failures or [],
        "report": make_report(mean_score=mean, outcome=outcome),
        "state": make_state(outcome=outcome),
        "messages": make_messages(["Hi"]),
    }
