"""`rapport score FILE --me NAME`: a real conversation's feedback and report in the terminal.

Errors name the file and the line as compilers do (`meeting.vtt:12: ...`), so an editor can
jump there. `--json` prints the object POST /v1/transcripts answers (without storing anything).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from app.errors import RapportError
from app.transcripts.errors import InvalidTranscript
from app.transcripts.parse import MAX_BYTES, Format, decode, parse
from app.transcripts.score import Scored, score

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def run(path: str, me: str, fmt: Format | None, outcome: str | None, as_json: bool) -> int:
    try:
        text = decode(_read(path))
        scored = score(parse(text, fmt or _by_extension(path)), me, outcome)
    except OSError as exc:
        err.print(f"[red]{path}: {exc.strerror or exc}[/red]")
        return 2
    except RapportError as exc:
        err.print(f"[red]{_where(path, exc)}{_detail(exc)}[/red]")
        return 2
    if as_json:
        print(json.dumps(scored.to_json(), indent=2, ensure_ascii=False))
    else:
        _show(scored)
    return 0


def _by_extension(path: str) -> Format | None:
    """A file named .vtt is read as WebVTT even if its header is missing (and the error then
    says so), rather than as text; other names are told from their first line."""
    suffix = Path(path).suffix.lower()
    found: dict[str, Format] = {".vtt": "vtt", ".srt": "srt", ".json": "json"}
    return found.get(suffix)


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read(MAX_BYTES + 1)
    with Path(path).open("rb") as handle:
        return handle.read(MAX_BYTES + 1)  # past the limit is refused, whatever the size


def _where(path: str, exc: RapportError) -> str:
    line = exc.line if isinstance(exc, InvalidTranscript) else None
    return f"{path}:{line}: " if line else f"{path}: "


def _detail(exc: RapportError) -> str:
    # The line is already in front, as path:line.
    if isinstance(exc, InvalidTranscript) and exc.line is not None:
        return exc.detail.removeprefix(f"line {exc.line}: ")
    return exc.detail


def _show(scored: Scored) -> None:
    report = scored.report
    others = ", ".join(s for s in scored.transcript.speakers if s != scored.learner)
    out.print(
        f"[bold]{scored.learner}[/bold] with {others}: {report.turns} turns "
        f"({scored.transcript.format})\n"
    )
    table = Table(show_lines=False, pad_edge=False)
    for column in ("turn", "line", "score", "you said", "moves"):
        table.add_column(column, justify="right" if column in ("turn", "line", "score") else "left")
    number = 0
    for line in scored.lines:
        if line.feedback is None:
            continue
        number += 1
        mark = "[green]✓[/green]" if line.feedback.genuine_interest else "[yellow]·[/yellow]"
        said = line.turn.text if len(line.turn.text) <= 70 else line.turn.text[:67] + "..."
        moves = ", ".join(m.value for m in line.feedback.moves) or "-"
        table.add_row(
            str(number), str(line.turn.line), f"{line.feedback.score} {mark}", said, moves
        )
    out.print(table)
    _summary(scored)


def _summary(scored: Scored) -> None:
    r = scored.report
    ratio = "-" if r.reflection_to_question_ratio is None else f"{r.reflection_to_question_ratio}"
    out.print(
        f"\ngenuine interest {round(r.genuine_interest_rate * 100)}% · mean score {r.mean_score} "
        f"· questions {r.questions} (follow-ups {r.follow_up_questions}) · reflections per "
        f"question {ratio} · talk share {round(r.talk_share * 100)}% · longest turn "
        f"{r.longest_monologue_words} words" + (f" · outcome {r.outcome}" if r.outcome else "")
    )
    for highlight in r.highlights:
        out.print(f'{highlight.kind} (turn {highlight.turn}): "{highlight.text}": {highlight.note}')
    for tip in r.tips:
        out.print(f"- {tip}")
