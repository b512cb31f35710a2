"""The six seed conversations (listener and pitcher with the recruiter, the conference stranger
and the prospect) on the real model, to their end, with the judge off and on.

Turns alternate between REST and SSE; each persona has the judge on in one of its two
conversations. Asserted about the service, not the model's wit: every turn
answers within its deadline, no 503 while the server is up, no control token or speaker's label
reaches the learner, replies stay within the length bound, every call the service makes is
bounded and clean, no locked hook is in a prompt before the machine unlocks it, and the feedback
stays valid when the judge is slow, skipped or weak.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from app.config import Settings
from app.personas.registry import load_personas
from tests.llm_real.checks import (
    locked_hooks_in_prompts,
    reply_problems,
    request_problems,
    unlocked_by_line,
    valid_feedback,
)
from tests.llm_real.harness import ProxyState, deadline_seconds, service, take_turn

pytestmark = pytest.mark.llm_real

SCRIPTS = Path(__file__).resolve().parents[2] / "evals" / "scripts"
# Each persona meets a listener and a pitcher; one of its two conversations has the judge on.
SEEDS = [
    ("recruiter", "listener", "judge_on"),
    ("recruiter", "pitcher", "judge_off"),
    ("conference_stranger", "listener", "judge_off"),
    ("conference_stranger", "pitcher", "judge_on"),
    ("prospect", "listener", "judge_on"),
    ("prospect", "pitcher", "judge_off"),
]
JUDGE = {"judge_off": "local", "judge_on": "llm"}
# Over the turn deadline: the SSE turn's feedback and state events, the HTTP round trip.
SLACK = 3.0


@pytest.fixture(scope="module", params=list(JUDGE))
def judged(
    request: pytest.FixtureRequest, database_url: str, proxied: tuple[str, ProxyState]
) -> Iterator[tuple[str, str]]:
    """The service with the judge off, then on: one at a time, as one deployment would be."""
    with service(database_url, proxied[0], RAPPORT_FEEDBACK_JUDGE=JUDGE[request.param]) as url:
        yield request.param, url


@pytest.mark.parametrize(("persona_id", "kind", "mode"), SEEDS)
def test_seed_conversation_runs_to_its_end(
    judged: tuple[str, str],
    persona_id: str,
    kind: str,
    mode: str,
    proxy: ProxyState,
    database_url: str,
) -> None:
    if judged[0] != mode:
        pytest.skip(f"runs with the service {mode}")  # each seed runs once, in its mode
    url = judged[1]
    script = yaml.safe_load((SCRIPTS / persona_id / f"normal-{kind}.yaml").read_text())
    persona = load_personas(Settings().personas_dir).get(persona_id)
    phase = 0 if kind == "listener" else 1  # the first turn over REST, or over SSE
    deadline = deadline_seconds()
    mark = proxy.mark
    turns = []
    with httpx.Client(base_url=url, timeout=deadline + 30) as http:
        created = http.post(
            "/v1/conversations",
            json={"persona_id": persona_id, "difficulty": "normal", "seed": f"real-{kind}"},
        )
        assert created.status_code == 201, created.text
        cid = created.json()["id"]
        for i, line in enumerate(script["user"]):
            turn = take_turn(http, cid, line, streamed=(i + phase) % 2 == 1)
            turns.append(turn)
            how = "SSE" if turn.streamed else "REST"
            assert turn.status == 200, f"turn {i + 1} ({how}): {turn.status} {turn.code}"
            assert turn.seconds <= deadline + SLACK, f"turn {i + 1} ({how}): {turn.seconds:.1f} s"
            assert turn.reply is not None
            assert reply_problems(turn.reply, persona) == [], (i + 1, how, turn.reply)
            if turn.streamed:
                assert turn.deltas == turn.reply  # what was shown is what was stored
            assert valid_feedback(turn.feedback), turn.feedback
            assert turn.state is not None
            if turn.state["ended"]:
                break
        else:
            assert http.post(f"/v1/conversations/{cid}/end").status_code == 200
        stored = http.get(f"/v1/conversations/{cid}").json()
    roles = [m["role"] for m in stored["messages"]]
    assert roles == ["persona"] + ["user", "persona"] * len(turns)  # every turn answered
    assert [m["content"] for m in stored["messages"][2::2]] == [t.reply for t in turns]
    assert stored["state"]["ended"] is True

    records = proxy.since(mark)
    assert any(r.kind == "persona" for r in records)
    problems = [p for r in records for p in request_problems(r)]
    assert problems == []
    unlocked = unlocked_by_line(database_url, cid)
    if unlocked is not None:
        assert locked_hooks_in_prompts(records, persona, unlocked) == []
