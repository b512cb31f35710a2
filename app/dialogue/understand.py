"""Which of the persona's lines answers the user's message: matching by meaning, with a focus.

Every fact and hook of a persona is a small tree: the surface (a fact's `answers`, a hook's
`reveal`) and the deeper lines under it. Each node carries the questions it answers, authored in
the persona YAML, plus its own words. They are embedded once per persona version (sentence
embeddings from `app.feedback.embed`; the cache is keyed by persona id and a content hash, so a
large tenant persona is not indexed again every turn) and a message is matched by cosine
similarity, with word overlap and the persona's keywords as two smaller features. The same rows
go through a sentence encoder too (MiniLM, `app.nlp.encoder`), which knows that "how many rounds
do you guys do" asks about the interview process: its nearest question per topic, and how far
ahead that topic is, are features of the learned scorer beside the static embeddings'.

Elliptical and pronoun follow-ups ("which part?", "how did she take it?", "tell me more") carry
almost no words of their own: the topic in focus wins them. A question that names something else
moves the focus. A message that matches nothing well gets no topic: the engine then says so in
character instead of saying whatever comes next.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.dialogue import rerank
from app.feedback.cues import MORE_REQUEST
from app.feedback.embed import DIM, embed, embed_one
from app.feedback.text import NOT_ABBREVIATED
from app.nlp.encoder import encode_cached, encode_one
from app.nlp.lemma import lemma
from app.nlp.threads import onnx_session
from app.personas.schema import Fact, Hook, Persona

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A sentence ends at . ! or ? and a space, but not after "a.m." or the like: "What goes wrong at
# 3 a.m. with twelve thousand drivers?" is one question (session 23: it was read as "with twelve
# thousand drivers?").
SENTENCE = re.compile(rf"(?<=[.!?]){NOT_ABBREVIATED}\s+", re.IGNORECASE)
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
        not no yes if else after before about again anyway first last other well now here
        today lately currently recently anymore""",
    )
)
# Chat shorthand and fillers: typed by real users, about nothing ("omg how did it go??").
CHAT_WORDS = frozenset(
    re.findall(
        r"\w+",
        """lol omg haha hah ha tbh btw idk imo ngl u ur r ya yeah yea yep nope pls plz
        kinda sorta gonna wanna gotta dunno ok okay hey hi hello ah oh um uh hm hmm wait
        anyway anyways though honestly seriously literally basically mean guess suppose""",
    )
)
GENERIC = GENERIC | CHAT_WORDS
POINTERS = frozenset(
    re.findall(r"\w+", "it that this she he they her him them his their those these there")
)
PEOPLE = frozenset(("she", "he", "they", "her", "him", "them", "his", "their"))
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
# The learned scorer (tools/fit_matcher.py writes app/dialogue/matcher.json): a topic's score
# is TOPIC_WEIGHTS . [best cosine to one of its questions, to one of its lines, the same two with
# proper nouns masked, share of the message's rare words it uses, a keyword hit, a proper noun it
# names, in focus, in focus and elliptical, has the nearest question of all topics, how much
# nearer than the next topic's, ..., the sentence encoder's best cosine to the topic's questions
# and to its lines, its gap to the next topic and whether it is the nearest]; 'none of them'
# scores NULL_WEIGHTS . [1, share of the message's content words the persona never uses, how many
# (/3), an unknown proper noun, elliptical with a focus, no content words at all, ..., the
# sentence encoder's best cosine to any question].
TOPIC_FEATURES = (
    "question", "line", "question_masked", "line_masked", "lexical", "keyword", "named",
    "focus", "focus_elliptical", "nearest", "gap", "question_top3", "centroid",
    "centroid_questions", "centroid_centered", "size", "question_whitened", "centroid_whitened",
    "focus_pointer", "focus_specific", "m_question", "m_line", "m_gap", "m_top",
)  # fmt: skip
NULL_FEATURES = (
    "bias", "unknown_share", "unknown_count", "unknown_name", "elliptical", "empty",
    "unfamiliar", "unfamiliar_max", "best_question", "pointer_focus", "m_best_question",
)  # fmt: skip
_WEIGHTS = json.loads((Path(__file__).with_name("matcher.json")).read_text(encoding="utf-8"))
TOPIC_WEIGHTS = np.asarray(
    [_WEIGHTS["topic"].get(f, 0.0) for f in TOPIC_FEATURES], dtype=np.float32
)
NULL_WEIGHTS = np.asarray([_WEIGHTS["null"].get(f, 0.0) for f in NULL_FEATURES], dtype=np.float32)
# Within-topic whitening (tools/fit_matcher.py): directions in which paraphrases of one topic
# differ (the question form, register, typos) count less; those that tell topics apart, more.
_WHITEN_FILE = Path(__file__).with_name("matcher_whiten.npy")
# The second stage (tools/fit_matcher.py writes it too): gradient-boosted trees over the same
# features, which the linear scorer underfits (it gets 0.82 of the development questions it was
# fitted on). One model scores each topic from its own features, the same less the best topic's
# on each, and the message's; the other says whether anything answers at all, from the
# message's features, the linear scorer's best topic and its lead. Without the files the linear
# scorer decides alone. Fitted with scikit-learn, exported with skl2onnx, run by onnxruntime: a
# server does not import scikit-learn and scipy (1.7 s of every start-up) to predict with them.
_TOPIC_TREES = Path(__file__).with_name("matcher_topic.onnx")
_ANSWERABLE_TREES = Path(__file__).with_name("matcher_answerable.onnx")
WHITEN = np.load(_WHITEN_FILE) if _WHITEN_FILE.is_file() else None
LINE_MARGIN = 0.12  # a deeper line must beat the surface by this to be answered first
LINE_TIE = 0.03  # ... and the next deeper line by this, or no one line was asked about,
LINE_CLEAR = 0.6  # unless it is this close: then the question plainly asks for that story
ASKED_AGAIN_MARGIN = 0.2  # a said line must beat every unsaid one by this to be asked again
ASKED_AGAIN_NEAR = 0.7  # ... or be the line of the authored question nearest, this near
BEYOND_TOLD = 0.05  # a told story must beat every untold line by this (word vectors) ...
BEYOND_TOLD_ENCODED = 0.08  # ... and by this (sentence encoder) to be what a question asks past
BEYOND_TOLD_CLEAR = 0.15  # ... or by this in the encoder alone, when the word vectors lean its way
NEAR_QUESTION = 0.85  # a message this close to an authored question asks that, not "go on"
VERBATIM = 0.97  # ... and this close, it is that question, whatever the topic in focus
FOCUS_LINE_MARGIN = 0.05  # an untold line of the focus beating every line of the chosen topic
ECHO_HOLDS = 0.9  # the whole message's score for the focus that keeps it over the question's
QUESTION_OWN = 0.6  # ... unless the question alone scores its own topic this high (session 23)
FOCUS_SHARE = 0.5  # a pointing question goes to the focus scoring at least this share of the best
CACHE_SIZE = 256


