"""`rapport eval` end to end through typer: exit codes, --json, --html, --store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from app.db import Database
from app.evals.cli import register
from app.evals.runner import recent_runs
from app.models import EvalRun

LISTENER = """
name: cli-listener
persona: recruiter
difficulty: normal
user:
  - "Hi Priya, I'm Alex. How did you end up in recruiting?"
  - "A chemistry teacher! What pulled you out of the classroom?"
expect:
  first_pitch_turn: null
  max_turns: 2
"""
IMPOSSIBLE = """
name: cli-impossible
persona: recruiter
user:
  - "Fine."
expect:
  outcome: warm_close
"""
SIMULATED = """
name: cli-simulated
persona: recruiter
simulate:
  persona: curious listener
  turns: 4
"""


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    monkeypatch.setenv("RAPPORT_ENGINE", "scripted")
    monkeypatch.delenv("RAPPORT_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("RAPPORT_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("RAPPORT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    application = typer.Typer()

    @application.command()
    def version() -> None:  # the real `rapport` app has many commands; eval must not be the only
        print("0")

    register(application)
    return application


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text)
    return path


def test_passing_script_exits_0_and_writes_json_and_html(app: typer.Typer, tmp_path: Path) -> None:
    script = write(tmp_path / "s", "listener.yaml", LISTENER)
    out_json, out_html = tmp_path / "out.json", tmp_path / "out.html"
    result = CliRunner().invoke(
        app, ["eval", str(script), "--json", str(out_json), "--html", str(out_html)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out_json.read_text())
    assert (doc["passed"], doc["failed"]) == (1, 0)
    assert doc["runs"][0]["script"] == "cli-listener"
    assert len([m for m in doc["runs"][0]["messages"] if m["role"] == "user"]) == 2
    assert "cli-listener" in out_html.read_text()


def test_failed_expectation_exits_1_and_says_why(app: typer.Typer, tmp_path: Path) -> None:
    script = write(tmp_path / "s", "impossible.yaml", IMPOSSIBLE)
    result = CliRunner().invoke(app, ["eval", str(script), "--no-store"])
    assert result.exit_code == 1
    assert "expected outcome warm_close, got" in result.output


def test_simulated_script_is_skipped_on_the_scripted_engine(
    app: typer.Typer, tmp_path: Path
) -> None:
    script = write(tmp_path / "s", "sim.yaml", SIMULATED)
    result = CliRunner().invoke(app, ["eval", str(script)])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "needs the LLM engine" in result.output


def test_invalid_script_exits_2_naming_the_file(app: typer.Typer, tmp_path: Path) -> None:
    script = write(tmp_path / "s", "bad.yaml", LISTENER.replace("max_turns", "max_turn"))
    result = CliRunner().invoke(app, ["eval", str(script)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "max_turn" in result.output


def test_directory_run_is_stored_in_eval_runs(app: typer.Typer, tmp_path: Path) -> None:
    directory = tmp_path / "suite"
    write(directory, "listener.yaml", LISTENER)
    write(directory, "impossible.yaml", IMPOSSIBLE)
    result = CliRunner().invoke(app, ["eval", str(directory)])
    assert result.exit_code == 1
    assert "stored as eval run" in result.output

    async def stored() -> list[EvalRun]:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        try:
            async with db.transaction() as session:
                return list((await session.execute(select(EvalRun))).scalars())
        finally:
            await db.dispose()

    [run] = asyncio.run(stored())
    assert (run.scripts, run.passed, run.failed, run.engine) == (2, 1, 1, "scripted")
    assert {r["script"] for r in run.results["runs"]} == {"cli-listener", "cli-impossible"}
    listed = CliRunner().invoke(app, ["eval", "list"])
    assert listed.exit_code == 0 and run.id[:8] in listed.output


def test_llm_engine_without_a_model_exits_2_with_a_hint(app: typer.Typer, tmp_path: Path) -> None:
    script = write(tmp_path / "s", "listener.yaml", LISTENER)
    result = CliRunner().invoke(app, ["eval", str(script), "--engine", "llm"])
    assert result.exit_code == 2
    assert "RAPPORT_LLM_BASE_URL" in result.output


def test_compare_accepts_a_stored_run_id(app: typer.Typer, tmp_path: Path) -> None:
    directory = tmp_path / "suite"
    write(directory, "listener.yaml", LISTENER)
    out = tmp_path / "again.json"
    runner = CliRunner()
    assert runner.invoke(app, ["eval", str(directory)]).exit_code == 0
    assert (
        runner.invoke(app, ["eval", str(directory), "--no-store", "--json", str(out)]).exit_code
        == 0
    )
    [stored] = asyncio.run(recent_runs(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"))
    result = runner.invoke(app, ["eval", "compare", stored.id[:8], str(out), "--all"])
    assert result.exit_code == 0, result.output
    assert "cli-listener" in result.output


def test_compare_with_an_unknown_run_id_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    out.write_text(json.dumps({"runs": [], "passed": 0, "failed": 0}))
    result = CliRunner().invoke(app, ["eval", "compare", "deadbeef", str(out)])
    assert result.exit_code == 2 and "no stored eval run" in result.output
