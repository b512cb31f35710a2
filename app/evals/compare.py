"""What changed between two `rapport eval --json` documents (before A, after B), per script."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

SCORE_NOISE = 0.05  # mean-score moves smaller than this are rounding, not change


class CompareError(Exception):
    """A file is not an eval results document; the message names the file."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    status: str  # passed | failed | skipped
    mean_score: float | None
    genuine_interest_rate: float | None
    outcome: str | None
    failures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScriptChange:
    script: str
    before: RunSummary | None  # None: the script is new in B
    after: RunSummary | None  # None: the script was dropped from B

    @property
    def score_delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        if self.before.mean_score is None or self.after.mean_score is None:
            return None
        return self.after.mean_score - self.before.mean_score

    @property
    def regressed(self) -> bool:
        """Failing in B while it passed (or did not exist) in A."""
        was = self.before.status if self.before else None
        return self.after is not None and self.after.status == "failed" and was != "failed"

    @property
    def fixed(self) -> bool:
        return (
            self.before is not None
            and self.before.status == "failed"
            and (self.after is None or self.after.status == "passed")
        )

    @property
    def changed(self) -> bool:
        if self.before is None or self.after is None:
            return True
        delta = self.score_delta
        return (
            self.before.status != self.after.status
            or self.before.outcome != self.after.outcome
            or (delta is not None and abs(delta) >= SCORE_NOISE)
            or self.before.failures != self.after.failures
        )


def _summary(run: dict[str, Any]) -> RunSummary:
    report = run.get("report") or {}
    status = "skipped" if run.get("skipped") else ("passed" if run.get("passed") else "failed")
    return RunSummary(
        status=status,
        mean_score=report.get("mean_score"),
        genuine_interest_rate=report.get("genuine_interest_rate"),
        outcome=(run.get("state") or {}).get("outcome") or report.get("outcome"),
        failures=tuple(run.get("failures") or ()),
    )


def summaries(doc: Any, source: str) -> dict[str, RunSummary]:
    """Per-script summaries of an eval results document (a --json file or a stored run)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise CompareError(f"{source}: not a `rapport eval --json` document (no `runs` list)")
    return {run["script"]: _summary(run) for run in doc["runs"]}


def load_results(path: Path) -> dict[str, RunSummary]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise CompareError(f"{path}: cannot read: {err.strerror}") from None
    except ValueError as err:
        raise CompareError(f"{path}: not JSON: {err}") from None
    return summaries(doc, str(path))


def compare(before: dict[str, RunSummary], after: dict[str, RunSummary]) -> list[ScriptChange]:
    """Every script of either side, in A's order then B's new ones."""
    names = list(before) + [n for n in after if n not in before]
    return [ScriptChange(n, before.get(n), after.get(n)) for n in names]


def compare_files(a: Path, b: Path) -> list[ScriptChange]:
    return compare(load_results(a), load_results(b))


_STATUS_STYLE = {"passed": "green", "failed": "bold red", "skipped": "yellow"}


def _status(run: RunSummary | None) -> str:
    if run is None:
        return "[dim]—[/]"
    return f"[{_STATUS_STYLE[run.status]}]{run.status}[/]"


def _score(change: ScriptChange) -> str:
    before = change.before.mean_score if change.before else None
    after = change.after.mean_score if change.after else None
    delta = change.score_delta
    text = f"{_num(before)} → {_num(after)}"
    if delta is None or abs(delta) < SCORE_NOISE:
        return text
    colour = "green" if delta > 0 else "red"
    return f"{text} [{colour}]({delta:+.1f})[/]"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _outcome(change: ScriptChange) -> str:
    before = change.before.outcome if change.before else None
    after = change.after.outcome if change.after else None
    if before == after:
        return before or "—"
    return f"{before or '—'} → [bold]{after or '—'}[/]"


def render(changes: list[ScriptChange], console: Console, show_all: bool = False) -> None:
    shown = [c for c in changes if show_all or c.changed]
    table = Table(title="rapport eval compare", show_lines=False)
    table.add_column("script", no_wrap=True)
    for column in ("before", "after", "mean score", "outcome", "new failures"):
        table.add_column(column)
    for c in shown:
        old = set(c.before.failures) if c.before else set()
        new = [f for f in (c.after.failures if c.after else ()) if f not in old]
        table.add_row(
            c.script, _status(c.before), _status(c.after), _score(c), _outcome(c), "\n".join(new)
        )
    if shown:
        console.print(table)
    regressed, fixed = sum(c.regressed for c in changes), sum(c.fixed for c in changes)
    changed = sum(c.changed for c in changes)
    console.print(
        f"{len(changes)} scripts, {changed} changed, "
        f"[red]{regressed} newly failing[/], [green]{fixed} fixed[/]"
    )