def lemmas(text: str) -> tuple[str, ...]:
    return tuple(_lemma(w) for w in WORD.findall(text.lower().replace("\u2019", "'")))


def _lemma(word: str) -> str:
    return lemma(word).lower()


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
class Centroids:
    """Per topic, unit rows: all its rows averaged, its questions averaged, the same less the
    persona's average question, and whitened."""

    rows: NDArray[np.float32]
    questions: NDArray[np.float32]
    centred: NDArray[np.float32]
    whitened: NDArray[np.float32]

    def similarity(
        self, text: str, masked: str, question_mean: NDArray[np.float32]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]:
        return (
            np.maximum(self.rows @ embed_one(masked), 0.0),
            np.maximum(self.questions @ embed_one(text), 0.0),
            self.centred @ _unit(embed_one(text) - question_mean),
        )


@dataclass(frozen=True, slots=True)
class Scored:
    topic_scores: dict[Topic, float]
    node_scores: NDArray[np.float32]


class KnowledgeIndex:
    """A persona's questions and lines, embedded; built once per persona version."""

    def __init__(self, persona: Persona) -> None:
        # The trees decide for the personas they were fitted on; for any other (a tenant's),
        # the linear scorer, which carries better to a persona it never saw (leave one
        # persona out: 0.817 against 0.798 with the trees; tools/fit_matcher.py).
        trees = _trees()
        self.trees = trees[:2] if trees is not None and persona.id in trees[2] else None
        # The cross-encoder's second opinion on the best few topics, where the trees decide
        # (its blend weights were fitted against the trees' scores).
        self.reranker = rerank.model() if self.trees is not None else None
        self.topic_text = {Topic(*key): text for key, text in rerank.topic_text(persona).items()}
        self.nodes: list[Node] = []
        self.keywords: dict[Topic, list[tuple[str, ...]]] = {}
        self.owner: dict[str, Node] = {}  # each line (and each wording of one) -> its node
        self.wordings: dict[str, list[str]] = {}  # a deeper line -> its wordings, itself first
        self.canonical: dict[str, str] = {}  # a wording of a deeper line -> the line
        texts: list[str] = []
        rows_node: list[int] = []
        rows_weight: list[float] = []
        bags: list[Counter[str]] = []
        for topic, item, line, questions, own_lines in _layers(persona):
            self.keywords[topic] = [lemmas(k) for k in item.keywords]
            number = len(self.nodes)
            self.nodes.append(Node(topic, line))
            self.owner.update(dict.fromkeys(own_lines, self.nodes[-1]))
            if line is not None:  # a deeper line's other wordings say the same line
                self.wordings[line] = list(own_lines)
                self.canonical.update(dict.fromkeys(own_lines, line))
            for text, weight in _rows(questions, own_lines):
                texts.append(text)
                rows_node.append(number)
                rows_weight.append(weight)
            bag = Counter(w for t in [*questions, *own_lines, *item.keywords] for w in lemmas(t))
            bags.append(bag)
        self.embedded = embed(texts)  # unit rows, one per question or line sentence
        # The same rows through the sentence encoder (MiniLM): paraphrases by meaning. Read
        # from disk after the first process has embedded this persona version.
        self.encoded = encode_cached(texts)
        self.encoded_row = {text: row for row, text in reversed(list(enumerate(texts)))}
        self.rows = self.embedded * np.asarray(rows_weight, dtype=np.float32)[:, None]
        self.row_node = np.asarray(rows_node, dtype=np.int32)
        self.row_text = texts
        self.vocabulary = _idf(bags)
        self.node_words = [frozenset(bag) for bag in bags]
        self.node_topic = [n.topic for n in self.nodes]
        # Per topic: which rows are its questions and which its own lines.
        self.topics: list[Topic] = list(dict.fromkeys(self.node_topic))
        topic_number = {t: i for i, t in enumerate(self.topics)}
        self.row_topic = np.asarray(
            [topic_number[self.node_topic[n]] for n in rows_node], dtype=np.int32
        )
        self.row_question = np.asarray([w == 1.0 for w in rows_weight], dtype=bool)
        topic_bags: list[Counter[str]] = [Counter() for _ in self.topics]
        for node, bag in zip(self.nodes, bags, strict=True):
            topic_bags[topic_number[node.topic]].update(bag)
        self.topic_words = [frozenset(bag) for bag in topic_bags]
        # The persona's own names ("Priya", "Ravi"): a user addressing them names no topic.
        self.own_names = frozenset(lemmas(persona.name))
        # Each word the persona uses, embedded alone: 'ppl' or 'recruit' in a message is near a
        # word it knows ('people', 'recruiter'), 'parking' is not.
        self.word_list = sorted(self.vocabulary)
        self.word_vectors = embed(self.word_list)
        self.topic_question_rows = [
            np.flatnonzero((self.row_topic == i) & self.row_question)
            for i in range(len(self.topics))
        ]
        # Keyword phrases with a word that says something ("what do you do" says nothing).
        self.informative_keywords = {
            topic: {p for p in phrases if any(w not in FUNCTION_WORDS for w in p)}
            for topic, phrases in self.keywords.items()
        }
        self.longest_keyword = max(
            (len(p) for phrases in self.keywords.values() for p in phrases), default=1
        )
        # Rows are added topic by topic, node by node: each group is one slice, and its best
        # row is one reduceat (np.maximum.at is a hundred times slower).
        self.node_starts = _starts(self.row_node, len(self.nodes))
        self.topic_starts = _starts(self.row_topic, len(self.topics))
        counts = np.bincount(self.row_topic, minlength=len(self.topics)).astype(np.float32)
        # More rows, a higher best cosine by chance alone.
        self.topic_size = np.log1p(counts) / 5.0
        self.question_mean = (
            self.embedded[self.row_question].mean(axis=0)
            if self.row_question.any()
            else np.zeros(DIM, dtype=np.float32)
        )
        self.whitened = _rows_unit(self.embedded @ _whiten().T)
        self.centroids = self._centroids(np.ones(len(self.row_text), dtype=bool))

    # -- scoring ---------------------------------------------------------------------------

    def score(self, text: str) -> NDArray[np.float32]:
        """Each node's similarity to `text`: the best of its rows, plus shared rare words."""
        sims = self.rows @ embed_one(text)
        best = _group_max(sims, self.node_starts)
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

    def features(
        self, text: str, focus: Topic | None = None, exclude: str | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """What the learned scorer sees: one row of TOPIC_FEATURES per topic (in `self.topics`
        order) and the NULL_FEATURES of the message ("does the persona know anything about
        this at all?"). `exclude` leaves out rows with exactly that text (the tool that fits
        the weights asks each authored question without its own row)."""
        names, masked = _names(text, self.own_names)
        sims = self.embedded @ embed_one(text)
        masked_sims = self.embedded @ embed_one(masked) if masked != text else sims
        keep = np.ones(len(self.row_text), dtype=bool)
        centroids = self.centroids
        if exclude is not None:
            keep = np.asarray([t != exclude for t in self.row_text], dtype=bool)
            sims = np.where(keep, sims, -1.0)
            masked_sims = np.where(keep, masked_sims, -1.0)
            centroids = self._centroids(keep)
        n = len(self.topics)
        q_sims = np.where(self.row_question, sims, -1.0)
        l_sims = np.where(self.row_question, -1.0, sims)
        qm_sims = np.where(self.row_question, masked_sims, -1.0)
        lm_sims = np.where(self.row_question, -1.0, masked_sims)
        best = np.maximum(
            np.stack(
                [
                    _group_max(values, self.topic_starts)
                    for values in (q_sims, l_sims, qm_sims, lm_sims)
                ]
            ),
            0.0,
        )
        words = [w for w in lemmas(text) if w not in self.own_names]
        content = {w for w in words if w not in GENERIC and len(w) > 2}
        total = sum(self.vocabulary.get(w, 0.0) for w in content)
        lex = np.zeros(n, dtype=np.float32)
        keyword = np.zeros(n, dtype=np.float32)
        named = np.zeros(n, dtype=np.float32)
        number = {t: i for i, t in enumerate(self.topics)}
        for i, bag in enumerate(self.topic_words):
            if total > 0:
                lex[i] = sum(self.vocabulary.get(w, 0.0) for w in content & bag) / total
            if names & bag:
                named[i] = 1.0
        spans = _ngrams(tuple(words), self.longest_keyword)
        for topic, phrases in self.informative_keywords.items():
            if not phrases.isdisjoint(spans):
                keyword[number[topic]] = 1.0
        top3 = np.zeros(n, dtype=np.float32)
        for i, rows in enumerate(self.topic_question_rows):
            if len(rows):
                values = q_sims[rows]
                k = min(3, len(values))
                top3[i] = max(float(np.partition(values, -k)[-k:].mean()), 0.0)
        elliptical = self._elliptical(text, float(best[0].max()))
        # "Has it hit Northwind too?", "how's it going for him?": a pronoun points at the focus.
        pointer = float(focus is not None and any(w in POINTERS for w in words))
        in_focus = np.zeros(n, dtype=np.float32)
        if focus is not None and focus in number:
            in_focus[number[focus]] = 1.0
        # How far ahead of the other topics: the nearest question decides more than its cosine.
        gap = best[0] - _second_best(best[0])
        top = (gap > 0).astype(np.float32)
        topic_features = np.stack(
            [
                best[0],
                best[1],
                best[2],
                best[3],
                lex,
                keyword,
                named,
                in_focus,
                in_focus * float(elliptical),
                top,
                gap,
                top3,
                *centroids.similarity(text, masked, self.question_mean),
                self.topic_size,
                self._whitened(text, keep),
                np.maximum(centroids.whitened @ _unit(_whiten() @ embed_one(text)), 0.0),
                in_focus * pointer,
                # "Where do you work now?" names its own subject: the focus should count less.
                in_focus * self.specificity(text),
            ],
            axis=1,
        )
        encoded_sims = self.encoded @ self._encode(text)
        if exclude is not None:
            encoded_sims = np.where(keep, encoded_sims, -1.0)
        encoded_best = np.maximum(
            np.stack(
                [
                    _group_max(np.where(self.row_question, encoded_sims, -1.0), self.topic_starts),
                    _group_max(np.where(self.row_question, -1.0, encoded_sims), self.topic_starts),
                ]
            ),
            0.0,
        )
        encoded_gap = encoded_best[0] - _second_best(encoded_best[0])
        topic_features = np.concatenate(
            [
                topic_features,
                np.stack(
                    [
                        encoded_best[0],
                        encoded_best[1],
                        encoded_gap,
                        (encoded_gap > 0).astype(np.float32),
                    ],
                    axis=1,
                ),
            ],
            axis=1,
        )
        unknown = [w for w in content if w not in self.vocabulary]
        unknown_names = [w for w in names if w not in self.vocabulary]
        null_features = np.asarray(
            [
                1.0,
                len(unknown) / max(len(content), 1),
                min(len(unknown), 3) / 3,
                float(bool(unknown_names)),
                float(elliptical and focus is not None),
                float(not content),
                *self._unfamiliar(content),
                float(best[0].max()),
                pointer,
                float(encoded_best[0].max()),
            ],
            dtype=np.float32,
        )
        return topic_features, null_features

    def _encode(self, text: str) -> NDArray[np.float32]:
        """The sentence encoder's embedding of `text` (an authored question's from its row)."""
        row = self.encoded_row.get(text)
        return self.encoded[row] if row is not None else encode_one(text)

    def _encoded_nodes(self, text: str) -> NDArray[np.float32]:
        """Each node's sentence-encoder similarity to `text`: its best row's."""
        return _group_max(self.encoded @ self._encode(text), self.node_starts)

    def _centroids(self, keep: NDArray[np.bool_]) -> Centroids:
        """Each topic's rows averaged (of the rows kept): what its paraphrases share, less what
        one of them happens to say."""
        size = (len(self.topics), DIM)
        rows, questions = np.zeros(size, np.float32), np.zeros(size, np.float32)
        np.add.at(rows, self.row_topic[keep], self.embedded[keep])
        asked = keep & self.row_question
        np.add.at(questions, self.row_topic[asked], self.embedded[asked])
        count = np.bincount(self.row_topic[asked], minlength=len(self.topics))
        # Less what all the persona's questions share ("what", "you", the question form).
        centred = questions / np.maximum(count, 1)[:, None] - self.question_mean
        return Centroids(
            _rows_unit(rows),
            _rows_unit(questions),
            _rows_unit(centred),
            _rows_unit(_rows_unit(questions) @ _whiten().T),
        )

    def _whitened(self, text: str, keep: NDArray[np.bool_]) -> NDArray[np.float32]:
        """Each topic's nearest question, compared after whitening."""
        query = _unit(_whiten() @ embed_one(text))
        sims = np.where(self.row_question & keep, self.whitened @ query, -1.0)
        return np.maximum(_group_max(sims, self.topic_starts), 0.0)

    def _unfamiliar(self, content: set[str]) -> tuple[float, float]:
        """How far the message's content words are from every word the persona uses (0 for a
        word it uses; about 0.5 for one it has no kin for), the mean and the largest."""
        if not content or not len(self.word_list):
            return 0.0, 0.0
        distances = []
        for word in content:
            if word in self.vocabulary:
                distances.append(0.0)
                continue
            nearest = float((self.word_vectors @ embed_one(word)).max())
            distances.append(1.0 - max(nearest, 0.0))
        return sum(distances) / len(distances), max(distances)

    def topic_scores(
        self, text: str, focus: Topic | None = None, exclude: str | None = None
    ) -> tuple[NDArray[np.float32], float]:
        """Each topic's score, and how sure the scorer is that one of them answers at all
        (below zero: none of them does)."""
        return score_features(*self.features(text, focus, exclude), self.trees)

    def nearest_topic(self, text: str) -> Topic:
        """The topic closest to `text`, with no 'none of them': what a persona's own question
        is about ("Did you catch the talk?" is about the talk, whatever words it uses)."""
        scores, _ = self.topic_scores(question_part(text))
        return self.topics[int(np.argmax(scores))]

    def match(self, text: str, focus: Topic | None = None, said: Iterable[str] = ()) -> Match:
        """The topic (and, when asked about specifically, the deeper line) that answers `text`.

        `focus` is the topic the persona was just talking about; `said` the lines already said
        (a follow-up on the focus goes to a deeper line not said yet). The topic is the best
        of a linear scorer over similarity features, unless 'none of them' scores higher:
        then nothing the persona knows answers the message. Where the trees decide, the
        cross-encoder (`app.dialogue.rerank`) has its say on the best few topics first.
        """
        query = question_part(text)
        named = self._named_before(text, query)
        if named is not None:
            # "Losing the Wall Street job in 2009 sounds brutal. What was that time like?": the
            # question points at what the sentence before it named, not at the focus.
            query = named
        base = self.topic_scores(query, focus)
        scores, margin = self._reranked(query, *base)
        pointed = self._pointed_before(text, query) if margin < 0 and named is None else None
        if pointed is not None:
            # "Friday afternoons only for the no calls, that's kind. Why keep that slot?": the
            # question alone matches nothing; 'that slot' is what the sentence before named.
            again, again_margin = self._reranked(pointed, *self.topic_scores(pointed, focus))
            if again_margin >= 0:
                query, scores, margin = pointed, again, again_margin
        best_index = int(np.argmax(scores))
        nearest, asked = self._nearest_question_row(query)
        # "A stranger got you a job? How did that happen?": the last question is what is asked,
        # and it continues the focus even when the echo before it names things.
        tail = [s for s in SENTENCE.split(query) if "?" in s or MORE_PLEASE.search(s)][-1:]
        last = tail[0] if tail and tail[0] != query else query
        elliptical = self._elliptical(last, self._nearest_question_row(last)[0])
        topic = self.topics[best_index]
        if nearest >= VERBATIM:
            # The author's own question, near word for word: the author said what it is about.
            topic = self.topics[int(self.row_topic[asked])]
        elif elliptical and focus in self.topics and named is None:
            # "Which part?", "how did you get it that low?": nothing of its own to match, so it
            # continues the focus, never "no idea" and never a topic it happens to resemble.
            topic = focus
        elif named is None and self._points_back(last, focus, scores, best_index):
            # "How did you get people to actually write them?": 'them' are what was just said;
            # the focus wins over a topic that only resembles the wording ("how did you get").
            topic = focus  # type: ignore[assignment]
        elif named is None and self._focus_line_nearer(last, focus, topic, set(said)):
            # "What kind of thank-you gets you?" while she talks of staying for the nurses:
            # her Fresno note fits it better than anything of the culture topic the scorer
            # preferred for 'thank-you' (its Slack channel of notes).
            topic = focus  # type: ignore[assignment]
        elif named is None and self._echo_holds_focus(text, query, focus, best_index):
            # "One week in six so you still know what you're asking of people. What did the
            # last week teach you?": the question alone reads as about her talks; with the
            # echo before it, it is plainly still about her pager.
            topic = focus  # type: ignore[assignment]
        elif named is None and self._author_holds_focus(focus, base[0], nearest, asked):
            # "Why Sacramento in particular?" while she tells of the mis-picks: near word for
            # word a question written for her pain point, which the scorer put first too; the
            # cross-encoder, reading the words alone, preferred her Sacramento office.
            topic = focus  # type: ignore[assignment]
        elif margin < 0:
            return Match(None, None, margin, elliptical, query)
        line = self._line(topic, query, set(said))
        authored = self._authored_line_asked(topic, last, set(said), elliptical)
        if authored is not None:
            # "Is there anything I should read up on before I meet him?" is, near word for
            # word, the question the author wrote for a story already told: that story again,
            # not the next one of the topic. "Forty grand a month and two big accounts
            # wobbling. How did it get this bad?" asks the cause, whatever the echo names.
            line = authored
        return Match(topic, line, margin, elliptical and topic == focus, query)

    def _authored_line_asked(
        self, topic: Topic, question: str, said: set[str], elliptical: bool
    ) -> str | None:
        """The deeper line of `topic` whose authored question `question` all but is; a line
        already said only for a question that is not elliptical ("and then?" wants more)."""
        nearest, row = self._nearest_question_row(question)
        if nearest < NEAR_QUESTION:
            return None
        line = self.nodes[int(self.row_node[row])].line
        if self.nodes[int(self.row_node[row])].topic != topic or line is None:
            return None
        return None if line in said and elliptical else line

    def _reranked(
        self, query: str, scores: NDArray[np.float32], margin: float
    ) -> tuple[NDArray[np.float32], float]:
        """The scores and margin with the cross-encoder's say on the best few topics."""
        if self.reranker is None:
            return scores, margin
        best = [int(i) for i in np.argsort(-scores, kind="stable")[: rerank.CANDIDATES]]
        texts = [self.topic_text[self.topics[i]] for i in best]
        return self.reranker.blend(scores, margin, best, self.reranker.probabilities(query, texts))

    def _nearest_question_row(self, text: str) -> tuple[float, int]:
        """The cosine of the authored question nearest to `text`, and its row."""
        sims = np.where(self.row_question, self.embedded @ embed_one(text), -1.0)
        row = int(np.argmax(sims))
        return float(sims[row]), row

    def _points_back(
        self, query: str, focus: Topic | None, scores: NDArray[np.float32], best: int
    ) -> bool:
        """A question whose pronoun points at what was just said, with the topic in focus a
        close second to the best: 'them' and 'it' decide between the two."""
        if focus not in self.topics or self.topics[best] == focus:
            return False
        words = re.findall(r"[a-z]+", query.lower())
        pointers = [i for i, w in enumerate(words) if w in POINTERS]
        if not pointers:
            return False
        if words[pointers[0]] in PEOPLE and {"a", "an"} & set(words[: pointers[0]]):
            # "How do you check in with a candidate without making them feel tested?": 'them'
            # is the candidate the question itself names, not someone just talked about.
            return False
        return float(scores[self.topics.index(focus)]) >= FOCUS_SHARE * float(scores[best])

    def _echo_holds_focus(self, text: str, query: str, focus: Topic | None, best: int) -> bool:
        """The question alone goes elsewhere, but the whole message, the statement before the
        question included, is surely about the topic in focus."""
        if query == text or focus not in self.topics or self.topics[best] == focus:
            return False
        alone, _ = self.topic_scores(query, focus)
        if float(alone[best]) >= QUESTION_OWN:
            # "Conference coffee doesn't count, fair. What do you do at Freightline?": the
            # question plainly asks about a subject of its own; the echo before it was manners.
            return False
        whole, whole_margin = self.topic_scores(text, focus)
        mine = self.topics.index(focus)  # type: ignore[arg-type]
        return (
            whole_margin >= 0 and int(np.argmax(whole)) == mine and float(whole[mine]) >= ECHO_HOLDS
        )

    def _author_holds_focus(
        self, focus: Topic | None, base: NDArray[np.float32], nearest: float, asked: int
    ) -> bool:
        """The question is close to one the author wrote for the topic in focus, and the scorer
        (before the cross-encoder's say) put the focus first."""
        if focus not in self.topics or nearest < NEAR_QUESTION:
            return False
        mine = self.topics.index(focus)  # type: ignore[arg-type]
        return int(self.row_topic[asked]) == mine and int(np.argmax(base)) == mine

    def _focus_line_nearer(
        self, query: str, focus: Topic | None, topic: Topic, said: set[str]
    ) -> bool:
        """An untold line of the topic in focus fits the question clearly better than any line
        of the topic the scorer chose."""
        if focus not in self.topics or topic == focus:
            return False
        nodes = self.score(query)
        mine = [
            float(nodes[i])
            for i, n in enumerate(self.nodes)
            if n.topic == focus and n.line is not None and n.line not in said
        ]
        other = [float(nodes[i]) for i, n in enumerate(self.nodes) if n.topic == topic]
        return bool(mine) and max(mine) >= max(other) + FOCUS_LINE_MARGIN

    def _named_before(self, text: str, query: str) -> str | None:
        """The statement before an elliptical question and the question, when the statement
        names a subject of its own (two words the persona uses rarely), else None."""
        if query == text or not self._elliptical(query):
            return None
        before = _statement_before(text, query)
        if before is None or self.specificity(before) < 1.0:
            return None
        return f"{before} {query}"

    @staticmethod
    def _pointed_before(text: str, query: str) -> str | None:
        """The statement before a question and the question, when the question points back
        with a pronoun ('that slot', 'why do it') and the statement asks nothing, else None."""
        if query == text or not POINTERS & set(WORD.findall(query.lower())):
            return None
        before = _statement_before(text, query)
        return None if before is None else f"{before} {query}"

    def _elliptical(self, query: str, nearest: float = 0.0) -> bool:
        """'Which part?', 'what made her say that?', 'tell me more': nothing of its own to
        match, so it continues the topic in focus. A message with a word that names something
        ('What does Northwind do?', 'How did the race go?') is not elliptical, however often
        the persona uses that word; "what is he like to work for?" is, since 'he' points at
        the focus."""
        if MORE_PLEASE.search(query):
            return True
        if nearest >= NEAR_QUESTION:
            return False  # "What do you do?" is short, but it is one of the persona's questions
        words = lemmas(query)
        content = [w for w in words if w not in GENERIC and len(w) > 2 and w not in self.own_names]
        # "What is he like to work for?": a pronoun points at the focus, one word qualifies it.
        return not content or (any(w in POINTERS for w in words) and len(content) <= 1)

    def _line(self, topic: Topic, query: str, said: set[str]) -> str | None:
        """The deeper line asked about, if one clearly beats the topic's surface."""
        nodes = self.score(query)
        own = [i for i, n in enumerate(self.nodes) if n.topic == topic]
        surface = next(float(nodes[i]) for i in own if self.nodes[i].line is None)
        deeper = [
            i for i in own if self.nodes[i].line is not None and self.nodes[i].line not in said
        ]
        if not deeper:
            return None
        ranked = sorted(deeper, key=lambda i: -float(nodes[i]))
        best = float(nodes[ranked[0]])
        if best <= surface + LINE_MARGIN:
            return None
        told = [i for i in own if self.nodes[i].line in said]
        if told and self._told_nearer(told, ranked[0], nodes, query):
            # "How did she figure out that was the thing to fix?" just after the story of the
            # woman who fixed it: the story told fits better than any untold one, so no untold
            # line was asked about (whether the persona knows more is `knows_more`'s call).
            return None
        if best < LINE_CLEAR and len(ranked) > 1 and best - float(nodes[ranked[1]]) < LINE_TIE:
            # Two stories fit about equally, and neither well ("How did you figure out what
            # you wanted to do?": the drought model, his mother): the topic was asked about.
            return None
        return self.nodes[ranked[0]].line

    def _told_nearer(
        self, told: list[int], fresh: int, nodes: NDArray[np.float32], query: str
    ) -> bool:
        """A told line is nearer the question than the untold line `fresh` in the word vectors,
        and clearly nearer in the sentence encoder ("Why did your mum say 'finally'?" after
        'my mother said finally' is close to both: it asks for the untold why)."""
        best = max(told, key=lambda i: float(nodes[i]))
        if float(nodes[best]) <= float(nodes[fresh]):
            return False
        encoded = self._encoded_nodes(query)
        return float(encoded[best]) - float(encoded[fresh]) >= BEYOND_TOLD_CLEAR

    def rank_deeper(self, topic: Topic, text: str, said: Iterable[str]) -> list[str]:
        """The topic's deeper lines not said yet, the one closest to `text` first."""
        return self._rank_deeper(topic, self.score(text), set(said))

    def _rank_deeper(
        self,
        topic: Topic,
        nodes: NDArray[np.float32],
        done: set[str],
        question: str | None = None,
    ) -> list[str]:
        own = [
            i
            for i, n in enumerate(self.nodes)
            if n.topic == topic and n.line is not None and n.line not in done
        ]
        own.sort(key=lambda i: -float(nodes[i]))
        if len(own) > 1:
            best = float(nodes[own[0]])
            close = [i for i in own if best - float(nodes[i]) < LINE_TIE]
            if question is None:
                # Lines that fit 'and then?' about equally are told in the order they were
                # written: a story's next line often presupposes the one before it.
                first = min(close)  # nodes are indexed in authored order
            else:
                # A question with words of its own is decided by the sentence encoder: "Did
                # someone from the pharmacy side end up on his team?" gets his career changers,
                # not the sticky note written before them; "what made that part feel real?"
                # the 2 a.m. outage before "after that night, handovers became mandatory".
                encoded = self._encoded_nodes(question)
                first = max(close, key=lambda i: float(encoded[i]))
            own.remove(first)
            own.insert(0, first)
        return [line for i in own if (line := self.nodes[i].line) is not None]

    def _asked_again(
        self, topic: Topic, text: str, nodes: NDArray[np.float32], done: set[str]
    ) -> str | None:
        """The deeper line already said that `text` plainly asks about, when no unsaid one
        comes close: "What was that drought model like to build?" right after the drought
        model is answered by that story again, not by the next line of the topic."""
        own = [i for i, n in enumerate(self.nodes) if n.topic == topic]
        surface = next(float(nodes[i]) for i in own if self.nodes[i].line is None)
        told = [i for i in own if self.nodes[i].line in done]
        if not told:
            return None
        best = max(told, key=lambda i: float(nodes[i]))
        fresh = max(
            (float(nodes[i]) for i in own if self.nodes[i].line is not None and i not in told),
            default=0.0,
        )
        score = float(nodes[best])
        if score <= surface + LINE_MARGIN or score <= fresh + ASKED_AGAIN_MARGIN:
            return None
        line = self.nodes[best].line
        assert line is not None
        # A question nearest to one the author wrote for that story asks for it again ("Before
        # I meet him, what's one thing you'd want me to ask him?" after "ask him about the
        # ambulance years"), whatever new words it brings.
        near, row = self._nearest_question_row(text)
        if near >= ASKED_AGAIN_NEAR and int(self.row_node[row]) == best:
            return line
        # Otherwise only a question in that story's own words asks for it again: "When the
        # error count is high, what's usually behind it?" quotes the pick-report line to ask
        # something new.
        told_words = {w for wording in self.wordings_of(line) for w in lemmas(wording)}
        new = [w for w in lemmas(text) if w not in GENERIC and len(w) > 2 and w not in told_words]
        return None if new else line

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
        if match.elliptical or self._surface_said(match.topic, done):
            nodes = self.score(match.query)
            if not match.elliptical:
                again = self._asked_again(match.topic, match.query, nodes, done)
                if again is not None:
                    return again
            question = None if match.elliptical else match.query
            ranked = self._rank_deeper(match.topic, nodes, done, question)
            return ranked[0] if ranked else None
        return None

    def knows_more(self, match: Match, said: Iterable[str]) -> bool:
        """False when a follow-up asks about a story already told for something none of the
        topic's lines says: "How did she end up fixing the logout thing?" after the story of
        the woman who fixed it. The told story is by far the nearest line (in both
        representations) and no untold line comes close, so the persona says it does not know
        rather than telling the topic's next story. `tools/eval_knows_more.py` replays the dev
        questions as conversations: it fired on none whose writer named an untold line."""
        if match.topic is None or match.line is not None or match.elliptical:
            return True
        done = set(said)
        own = [i for i, n in enumerate(self.nodes) if n.topic == match.topic]
        told = [i for i in own if self.nodes[i].line in done]
        if not told:
            return True
        nodes = self.score(match.query)
        if self._asked_again(match.topic, match.query, nodes, done) is not None:
            return True
        surface = next(float(nodes[i]) for i in own if self.nodes[i].line is None)
        fresh = [i for i in own if self.nodes[i].line is not None and i not in told]
        best = max(told, key=lambda i: float(nodes[i]))
        if float(nodes[best]) <= surface + LINE_MARGIN:
            return True  # the question is about the topic, not about that story
        rival = max(fresh, key=lambda i: float(nodes[i]), default=None)
        if rival is None:
            return False
        ahead = float(nodes[best]) - float(nodes[rival])
        if ahead <= 0:
            return True
        # The rival is the same untold line in both representations: one the encoder alone
        # finds near is no answer the word vectors missed ("How did she figure out that was
        # the thing to fix?" and Priya's flyer, "One page. What we build...", 0.68 to the
        # story's 0.80, session 27).
        encoded = self._encoded_nodes(match.query)
        nearest_fresh = float(encoded[rival])
        clear = BEYOND_TOLD_ENCODED if ahead >= BEYOND_TOLD else BEYOND_TOLD_CLEAR
        return float(encoded[best]) - nearest_fresh < clear

    def surface_lines(self, topic: Topic) -> list[str]:
        """The topic's surface lines: its answers, not its deeper lines."""
        return [
            line for line, node in self.owner.items() if node.topic == topic and node.line is None
        ]

    def _surface_said(self, topic: Topic, done: set[str]) -> bool:
        return any(line in done for line in self.surface_lines(topic))

    def line_of(self, wording: str) -> str:
        """The deeper line a wording says (a surface line or an unknown one: itself)."""
        return self.canonical.get(wording, wording)

    def wordings_of(self, line: str) -> list[str]:
        """A line's wordings: a deeper line's authored variants too, the line first."""
        return self.wordings.get(line, [line])

    def topic_of(self, line: str) -> Topic | None:
        node = self.owner.get(line)
        return None if node is None else node.topic


PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z][a-zA-Z]*(?:['\u2019]s)?\b")
NOT_PROPER = frozenset({"i", "i'm", "i've", "i'd", "i'll", "ok", "okay"})


def _names(text: str, own: frozenset[str]) -> tuple[frozenset[str], str]:
    """The proper nouns of `text` (capitalised, not at the start of a sentence) as lemmas, and
    the text without them nor the persona's own name: "What's the best burger in Seattle?"
    is about burgers, whatever the persona says about Seattle."""
    found: set[str] = set()

    def drop(match: re.Match[str]) -> str:
        word = match.group(0).lower().replace("\u2019", "'").removesuffix("'s")
        if word in NOT_PROPER:
            return match.group(0)
        found.add(_lemma(word))
        return ""

    stripped = text.strip()
    masked = PROPER.sub(drop, stripped)
    masked = " ".join(w for w in WORD_SPLIT.split(masked) if w.lower().strip(",.?!") not in own)
    return frozenset(found - own), masked.strip() or stripped


WORD_SPLIT = re.compile(r"\s+")
# A sentence worded as a question, with or without its question mark ("so what does it even
# mean lol"); "what a day" and "how fun" are exclamations.
OPENS_AS_QUESTION = re.compile(
    r"(?i)^(?:(?:so|and|but|ok|okay|well|then|anyway)\W+)*(?:(?:what|how|why|where|when|who|"
    r"which)\b(?! an?\b)(?!\s+\w+\W*$)|(?:do|does|did|is|are|was|were|can|could|would|will|"
    r"have|has)\s+(?:you|your|she|he|they|it|that|the|people)\b)"
)


class TreeModel:
    """A binary classifier exported by tools/fit_matcher.py, with scikit-learn's
    `predict_proba`; the persona ids it was fitted on are in the model's metadata."""

    def __init__(self, path: Path) -> None:
        self.session = onnx_session(path)  # one thread: a dozen rows a question
        self.input = self.session.get_inputs()[0].name
        personas = self.session.get_modelmeta().custom_metadata_map.get("personas", "")
        self.personas = frozenset(p for p in personas.split(",") if p)

    def predict_proba(self, rows: NDArray[np.float32]) -> NDArray[np.float32]:
        feeds = {self.input: np.ascontiguousarray(rows, dtype=np.float32)}
        probabilities: NDArray[np.float32] = self.session.run(["probabilities"], feeds)[0]
        return probabilities


@lru_cache(maxsize=1)
def _trees() -> tuple[TreeModel, TreeModel, frozenset[str]] | None:
    """The second stage's two models and the persona ids they were fitted on, or None where
    the files are absent."""
    if not (_TOPIC_TREES.is_file() and _ANSWERABLE_TREES.is_file()):
        return None
    topic, answerable = TreeModel(_TOPIC_TREES), TreeModel(_ANSWERABLE_TREES)
    return topic, answerable, topic.personas & answerable.personas


def candidate_rows(
    topic_features: NDArray[np.float32], null_features: NDArray[np.float32]
) -> NDArray[np.float32]:
    """What the topic model sees of each topic: its features, the same less the best topic's on
    each, the message's features, and its rank by the two nearest-question cosines."""
    n = len(topic_features)
    lead = topic_features - topic_features.max(axis=0, keepdims=True)
    ranks = [
        np.argsort(np.argsort(-topic_features[:, TOPIC_FEATURES.index(f)]))[:, None]
        for f in ("m_question", "question")
    ]
    message = np.repeat(null_features[None], n, axis=0)
    return np.concatenate([topic_features, lead, message, *ranks], axis=1).astype(np.float32)


def answerable_row(
    topic_features: NDArray[np.float32],
    null_features: NDArray[np.float32],
    topic_weights: NDArray[np.float32] | None = None,
) -> NDArray[np.float32]:
    """What the 'does anything answer it?' model sees: the message's features, the linear
    scorer's best topic's features, its score and lead over the next, each feature's best."""
    linear = topic_features @ (TOPIC_WEIGHTS if topic_weights is None else topic_weights)
    best = int(np.argmax(linear))
    ordered = np.sort(linear)
    lead = ordered[-1] - (ordered[-2] if len(ordered) > 1 else 0.0)
    return np.concatenate(
        [null_features, topic_features[best], [linear[best], lead], topic_features.max(axis=0)]
    ).astype(np.float32)


def score_features(
    topic_features: NDArray[np.float32],
    null_features: NDArray[np.float32],
    trees: tuple[Any, Any] | None = None,
    topic_weights: NDArray[np.float32] | None = None,
) -> tuple[NDArray[np.float32], float]:
    """Each topic's score and the margin of 'one of them answers' over 'none of them': by the
    linear scorer, or by `trees` (the second stage's two models) where given. `topic_weights`
    stands in for the linear scorer's (tools/fit_matcher.py, while it fits them)."""
    if trees is None:
        scores = topic_features @ TOPIC_WEIGHTS
        return scores, float(scores.max() - null_features @ NULL_WEIGHTS)
    topic_model, answerable_model = trees
    row = answerable_row(topic_features, null_features, topic_weights)[None]
    scores = topic_model.predict_proba(candidate_rows(topic_features, null_features))[:, 1]
    sure = min(max(float(answerable_model.predict_proba(row)[0, 1]), 1e-6), 1 - 1e-6)
    return scores.astype(np.float32), math.log(sure / (1 - sure))


def _statement_before(text: str, query: str) -> str | None:
    """The sentence of `text` just before the question `query`, when it asks nothing."""
    sentences = [s for s in SENTENCE.split(text.strip()) if s]
    if query not in sentences or sentences.index(query) == 0:
        return None
    before = sentences[sentences.index(query) - 1]
    return None if "?" in before else before


def question_part(text: str) -> str:
    """The sentences that ask something: "I'm a nurse. How did you get into this?" asks the
    second, "I'm Sam. I'm mostly curious how you ended up in data science." the second too. A
    message that asks nothing is matched whole.

    When the only questions are of two words beside other sentences ("My team? Spreadsheets all
    day. So what does reliability even mean at a trucking company lol"), they echo theirs or
    react ("Really?"): what is asked is a sentence that opens as a question, mark or not."""
    sentences = [s for s in SENTENCE.split(text.strip()) if s]
    asking = [s for s in sentences if "?" in s or MORE_PLEASE.search(s) or MORE_REQUEST.search(s)]
    substantial = [s for s in asking if len(WORD.findall(s.lower())) > 2]
    if asking and not substantial and len(sentences) > len(asking):
        opened = [s for s in sentences if s not in asking and OPENS_AS_QUESTION.match(s)]
        if opened:  # with the short ones, which may name the subject ("Portland? how come")
            return " ".join(s for s in sentences if s in asking or s in opened)
    return " ".join(asking) if asking else text


def _topics(persona: Persona) -> Iterable[tuple[Topic, Fact | Hook, Sequence[str]]]:
    for fact in persona.facts:
        yield Topic("fact", fact.topic), fact, fact.answers
    for hook in persona.hooks:
        yield Topic("hook", hook.id), hook, hook.reveal


def _layers(
    persona: Persona,
) -> Iterable[tuple[Topic, Fact | Hook, str | None, list[str], Sequence[str]]]:
    """Each node of the index: (topic, its fact or hook, the deeper line or None for the
    topic's first answer, the questions it answers, its wordings)."""
    for topic, item, surface in _topics(persona):
        yield topic, item, None, list(item.questions), surface
        for line in item.deeper_lines:
            yield topic, item, line, item.deeper_questions(line), item.deeper_wordings(line)


def _rows(questions: Sequence[str], own_lines: Sequence[str]) -> list[tuple[str, float]]:
    """A node's rows and their weights: its questions, and its lines' sentences one by one
    too (a long line's average says less)."""
    parts = [p for t in own_lines for p in {t, *SENTENCE.split(t)} if len(p) > 12]
    return [*((q, 1.0) for q in questions), *((p, LINE_WEIGHT) for p in parts)]


def index_texts(persona: Persona) -> list[str]:
    """Every text the persona's index runs through the sentence encoder."""
    return [t for *_, questions, lines in _layers(persona) for t, _ in _rows(questions, lines)]


def _starts(groups: NDArray[np.int32], count: int) -> NDArray[np.intp]:
    """Where each group's slice starts, for rows sorted by group, every group non-empty."""
    if np.any(np.diff(groups) < 0) or len(np.unique(groups)) != count:
        raise ValueError("rows must come group by group, every group with at least one row")
    return np.flatnonzero(np.r_[True, np.diff(groups) != 0])


def _group_max(values: NDArray[np.floating], starts: NDArray[np.intp]) -> NDArray[np.float32]:
    return np.maximum.reduceat(values.astype(np.float32), starts)


def _whiten() -> NDArray[np.float32]:
    return WHITEN if WHITEN is not None else np.eye(DIM, dtype=np.float32)


def _rows_unit(matrix: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _unit(vector: NDArray[np.float32]) -> NDArray[np.float32]:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _second_best(values: NDArray[np.float32]) -> NDArray[np.float32]:
    """For each entry, the best of the others."""
    if len(values) < 2:
        return np.zeros_like(values)
    order = np.argsort(values)
    first, second = values[order[-1]], values[order[-2]]
    out = np.full_like(values, first)
    out[order[-1]] = second
    return out


def _idf(bags: list[Counter[str]]) -> dict[str, float]:
    """Inverse node frequency, scaled so that a word found in one node in twenty counts 1."""
    n = len(bags)
    df = Counter(w for bag in bags for w in bag if w not in GENERIC)
    scale = math.log(20)
    return {w: min(1.5, math.log(n / d) / scale) for w, d in df.items()}


def _ngrams(words: tuple[str, ...], longest: int) -> set[tuple[str, ...]]:
    return {words[i : i + n] for n in range(1, longest + 1) for i in range(len(words) - n + 1)}


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


def is_indexed(persona: Persona) -> bool:
    """Is the persona's index built? (Building one embeds every line: seconds, not micro.)"""
    return (persona.id, _content_hash(persona)) in _INDEXES


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
