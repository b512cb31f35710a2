import json
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from app.evals.cli import register
from app.evals.compare import CompareError, compare_files, render
from tests.evals.factories import make_run_json


def write_doc(path: Path, runs: list[dict[str, Any]]) -> Path:
    passed = sum(r["passed"] for r in runs)
    path.write_text(json.dumps({"runs": runs, "passed": passed, "failed": len(runs) - passed}))
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a = write_doc(
        tmp_path / "a.json",
        [
            make_run_json("recruiter-listener", mean=78.0),
            make_run_json("recruiter-pitcher", mean=20.0, outcome="walked_away"),
            make_run_json("prospect-old", mean=50.0),
        ],
    )
    b = write_doc(
        tmp_path / "b.json",
        [
            make_run_json(
                "recruiter-listener",
                passed=False,
                mean=61.5,
                outcome="neutral_close",
                failures=["expected outcome warm_close, got neutral_close at turn 8"],
            ),
            make_run_json("recruiter-pitcher", mean=20.0, outcome="walked_away"),
            make_run_json("prospect-new", mean=55.0),
        ],
    )
    return a, b


def test_compare_finds_flip_score_delta_and_outcome_change(pair: tuple[Path, Path]) -> None:
    changes = {c.script: c for c in compare_files(*pair)}
    listener = changes["recruiter-listener"]
    assert listener.regressed and listener.changed
    assert listener.score_delta == pytest.approx(-16.5)
    assert listener.before is not None and listener.after is not None
    assert (listener.before.outcome, listener.after.outcome) == ("warm_close", "neutral_close")


def test_unchanged_script_is_not_reported_as_changed(pair: tuple[Path, Path]) -> None:
    changes = {c.script: c for c in compare_files(*pair)}
    assert not changes["recruiter-pitcher"].changed
    assert changes["recruiter-pitcher"].score_delta == 0


def test_added_and_removed_scripts_are_listed(pair: tuple[Path, Path]) -> None:
    changes = {c.script: c for c in compare_files(*pair)}
    assert changes["prospect-old"].after is None and changes["prospect-old"].changed
    assert changes["prospect-new"].before is None and not changes["prospect-new"].regressed


def test_failed_script_that_passes_again_counts_as_fixed(pair: tuple[Path, Path]) -> None:
    a, b = pair
    fixed = {c.script: c for c in compare_files(b, a)}["recruiter-listener"]
    assert fixed.fixed and not fixed.regressed


def test_render_shows_only_changes_with_delta(pair: tuple[Path, Path]) -> None:
    console = Console(record=True, width=200)
    render(compare_files(*pair), console)
    text = console.export_text()
    assert "recruiter-listener" in text and "-16.5" in text and "neutral_close" in text
    assert "recruiter-pitcher" not in text
    assert "1 newly failing" in text


def test_non_results_file_is_rejected_with_its_name(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"personas": []}')
    with pytest.raises(CompareError, match="other.json"):
        compare_files(other, other)


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def version() -> None:  # a second command, as in the real `rapport` app
        print("0")

    register(app)
    return app


def test_cli_compare_exits_1_on_regression_and_0_otherwise(pair: tuple[Path, Path]) -> None:
    a, b = pair
    runner = CliRunner()
    regressed = runner.invoke(cli(), ["eval", "compare", str(a), str(b)])
    assert regressed.exit_code == 1, regressed.output
    assert "recruiter-listener" in regressed.output
    improved = runner.invoke(cli(), ["eval", "compare", str(b), str(a)])
    assert improved.exit_code == 0, improved.output
    assert "1 fixed" in improved.output


def test_cli_compare_needs_two_files(pair: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(cli(), ["eval", "compare", str(pair[0])])
    assert result.exit_code == 2
