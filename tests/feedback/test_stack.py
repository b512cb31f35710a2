"""The second stage and the one-turn decision: what the trees add, and that deciding one turn
in plain Python agrees with the vectorised decoder training uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.feedback import cross, learned, stack
from app.feedback.analyzer import analyze
from app.feedback.evaluate import history_of
from app.feedback.types import Move

INCOMING = Path(__file__).resolve().parents[2] / "evals" / "data" / "corpus" / "incoming"

MOVES = tuple(Move)
# Probabilities as float32 holds them, as both the linear model and the trees give them.
PROBS = st.lists(
    st.floats(0.0, 1.0, width=32) | st.sampled_from([0.0, 0.5, 1.0]),
    min_size=len(MOVES),
    max_size=len(MOVES),
)


@settings(max_examples=400, deadline=None)
@given(probs=PROBS, thresholds=PROBS)
def test_deciding_one_turn_agrees_with_the_training_decoder(
    probs: list[float], thresholds: list[float]
) -> None:
    row = np.asarray([probs], np.float32)
    limits = np.asarray(thresholds, np.float32)
    vector = learned.decode(row, limits, MOVES)[0]
    expected = {m for m, on in zip(MOVES, vector, strict=True) if on}
    got = learned.decide_one(
        dict(zip(MOVES, probs, strict=True)), dict(zip(MOVES, thresholds, strict=True))
    )
    assert got == expected


def test_the_shipped_stage_reads_the_shipped_features() -> None:
    second = stack.model()
    assert second is not None, "app/feedback/model/stack.onnx is missing or stale"
    assert set(second.moves) == set(MOVES)
    assert second.thresholds.shape == (len(MOVES),)
    assert ((second.thresholds > 0) & (second.thresholds < 1)).all()


def _corpus_turns(pair_ids: set[str]) -> list[dict[str, Any]]:
    items = []
    for path in sorted(INCOMING.glob("w16-*.jsonl")):
        for line in path.read_text().splitlines():
            item = json.loads(line) if line.strip() else {}
            if item.get("pair") in pair_ids:
                items.append(item)
    return items


def test_the_history_decides_where_the_linear_model_alone_read_only_the_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # w16's pairs (never trained on by the shipped models, which leave w16 out; see the card):
    # "u said u almost quit in year two, what kept u going" after they said it and after they
    # did not; "What made you move out of nursing?" over the interviewer's own question and
    # after "most of my team came from the wards"; "Ha, tell me about it." over an open-plan
    # office and over six months on an Antarctic ship. The linear model gave each pair one
    # verdict. The trees' reading, without the cross-encoder over them: with it, "u said u
    # almost quit" where she never said so reads as a follow-up (docs/benchmarks.md, session 17).
    monkeypatch.setenv("RAPPORT_CROSS_ANALYZER", "0")
    cross.model.cache_clear()
    try:
        items = _corpus_turns({"w16-b02-p20", "w16-b02-p24", "w16-b02-p30"})
        assert len(items) == 6
        for item in items:
            fb = analyze(item["message"], history_of(item))
            assert fb.genuine_interest == item["genuine_interest"], item["id"]
    finally:
        cross.model.cache_clear()  # the next test reads the model as the environment says
