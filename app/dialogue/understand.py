"""Which of the persona's lines answers the user's message: matching by meaning, with a focus.

Every fact and hook of a persona is a small tree: the surface (a fact's `answers`, a hook's
`reveal`) and the deeper lines under it. Each node carries the questions it answers, authored in
the persona YAML, plus its own words. They are embedded once per persona version (sentence
embeddings from `app.feedback.embed`; the cache is keyed by persona id and a content hash, so a
large tenant persona is not indexed again every turn) and a message is matched by cosine
similarity, with word overlap and the persona's keywords as two smaller features.

Elliptical and pronoun follow-ups ("which part?", "how did she take it?", "tell me more") carry
almost no words of their own: the topic in focus wins them. A question that names something else
moves the focus. A message that matches nothing well gets no topic: the engine then says so in
character instead of saying whatever comes next.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import simplemma
from numpy.typing import NDArray

from app.feedback.embed import embed, embed_one
from app.personas.schema import Fact, Hook, Persona

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SENTENCE = re.compile(r"(?<=[.!?])\s+")
# Words that say nothing about which topic is meant; pronouns and "that" point at the focus.
FUNCTION_WORDS = frozenset(
    re.findall(
        r"\w+",
        """a an the and or but of to in on at for with about from by as is be do have what how
        why when where who which you your i me my we our it that this there so up out get""",
    )
)
GENERIC = FUNCTION_WORDS | frozenset(
    re.findall(
        r"\w+",
        """she he they her him them his their its those these then than there's it's that's
        what's how's who's more tell say said make made go went happen happened next part
        thing things feel felt take took mean meant like really actually exactly kind sort
        lot bit much many any some ever still just also even yeah oh wow okay ok so right
        good great interesting hmm huh come came find found know think thought way one
        why whose whom could would should can will did does was were are am being been
        not no yes if else after before about again anyway first last other well""",
    )
)
POINTERS = frozenset(
    re.findall(r"\w+", "it that this she he they her him them his their those these there")
)
MORE_PLEASE = re.compile(
    r"\b(?:tell me more|say more|go on|keep going|how so|what do you mean|and then|"
    r"more about that|elaborate|which part|what happened next|what else)\b",
    re.IGNORECASE,
)

# Scoring, tuned on evals/data/questions/dev.jsonl (never on the held-out set).
LINE_WEIGHT = 0.85  # a line's own words match a question less well than a question does
LEXICAL_WEIGHT = 0.15  # share of the message's informative words found in the node's text
KEYWORD_BONUS = 0.1  # one of the topic's keywords is in the message
FOCUS_BONUS = 0.06  # the topic in focus, for any question
ELLIPSIS_BONUS = 0.35  # ... and much more for a message with nothing of its own
MIN_SCORE = 0.45  # below this nothing the persona knows answers the message
UNKNOWN_PENALTY = 0.05  # per informative word that none of the persona's lines or questions use
LINE_MARGIN = 0.12  # a deeper line must beat the surface by this to be answered first
CACHE_SIZE = 256


def lemmas(text: str) -> tuple[str, ...]:
    return tuple(_lemma(w) for w in WORD.findall(text.lower().replace("\u2019", "'")))


@lru_cache(maxsize=65536)
def _lemma(word: str) -> str:
    return simplemma.lemmatize(word, lang="en").lower()


@dataclass(frozen=True, slots=True)
class Topic:
    kind: str  # "fact" or "hook"
    id: str


@dataclass(frozen=True, slots=True)
class Node:
    """One thing the persona can say about a topic: its surface (line None) or a deeper line."""

    topic: Topic
    line: str | None


@dataclass(frozen=True, slots=True)
class Match:
    """The answer to "what is the user asking about?"."""

    topic: Topic | None  # None: nothing the persona knows answers it
    line: str | None  # a deeper line asked about specifically (None: the surface or any)
    score: float
    elliptical: bool  # the message continues the focus rather than naming a subject
    query: str = ""  # the part of the message that asks


@dataclass(frozen=True, slots=True)
class Scored:
    topic_scores: dict[Topic, float]
    node_scores: NDArray[np.float32]


class KnowledgeIndex:
    """A persona's questions and lines, embedded; built once per persona version."""

    def __init__(self, persona: Persona) -> None:
        self.nodes: list[Node] = []
        self.keywords: dict[Topic, list[tuple[str, ...]]] = {}
        self.owner: dict[str, Node] = {}  # each line of a topic -> its node
        texts: list[str] = []
        rows_node: list[int] = []
        rows_weight: list[float] = []
        bags: list[Counter[str]] = []
        for topic, item, surface in _topics(persona):
            self.keywords[topic] = [lemmas(k) for k in item.keywords]
            layers: list[tuple[str | None, list[str], Sequence[str]]]
            layers = [(None, list(item.questions), surface)]
            layers += [(line, item.deeper_questions(line), [line]) for line in item.deeper_lines]
            for line, questions, own_lines in layers:
                number = len(self.nodes)
                self.nodes.append(Node(topic, line))
                self.owner.update(dict.fromkeys(own_lines, self.nodes[-1]))
                # A line's sentences one by one too: a long line's average says less.
                parts = [p for t in own_lines for p in {t, *SENTENCE.split(t)} if len(p) > 12]
                rows = [*((q, 1.0) for q in questions), *((p, LINE_WEIGHT) for p in parts)]
                for text, weight in rows:
                    texts.append(text)
                    rows_node.append(number)
                    rows_weight.append(weight)
                bag = Counter(
                    w for t in [*questions, *own_lines, *item.keywords] for w in lemmas(t)
                )
                bags.append(bag)
        self.rows = embed(texts) * np.asarray(rows_weight, dtype=np.float32)[:, None]
        self.row_node = np.asarray(rows_node, dtype=np.int32)
        self.vocabulary = _idf(bags)
        self.node_words = [frozenset(bag) for bag in bags]
        self.node_topic = [n.topic for n in self.nodes]

    # -- scoring ---------------------------------------------------------------------------

    def score(self, text: str) -> NDArray[np.float32]:
        """Each node's similarity to `text`: the best of its rows, plus shared rare words."""
        sims = self.rows @ embed_one(text)
        best = np.full(len(self.nodes), -1.0, dtype=np.float32)
        np.maximum.at(best, self.row_node, sims)
        words = {w for w in lemmas(text) if w not in GENERIC}
        total = sum(self.vocabulary.get(w, 0.0) for w in words)
        if total > 0:
            overlap = np.array(
                [sum(self.vocabulary.get(w, 0.0) for w in words & bag) for bag in self.node_words],
                dtype=np.float32,
            )
            best += LEXICAL_WEIGHT * overlap / total
        return best

    def specificity(self, text: str) -> float:
        """How much the message names a subject of its own: 0 for 'which part?', 'tell me
        more'; about 1 once it has two words the persona's lines use rarely."""
        words = {w for w in lemmas(text) if w not in GENERIC and len(w) > 2}
        # A word the persona never uses names a subject too: one it knows nothing about.
        mass = sum(min(self.vocabulary.get(w, 1.0), 1.0) for w in words)
        return min(1.0, mass / 2.0)

    def match(self, text: str, focus: Topic | None = None, said: Iterable[str] = ()) -> Match:
        """The topic (and, when asked about specifically, the deeper line) that answers `text`.

        `focus` is the topic the persona was just talking about; `said` the lines already said
        (a follow-up on the focus goes to a deeper line not said yet).
        """
        query = question_part(text)
        nodes = self.score(query)
        words = lemmas(query)
        topic_scores: dict[Topic, float] = {}
        for i, node in enumerate(self.nodes):
            topic_scores[node.topic] = max(topic_scores.get(node.topic, -1.0), float(nodes[i]))
        for topic, phrases in self.keywords.items():
            if any(_contains(words, p) for p in phrases if any(w not in FUNCTION_WORDS for w in p)):
                topic_scores[topic] += KEYWORD_BONUS
        unknown = sum(1 for w in set(words) if w not in GENERIC and w not in self.vocabulary)
        for topic in topic_scores:
            topic_scores[topic] -= UNKNOWN_PENALTY * min(unknown, 3)
        elliptical = self._elliptical(query)
        if focus is not None and focus in topic_scores:
            bonus = FOCUS_BONUS + (ELLIPSIS_BONUS if elliptical else 0.0)
            topic_scores[focus] += bonus
        topic, best = max(topic_scores.items(), key=lambda item: item[1])
        if best < MIN_SCORE:
            return Match(None, None, best, elliptical, query)
        line = self._line(topic, nodes, set(said))
        return Match(topic, line, best, elliptical and topic == focus, query)

    def _elliptical(self, query: str) -> bool:
        if MORE_PLEASE.search(query):
            return True
        words = lemmas(query)
        points = any(w in POINTERS for w in words)
        return self.specificity(query) < (0.75 if points else 0.35)

    def _line(self, topic: Topic, nodes: NDArray[np.float32], said: set[str]) -> str | None:
        """The deeper line asked about, if one clearly beats the topic's surface."""
        own = [i for i, n in enumerate(self.nodes) if n.topic == topic]
        surface = next(float(nodes[i]) for i in own if self.nodes[i].line is None)
        deeper = [
            i for i in own if self.nodes[i].line is not None and self.nodes[i].line not in said
        ]
        if not deeper:
            return None
        best = max(deeper, key=lambda i: float(nodes[i]))
        return self.nodes[best].line if float(nodes[best]) > surface + LINE_MARGIN else None

    def rank_deeper(self, topic: Topic, text: str, said: Iterable[str]) -> list[str]:
        """The topic's deeper lines not said yet, the one closest to `text` first."""
        done = set(said)
        nodes = self.score(text)
        own = [
            i
            for i, n in enumerate(self.nodes)
            if n.topic == topic and n.line is not None and n.line not in done
        ]
        own.sort(key=lambda i: -float(nodes[i]))
        return [line for i in own if (line := self.nodes[i].line) is not None]

    def answer(self, match: Match, said: Iterable[str]) -> str | None:
        """The deeper line that answers a matched message, or None for the topic's surface.

        A line asked about specifically comes first; a follow-up on a topic whose surface was
        said already (or an elliptical one: "how did she take it?") goes one layer deeper, to
        the unsaid deeper line closest to what was asked.
        """
        if match.topic is None:
            return None
        if match.line is not None:
            return match.line
        done = set(said)
        surface = [
            line
            for line, node in self.owner.items()
            if node.topic == match.topic and node.line is None
        ]
        if match.elliptical or any(line in done for line in surface):
            ranked = self.rank_deeper(match.topic, match.query, done)
            return ranked[0] if ranked else None
        return None

    def topic_of(self, line: str) -> Topic | None:
        node = self.owner.get(line)
        return None if node is None else node.topic


