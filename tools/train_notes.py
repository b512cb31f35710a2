"""Train the follow-up note labeller and say how well it does out of fold.

Usage: python tools/train_notes.py [--cv-only] [FILES...]
(default: every evals/data/notes/incoming/*.jsonl; the blind set is never read here)

Prints 5-fold cross-validated accuracy per label and on `good` for the rules alone and for the
learned model, then fits on everything and writes app/followup/model/notes.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.followup.coach import Labels, decide_by_rules  # noqa: E402
from app.followup.model import LABELS, MODEL_PATH  # noqa: E402
from app.followup.notes import FEATURES, evidence  # noqa: E402
from tools.notes_data import NOTES, LabelledNote, feature_rows, read, target  # noqa: E402

SEED = 19
C = 0.5


def fit(x: np.ndarray, y: list[str]) -> tuple[LogisticRegression, np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=SEED)
    model.fit((x - mean) / scale, y)
    return model, mean, scale


def predict(model: LogisticRegression, mean: np.ndarray, scale: np.ndarray, x: np.ndarray):
    return model.predict((x - mean) / scale)


def labels_from(predicted: dict[str, str]) -> Labels:
    return Labels(predicted["specific"] == "true", predicted["thanks"], predicted["ask"],
                  predicted["length"])  # fmt: skip


def cross_validate(notes: list[LabelledNote], x: np.ndarray) -> dict[str, list[Labels]]:
    out: dict[str, list[Labels | None]] = {"model": [None] * len(notes)}
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train, test in folds.split(x, [n.good for n in notes]):
        per_label = {}
        for label in LABELS:
            y = [target(notes[i], label) for i in train]
            if len(set(y)) == 1:
                per_label[label] = [y[0]] * len(test)
                continue
            model, mean, scale = fit(x[train], y)
            per_label[label] = list(predict(model, mean, scale, x[test]))
        for j, i in enumerate(test):
            out["model"][i] = labels_from({k: v[j] for k, v in per_label.items()})
    out["rules"] = [decide_by_rules(evidence(n.note, n.context), n.context) for n in notes]
    return out  # type: ignore[return-value]


def report(name: str, notes: list[LabelledNote], got: list[Labels]) -> float:
    parts = []
    for label in LABELS:
        right = sum(
            getattr(g, label) == getattr(n.labels, label) for g, n in zip(got, notes, strict=True)
        )
        parts.append(f"{label} {right / len(notes):.3f}")
    good = sum(g.good == n.good for g, n in zip(got, notes, strict=True)) / len(notes)
    print(f"{name:6} good {good:.3f} | " + " | ".join(parts))
    return good


def write_model(notes: list[LabelledNote], x: np.ndarray, files: list[Path]) -> None:
    labels = {}
    for label in LABELS:
        model, mean, scale = fit(x, [target(n, label) for n in notes])
        labels[label] = {
            "classes": [str(c) for c in model.classes_],
            "mean": mean.round(6).tolist(),
            "scale": scale.round(6).tolist(),
            "coef": model.coef_.round(6).tolist(),
            "intercept": model.intercept_.round(6).tolist(),
        }
    body = {
        "features": list(FEATURES),
        "labels": labels,
        "trained_on": {
            "files": [str(p.relative_to(NOTES)) for p in files],
            "notes": len(notes),
            "when": datetime.now(UTC).date().isoformat(),
            "C": C,
        },
    }
    MODEL_PATH.parent.mkdir(exist_ok=True)
    MODEL_PATH.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_PATH.relative_to(NOTES.parents[2])}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--cv-only", action="store_true")
    args = parser.parse_args()
    files = args.files or sorted((NOTES / "incoming").glob("*.jsonl"))
    if any("blind" in p.parts for p in files):
        raise SystemExit("the blind set is for tools/eval_notes.py only")
    notes = read(files)
    x = np.asarray(feature_rows(notes), dtype=np.float64)
    print(f"{len(notes)} notes from {', '.join(p.name for p in files)}; 5-fold, out of fold:")
    results = cross_validate(notes, x)
    for name in ("rules", "model"):
        report(name, notes, results[name])
    if not args.cv_only:
        write_model(notes, x, files)


if __name__ == "__main__":
    main()
