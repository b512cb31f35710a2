"""Evaluation scripts that score a real conversation instead of holding one:

```yaml
name: coffee-chat-marisol
transcript: ../data/transcripts/coffee-chat-marisol.vtt   # relative to this script
me: Alex                                                  # the learner's name in it
expect:
  min_genuine_interest_rate: 0.6
  first_pitch_turn: null
```

The file goes through POST /v1/transcripts (not stored), in process or against `--url`, and
`expect` is checked on the report. Only what a report of a real conversation can show may be
expected: no persona took part, so nothing about its trust, stages, hooks or memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.evals.runner import Api, RunResult
    from app.evals.scripts import Script

IMPORTED = "imported"  # a transcript script's persona, as a stored transcript's persona_id
REPORT_KEYS = frozenset(
    {
        "min_mean_score",
        "max_mean_score",
        "min_genuine_interest_rate",
        "max_genuine_interest_rate",
        "first_pitch_turn",
        "min_first_pitch_turn",
        "min_turns",
        "max_turns",
        "max_talk_share",
        "min_follow_up_questions",
    }
)


def refused_keys(expect_keys: list[str]) -> list[str]:
    return [key for key in expect_keys if key not in REPORT_KEYS]


def transcript_path(script: Script) -> Path:
    assert script.transcript is not None
    base = script.path.parent if script.path is not None else Path.cwd()
    return base / script.transcript


async def run_transcript(api: Api, script: Script, result: RunResult) -> None:
    from app.evals.checks import Observed, check  # checks imports scripts, which imports this

    path = transcript_path(script)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        result.failures.append(f"cannot read the transcript {path}: {err}")
        return
    scored: dict[str, Any] = await api.call(
        "POST", "/v1/transcripts", {"transcript": text, "me": script.me}
    )
    learner_turns = sum(1 for m in scored["messages"] if m["role"] == "user")
    state = {
        "stage": "ended",
        "trust": 0.0,  # not measured: no persona took part
        "turn": learner_turns,
        "ended": True,
        "outcome": None,
        "hooks_unlocked": 0,
    }
    result.report, result.state, result.messages = scored["report"], state, scored["messages"]
    result.failures.extend(
        check(script.expect, Observed(scored["report"], state, scored["messages"]))
    )
