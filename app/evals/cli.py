"""`rapport eval`: run evaluation scripts, compare two runs (`compare A B`), list stored runs.

All forms live in one typer command because typer cannot mix a variadic argument with
sub-commands: a first argument `compare` or `list` (that is not a file or directory of that
name) switches to comparing two `--json` documents or listing the stored runs.
"""

from __future__ import annotations

import asyncio
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from app.config import Settings
from app.evals.compare import CompareError, RunSummary, compare, load_results, render, summaries
from app.evals.runner import (
    TURN_RETRIES,
    EvalResults,
    RunResult,
    TurnRetry,
    run_eval,
    store_results,
)
from app.evals.scripts import Script, ScriptError, load_scripts

HELP = "\n\n".join(
    (
        "Run evaluation scripts (YAML files or directories of them) through the API.",
        "Every `expect` key is checked; the exit status is 1 when any expectation fails. By "
        "default the whole service runs in this process on a fresh temporary database; "
        "--url/--key run the scripts against a running server instead. Runs of a directory are "
        "stored in the eval_runs table of RAPPORT_DATABASE_URL (--store/--no-store overrides).",
        "`rapport eval compare A B` shows what changed between two runs, each a --json file or "
        "the id of a stored run (exit 1 when a script that passed in A fails in B). "
        "`rapport eval list` lists the stored runs, newest first.",
    )
)

console = Console()
err_console = Console(stderr=True)


class EngineChoice(StrEnum):
    scripted = "scripted"
    llm = "llm"


def register(app: typer.Typer) -> None:
    """Add `rapport eval` (and its `compare` form) to the main `rapport` app."""
    app.command("eval", help=HELP, no_args_is_help=True)(eval_command)


def eval_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Script files or directories; or: compare A.json B.json; or: list (stored runs)"
        ),
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON.")
    ] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write an HTML report.")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Conversations at once.")] = 4,
    url: Annotated[str | None, typer.Option(help="Base URL of a running server.")] = None,
    key: Annotated[
        str | None, typer.Option(envvar="RAPPORT_EVAL_KEY", help="API key for --url.")
    ] = None,
    engine: Annotated[
        EngineChoice | None, typer.Option(help="Persona engine (in process); default from env.")
    ] = None,
    store: Annotated[
        bool | None,
        typer.Option("--store/--no-store", help="Keep the run in eval_runs (default: for dirs)."),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="compare: list unchanged scripts too.")
    ] = False,
    turn_retries: Annotated[
        int,
        typer.Option(
            min=0,
            max=10,
            help="A turn answered 503 is finished with POST .../retry up to this many times, "
            "waiting 2, 4, 8... s (or the server's Retry-After) in between.",
        ),
    ] = TURN_RETRIES,
) -> None:
    if paths[0] == "compare" and not Path("compare").exists():
        raise typer.Exit(_compare(paths[1:], show_all))
    if paths == ["list"] and not Path("list").exists():
        raise typer.Exit(_list_runs(Settings().database_url))
    if url and engine:
        raise typer.BadParameter("--engine applies to in-process runs; the server picks its own")
    settings = Settings(engine=engine.value) if engine else Settings()
    results = _run(_load(paths), settings, url, key, concurrency, TurnRetry(times=turn_retries))
    _write_outputs(results, json_out, html_out)
    if _should_store(store, paths):
        run_id = asyncio.run(store_results(results, settings.database_url))
        console.print(f"[dim]stored as eval run {run_id}[/]")
    raise typer.Exit(1 if results.failed else 0)


def _run(
    scripts: list[Script],
    settings: Settings,
    url: str | None,
    key: str | None,
    concurrency: int,
    turn_retry: TurnRetry,
) -> EvalResults:
    if not url and _no_model(settings):
        err_console.print(
            "--engine llm needs a model: set RAPPORT_LLM_BASE_URL (and RAPPORT_LLM_API_KEY "
            "if the server wants one), e.g. the fake: python -m app.llm.fake"
        )
        raise typer.Exit(2)
    results = asyncio.run(_run_with_progress(scripts, settings, url, key, concurrency, turn_retry))
    _print_summary(results)
    return results


def _no_model(settings: Settings) -> bool:
    # Without either, the OpenAI client would quietly try api.openai.com with a dummy key.
    llm = settings.resolved_engine == "llm"
    return llm and not (settings.llm_base_url or settings.llm_api_key)


