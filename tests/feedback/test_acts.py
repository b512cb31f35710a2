"""The speech-act model: loads from the repo, scores in pure Python, reads reflections."""

from __future__ import annotations

import math

from app.feedback.acts import CLASSES, act_probabilities, features, model


def test_model_loads_from_the_repository_with_all_four_classes() -> None:
    assert model().classes == CLASSES
    assert len(model().weights) > 1000


def test_probabilities_are_a_distribution() -> None:
    probs = act_probabilities("What brought you here today?", "Hi, I'm Dana.")
    assert set(probs) == set(CLASSES)
    assert math.isclose(sum(probs.values()), 1.0)


def test_open_question_reads_as_a_question() -> None:
    probs = act_probabilities("What brought you to the clinic today?", "Hi.")
    assert max(probs, key=probs.__getitem__) == "question"


def test_restatement_without_a_cue_reads_as_a_reflection() -> None:
    partner = "I keep drinking on weekends even though I promised my wife I'd stop."
    probs = act_probabilities("You want to keep that promise to her.", partner)
    assert max(probs, key=probs.__getitem__) == "reflection"


def test_backchannel_reads_as_other() -> None:
    probs = act_probabilities("Mm-hmm.", "And then I went home.")
    assert max(probs, key=probs.__getitem__) == "other"


def test_features_include_words_first_words_and_punctuation() -> None:
    feats = features("So you moved to Lisbon?", "We moved to Lisbon last year.")
    assert {"w:lisbon", "f0:so", "q_end:True", "overlap:2"} <= set(feats)
