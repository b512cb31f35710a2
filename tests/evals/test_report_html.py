import re
from pathlib import Path

from app.evals.report_html import chart_svg, render_html, score_class, turns_of
from app.evals.runner import EvalResults, RunResult
from app.evals.scripts import Script
from tests.evals.factories import make_messages, make_report, make_state


def run(name: str, scores: list[int], **kwargs: object) -> RunResult:
    lines = [f"Line {i} from {name} <b>" for i in range(len(scores))]
    script = Script(name=name, persona="recruiter", difficulty="normal", user=lines)
    return RunResult(
        script=script,
        passed=kwargs.get("passed", True),  # type: ignore[arg-type]
        failures=kwargs.get("failures", []),  # type: ignore[arg-type]
        report=make_report(turns=len(scores)),
        state=make_state(),
        messages=make_messages(lines, scores),
        difficulty="normal",
    )


def results() -> EvalResults:
    return EvalResults(
        engine="scripted",
        runs=[
            run("recruiter-listener", [80, 75, 90]),
            run(
                "recruiter-pitcher",
                [10, 20],
                passed=False,
                failures=["expected outcome walked_away, got neutral_close at turn 2"],
            ),
        ],
    )


def test_html_is_self_contained() -> None:
    html = render_html(results())
    assert not re.search(r"<(link|img|iframe)\b", html)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html


def test_html_has_summary_row_per_run_and_the_failures() -> None:
    html = render_html(results())
    assert html.count('href="#run-') == 2
    assert "expected outcome walked_away, got neutral_close at turn 2" in html
    assert html.count("<svg") == 2


def test_user_text_is_escaped() -> None:
    html = render_html(results())
    assert "&lt;b&gt;" in html and "from recruiter-listener <b>" not in html


def test_chart_plots_one_dot_per_scored_turn_and_both_lines() -> None:
    r = run("x", [80, 10, 60, 40])
    _, turns = turns_of(r.messages)
    svg = str(chart_svg(r, turns))
    assert svg.count("<circle") == 4
    assert svg.count("<polyline") == 2


def test_turns_pair_each_user_line_with_the_reply() -> None:
    opening, turns = turns_of(make_messages(["a", "b"]))
    assert opening == "Hi there!"
    assert [(t.number, t.user, t.reply) for t in turns] == [
        (1, "a", "Reply 1."),
        (2, "b", "Reply 2."),
    ]


def test_score_bands() -> None:
    assert [score_class(s) for s in (85, 70, 69, 40, 39, None)] == [
        "good",
        "good",
        "fair",
        "fair",
        "poor",
        "none",
    ]


def test_write_html_creates_the_file(tmp_path: Path) -> None:
    from app.evals.report_html import write_html

    out = tmp_path / "nested" / "report.html"
    write_html(results(), out)
    assert out.read_text().startswith("<!doctype html>")


def named(name: str, persona: str, difficulty: str, mean: float) -> RunResult:
    script = Script(name=name, persona=persona, difficulty=difficulty, user=["Hi"])
    return RunResult(
        script=script,
        passed=True,
        report=make_report(mean_score=mean),
        state=make_state(),
        messages=make_messages(["Hi"]),
        difficulty=difficulty,
    )


def test_matrix_lays_out_personas_by_kind_best_kind_first() -> None:
    from app.evals.report_html import build_view, matrix

    runs = [
        named("a-normal-pitcher", "a", "normal", 10),
        named("a-normal-listener", "a", "normal", 90),
        named("b-hard-pitcher", "b", "hard", 20),
        named("b-hard-listener", "b", "hard", 70),
    ]
    grid = matrix([build_view(r, i) for i, r in enumerate(runs)])
    assert grid is not None
    assert grid.kinds == ["listener", "pitcher"]
    assert [(p, d, sorted(row)) for p, d, row in grid.rows] == [
        ("a", "normal", ["listener", "pitcher"]),
        ("b", "hard", ["listener", "pitcher"]),
    ]


def test_no_matrix_when_names_do_not_follow_the_pattern() -> None:
    from app.evals.report_html import build_view, matrix

    runs = [named("first", "a", "normal", 10), named("second", "b", "hard", 90)]
    assert matrix([build_view(r, i) for i, r in enumerate(runs)]) is None
    assert "At a glance" not in render_html(EvalResults(engine="scripted", runs=runs))


def test_chart_marks_each_stage_change_once() -> None:
    r = run("x", [80, 80, 80])
    for message, stage in zip(
        [m for m in r.messages if m["role"] == "user"],
        ["opening", "rapport", "rapport"],
        strict=True,
    ):
        message["state"]["stage"] = stage
    _, turns = turns_of(r.messages)
    svg = str(chart_svg(r, turns))
    assert svg.count('class="stage-name"') == 1 and ">rapport</text>" in svg
