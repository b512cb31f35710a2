"""The lemma dictionary as a trie on disk gives simplemma's own lemmas, built once per machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import simplemma

from app.nlp import lemma as lemma_module

WORDS = ["left", "teaching", "recruiters", "was", "went", "children", "better", "Northwind", "I'd"]


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("RAPPORT_CACHE_DIR", str(tmp_path))
    lemma_module._lemmatizer.cache_clear()
    lemma_module.lemma.cache_clear()
    yield tmp_path
    lemma_module._lemmatizer.cache_clear()
    lemma_module.lemma.cache_clear()


def trie_file(folder: Path) -> Path:
    return folder / "simplemma" / simplemma.__version__ / "en.dic"


def test_the_trie_gives_the_lemmas_simplemma_gives(fresh: Path) -> None:
    assert [lemma_module.lemma(w) for w in WORDS] == [
        simplemma.lemmatize(w, lang="en") for w in WORDS
    ]
    assert lemma_module.lemma("teaching") == "teach"


def test_it_is_built_once_and_then_read(fresh: Path) -> None:
    lemma_module.lemma("left")
    built = trie_file(fresh)
    assert built.stat().st_size > 100_000
    stamp = built.stat().st_mtime_ns
    lemma_module._lemmatizer.cache_clear()
    lemma_module.lemma.cache_clear()
    assert lemma_module.lemma("went") == "go"
    assert built.stat().st_mtime_ns == stamp  # loaded, not written again


def test_a_damaged_trie_is_built_again(fresh: Path) -> None:
    target = trie_file(fresh)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not a trie")
    assert lemma_module.lemma("children") == "child"
    assert target.stat().st_size > 100_000


def test_without_a_usable_cache_folder_it_still_lemmatizes(
    monkeypatch: pytest.MonkeyPatch, fresh: Path
) -> None:
    blocker = fresh / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("RAPPORT_CACHE_DIR", str(blocker / "below"))  # cannot be made
    assert lemma_module.lemma("recruiters") == "recruiter"
