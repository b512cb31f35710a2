"""The `--html` report: one self-contained file a coach can open (no scripts, fonts or images
fetched from anywhere; the charts are inline SVG)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from app.evals.runner import EvalResults, RunResult
from app.feedback.types import NEGATIVE_MOVES, POSITIVE_MOVES, Move

TEMPLATE = "report.html.j2"
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# Chart geometry (SVG user units): plot area inside the margins.
WIDTH, HEIGHT = 1000, 210
LEFT, RIGHT, TOP, BOTTOM = 36, 14, 12, 26
SCORE_COLOUR, TRUST_COLOUR = "#2563eb", "#d97706"


@dataclass
class TurnView:
    """One user line with its feedback, the state it led to and the persona's answer."""

    number: int
    user: str
    feedback: dict[str, Any] | None
    state: dict[str, Any] | None
    reply: str | None = None


@dataclass
class RunView:
    run: RunResult
    anchor: str
    opening: str | None
    turns: list[TurnView] = field(default_factory=list)
    chart: Markup = Markup("")


def score_class(score: float | None) -> str:
    """Traffic-light bands a coach reads at a glance."""
    if score is None:
        return "none"
    return "good" if score >= 70 else ("fair" if score >= 40 else "poor")


def move_class(move: str) -> str:
    try:
        m = Move(move)
    except ValueError:
        return "neutral"
    return "pos" if m in POSITIVE_MOVES else ("neg" if m in NEGATIVE_MOVES else "neutral")


def turns_of(messages: list[dict[str, Any]]) -> tuple[str | None, list[TurnView]]:
    """Pair each user line with the persona line that answers it."""
    opening: str | None = None
    turns: list[TurnView] = []
    for m in messages:
        if m.get("role") == "user":
            turns.append(TurnView(len(turns) + 1, m["content"], m.get("feedback"), m.get("state")))
        elif turns:
            turns[-1].reply = m["content"]
        elif opening is None:
            opening = m["content"]
    return opening, turns


def _trust_series(run: RunResult, turns: list[TurnView]) -> list[tuple[int, float]]:
    """Trust per turn from the states, else from the report's curve (with or without turn 0)."""
    if turns and all(t.state for t in turns):
        start = (run.messages[0].get("state") or {}).get("trust") if run.messages else None
        series = [(t.number, float(t.state["trust"])) for t in turns]  # type: ignore[index]
        return ([(0, float(start))] if start is not None else []) + series
    curve = (run.report or {}).get("trust_curve") or []
    offset = 0 if len(curve) == len(turns) + 1 else 1
    return [(i + offset, float(v)) for i, v in enumerate(curve)]


def _x(turn: float, last: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (turn / max(last, 1))


def _y(value: float) -> float:
    """Value on a 0..100 scale to SVG y (0 at the bottom)."""
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 100)


def _axes(last: int) -> list[str]:
    parts = []
    for v in (0, 25, 50, 75, 100):
        y = _y(v)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{v}</text>'
        )
    step = max(1, round(last / 12))
    for t in range(0, last + 1, step):
        x = _x(t, last)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 10}" class="tick" text-anchor="middle">{t}</text>'
        )
    return parts


def _line(points: list[tuple[float, float]], colour: str, dashed: bool = False) -> str:
    if not points:
        return ""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    return f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.2"{dash}/>'


def _stage_marks(turns: list[TurnView], last: int) -> list[str]:
    """A faint line and the stage's name where the persona moved to a new stage."""
    marks, previous = [], "opening"
    for t in turns:
        stage = (t.state or {}).get("stage")
        if not stage or stage == previous:
            continue
        x, previous = _x(t.number, last), stage
        marks.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{_y(0):.1f}" class="stage"/>')
        # Near the right edge the name goes left of its line so that it is not cut off.
        anchor, tx = ("end", x - 4) if x > WIDTH - RIGHT - 90 else ("start", x + 4)
        marks.append(
            f'<text x="{tx:.1f}" y="{TOP + 10}" text-anchor="{anchor}" class="stage-name">'
            f"{escape(stage)}</text>"
        )
    return marks


