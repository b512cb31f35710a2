"""The matcher's cross-encoder (app/dialogue/rerank.py): what it reads, how it is blended, and the
questions it settles that the similarity matcher alone got wrong."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.dialogue import rerank
from app.dialogue.understand import knowledge_index
from tests.dialogue.factories import PERSONA_IDS, persona


def test_the_shipped_reranker_loads_and_says_more_for_the_topic_that_answers() -> None:
    model = rerank.load()
    assert model is not None and 0 <= model.weight <= 1 and model.lift >= 0
    texts = rerank.topic_text(persona("recruiter"))
    probs = model.probabilities(
        "How did you end up in recruiting?",
        [texts["fact", "career_path"], texts["fact", "remote_work"]],
    )
    assert probs.shape == (2,) and probs[0] > 0.5 > probs[1], probs


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_every_topic_has_a_text_with_its_questions_and_its_answer(persona_id: str) -> None:
    who = persona(persona_id)
    texts = rerank.topic_text(who)
    index = knowledge_index(who)
    assert set(texts) == {(t.kind, t.id) for t in index.topics}
    for fact in who.facts:
        text = texts["fact", fact.topic]
        assert fact.questions[0] in text and fact.answers[0] in text


def test_the_blend_moves_the_candidates_and_the_margin_only() -> None:
    model = dataclasses.replace(rerank.load(), weight=0.5, lift=4.0, centre=0.5)  # type: ignore[type-var]
    scores = np.asarray([0.9, 0.1, 0.3], np.float32)
    blended, margin = model.blend(scores, 1.0, [0, 2], np.asarray([0.1, 0.9], np.float32))
    assert blended.tolist() == pytest.approx([0.5, 0.1, 0.6])
    assert margin == pytest.approx(1.0 + 4.0 * (0.9 - 0.5))


@pytest.mark.parametrize(
    ("persona_id", "question", "topic"),
    [
        # A development question (dev_writer8, dev_writer10) the matcher alone gets wrong: one
        # nothing answers that sits near a topic. Until session 28 there were three more ("Is
        # the codebase all Swift now?", a salary range, an outsourced IT team); the refit on
        # session 27's authored lines gets them right without the reranker, and of the two
        # files' plain questions this is the one left that only the reranker gets right.
        (
            "alumni_mentor",
            "The light rail was delayed and I ran the last two blocks, so sorry if I'm still a "
            "bit out of breath. Do you usually take the train in or drive?",
            None,
        ),
    ],
)
def test_questions_the_similarities_alone_got_wrong(
    persona_id: str, question: str, topic: str | None
) -> None:
    index = knowledge_index(persona(persona_id))
    assert index.reranker is not None
    match = index.match(question)
    assert (match.topic.id if match.topic else None) == topic
    alone = dataclasses.replace(index.reranker, weight=0.0, lift=0.0)
    index.reranker, kept = alone, index.reranker
    try:
        before = index.match(question)
    finally:
        index.reranker = kept
    assert (before.topic.id if before.topic else None) != topic


def test_it_is_off_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_MATCHER_RERANK", "0")
    rerank.model.cache_clear()
    try:
        assert rerank.model() is None
    finally:
        rerank.model.cache_clear()


def test_a_question_longer_than_the_model_reads_is_cut_not_refused() -> None:
    # Found by the fuzz test: a 2,000-character message raised "Sequence to truncate too short
    # to respect the provided max_length" when only the topic's text could be cut.
    model = rerank.load()
    assert model is not None
    text = rerank.topic_text(persona("recruiter"))["fact", "career_path"]
    probs = model.probabilities("مرحبا، كيف حالك؟ " * 120, [text])
    assert probs.shape == (1,) and 0.0 <= float(probs[0]) <= 1.0
