"""Does a learner's sentence say the same thing as something the persona said? Pure.

By meaning (wordllama sentence embeddings, the analyzer's own, shipped in the wheel) and by the
words they share, weighted by how rare each word is among the things said (two lines that share
"nurses" say more alike than two that share "run"). Beside that, the exact checks: numbers
(written as digits or words) and names, which decide a detail remembered wrong.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.feedback.embed import embed_one
from app.feedback.text import (
    STOP_WORDS,
    content_stems,
    prefixes,
    raw_words,
    split_light,
    wordset,
)

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "a": 1, "an": 1, "a couple": 2, "half": 0.5, "dozen": 12,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "k": 1000, "m": 1_000_000}
_NUMBER_WORD = "|".join(sorted([*(k for k in _UNITS if " " not in k), *_TENS], key=len)[::-1])
NUMBER = re.compile(
    rf"""(?ix)
    (?<![\w.])(?P<digits>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)(?:\s*(?P<dscale>hundred|thousand
        |million|k\b|m\b))?(?P<pct>\s*%|\s+percent)?
    | \b(?P<words>(?:{_NUMBER_WORD})(?:[\s-]+(?:{_NUMBER_WORD}|hundred|thousand|million|and))*)
        \b(?P<wpct>\s+percent)?
    """
)
# Words that open a sentence or follow a name without being names themselves.
NOT_NAMES = wordset(
    """i i'm i've i'd i'll she he they we you it her his their our your my me them us
    mr mrs ms dr hi hello hey dear thanks thank so and but also then yes no oh ok okay
    today tomorrow yesterday linkedin email ps p.s"""
)


@dataclass(frozen=True, slots=True)
class Similarity:
    meaning: float  # best cosine between the two texts' sentences (or the whole texts)
    words: float  # share of the claim's rarity-weighted content words the other text has
    shared: int = 0  # content words (numbers included) the two have in common
    rare_shared: int = 0  # of which said in only one of the texts compared

    @property
    def score(self) -> float:
        return 0.6 * self.meaning + 0.4 * self.words


def numbers(text: str) -> frozenset[float]:
    """The numbers a text states, digits or words ("four hundred" -> 400.0, "60%" -> 60.0).
    "a"/"an" alone are articles, not ones."""
    found: set[float] = set()
    for match in NUMBER.finditer(text):
        if match.group("digits"):
            value = float(match.group("digits").replace(",", ""))
            scale = (match.group("dscale") or "").lower().strip()
            found.add(value * _SCALES.get(scale, 1))
        elif match.group("words"):
            phrase = match.group("words").lower()
            if (
                phrase in {"a", "an", "one"}
                or phrase.startswith(("a ", "an "))
                and not any(s in phrase for s in _SCALES)
            ):
                continue
            spelled = _words_value(phrase)
            if spelled is not None:
                found.add(spelled)
    return frozenset(found)


def _words_value(phrase: str) -> float | None:
    total, current, seen = 0.0, 0.0, False
    for token in re.split(r"[\s-]+", phrase):
        if token == "and":
            continue
        if token in _UNITS:
            current += _UNITS[token]
        elif token in _TENS:
            current += _TENS[token]
        elif token in _SCALES:
            current = max(current, 1) * _SCALES[token]
            if _SCALES[token] >= 1000:
                total, current = total + current, 0.0
        else:
            return None
        seen = True
    return total + current if seen else None


def names(text: str) -> frozenset[str]:
    """Capitalised words that are names, companies or places, lower-cased ("Marcus",
    "Sacramento"); a sentence's first word counts unless it is a common word."""
    found: set[str] = set()
    for sentence in split_light(text):
        for position, token in enumerate(raw_words(sentence)):
            bare = token.lower().replace("’", "'")
            if not token[:1].isupper() or len(token) < 2 or bare in NOT_NAMES | _WHEN:
                continue
            if bare in STOP_WORDS or (position == 0 and _common(bare)):
                continue
            found.add(bare.removesuffix("'s"))
    return frozenset(found)


def _common(word: str) -> bool:
    """A sentence-initial word that is an ordinary word, not a name (crudely: short function
    words and anything the content-word filter drops)."""
    return word in STOP_WORDS or not content_stems(word)


_WHEN = wordset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december"""
)


def days(text: str) -> frozenset[str]:
    """Weekdays and months a text names ("Thursday"): a wrong one is a detail remembered
    wrong, as a wrong name is."""
    return frozenset(w for w in (t.lower() for t in raw_words(text)) if w.rstrip("s") in _WHEN)


class Rarity:
    """How rare each content stem is among a set of texts (inverse document frequency)."""

    def __init__(self, texts: Iterable[str]) -> None:
        documents = [_stems(t) for t in texts]
        self.count = len(documents)
        self.frequency: Counter[str] = Counter(s for d in documents for s in d)

    def weight(self, stem: str) -> float:
        return math.log((1 + self.count) / (1 + self.frequency.get(stem, 0))) + 1.0


def _stems(text: str) -> frozenset[str]:
    return content_stems(text) | frozenset(f"#{n:g}" for n in numbers(text))


def shared_words(claim: str, other: str, rarity: Rarity) -> tuple[int, int]:
    """How many content words the two share, and how many of those are rare (in one text)."""
    common = _stems(claim) & _stems(other)
    return len(common), sum(rarity.frequency.get(s, 0) <= 1 for s in common)


def word_overlap(claim: str, other: str, rarity: Rarity) -> float:
    """Rarity-weighted share of the claim's content words (numbers included) found in the
    other text, a shared word stem ("teach"/"teacher") counting half."""
    ours, theirs = _stems(claim), _stems(other)
    if not ours:
        return 0.0
    their_prefixes = prefixes(theirs)
    got = 0.0
    for stem in ours:
        if stem in theirs:
            got += rarity.weight(stem)
        elif len(stem) >= 5 and stem[:5] in their_prefixes:
            got += 0.5 * rarity.weight(stem)
    return got / sum(rarity.weight(s) for s in ours)


def vectors(texts: Sequence[str]) -> NDArray[np.float32]:
    if not texts:
        return np.zeros((0, 256), dtype=np.float32)
    return np.stack(embed_one.many(texts))


class Corpus:
    """Texts to compare claims with: each text and its sentences, embedded once."""

    def __init__(self, texts: Sequence[str], rarity: Rarity | None = None) -> None:
        self.texts = list(texts)
        self.rarity = rarity or Rarity(self.texts)
        self._owner: list[int] = []
        pieces: list[str] = []
        for i, text in enumerate(self.texts):
            # A line's telling sentences, not its asides ("Can I be honest?").
            parts = [p for p in split_light(text) if len(p.split()) >= 5 and "?" not in p]
            for piece in [text, *parts] if len(parts) > 1 else [text]:
                pieces.append(piece)
                self._owner.append(i)
        self._vectors = vectors(pieces)

    def similarities(self, claim: str) -> list[Similarity]:
        """How alike the claim is to each text, in order."""
        if not self.texts:
            return []
        cosines = self._vectors @ vectors([claim])[0]
        best = np.full(len(self.texts), -1.0)
        np.maximum.at(best, np.asarray(self._owner), cosines)
        return [
            Similarity(
                float(best[i]),
                word_overlap(claim, text, self.rarity),
                *shared_words(claim, text, self.rarity),
            )
            for i, text in enumerate(self.texts)
        ]
