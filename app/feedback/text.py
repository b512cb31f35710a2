"""Word forms, sentences and content words: the language plumbing under the analyzer.

Everything here is cached because the analyzer runs on every turn and a lemma costs ~50 us per
uncached word; conversations reuse the same few hundred words over and over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd
import snowballstemmer

from app.nlp.lemma import lemma


def wordset(text: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string."""
    return frozenset(text.split())


# scikit-learn's English stop-word list (Glasgow IR group), inlined so the runtime does not
# depend on scikit-learn; the pronouns and wh-words matter to us and are handled separately.
STOP_WORDS = wordset(
    """a about above across after afterwards again against all almost alone along already also
    although always am among amongst amoungst amount an and another any anyhow anyone anything
    anyway anywhere are around as at back be became because become becomes becoming been before
    beforehand behind being below beside besides between beyond bill both bottom but by call can
    cannot cant co con could couldnt cry de describe detail do done down due during each eg eight
    either eleven else elsewhere empty enough etc even ever every everyone everything everywhere
    except few fifteen fifty fill find fire first five for former formerly forty found four from
    front full further get give go had has hasnt have he hence her here hereafter hereby herein
    hereupon hers herself him himself his how however hundred i ie if in inc indeed interest into
    is it its itself keep last latter latterly least less ltd made many may me meanwhile might
    mill mine more moreover most mostly move much must my myself name namely neither never
    nevertheless next nine no nobody none noone nor not nothing now nowhere of off often on once
    one only onto or other others otherwise our ours ourselves out over own part per perhaps
    please put rather re same see seem seemed seeming seems serious several she should show side
    since sincere six sixty so some somehow someone something sometime sometimes somewhere still
    such system take ten than that the their them themselves then thence there thereafter thereby
    therefore therein thereupon these they thick thin third this those though three through
    throughout thru thus to together too top toward towards twelve twenty two un under until up
    upon us very via was we well were what whatever when whence whenever where whereafter whereas
    whereby wherein whereupon wherever whether which while whither who whoever whole whom whose
    why will with within without would yet you your yours yourself yourselves"""
)
# Conversational filler that overlaps between any two lines without meaning they share a topic.
FILLER = wordset(
    """yeah yes yep ok okay oh wow really just like actually thing things lot lots kind sort
    pretty good great nice cool thanks thank hi hello hey sure right think know mean say said
    tell want need love day year time way people work bit today guess feel lately meet
    meeting nice glad honestly basically literally totally"""
)

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SEGMENTER = pysbd.Segmenter(language="en", clean=False, char_span=False)
_STEMMER = snowballstemmer.stemmer("english")
# What makes a full stop ambiguous ("Dr. Ng", "e.g.", "3.5", "..."): only then is pysbd needed.
_NEEDS_SBD_RE = re.compile(
    r"\b(?:mr|mrs|ms|dr|prof|sr|jr|st|inc|ltd|co|corp|vs|etc|no|approx|dept|est|fig|jan|feb|"
    r"mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|mt|ave|blvd|ph|u|vol)\.|\b(?:[a-z]\.){2,}|"
    r"\d\.\d|\.{2,}|…",
    re.IGNORECASE,
)
# Sentence-final punctuation inside the text: without it pysbd has nothing to split.
_INNER_BOUNDARY_RE = re.compile(r"[.!?…]+\s+\S|\n")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Porter2 stem of the lemma: joins "recruiting"/"recruiter" that lemmas keep apart."""
    return _STEMMER.stemWord(lemma(word))


@lru_cache(maxsize=16384)
def words(text: str) -> tuple[str, ...]:
    """Lower-cased word tokens; apostrophes stay inside ("don't", "you're")."""
    return tuple(w.replace("’", "'") for w in _WORD_RE.findall(text.lower()))


def raw_words(text: str) -> list[str]:
    """Word tokens with their original case (for spotting names)."""
    return _WORD_RE.findall(text)


@lru_cache(maxsize=8192)
def sentences(text: str) -> tuple[str, ...]:
    """Sentences of `text`, each an exact substring of it (stripped)."""
    stripped = text.strip()
    if not stripped:
        return ()
    if not _INNER_BOUNDARY_RE.search(stripped):
        return (stripped,)
    if not _NEEDS_SBD_RE.search(stripped):
        # No abbreviation, decimal or ellipsis: punctuation alone is unambiguous, and pysbd
        # costs up to 10 ms on a long message.
        return split_light(stripped)
    parts: list[str] = []
    for chunk in stripped.split("\n"):
        if chunk.strip():
            try:
                pieces = _SEGMENTER.segment(chunk)
            except ValueError:  # pysbd chokes on some control characters: "a\x1f0. b. Dr. x"
                pieces = list(split_light(chunk))
            parts.extend(s.strip() for s in pieces if s.strip())
    # pysbd may normalise spacing; keep only pieces that are literally in the message.
    exact = tuple(p for p in parts if p in text)
    return exact or (stripped,)


# Discourse markers and hesitations that open spoken sentences; a reflection cue may follow them.
_LEAD_RE = re.compile(
    r"^(?:[-–—…\s]*(?:and|but|well|yeah|yes|yep|okay|ok|oh|um+|uh+|mm+-?hmm|mm+|hmm+|right|"
    r"alright|all right|now|like|you know|i mean|wow|hey|cool|great|sure|nice|ah|ha|haha|lol)"
    r"\b[,.!]?\s*)+",
    re.IGNORECASE,
)
_STUTTER_RE = re.compile(r"\b(\w+)(?:-+\s?\1\b)+", re.IGNORECASE)
_SO_RE = re.compile(r"^so\b[,.]?\s*", re.IGNORECASE)


@lru_cache(maxsize=16384)
def lead_stripped(sentence: str) -> str:
    """The sentence without its opening fillers and stutters ("Okay. And you-you've" ->
    "you've"); a leading "so" is kept because it marks a summary or reflection."""
    core = _STUTTER_RE.sub(r"\1", sentence.strip())
    core = _LEAD_RE.sub("", core)
    if _SO_RE.match(core):
        rest = _LEAD_RE.sub("", _SO_RE.sub("", core))
        return "so " + rest
    return core.lstrip("-–—… ")


_CLITIC_RE = re.compile(r"(?:'s|'m|'re|'ve|'d|'ll|n't)$")


# A full stop that ends no sentence: after "a.m.", "p.m.", "e.g.", "i.e." or a title ("at a 2 a.m.
# handover" is one sentence). The matcher's splitter (app.dialogue.understand) uses it too.
NOT_ABBREVIATED = r"(?<![ap]\.m\.)(?<!\b[ie]\.[eg]\.)(?<!\b(?:mr|ms|dr|st)\.)(?<!\bmrs\.)"
_LIGHT_SPLIT_RE = re.compile(rf"(?<=[.!?…]){NOT_ABBREVIATED}\s+|\n+", re.IGNORECASE)


@lru_cache(maxsize=8192)
def split_light(text: str) -> tuple[str, ...]:
    """Sentences by punctuation alone: enough to tell a partner's questions from statements.
    pysbd (see `sentences`) is kept for the user's message, whose sentences we quote."""
    return tuple(p.strip() for p in _LIGHT_SPLIT_RE.split(text.strip()) if p.strip())