def question_part(text: str) -> str:
    """The sentences that ask something: "I'm a nurse. How did you get into this?" asks the
    second. A message that asks nothing is matched whole."""
    sentences = [s for s in SENTENCE.split(text.strip()) if s]
    asking = [s for s in sentences if "?" in s or MORE_PLEASE.search(s)]
    return " ".join(asking) if asking else text


def _topics(persona: Persona) -> Iterable[tuple[Topic, Fact | Hook, Sequence[str]]]:
    for fact in persona.facts:
        yield Topic("fact", fact.topic), fact, fact.answers
    for hook in persona.hooks:
        yield Topic("hook", hook.id), hook, hook.reveal


def _idf(bags: list[Counter[str]]) -> dict[str, float]:
    """Inverse node frequency, scaled so that a word found in one node in twenty counts 1."""
    n = len(bags)
    df = Counter(w for bag in bags for w in bag if w not in GENERIC)
    scale = math.log(20)
    return {w: min(1.5, math.log(n / d) / scale) for w, d in df.items()}


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


# --- one index per persona version ------------------------------------------------------------

_INDEXES: dict[tuple[str, str], KnowledgeIndex] = {}
_HASHES: dict[int, tuple[Persona, str]] = {}


def knowledge_index(persona: Persona) -> KnowledgeIndex:
    """The persona's index, built on first use; the same content reuses it whatever the object
    (tenant personas are built per request)."""
    key = (persona.id, _content_hash(persona))
    index = _INDEXES.get(key)
    if index is None:
        if len(_INDEXES) >= CACHE_SIZE:
            del _INDEXES[next(iter(_INDEXES))]  # the oldest entry
        index = _INDEXES[key] = KnowledgeIndex(persona)
    return index


def _content_hash(persona: Persona) -> str:
    cached = _HASHES.get(id(persona))
    if cached is not None and cached[0] is persona:
        return cached[1]
    dump = persona.model_dump_json(include={"facts", "hooks"}).encode()
    digest = hashlib.blake2b(dump, digest_size=16).hexdigest()
    if len(_HASHES) >= CACHE_SIZE:
        del _HASHES[next(iter(_HASHES))]
    _HASHES[id(persona)] = (persona, digest)
    return digest
