"""Progress charts as inline SVG, drawn on the server with pygal: no script, no CDN, no fonts
fetched. pygal links its tooltip script from a CDN by default (`js=[]` leaves it out) and always
writes an inline config script for it; `_svg` drops that too, so the page needs no script at
all and its Content-Security-Policy can forbid them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree

import pygal
from pygal.style import Style

from app.progress.trends import MEASURES, Measure, Point

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
INK, GRID, ACCENT, TARGET = "#1f2933", "#e4e7eb", "#2563eb", "#16a34a"
OUTCOME_COLOURS = {
    "warm_close": "#16a34a",
    "neutral_close": "#d97706",
    "walked_away": "#dc2626",
    None: "#cbd2d9",
}
OUTCOME_LABELS = {
    "warm_close": "Warm close",
    "neutral_close": "Neutral close",
    "walked_away": "Walked away",
    None: "Not recorded",
}


def _style(*colours: str) -> Style:
    return Style(
        background="white",
        plot_background="white",
        foreground=INK,
        foreground_strong=INK,
        foreground_subtle=GRID,
        font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        title_font_family=FONT,
        legend_font_family=FONT,
        title_font_size=15,
        label_font_size=11,
        major_label_font_size=11,
        legend_font_size=11,
        colors=colours,
        opacity="1",
        opacity_hover="1",
        transition="none",
    )


def _base(title: str, points: Sequence[Point], style: Style, **config: object) -> dict[str, object]:
    return {
        "title": title,
        "style": style,
        "js": [],  # no tooltip script from a CDN
        "disable_xml_declaration": True,
        "width": 520,
        "height": 300,
        "explicit_size": False,  # scales with the page (viewBox only)
        "show_legend": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,
        "legend_box_size": 10,
        "x_label_rotation": 0,
        "show_minor_x_labels": len(points) <= 12,
        "x_labels_major_count": 6,
        "margin": 12,
        "dots_size": 3.5,
        **config,
    }


def _svg(chart: Any) -> str:
    """The chart as an SVG element for inline use, without pygal's scripts."""
    root = chart.render_tree()
    for parent in root.iter():
        for child in [c for c in parent if _local(c.tag) == "script"]:
            parent.remove(child)
    return ElementTree.tostring(root, encoding="unicode")


def _local(tag: object) -> str:
    # comments' tag is a function, not a name
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def labels(points: Sequence[Point]) -> list[str]:
    return [f"{n} · {p.date.strftime('%-d %b')}" for n, p in enumerate(points, start=1)]


def measure_chart(points: Sequence[Point], measure: Measure) -> str:
    """One measure across conversations, with its target as a dashed line."""
    scale = 100 if measure.percent else 1
    values = [p.values()[measure.key] for p in points]
    shown = [None if v is None else round(v * scale, 1) for v in values]
    top = 100 if measure.percent else max(2.5, *(v for v in shown if v is not None), 0)
    chart = pygal.Line(
        **_base(
            measure.label,
            points,
            _style(ACCENT, TARGET),
            range=(0, top),
            allow_interruptions=True,  # a conversation without a question has no ratio
            value_formatter=(lambda v: f"{v:.0f}%") if measure.percent else (lambda v: f"{v:.2f}"),
        )
    )
    chart.x_labels = labels(points)
    chart.add("You", shown, stroke_style={"width": 2.5})
    target = measure.target * scale
    better = "at least" if measure.better == "up" else "at most"
    chart.add(
        f"Target: {better} {target:g}{'%' if measure.percent else ''}",
        [target] * len(points),
        show_dots=False,
        stroke_style={"width": 1.5, "dasharray": "6, 4"},
    )
    return _svg(chart)


def outcome_chart(points: Sequence[Point]) -> str:
    """How each conversation ended: one bar per conversation, coloured by its outcome."""
    kinds = [k for k in OUTCOME_COLOURS if any(p.report.outcome == k for p in points)]
    chart = pygal.StackedBar(
        **_base(
            "How each conversation ended",
            points,
            _style(*(OUTCOME_COLOURS[k] for k in kinds)),
            range=(0, 1),
            show_y_labels=False,
            show_y_guides=False,
            spacing=6,
            legend_at_bottom_columns=len(kinds) or 1,
        )
    )
    chart.x_labels = labels(points)
    for kind in kinds:
        chart.add(OUTCOME_LABELS[kind], [1 if p.report.outcome == kind else None for p in points])
    return _svg(chart)


def learner_charts(points: Sequence[Point]) -> list[tuple[str, str]]:
    """(title, svg) for every measure the page shows, then the outcomes."""
    shown = [m for m in MEASURES if m.key != "mean_score"]
    return [(m.label, measure_chart(points, m)) for m in shown] + [
        ("How each conversation ended", outcome_chart(points))
    ]


def sparkline(values: Sequence[float | None]) -> str:
    """A learner's genuine-interest rate across conversations, small, for the coach view."""
    chart = pygal.Line(
        style=_style(ACCENT),
        js=[],
        disable_xml_declaration=True,
        range=(0, 100),
        allow_interruptions=True,
        # what pygal's render_sparkline sets, here so that the tree can be cleaned like the rest
        width=160,
        height=36,
        show_dots=False,
        show_legend=False,
        show_x_labels=False,
        show_y_labels=False,
        spacing=0,
        margin=4,
        explicit_size=True,
        no_data_text="",
        classes=(Ellipsis, "pygal-sparkline"),
    )
    chart.add(
        "", [None if v is None else round(v * 100) for v in values], stroke_style={"width": 2}
    )
    return _svg(chart)
