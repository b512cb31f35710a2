"""Score the follow-up note coach on a labelled set it was not trained on.

Usage: python tools/eval_notes.py [FILES...]   (default: evals/data/notes/blind/*.jsonl)

Prints, per label, accuracy and the confusion of gold -> predicted, accuracy on `good` (and
its precision and recall, `good` as the positive class), how many notes, and the speed. It
reads the notes and their labels and nothing else: the coach sees each note with its context
only, exactly as the API would.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.followup.coach import coach_note  # noqa: E402
from app.followup.model import LABELS, MODEL_PATH  # noqa: E402
from tools.notes_data import NOTES, LabelledNote, read, target  # noqa: E402


def predicted(feedback: dict[str, object], label: str) -> str:
    value = feedback[label]["value"]  # type: ignore[index]
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or sorted((NOTES / "blind").glob("*.jsonl"))
    if not files:
        raise SystemExit("no labelled notes to score")
    notes: list[LabelledNote] = read(files)
    started = time.perf_counter()
    results = [coach_note(n.note, n.context) for n in notes]
    seconds = time.perf_counter() - started
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    model = hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()[:12] if MODEL_PATH.exists() else "-"
    print(f"{len(notes)} notes from {', '.join(p.name for p in files)}")
    print(f"commit {commit}, model {model}, decided by {results[0]['decided_by']}")
    for label in LABELS:
        gold = [target(n, label) for n in notes]
        got = [predicted(r, label) for r in results]
        right = sum(g == p for g, p in zip(gold, got, strict=True))
        print(f"{label:9} accuracy {right / len(notes):.3f}")
        errors = Counter((g, p) for g, p in zip(gold, got, strict=True) if g != p)
        for (g, p), count in errors.most_common(4):
            print(f"            {g} -> {p}: {count}")
    gold_good = [n.good for n in notes]
    got_good = [bool(r["good"]) for r in results]
    pairs = list(zip(gold_good, got_good, strict=True))
    accuracy = sum(g == p for g, p in pairs) / len(pairs)
    tp = sum(g and p for g, p in pairs)
    precision = tp / max(1, sum(got_good))
    recall = tp / max(1, sum(gold_good))
    print(f"good      accuracy {accuracy:.3f} (precision {precision:.3f}, recall {recall:.3f}; "
          f"{sum(gold_good)} good of {len(notes)})")  # fmt: skip
    print(f"speed     {1000 * seconds / len(notes):.1f} ms a note")


if __name__ == "__main__":
    main()
