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
    stem,
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
    return frozenset(value for value, _, _ in quantities(text))


def quantities(text: str) -> frozenset[tuple[float, str, str]]:
    """Each number with what it counts and its words: the stem of the word after it ("six
    years" -> (6, "year", "six years"), "a five-year contract" -> (5, "year", ...)), "%" for a
    percentage, "#year" for a year (1900-2100), "" when nothing follows, and "... ago" for a
    time back ("five years ago" is when, not how long). Two numbers contradict only when they
    count the same thing: "62%" says nothing against "40 minutes"."""
    found: set[tuple[float, str, str]] = set()
    for match in NUMBER.finditer(text):
        value = _value(match)
        if value is None:
            continue
        rest = text[match.end() :]
        if match.group("pct") or match.group("wpct"):
            unit, words_of = "%", match.group(0)
        elif match.group("digits") and 1900 <= value <= 2100 and "." not in match.group(0):
            unit, words_of = "#year", match.group(0)
        else:
            unit, words_of = _unit(rest)
            words_of = f"{match.group(0)}{words_of}"
        found.add((value, unit, words_of.strip()))
    return frozenset(found)


_UNIT_SKIP = wordset("of the a an more than over about around or and to plus")
_UNIT_WORDS = re.compile(r"[A-Za-z]{2,}")


def _unit(rest: str) -> tuple[str, str]:
    """The stem of the noun a number counts, and the text up to it ("-year" -> "year",
    " more people" -> "peopl"); "year ago" for a time back."""
    for match in list(_UNIT_WORDS.finditer(rest[:40]))[:3]:
        token = match.group(0).lower()
        if token in _UNIT_SKIP:
            continue
        unit = stem(token)
        if re.match(r"\s+ago\b", rest[match.end() :], re.IGNORECASE):
            return f"{unit} ago", rest[: match.end() + 4]
        return unit, rest[: match.end()]
    return "", ""


def _value(match: re.Match[str]) -> float | None:
    if match.group("digits"):
        value = float(match.group("digits").replace(",", ""))
        scale = (match.group("dscale") or "").lower().strip()
        return value * _SCALES.get(scale, 1)
    phrase = match.group("words").lower()
    rest = re.sub(r"^an?(?:[\s-]+|$)", "", phrase)
    if not rest or rest == "one":
        return None  # an article, or "one" (a pronoun as often as a number)
    if rest != phrase and not any(s in rest for s in _SCALES):
        phrase = rest  # "a five-year contract": the article is not part of the number
    return _words_value(phrase)


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
    "Sacramento"). Not a sentence's first word ("Hearing", "Congrats" start sentences), nor
    acronyms and brand casing ("FDA", "TikTok"): a name said wrong is a person's or a place's."""
    found: set[str] = set()
    for sentence in split_light(text):
        for token in raw_words(sentence)[1:]:
            bare = token.lower().replace("’", "'").removesuffix("'s")
            if not _title_case(token) or bare in NOT_NAMES | _WHEN or bare in STOP_WORDS:
                continue
            found.add(bare)
    return frozenset(found)


def _title_case(token: str) -> bool:
    word = token.replace("’", "'").removesuffix("'s")
    return len(word) > 1 and word[0].isupper() and word[1:].replace("'", "").islower()


_WHEN = wordset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december"""
)


def days(text: str) -> frozenset[str]:
    """Weekdays and months a text names ("Thursday"): a wrong one is a detail remembered
    wrong, as a wrong name is."""
    return frozenset(
        w.rstrip("s") for w in (t.lower() for t in raw_words(text)) if w.rstrip("s") in _WHEN
    )


@dataclass(frozen=True, slots=True)
class Facts:
    """The numbers, names and days a set of texts states: what a claim may repeat."""

    values: frozenset[float]
    names: frozenset[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> Facts:
        joined = " ".join(texts)
        return cls(numbers(joined), names(joined) | days(joined))


def contradiction(claim: str, line: str, known: Facts) -> str | None:
    """A number, name or day in `claim` that nothing said, where `line` (what the claim is
    about) states its own of the same kind: in words, "6 years (they said 4)"; else None."""
    theirs = quantities(line)
    for value, unit, written in sorted(quantities(claim)):
        if value in known.values:
            continue
        said = sorted({w for v, u, w in theirs if u == unit and v != value})
        if said:
            return f"{written} (they said {', '.join(said)})"
    for found in (names, days):
        stray = sorted(found(claim) - known.names)
        stated = found(line)
        if stray and stated:
            return f"{stray[0].title()} (they said {', '.join(s.title() for s in sorted(stated))})"
    return None


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
    for word in ours:
        if word in theirs:
            got += rarity.weight(word)
        elif len(word) >= 5 and word[:5] in their_prefixes:
            got += 0.5 * rarity.weight(word)
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
