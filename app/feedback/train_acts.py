"""Train the speech-act model (app/feedback/acts_model.json): `python -m app.feedback.train_acts`.

Data: AnnoMI therapist utterances of EVEN transcript ids (the odd ones are the benchmark) and
the dev split of our networking turns, whose gold moves are mapped to the same four classes as
the benchmark maps predictions. The frozen test split is never read. Needs scikit-learn (a dev
tool: the analyzer itself only reads the JSON). Deterministic: same data, same file.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from app.feedback.acts import CLASSES, MODEL_PATH, features
from app.feedback.evaluate import load_annomi, load_turns
from app.feedback.types import Move

C = 0.3  # inverse regularisation, chosen by 5-fold cross-validation on the training data
MIN_COUNT = 3  # features seen in fewer training turns are noise, and bloat the file
MIN_WEIGHT = 0.01  # smaller weights change no prediction
DIGITS = 3


def _networking_class(moves: Sequence[str], message: str) -> str:
    present = {Move(m) for m in moves}
    if present & {Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION, Move.MIRROR_QUESTION}:
        return "question"
    if Move.REFLECTION in present:
        return "reflection"
    if present & {Move.SELF_DISCLOSURE, Move.SELF_FOCUS, Move.PITCH, Move.DISMISSIVE}:
        return "therapist_input"
    return "other"


def training_data() -> tuple[list[list[str]], list[str]]:
    x: list[list[str]] = []
    y: list[str] = []
    for item in load_annomi("even"):
        partner = item.history[-1].content if item.history else ""
        x.append(features(item.text, partner))
        y.append(item.label)
    for turn in load_turns("dev"):
        x.append(features(turn["message"], turn["partner"]))
        y.append(_networking_class(turn["moves"], turn["message"]))
    return x, y


def train(out: Path) -> dict[str, int]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    x, y = training_data()
    counts = Counter(feat for feats in x for feat in set(feats))
    kept = [{f: 1 for f in feats if counts[f] >= MIN_COUNT} for feats in x]
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(kept)
    clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    clf.fit(matrix, y)
    order = [list(clf.classes_).index(c) for c in CLASSES]
    weights: dict[str, list[float]] = {}
    for j, name in enumerate(vectorizer.get_feature_names_out()):
        row = [round(float(clf.coef_[i, j]), DIGITS) for i in order]
        if max(abs(w) for w in row) >= MIN_WEIGHT:
            weights[str(name)] = row
    model = {
        "classes": list(CLASSES),
        "intercept": [round(float(clf.intercept_[i]), DIGITS) for i in order],
        "weights": dict(sorted(weights.items())),
        "trained_on": "AnnoMI even transcript ids + evals/data/turns.jsonl dev split",
    }
    out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    return {"examples": len(y), "features": len(weights)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    print(train(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