@lru_cache(maxsize=16384)
def content_stems(text: str) -> frozenset[str]:
    """Stems of the meaningful words: no stop words, no filler, no one-letter tokens."""
    found: set[str] = set()
    for token in words(text):
        w = _CLITIC_RE.sub("", token)
        if len(w) > 2 and w not in STOP_WORDS and w not in FILLER and not w.isdigit():
            found.add(stem(w))
    return frozenset(found)


PREFIX = 5


def prefixes(stems: frozenset[str]) -> frozenset[str]:
    """First letters of longer stems: joins "teacher"/"teach", "recruiter"/"recruiting" that
    stemming keeps apart (derivation, not inflection)."""
    return frozenset(s[:PREFIX] for s in stems if len(s) >= PREFIX)


def derived(ours: frozenset[str], theirs: frozenset[str]) -> bool:
    """Does a stem of one set extend a stem of the other ("teach" -> "teacher")? Stemming
    joins inflections; this joins the derivations that matter in conversation."""
    for a in ours:
        if len(a) < PREFIX:
            continue
        for b in theirs:
            if len(b) >= PREFIX and a != b and (a.startswith(b) or b.startswith(a)):
                return True
    return False


def named_entities(text: str) -> frozenset[str]:
    """Lower-cased capitalised words that are not sentence-initial: a cheap NER for names,
    companies and places ("Stripe", "Lisbon", "Kubernetes")."""
    found: set[str] = set()
    for sent in split_light(text):
        tokens = raw_words(sent)
        for tok in tokens[1:]:
            if (
                tok[:1].isupper()
                and tok.lower() not in STOP_WORDS
                and not tok.lower().startswith(("i'", "i’"))
                and len(tok) > 1
            ):
                found.add(tok.lower())
    return frozenset(found)


def clear_caches() -> None:
    """Forget cached sentences and words (benchmarks use this to time cold messages); the
    lemma and stem caches stay, as a running server's vocabulary would."""
    for cached in (sentences, split_light, words, content_stems, lead_stripped):
        cached.cache_clear()


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the message and where it sits, so evidence can quote it exactly."""

    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def locate(message: str, pieces: tuple[str, ...]) -> list[Span]:
    """Find each piece in order in `message`."""
    spans: list[Span] = []
    cursor = 0
    for piece in pieces:
        at = message.find(piece, cursor)
        if at < 0:
            at = message.find(piece)
        if at < 0:
            continue
        spans.append(Span(piece, at))
        cursor = at + len(piece)
    return spans