def _list_runs(database_url: str, limit: int = 20) -> int:
    from app.evals.runner import recent_runs

    runs = asyncio.run(recent_runs(database_url, limit))
    table = Table(title=f"stored eval runs (newest {limit})")
    for column in ("id", "when (UTC)", "engine", "scripts", "passed", "failed"):
        table.add_column(column, no_wrap=column in {"id", "when (UTC)"})
    for run in runs:
        table.add_row(
            run.id[:8],
            run.created_at.strftime("%Y-%m-%d %H:%M"),
            run.engine,
            str(run.scripts),
            str(run.passed),
            str(run.failed),
        )
    console.print(table if runs else "[dim]no stored eval runs[/]")
    return 0


def _should_store(store: bool | None, paths: list[str]) -> bool:
    # A whole directory is a suite run worth keeping; single scripts are usually authoring loops.
    return store if store is not None else any(Path(p).is_dir() for p in paths)


def _load(paths: list[str]) -> list[Script]:
    try:
        return load_scripts(Path(p) for p in paths)
    except ScriptError as err:
        err_console.print(f"[red]{err}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _compare(paths: list[str], show_all: bool) -> int:
    if len(paths) != 2:
        err_console.print("usage: rapport eval compare A.json|RUN_ID B.json|RUN_ID")
        return 2
    try:
        before, after = (_results(p) for p in paths)
    except CompareError as err:
        err_console.print(f"[red]{err}[/]", highlight=False, soft_wrap=True)
        return 2
    changes = compare(before, after)
    render(changes, console, show_all=show_all)
    return 1 if any(c.regressed for c in changes) else 0


def _results(source: str) -> dict[str, RunSummary]:
    """A --json file, or a stored run named by (a prefix of) its id from `rapport eval list`."""
    if Path(source).exists() or source.endswith(".json"):
        return load_results(Path(source))
    from app.evals.runner import stored_run

    doc = asyncio.run(stored_run(Settings().database_url, source))
    if doc is None:
        raise CompareError(f"{source}: no such file, and no stored eval run with that id")
    return summaries(doc, f"eval run {source}")


async def _run_with_progress(
    scripts: list[Script],
    settings: Settings,
    url: str | None,
    key: str | None,
    concurrency: int,
    turn_retry: TurnRetry,
) -> EvalResults:
    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("running scripts", total=len(scripts))

        def done(result: RunResult) -> None:
            mark = {"passed": "[green]✓[/]", "failed": "[red]✗[/]", "skipped": "[yellow]–[/]"}
            progress.console.print(f"{mark[result.status]} {result.script.name}", highlight=False)
            progress.advance(task)

        return await run_eval(
            scripts,
            settings,
            url=url,
            key=key,
            concurrency=concurrency,
            on_result=done,
            turn_retry=turn_retry,
        )


def _cell(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


STATUS_STYLE = {"passed": "green", "failed": "bold red", "skipped": "yellow"}
WIDE = 120  # below this, persona and difficulty columns go (the script names carry them)


def _summary_table(results: EvalResults, wide: bool) -> Table:
    table = Table(
        title=f"rapport eval ({results.engine} engine)",
        caption="mean: mean feedback score; GI: genuine-interest rate",
    )
    table.add_column("script", no_wrap=True)
    if wide:
        table.add_column("persona")
        table.add_column("difficulty")
    table.add_column("outcome", no_wrap=True)
    for column in ("mean", "GI", "turns"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("result", no_wrap=True, min_width=7)
    for run in results.runs:
        report, state = run.report or {}, run.state or {}
        where = [run.script.persona, run.difficulty or "default"] if wide else []
        table.add_row(
            run.script.name,
            *where,
            state.get("outcome") or "—",
            _cell(report.get("mean_score"), ".1f"),
            _cell(report.get("genuine_interest_rate"), ".0%"),
            str(report.get("turns", "—")),
            f"[{STATUS_STYLE[run.status]}]{run.status}[/]",
        )
    return table


def _print_summary(results: EvalResults) -> None:
    console.print(_summary_table(results, wide=console.width >= WIDE))
    for run in results.runs:
        for reason in run.failures:
            console.print(f"[red]✗ {run.script.name}:[/] {reason}", highlight=False)
        if run.skipped:
            console.print(f"[yellow]– {run.script.name}:[/] {run.skipped}", highlight=False)
    console.print(
        f"[green]{results.passed} passed[/], [red]{results.failed} failed[/], "
        f"[yellow]{results.skipped} skipped[/]"
    )


def _write_outputs(results: EvalResults, json_out: Path | None, html_out: Path | None) -> None:
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(results.to_json(), indent=2, ensure_ascii=False) + "\n")
        console.print(f"[dim]wrote {json_out}[/]")
    if html_out:
        from app.evals.report_html import write_html

        write_html(results, html_out)
        console.print(f"[dim]wrote {html_out}[/]")
