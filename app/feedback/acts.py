"""A small linear model of the speech act of a turn: question, reflection, input or other.

Rules find reflections that carry a cue ("so it sounds like...", "you must be..."); many real
reflections carry none ("You want this baby."). This model, trained by
`python -m app.feedback.train_acts` on AnnoMI's even-numbered transcripts and our dev split,
catches those. It is a multinomial logistic regression stored as JSON (feature -> one weight per
class) and scored here in pure Python: no scikit-learn at run time, ~50 us per turn.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.feedback.text import content_stems, lead_stripped, sentences, words

MODEL_PATH = Path(__file__).with_name("acts_model.json")
CLASSES = ("question", "reflection", "therapist_input", "other")
FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'd", "i'll", "my", "me", "we", "our"})
SECOND_PERSON = frozenset({"you", "you're", "you've", "you'd", "you'll", "your", "yourself"})
RHETORICAL_TAIL = 40


def _bucket(n: int, edges: tuple[int, ...]) -> int:
    return sum(n >= e for e in edges)


def features(message: str, partner: str) -> list[str]:
    """The features of a turn; the same function serves training and scoring."""
    core = lead_stripped(message).lower()
    tokens = words(core)
    out = [f"w:{t}" for t in tokens]
    out += [f"b:{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    out += [f"f{i}:{t}" for i, t in enumerate(tokens[:3])]
    if len(tokens) >= 2:
        out.append(f"f01:{tokens[0]}_{tokens[1]}")
    stripped = message.strip()
    last_q = stripped.rfind("?")
    out.append(f"q_end:{stripped.endswith('?')}")
    out.append(f"q_any:{last_q >= 0}")
    out.append(f"q_tail:{last_q >= 0 and len(stripped[last_q + 1 :].strip()) > RHETORICAL_TAIL}")
    out.append(f"len:{_bucket(len(words(message)), (3, 6, 10, 20, 40))}")
    out.append(f"sents:{_bucket(len(sentences(message)), (2, 3, 5))}")
    out.append(f"you:{_bucket(sum(t in SECOND_PERSON for t in tokens), (1, 2, 4))}")
    out.append(f"me:{_bucket(sum(t in FIRST_PERSON for t in tokens), (1, 2, 4))}")
    overlap = len(content_stems(message) & content_stems(partner))
    out.append(f"overlap:{_bucket(overlap, (1, 2, 4))}")
    out.append(f"partner_len:{_bucket(len(words(partner)), (1, 5, 15, 40))}")
    return out


@dataclass(frozen=True)
class ActModel:
    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]

    def probabilities(self, feats: list[str]) -> dict[str, float]:
        scores = list(self.intercept)
        for feat in feats:
            row = self.weights.get(feat)
            if row is not None:
                for i, w in enumerate(row):
                    scores[i] += w
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}


def load(path: Path = MODEL_PATH) -> ActModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ActModel(
        classes=tuple(data["classes"]),
        intercept=tuple(data["intercept"]),
        weights={k: tuple(v) for k, v in data["weights"].items()},
    )


@lru_cache(maxsize=1)
def model() -> ActModel:
    """The committed model, loaded once per process."""
    return load()


def act_probabilities(message: str, partner: str) -> dict[str, float]:
    return model().probabilities(features(message, partner))
