"""Labelled follow-up notes (evals/data/notes/): reading them, and their features. Shared by
tools/train_notes.py and tools/eval_notes.py; imported by nothing in app/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.followup.coach import Labels
from app.followup.notes import NoteContext, evidence, features

REPO = Path(__file__).resolve().parents[1]
NOTES = REPO / "evals" / "data" / "notes"
LABEL_VALUES = {
    "thanks": ("fine", "grovelling", "missing"),
    "ask": ("none", "fine", "unclear", "too_many", "too_big"),
    "length": ("fine", "too_long", "too_short"),
}


@dataclass(frozen=True)
class LabelledNote:
    id: str
    note: str
    context: NoteContext
    labels: Labels
    good: bool
    source: str  # the file it came from


def context_of(row: dict[str, Any]) -> NoteContext:
    return NoteContext(
        revealed=tuple(row["revealed"]),
        offered=row.get("offered"),
        ended=row["ended"],
        channel=row["channel"],
        partner=row.get("partner", ""),
    )


def read(paths: list[Path]) -> list[LabelledNote]:
    notes = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                labels = Labels(bool(row["specific"]), row["thanks"], row["ask"], row["length"])
            except (json.JSONDecodeError, KeyError) as err:
                raise SystemExit(f"{path}:{number}: not a labelled note ({err})") from None
            for name, allowed in LABEL_VALUES.items():
                if getattr(labels, name) not in allowed:
                    raise SystemExit(f"{path}:{number}: {name}={getattr(labels, name)!r}")
            notes.append(
                LabelledNote(
                    row["id"], row["note"], context_of(row), labels, bool(row["good"]), path.name
                )  # fmt: skip
            )
    return notes


def feature_rows(notes: list[LabelledNote]) -> list[list[float]]:
    return [features(evidence(n.note, n.context), n.context) for n in notes]


def target(note: LabelledNote, label: str) -> str:
    value = getattr(note.labels, label)
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
