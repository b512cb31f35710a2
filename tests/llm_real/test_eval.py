"""`rapport eval` on the LLM engine, against the real model: a simulated script (the learner's
lines written by the model as well) runs through to its end. Whether the expectations
hold is the model's wit, not the service's; that every turn was answered is the service's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.llm_real.harness import SERVICE_ENV, ProxyState

pytestmark = pytest.mark.llm_real

ROOT = Path(__file__).resolve().parents[2]
# A simulated script: the learner's lines come from the model too (the user simulator).
SCRIPTS = ["evals/scripts/simulated/recruiter-normal-simulated-pitcher.yaml"]
SERVICE_ERRORS = (
    "refused the run",
    "could not reach",
    "simulated user failed",
    "503",
    "llm_unavailable",
)


def test_rapport_eval_runs_scripts_through_on_the_llm_engine(
    proxied: tuple[str, ProxyState], tmp_path: Path
) -> None:
    out = tmp_path / "eval.json"
    env = {
        **os.environ,
        **SERVICE_ENV,
        "RAPPORT_LLM_BASE_URL": f"{proxied[0]}/v1",
        "RAPPORT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'eval.db'}",
    }
    command = [sys.executable, "-m", "app.cli", "eval", *SCRIPTS, "--engine", "llm",
               "--json", str(out), "--no-store", "--concurrency", "1"]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)

    assert run.returncode in {0, 1}, run.stdout[-2000:] + run.stderr[-2000:]  # 1: an expectation
    results = json.loads(out.read_text())
    assert results["engine"] == "llm" and len(results["runs"]) == len(SCRIPTS)
    for result in results["runs"]:
        failures = " | ".join(result["failures"])
        assert not any(e in failures for e in SERVICE_ERRORS), (result["script"], failures)
        messages = result["messages"]
        roles = [m["role"] for m in messages]
        assert roles[0] == "persona" and roles.count("user") >= 2, result["script"]
        assert roles == ["persona"] + ["user", "persona"] * roles.count("user"), result["script"]
        assert all(m["content"].strip() for m in messages)
