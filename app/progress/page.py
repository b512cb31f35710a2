"""The progress pages a coach opens in a browser: one learner's, and the coach view of all of
them. Jinja2 with autoescaping; the charts are inline SVG from app/progress/charts.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.progress.charts import learner_charts, sparkline
from app.progress.trends import MEASURES, MOVE_MEASURES, Point

STATUS_WORDS = {
    "improving": "Improving",
    "steady": "Steady",
    "slipping": "Slipping",
    "too_few": "Too few to tell",
}
OUTCOME_WORDS = {
    "warm_close": "Warm close",
    "neutral_close": "Neutral close",
    "walked_away": "Walked away",
    None: "—",
}


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%-d %b %Y, %H:%M")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def _row(point: Point) -> dict[str, Any]:
    values = point.values()
    ratio = values["reflection_ratio"]
    return {
        "date": point.date.strftime("%-d %b %Y"),
        "persona": point.persona,
        "turns": point.report.turns,
        "genuine_interest_rate": _pct(values["genuine_interest_rate"]),
        "follow_up_share": _pct(values["follow_up_share"]),
        "reflection_ratio": "—" if ratio is None else f"{ratio:.2f}",
        "talk_share": _pct(values["talk_share"]),
        "outcome": OUTCOME_WORDS.get(point.report.outcome, point.report.outcome),
    }


def _with_targets(trend: dict[str, Any]) -> dict[str, Any]:
    """The 'not improved' entries with their target in words, for the page."""
    by_key = {m.key: m for m in (*MEASURES, *MOVE_MEASURES)}
    entries = []
    for change in trend["not_improved"]:
        m = by_key[change["measure"]]
        bound = "at least" if m.better == "up" else "at most"
        value = f"{round(m.target * 100)}%" if m.percent else f"{m.target:g}"
        entries.append({**change, "target_text": f"{bound} {value}"})
    return {**trend, "not_improved": entries}


def learner_page(
    user_ref: str,
    points: Sequence[Point],
    trend: dict[str, Any],
    *,
    back: str | None = None,
    expires: datetime | None = None,
) -> str:
    charts = [(title, Markup(svg)) for title, svg in learner_charts(points)] if points else []
    return (
        _templates()
        .get_template("learner.html.j2")
        .render(
            user_ref=user_ref,
            points=points,
            rows=[_row(p) for p in points],
            trend=_with_targets(trend),
            charts=charts,
            status_words=STATUS_WORDS,
            back=back,
            generated=_when(datetime.now(UTC)),
            expires=_when(expires) if expires else None,
        )
    )


def coach_page(
    learners: Sequence[dict[str, Any]],
    total: int,
    href: Callable[[str], str],
    *,
    expires: datetime | None = None,
) -> str:
    rows = [
        {
            "user_ref": learner["user_ref"],
            "href": href(learner["user_ref"]),
            "conversations": learner["conversations"],
            "last": datetime.fromisoformat(learner["last_at"]).strftime("%-d %b %Y"),
            "status": learner["status"],
            "sparkline": Markup(sparkline(learner["genuine_interest_rates"])),
            "next_practice": (learner["next_practice"] or {}).get("text", ""),
        }
        for learner in learners
    ]
    return (
        _templates()
        .get_template("coach.html.j2")
        .render(
            learners=rows,
            total=total,
            status_words=STATUS_WORDS,
            generated=_when(datetime.now(UTC)),
            expires=_when(expires) if expires else None,
        )
    )
