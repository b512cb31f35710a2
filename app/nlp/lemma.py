"""English dictionary forms ("left" -> "leave", "teaching" -> "teach"), from simplemma.

simplemma ships its English dictionary lzma-compressed and decodes all of it on the first word,
about a quarter of a second of CPU in every process that lemmatizes anything: most of what a
one-shot command such as `rapport score` spends before it reads its file. Here the dictionary is
simplemma's own marisa trie (`TrieDictionaryFactory`), built once per machine into the cache
folder (RAPPORT_CACHE_DIR) and memory-mapped after that: the first word costs about a
millisecond. The lemmas are the same: the trie is built from the same dictionary and read by the
same strategy.

Processes starting together (test workers, API workers) take a file lock while one of them
builds the trie, so the others load it instead of writing the same file over it.
"""

from __future__ import annotations

from functools import lru_cache

from filelock import FileLock, Timeout
from simplemma import Lemmatizer
from simplemma.__metadata__ import __version__ as SIMPLEMMA_VERSION
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries import TrieDictionaryFactory

from app.nlp.cache import cache_dir

LOCK_SECONDS = 120


@lru_cache(maxsize=1)
def _lemmatizer() -> Lemmatizer:
    folder = cache_dir() / "simplemma" / SIMPLEMMA_VERSION
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder / "en.lock"), timeout=LOCK_SECONDS):
            factory = TrieDictionaryFactory(disk_cache_dir=str(folder))
            factory.get_dictionary("en")  # loads the trie, or builds and saves it, under the lock
    except (OSError, Timeout):
        factory = TrieDictionaryFactory(use_disk_cache=False)  # no usable cache folder
    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """Dictionary form of a word, as `simplemma.lemmatize(word, lang="en")` gives it; cached,
    since conversations reuse the same few hundred words."""
    return _lemmatizer().lemmatize(word, "en")
