"""The question encoder: loads from the repository, knows paraphrases, caches on disk safely."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.nlp import encoder


def test_a_paraphrase_is_nearer_than_a_question_on_another_subject() -> None:
    asked, paraphrase, other = encoder.encode(
        [
            "so how'd u end up in recruiting lol",
            "How did you get into recruitment?",
            "What do you do to unwind at the weekend?",
        ]
    )
    assert asked @ paraphrase > asked @ other + 0.2


def test_a_text_embeds_the_same_alone_and_among_others() -> None:
    texts = ["Short one?", "A much longer question about the platform team in Oakland?", "Hi"]
    together = encoder.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(together[1], encoder.encode([texts[1]])[0])


def test_the_disk_cache_is_read_back_and_embeds_only_new_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_CACHE_DIR", str(tmp_path))
    texts = ["How did you end up in recruiting?", "What's the team like?"]
    first = encoder.encode_cached(texts)
    np.testing.assert_array_equal(first, encoder.encode(texts))
    embedded: list[str] = []
    real = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda t: embedded.extend(t) or real(t))
    again = encoder.encode_cached([texts[1], "A new line?", texts[0]])
    assert embedded == ["A new line?"]  # an edited persona embeds only what changed
    np.testing.assert_array_equal(again[[2, 0]], first)


def test_a_cache_that_cannot_be_written_is_only_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("RAPPORT_CACHE_DIR", str(blocked / "cache"))
    texts = ["Which part?"]
    np.testing.assert_array_equal(encoder.encode_cached(texts), encoder.encode(texts))