def chart_svg(run: RunResult, turns: list[TurnView]) -> Markup:
    """Score (0..100, filled dot = genuine interest) and trust (0..1, shown as %) per turn."""
    scored = [(t.number, t.feedback) for t in turns if t.feedback]
    trust = _trust_series(run, turns)
    last = max([n for n, _ in scored] + [n for n, _ in trust] + [1])
    score_pts = [(_x(n, last), _y(float(f["score"]))) for n, f in scored]
    trust_pts = [(_x(n, last), _y(v * 100)) for n, v in trust]
    parts = _axes(last) + _stage_marks(turns, last)
    parts.append(_line(trust_pts, TRUST_COLOUR, dashed=True))
    parts.append(_line(score_pts, SCORE_COLOUR))
    for (x, y), (n, f) in zip(score_pts, scored, strict=True):
        fill = SCORE_COLOUR if f.get("genuine_interest") else "#fff"
        label = escape(f"turn {n}: score {f['score']}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{fill}" stroke="{SCORE_COLOUR}" '
            f'stroke-width="2"><title>{label}</title></circle>'
        )
    svg = (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" '
        f'aria-label="score and trust per turn">{"".join(parts)}</svg>'
    )
    return Markup(svg)


def build_view(run: RunResult, index: int) -> RunView:
    opening, turns = turns_of(run.messages)
    view = RunView(run=run, anchor=f"run-{index}", opening=opening, turns=turns)
    if turns:
        view.chart = chart_svg(run, turns)
    return view


@dataclass
class Matrix:
    """Scripts named `{persona}-{difficulty}-{kind}` laid out as persona rows and kind columns."""

    kinds: list[str]
    rows: list[tuple[str, str, dict[str, RunView]]]


def _kind(run: RunResult) -> str | None:
    prefix = f"{run.script.persona}-{run.difficulty or 'default'}-"
    name = run.script.name
    return name[len(prefix) :] if name.startswith(prefix) and len(name) > len(prefix) else None


def matrix(views: list[RunView]) -> Matrix | None:
    """The at-a-glance grid a coach reads first; None when the names do not follow the pattern."""
    cells: dict[tuple[str, str], dict[str, RunView]] = {}
    for view in views:
        kind = _kind(view.run)
        # Skipped runs have nothing to show at a glance; the summary table lists them.
        if kind is not None and view.run.status != "skipped":
            key = (view.run.script.persona, view.run.difficulty or "default")
            cells.setdefault(key, {})[kind] = view
    kinds = {k for row in cells.values() for k in row}
    if len(cells) < 2 or len(kinds) < 2:
        return None
    # Columns from the best-scoring kind of user to the worst: the gradient is the point.
    order = sorted(kinds, key=lambda k: -_average(cells, k))
    return Matrix(order, [(p, d, row) for (p, d), row in sorted(cells.items())])


def _average(cells: dict[tuple[str, str], dict[str, RunView]], kind: str) -> float:
    reports = [row[kind].run.report for row in cells.values() if kind in row]
    scores = [float(r["mean_score"]) for r in reports if r]
    return sum(scores) / len(scores) if scores else 0.0


def render_html(results: EvalResults, title: str = "Rapport evaluation report") -> str:
    views = [build_view(run, i) for i, run in enumerate(results.runs, start=1)]
    template = _ENV.get_template(TEMPLATE)
    return template.render(
        title=title,
        results=results,
        views=views,
        matrix=matrix(views),
        score_class=score_class,
        move_class=move_class,
        score_colour=SCORE_COLOUR,
        trust_colour=TRUST_COLOUR,
    )


def write_html(results: EvalResults, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(results), encoding="utf-8")
