"""The offline persona engine: replies assembled from the persona's YAML, no model needed.

A reply is a few parts, each picked from one list of variants in the persona file:
a reaction to what the user did (yes, not yet or no when they asked for a favour), the
substance (an answer to the topic asked, deeper on a follow-up), a hook newly unlocked by the
machine, what a stage change calls for (the reward offer, the wrap-up, the exit), and a
question back. Variants already said in this conversation
are skipped while others remain; among the rest the engine takes the one this persona said
longest ago in other conversations (`ReplyContext.recent`, one record per process, for
conversations created without a seed), and the conversation's seed chooses among equals, so the
same conversation with the same record always gets the same replies.
"""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Literal

from app.dialogue.echo import CLAUSE_END, FILLER, echo
from app.dialogue.engine import ReplyContext
from app.dialogue.machine import THRESHOLD, stage_rank
from app.dialogue.memory import LearnerMemory
from app.dialogue.recency import RecentLines
from app.dialogue.returning import returning_opening
from app.dialogue.types import Outcome, Stage
from app.dialogue.understand import KnowledgeIndex, Topic, knowledge_index
from app.feedback import cues
from app.feedback.meta import is_meta
from app.feedback.text import wordset
from app.feedback.tips import answers, arranges_follow_through, says_goodbye
from app.feedback.types import NEGATIVE_MOVES, QUESTION_MOVES, Move, Utterance
from app.nlp.lemma import lemma
from app.personas.schema import Hook, Persona, Question, Reward

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'\u2019])")
# Negative moves, most telling first: the persona reacts to one of them, not to all.
NEGATIVE_REACTIONS: tuple[tuple[Move, str], ...] = (
    (Move.PITCH, "pitch"),
    (Move.DISMISSIVE, "dismissive"),
    (Move.TOPIC_HIJACK, "ignored"),
    (Move.MINIMAL, "minimal"),
    (Move.SELF_FOCUS, "self_focus"),
)
# A hook's wording that says it was asked for: wrong when the persona volunteers it.
SINCE_YOU_ASKED = re.compile(
    r"(?i)\b(?:since|because|now that) you(?:'ve)? ask|you asked (?:properly|the right|like)"
)
# How a promised favour will reach the user: "I'll email Marcus tonight and copy you in."
CHANNEL = re.compile(r"(?i)\b(?:e-?mail|send|write|text|call|card|copy you|loop)\w*\b")
# When and where, in the persona's yes: "Speakers' drinks, seven, rooftop."
WHEN_WHERE = re.compile(
    r"(?i)\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|o'clock|"
    r"tonight|tomorrow|today|this (?:afternoon|evening|week)|next week|monday|tuesday|wednesday|"
    r"thursday|friday|rooftop|terrace|lobby|booth|\d{1,2}(?::\d\d)?)\b"
)
# Asking when or where the favour happens ("What time are the speakers' drinks?").
ASKS_WHEN_WHERE = re.compile(
    r"(?i)\b(?:what time|(?:when|where)(?:'s| is| are| should| do| does| will| would| can| shall)|"
    r"which (?:day|room|floor))\b"
)
# Asking how to take the offer up: the persona's yes answers it.
NEXT_STEP = re.compile(
    r"(?i)\b(?:follow(?:ing)? up|reach (?:out|her|him|them)|get in touch|contact (?:her|him|"
    r"them|you)|best way|send (?:you|her|him|them)|email (?:you|her|him|them)|email\?)"
)
THANKS = re.compile(
    r"\b(?:thanks|thank you|appreciate it|i'd (?:really )?(?:love (?:that|to)|like that)|"
    r"sounds (?:great|good)|"
    r"that would be (?:great|amazing|wonderful)|deal)\b",
    re.IGNORECASE,
)
INTRODUCTION = re.compile(
    r"\b(?:i'm|i am|my name is|my name's|name's|call me|this is)\s+([A-Z][a-z]{1,20})\b",
    re.IGNORECASE,
)
NOT_NAMES = frozenset(
    re.findall(
        r"\w+",
        """just not so here sorry glad happy still also really very currently interested
        looking working from in at on a an the new based trying curious actually""",
    )
)
# The persona asked who the user is ("I'm Marisol, and you are?"): a one-word reply ("sam") is
# a name, unless it is a word people answer with ("yeah", "devops").
ASKS_NAME = re.compile(
    r"(?i)\b(?:and you are|and you're|what's your name|what is your name|who (?:am i|do i have) "
    r"(?:talking|speaking) (?:to|with))\b[^?]*\?"
)
BARE_NAME = re.compile(r"(?i)^\W*(?:(?:hi|hey|hello|oh)\W+)?([a-z][a-z'-]{1,20})\W*(?:here)?\W*$")
NOT_BARE_NAMES = frozenset(
    re.findall(
        r"\w+",
        """yeah yes yep yup no nope nah ok okay k sure fine good great cool nice hi hey hello
        thanks hmm mm lol haha right true same maybe busy tired me nobody someone student
        engineer developer dev devops sre ops backend frontend data design product sales
        marketing security platform infra ml ai research recruiting hr finance founder""",
    )
)
# Irony about the moment ("Oh great, another queue", "Riveting stuff", "Ugh, sounds thrilling")
# is no verdict on the persona, so pushing back ("Not in my warehouse") misses it; a sneer at
# them ("what do you even do") or a correction is one.
IRONY = re.compile(
    r"(?i)\b(?:great|wonderful|fantastic|perfect|brilliant|lovely|favou?rite|love|thrilling|"
    r"thrill|riveting|fascinating|gripping|exciting|fun|dream|joy|blast|honou?r|delightful)\b"
)
# An answer said wryly: echoing it back with relish misses the joke.
WRY = re.compile(
    r"(?i)\b(?:lucky me|just my luck|living the dream|yay me|oh joy|what fun|aren't i lucky|"
    r"story of my life)\b"
)
# A reply to a pitch that was a claim ("That's a brochure", "Says who?", "every vendor says
# that"): wrong when the pitch was only a question ("Does Tuesday work for a demo?").
ANSWERS_A_CLAIM = re.compile(
    r"(?i)\b(?:says who|says that|that's (?:a |the |my )?(?:solid )?(?:pitch|product|brochure|"
    r"feature list|elevator version)|heard (?:that|this)(?: pitch| one)?|pitch received|"
    r"got the headline|practised that|the cover letter|told me what it is|features don't|"
    r"booth-hall voice|heard it\b|had forty)"
)
AT_THEM = re.compile(r"(?i)\b(?:you|your|yours|yourself|you're|you've|you'd)\b")
MORE_PLEASE = re.compile(
    r"\b(?:tell me more|say more|go on|keep going|how so|what do you mean|and then)\b",
    re.IGNORECASE,
)
LISTENING_MOVES = frozenset({Move.FOLLOW_UP_QUESTION, Move.REFLECTION, Move.ACKNOWLEDGEMENT})
# Words too common to tell one topic from another ("what do you do" is not about anything).
FUNCTION_WORDS = frozenset(
    re.findall(
        r"\w+",
        """a an the and or but of to in on at for with about from by as is be do have what how
        why when where who which you your i me my we our it that this there so up out get""",
    )
)
MAX_PARTS = 3
# A sentence sharing this share of its content words with one said already says it again
# (Jaccard; "I'll email Marcus tonight/today and copy you in": 0.67), once it has this many. At
# 0.5 too many wordings were passed over and repetition across conversations rose (session 20).
NEAR_REPEAT = 0.6
NEAR_REPEAT_MIN_WORDS = 3
YOU = frozenset({"you", "you're", "you've", "you'd", "you'll", "your"})
WH_START = re.compile(
    r"(?i)^(?:so|and|but|well|okay|ok)?[, ]*(?:why|what|how|where|when|which|who)\b"
)
FIRST_PERSON = frozenset(
    re.findall(r"[\w']+", "i i'm im i've i'd i'll me my mine we we're we've our us")
)
# Words that say little about what was said ("it sounds like a good thing").
VAGUE = frozenset(
    re.findall(
        r"\w+",
        """like sound good great really thing things lot much very just people way time
        one make made know think feel felt say said all not yes yeah right""",
    )
)
# The thing named in answer to "which booth?" or "what are you working on?": "Honestly the
# robotics booth, they had an arm sorting socks" names "the robotics booth", said back.
NAMED_THING = re.compile(r"(?i)^(?:the|a|an|my|our|that|this)\s+[\w'-]+(?:\s+[\w'-]+){0,3}$")
WHICH_OR_WHAT = re.compile(r"(?i)^\W*(?:(?:so|and|okay|ok),?\s+)?(which|what)\b")
TOPIC_MEMORY = 3  # persona messages searched back for the topic still on the table
STICKINESS = 1  # a follow-up stays on the current topic unless another one is clearly asked
ASIDE_STICKINESS = 2  # a question beside an ask stays on the ask's topic (one keyword asked)
ASK_BACK_CHANCE = 0.5  # after answering a question, people ask back about half the time
FOLLOW_UP_LEAD = 0.2  # "Good question." before an answer: now and then, or it is a tic
STATEMENT_ASK_BACK = 0.75  # after a statement, a question back keeps it going, most times
# Ways to come back to something already said, when asked again: never the same words twice.
NAME_WORD = re.compile(r"[A-Za-z]+")  # a word, its case kept (names are told by it)
RECAPS = ("Like I said,", "As I said,", "Well, like I mentioned,", "Again,", "As I was saying,")
# "Who's Rachel?": the name asked about (a capital, so a name, not "who's next").
WHO_IS = re.compile(r"(?i:\bwho(?:'s|\s+is|\s+was|\s+are))\s+([A-Z][a-z]+)")
# A question about a person the user may have just named ("What's he like to work for?").
THIRD_PERSON = re.compile(r"(?i)\b(?:he|she|him|her|his|hers|they|them)\b")
THIRD_PERSON_SINGULAR = re.compile(r"(?i)\b(?:he|she|him|her|his|hers)\b")
# An accept line that answers a request ("That's a reasonable ask", "I was about to offer").
AN_ASK = re.compile(r"(?i)\b(?:ask|asked|request|about to (?:offer|suggest))\b")
RECAP_MIN_WORDS = 7  # a shorter first sentence is recapped with the one after it
# The interjection a line opens with is dropped from its recap: "Like I said, well, there was a
# drought model" is two openers in a row. Names ("Chale,") are a persona's voice words.
RECAP_DROPS = re.compile(
    r"^(?:(?:well|so|oh|ha|honestly|look|okay|ok|right|yes|yeah|mm|hm|ah|sure|alright|huh"
    r"|chale|bueno|anyway|fine|good|exactly|ooh)[,.!]\s+)+",
    re.IGNORECASE,
)

# --- asking for a favour ----------------------------------------------------------------------
# An ask is a request frame followed, in the same sentence, by a favour: "could you introduce me
# to Marcus", "would it make sense to set up a follow-up", "can I send you my resume". Both lists
# are matched on lemmas, with softeners ("really", "maybe") taken out first.
REQUEST_FRAMES = (
    "could you", "can you", "would you", "will you", "could we", "can we", "shall we",
    "should we", "could i", "can i", "may i", "might i", "would it make sense",
    "would it be possible", "would it be ok", "would it be okay", "any chance",
    "do you think you could", "would you mind", "mind if i", "how about", "let's",
    "i'd love", "i would love", "i'd like", "i would like", "it would be great",
    "would be great if", "i'd be grateful", "i'd appreciate", "i would appreciate",
)  # fmt: skip
FAVOURS = (
    "introduce", "introduction", "intro", "connect me", "connect us", "connect with",
    "put me in touch", "put us in touch", "in touch with", "refer", "referral", "recommend me",
    "pass my", "pass it along", "pass along", "pass it on", "forward my", "send you my",
    "send my", "my resume", "my cv", "my portfolio", "my deck", "coffee", "lunch",
    "breakfast", "follow up", "follow-up", "meeting", "meet", "a call", "quick call",
    "call with", "set up", "schedule", "book a", "arrange", "next step", "loop in",
    "loop me in", "apply", "interview", "demo", "pilot", "visit", "come and see", "come see",
    "come by", "sit in", "shadow", "get together", "catch up", "chat again", "talk again",
    "come walk", "stop by", "drop by", "swing by", "come over", "tour", "your email",
    "your card", "your number", "your contact", "one-pager", "one pager", "brochure",
)  # fmt: skip
SOFTENERS = frozenset(
    re.findall(
        r"\w+", "really just maybe possibly perhaps please also ever actually kindly honestly"
    )
)
# A frame followed by one of these asks to be told something, not for a favour.
INFO_VERBS = frozenset(
    re.findall(
        r"\w+",
        """tell explain describe share talk say hear know learn ask elaborate clarify think
        remind expand walk give imagine recall remember guess understand""",
    )
)
FRAME_FILLER = frozenset({"to", "i", "we", "you", "a", "an", "the"})  # lemmas: "me" is "i"
INFO_QUESTION = frozenset({"what", "which", "who", "why"})  # "what would you need to see ..."
WARM_STAGES = frozenset({Stage.OPPORTUNITY, Stage.CLOSING})
AskAnswer = Literal["accept", "defer", "deflect"]


class ScriptedEngine:
    """The PersonaEngine used when no LLM is configured; CPU only, deterministic."""

    name = "scripted"

    def opening(
        self,
        persona: Persona,
        difficulty: str,
        seed: str,
        memory: LearnerMemory | None = None,
        recent: RecentLines | None = None,
    ) -> str:
        if memory is not None:
            line = returning_opening(persona, memory, seed)
        else:
            rng = random.Random(f"{seed}|opening|{difficulty}")
            line = least_recent(persona.openings, rng, recent, persona.id)
        if recent is not None:
            recent.record(persona.id, sentences(line))
        return line

    async def stream(self, ctx: ReplyContext) -> AsyncIterator[str]:
        chunks = reply_chunks(ctx)
        for i, chunk in enumerate(chunks):
            yield chunk if i == len(chunks) - 1 else chunk + " "

    async def reply(self, ctx: ReplyContext) -> str:
        return reply(ctx)

    async def summarize(
        self, persona: Persona, history: tuple[Utterance, ...], summary: str, covers: int
    ) -> tuple[str, int] | None:
        return None  # replies are built from the YAML and the state, not from a summary


def reply(ctx: ReplyContext) -> str:
    """The whole reply at once (what `stream` yields, joined)."""
    return " ".join(reply_chunks(ctx))


def reply_chunks(ctx: ReplyContext) -> list[str]:
    parts = _Reply(ctx).compose()
    chunks = [s for part in parts for s in SENTENCE_END.split(part) if s]
    if ctx.recent is not None:
        ctx.recent.record(ctx.persona.id, chunks)
    return chunks


def least_recent(
    lines: Sequence[str], rng: random.Random, recent: RecentLines | None, persona_id: str
) -> str:
    """One of `lines`: among those this persona said longest ago in other conversations (all
    of them without `recent`), the one the seed picks."""
    if recent is not None and len(lines) > 1:
        ages = [recent.last_said(persona_id, sentences(line)) for line in lines]
        oldest = min(ages)
        lines = [line for line, age in zip(lines, ages, strict=True) if age == oldest]
    return rng.choice(lines)


# --- matching the user's words to the persona's topics ----------------------------------------


ORDINALS = wordset("first second third fourth fifth sixth seventh eighth ninth tenth umpteenth")


def _ordinal(word: str) -> str:
    """'first', 'third', '3rd': one token, so that "my third fair" meets "your first fair?"."""
    if word in ORDINALS or re.fullmatch(r"\d+(?:st|nd|rd|th)", word):
        return "<ordinal>"
    return word


def lemmas(text: str) -> tuple[str, ...]:
    return tuple(_lemma(w) for w in WORD.findall(text.lower()))


def _lemma(word: str) -> str:
    return lemma(word).lower()


class Phrases:
    """Phrases of lemmas, indexed by their first word: finding them in a line costs a dictionary
    lookup per word of the line, not a scan of the line per phrase (a persona has hundreds)."""

    __slots__ = ("_by_first", "_added")

    def __init__(self, phrases: Iterable[tuple[str, ...]] = ()) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        self._added = 0
        for phrase in phrases:
            self.add(phrase)

    def add(self, phrase: tuple[str, ...]) -> int:
        """Index `phrase`; returns its number (the order of adding)."""
        number, self._added = self._added, self._added + 1
        if phrase:
            starting = self._by_first.setdefault(phrase[0], [])
            starting.append((phrase, number))
            starting.sort(key=lambda entry: -len(entry[0]))  # the longest first at each place
        return number

    def found(self, words: tuple[str, ...]) -> Iterator[tuple[int, tuple[str, ...], int]]:
        """(position, phrase, number) of every phrase in `words`, in order of position, the
        longest first at each position."""
        for i, word in enumerate(words):
            for phrase, number in self._by_first.get(word, ()):
                if words[i : i + len(phrase)] == phrase:
                    yield i, phrase, number

    def first(self, words: tuple[str, ...]) -> tuple[int, tuple[str, ...] | None]:
        """The earliest phrase in `words` (the longest one at that place), or (-1, None)."""
        hit = next(self.found(words), None)
        return (-1, None) if hit is None else (hit[0], hit[1])


_PROPER: dict[str, tuple[Persona, frozenset[str]]] = {}


def proper_nouns(persona: Persona) -> frozenset[str]:
    """The names in what the persona says: words it writes capitalised in mid-sentence at least
    twice and never in lower case ("Marcus", "Tuesday", "Freightline"). A recap lowers the
    capital a sentence started with, and must not turn "Marcus" into "marcus"."""
    cached = _PROPER.get(persona.id)
    if cached is not None and cached[0] is persona:
        return cached[1]
    upper: dict[str, int] = {}
    lower: set[str] = set()
    said = persona.model_dump(include={"facts", "hooks", "reward", "closings"})
    for line in spoken_strings(said):
        for m in NAME_WORD.finditer(line):
            before = line[: m.start()].rstrip()
            if not before or before[-1] in ".!?:\"'(":
                continue
            word = m.group(0)
            if word[0].isupper():
                upper[word] = upper.get(word, 0) + 1
            else:
                lower.add(word)
    names = frozenset(w for w, n in upper.items() if n >= 2 and w.lower() not in lower)
    _PROPER[persona.id] = (persona, names)
    return names


def mid_sentence(sentence: str, persona: Persona) -> str:
    """The sentence to follow "Like I said,": its capital lowered unless it starts with "I" or a
    name."""
    opener = NAME_WORD.match(sentence)
    if opener and (opener.group(0) == "I" or opener.group(0) in proper_nouns(persona)):
        return sentence
    return sentence[:1].lower() + sentence[1:]


# Keys whose strings a persona is asked or keyed by, not ones it says.
NOT_SPOKEN = frozenset({"questions", "keywords", "topic", "id"})


def spoken_strings(node: object, key: str = "") -> Iterator[str]:
    """The strings of a persona (its YAML, or a dump of a part of it) that it says."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from spoken_strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from spoken_strings(v, key)
    elif isinstance(node, str) and key not in NOT_SPOKEN:
        yield node


@dataclass(slots=True)
class PersonaIndex:
    """What the engine precomputes per persona: keyword lemmas and which list owns each line."""

    phrases: list[tuple[tuple[str, ...], Topic, int]] = field(default_factory=list)
    owner: dict[str, Topic] = field(default_factory=dict)
    lookup: Phrases = field(default_factory=Phrases)  # phrase number -> self.phrases[number]

    @classmethod
    def build(cls, persona: Persona) -> PersonaIndex:
        index = cls()
        for fact in persona.facts:
            index._add(
                Topic("fact", fact.topic), fact.keywords, [*fact.answers, *fact.deeper_lines]
            )
        for hook in persona.hooks:
            index._add(Topic("hook", hook.id), hook.keywords, [*hook.reveal, *hook.deeper_lines])
        return index

    def _add(self, topic: Topic, keywords: Sequence[str], lines: Sequence[str]) -> None:
        for keyword in dict.fromkeys(keywords):
            phrase = lemmas(keyword)
            if any(p == phrase and t == topic for p, t, _ in self.phrases):
                continue  # "nurse" and "nurses" are one keyword once lemmatised
            weight = sum(1 for w in phrase if w not in FUNCTION_WORDS)
            if weight:  # a phrase of function words alone ("what do you") says nothing
                self.phrases.append((phrase, topic, weight))
                self.lookup.add(phrase)
        self.owner.update(dict.fromkeys(lines, topic))

    def match(
        self, text: str, prefer: Topic | None, rank: Callable[[Topic], int], stickiness: int = 0
    ) -> Topic | None:
        """The topic whose keywords the user's words hit most; questions weigh double.

        The current topic starts with `stickiness` points, so that a follow-up which brushes
        another topic's keyword stays on the subject. Ties go to the current topic, then to the
        lowest `rank`.
        """
        scores: dict[Topic, int] = {prefer: stickiness} if prefer and stickiness else {}
        for sentence in SENTENCE_END.split(text):
            words = lemmas(sentence)
            factor = 2 if "?" in sentence else 1
            for number in sorted({number for _, _, number in self.lookup.found(words)}):
                _, topic, weight = self.phrases[number]
                scores[topic] = scores.get(topic, 0) + weight * factor
        if not scores:
            return None
        best = max(scores.values())
        tied = [t for t, s in scores.items() if s == best]
        return prefer if prefer in tied else min(tied, key=rank)


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


@lru_cache(maxsize=1)
def _ask_phrases() -> tuple[Phrases, Phrases]:
    return Phrases(map(lemmas, REQUEST_FRAMES)), Phrases(map(lemmas, FAVOURS))


def asks_for_favour(text: str, reward: Reward | None = None, *, pitched: bool = False) -> bool:
    """Whether the user asks for something: an introduction, a referral, a meeting, ...

    `reward` adds that persona's own words for its reward. `pitched` (the analyzer called the
    line a pitch) makes any request frame an ask: "could you pass it on?" needs no favour word.
    """
    return bool(favour_requests(text, reward, pitched=pitched))


def favour_requests(text: str, reward: Reward | None = None, *, pitched: bool = False) -> list[str]:
    """The sentences of `text` that ask for a favour (see `asks_for_favour`)."""
    frames, favours = _ask_phrases()
    extra = tuple(lemmas(k) for k in reward.keywords) if reward is not None else ()
    found: list[str] = []
    for sentence in SENTENCE_END.split(text):
        words = tuple(w for w in lemmas(sentence.replace("\u2019", "'")) if w not in SOFTENERS)
        start, frame = frames.first(words)
        if frame is None or (start > 0 and words[start - 1] in INFO_QUESTION):
            continue
        rest = words[start + len(frame) :]
        head = next((w for w in rest if w not in FRAME_FILLER), "")
        if head in INFO_VERBS:
            continue  # "could you tell me about the interview?" asks to be told
        if (
            pitched
            or favours.first(rest)[1] is not None
            or any(_contains(rest, phrase) for phrase in extra)
        ):
            found.append(sentence)
    return found


def answer_to_ask(ctx: ReplyContext) -> AskAnswer:
    """How the persona answers a request for a favour (both engines): 'deflect' while cooling
    (the user has been pitching), 'accept' once trust or the stage supports the reward, else a
    warm 'defer'."""
    if ctx.after.stage is Stage.COOLING:
        return "deflect"
    earned = (
        ctx.after.stage in WARM_STAGES
        or ctx.before.stage in WARM_STAGES
        or ctx.after.trust >= THRESHOLD[Stage.OPPORTUNITY]
    )
    return "accept" if earned else "defer"


def user_asks(ctx: ReplyContext) -> AskAnswer | None:
    """The persona's answer if the user's new line asks for a favour, else None."""
    last = ctx.history[-1] if ctx.history else None
    if last is None or last.role != "user":
        return None
    pitched = Move.PITCH in ctx.feedback.moves
    return (
        answer_to_ask(ctx)
        if asks_for_favour(last.content, ctx.persona.reward, pitched=pitched)
        else None
    )


def _named_in(question: str, name: str) -> str:
    """The question with its pronouns for a person replaced by the person's name ("What is she
    like?" -> "What is Ines like?")."""

    def named(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        return f"{name}'s" if word in ("his", "hers") else name

    return THIRD_PERSON_SINGULAR.sub(named, question)


def _without(text: str, sentences: list[str]) -> str:
    for sentence in sentences:
        text = text.replace(sentence, " ", 1)
    return text.strip()


# Keyed by identity: personas are unhashable models, and tenant personas may share an id.
# Bounded, because tenant personas are built per request and would otherwise pile up.
_INDEXES: dict[int, tuple[Persona, PersonaIndex]] = {}
INDEX_CACHE_SIZE = 256


def persona_index(persona: Persona) -> PersonaIndex:
    cached = _INDEXES.get(id(persona))
    if cached is None or cached[0] is not persona:
        if len(_INDEXES) >= INDEX_CACHE_SIZE:
            del _INDEXES[next(iter(_INDEXES))]  # the oldest entry
        cached = (persona, PersonaIndex.build(persona))
        _INDEXES[id(persona)] = cached
    return cached[1]


# --- composing one reply ----------------------------------------------------------------------


class _Reply:
    def __init__(self, ctx: ReplyContext) -> None:
        self.ctx = ctx
        self.persona = ctx.persona
        self.after = ctx.after
        self.moves = set(ctx.feedback.moves)
        self.index = persona_index(ctx.persona)
        self.knowledge: KnowledgeIndex = knowledge_index(ctx.persona)
        said = [u.content for u in ctx.history if u.role == "persona"]
        self.said = "\n".join(said)
        self.last_said = said[-1] if said else ""
        self.recent_said = said[-TOPIC_MEMORY:][::-1]  # newest first
        # Every sentence said here, and last time to this learner: none is said again.
        earlier = ctx.memory.said if ctx.memory is not None else ()
        self.spoken = {s for text in [*said, *earlier] for s in sentences(text)}
        self.told_before = "\n".join(earlier)
        last = ctx.history[-1] if ctx.history else None
        self.user = last.content if last is not None and last.role == "user" else ""
        self.meta = is_meta(self.user)
        self.parts: list[str] = []
        self._spoken_words: list[set[str]] | None = None  # see _near_repeat
        pitched = Move.PITCH in self.moves
        requests = favour_requests(self.user, ctx.persona.reward, pitched=pitched)
        self.ask: AskAnswer | None = answer_to_ask(ctx) if requests and not self.meta else None
        # What the message says besides the ask: "Could you introduce me to Marcus? And how
        # did you end up in recruiting?" still asks a question, and people answer both.
        self.requests = " ".join(requests)
        self.aside = _without(self.user, requests)
        self.took_up = False  # the user said yes to the persona's own offer: nothing was asked
        if self.ask is None and not self.meta and self._takes_up_offer():
            # "I'd really like that, thank you. What's the best way to follow up, email?" after
            # "I'd be glad to refer you to Ana": the yes to the offer, and the next step.
            self.ask = answer_to_ask(ctx)
            self.took_up = True
            told = [s for s in sentences(self.user) if not NEXT_STEP.search(s)]
            self.aside = " ".join(s for s in told if not THANKS.search(s))
        self.unanswered = False  # the substance is 'no idea': nothing the persona knows fits
        self.repeated = False  # the substance is a recap: 'Like I said, ...'

    # each step appends zero or more parts; the order is the order of speech
    def compose(self) -> list[str]:
        if self.after.ended:
            self._goodbye()
            return self.parts or self._last_resort()
        cooling = self.after.stage is Stage.COOLING
        if self.meta:
            self._meta()
            return self.parts or self._last_resort()
        if self._user_leaving():
            # "Thanks for your time, Denise, this was really useful." is answered with a
            # goodbye, not "Sure thing." and not another story: warm once the reward is on
            # the table, polite otherwise.
            closings = self.persona.closings
            warm = self.after.stage in WARM_STAGES and self._offered()
            self._say(closings.warm if warm else closings.neutral, "goodbye")
            return self.parts or self._last_resort()
        lead = self._ask_reply() if self.ask else self._reaction()
        self._substance(short=cooling)
        if (self.unanswered or self.repeated) and lead in self.persona.reactions.follow_up:
            # "Oh, that's the question I was hoping for. Not my area at all." praises a
            # question it then cannot answer: the honest 'no idea' says enough. Nor is
            # "Nobody asks me that" the way into "Like I said, ...".
            self.parts = [p for p in self.parts if p != lead]
        if cooling:
            # Looking for the exit: no question back, not even one inside a reaction.
            self.parts = [kept for part in self.parts if (kept := _no_invitation(part))]
            exits = self.persona.reactions.cooling
            if not self.parts or not any(line in self.last_said for line in exits):
                if lead in self.persona.reactions.minimal:
                    # "Okay, I'll do the talking then" and "I need to get back to the booth"
                    # say opposite things: the exit is the reaction to a one-word answer now.
                    self.parts = [p for p in self.parts if p != _no_invitation(lead)]
                self._say(exits, "cooling")  # once in a row is enough to show it
            return self.parts or self._last_resort()
        if not says_goodbye(self.user):
            # A confidence ("Can I be honest? Since the layoffs it's been just me") is not told
            # to someone on their way out, even one with a last practical question.
            self._revelations()
        self._stage_change()
        self._question_back()
        small_talk = [*self.persona.reactions.follow_up, *self.persona.reactions.reflection]
        if len(self.parts) > MAX_PARTS and lead in small_talk:
            self.parts.remove(lead)  # a long reply reads better without the small talk
        if not self.parts:
            fallback = self.persona.reactions
            if self._asked():
                self._say(fallback.no_match or fallback.unknown, "fallback")
            else:
                self._say(fallback.disclosure, "fallback")
        return self.parts or self._last_resort()

    # -- choosing lines --------------------------------------------------------------------

    def _fresh(self, line: str) -> bool:
        """Not said in this conversation (nor last time) nor earlier in this reply, not even
        one sentence of it ('Mm.' or 'Honestly?' shared by two lines counts)."""
        if line in self.parts:
            return False
        here = {s for part in self.parts for s in sentences(part)}
        return not any(s in self.spoken or s in here for s in sentences(line))

    def _pick_first_fresh(self, slot: str, *pools: Sequence[str]) -> str | None:
        """A line from the first pool with one not said yet."""
        fresh = next((p for p in pools if any(self._fresh(x) for x in p)), None)
        return None if fresh is None else self._say(fresh, slot)

    def _pick(self, lines: Sequence[str], slot: str) -> str | None:
        """One of `lines` (variants of one move) in a wording not said yet: a deeper line has
        authored other wordings, and the one said is chosen per conversation, so two learners
        rarely hear the same words, and never one this learner heard last time while another
        remains."""
        fresh = self._varied([line for line in lines if self._fresh_wordings(line)])
        if not fresh:
            return None  # every variant was said: say nothing rather than repeat oneself
        fresh = [line for line in fresh if not self._near_repeat(line)] or fresh
        rng = random.Random(f"{self.ctx.seed}|{len(self.ctx.history)}|{slot}")
        line = self._least_recent(self._naming(fresh), rng)
        wordings = self._naming(self._varied(self._fresh_wordings(line)))
        return self._least_recent(wordings, random.Random(f"{self.ctx.seed}|wording|{line}"))

    def _near_repeat(self, line: str) -> bool:
        """A sentence of `line` all but says one said already, in other words ("I'll email
        Marcus today and copy you in." after "I'll email Marcus tonight and copy you in.")."""
        if self._spoken_words is None:
            self._spoken_words = [content_words(s) for s in self.spoken]
        here = [content_words(s) for part in self.parts for s in sentences(part)]
        for sentence in sentences(line):
            words = content_words(sentence)
            if len(words) < NEAR_REPEAT_MIN_WORDS:
                continue
            for other in [*self._spoken_words, *here]:
                if len(words & other) / len(words | other) >= NEAR_REPEAT:
                    return True
        return False

    def _naming(self, lines: list[str]) -> list[str]:
        """The lines that name whom or what the user just named ("Who's Rachel?": a wording
        with Rachel in it, not "our CFO will want it in writing"), when there are any."""
        # Only a question about who someone is: narrowing to every name the user says (a
        # group's speakers are named in most messages) would cost the variety of the lines.
        named = set(WHO_IS.findall(self.user)) & proper_nouns(self.persona)
        if not named:
            return lines
        return [line for line in lines if named <= set(NAME_WORD.findall(line))] or lines

    def _least_recent(self, lines: Sequence[str], rng: random.Random) -> str:
        return least_recent(lines, rng, self.ctx.recent, self.persona.id)

    def _varied(self, lines: list[str]) -> list[str]:
        """The lines that do not open like the part just said ("Honestly, ... Honestly, ..."),
        nor hold a discourse marker said anywhere in this reply ("Ha, fair, honestly, ...
        Honestly, a great resume doesn't stick. ... Honestly, here's the thing"; "Depends who
        you ask, honestly. How's the search been treating you, honestly?"), when there are
        any."""
        if not self.parts:
            return lines
        last = _opener(sentences(self.parts[-1])[-1])  # the sentence just before
        said = " ".join(self.parts).lower()
        used = MARKERS.intersection(WORD.findall(said)) | set(MARKER_PHRASE.findall(said))
        other = [
            line
            for line in lines
            if _opener(line) != last
            and not used.intersection(
                [*WORD.findall(line.lower()), *MARKER_PHRASE.findall(line.lower())]
            )
        ]
        return other or [line for line in lines if _opener(line) != last] or lines

    def _fresh_wordings(self, line: str) -> list[str]:
        """The wordings of `line` not said yet; none once one of them was said here (the
        same story in other words is still a repeat)."""
        wordings = self.knowledge.wordings_of(line)
        if len(wordings) > 1 and any(w in self.said or w in self.parts for w in wordings):
            return []
        return [w for w in wordings if self._fresh(w)]

    def _say(self, lines: Sequence[str], slot: str) -> str | None:
        line = self._pick(lines, slot)
        if line is not None:
            self._add(line)
        return line

    def _add(self, line: str) -> None:
        self.parts.append(line)

    def _last_resort(self) -> list[str]:
        """Everything fitting was said already (a very long conversation): a short line from
        another list not said yet, else a line said before framed as a repeat ('Like I said,
        ...'), so that no sentence is said twice."""
        reactions = self.persona.reactions
        pools = (
            [reactions.cooling, reactions.minimal]
            if self.after.stage is Stage.COOLING
            else [reactions.disclosure, reactions.no_match, reactions.unknown, reactions.thanks]
        )
        for pool in pools:
            line = self._pick(pool, "last_resort")
            if line is not None:
                return [line]
        for line in sorted({x for pool in pools for x in pool}, key=self.said.rfind):
            recap = self._recap(line)
            if recap:
                return [recap]
        return [min(pools[0], key=self.said.rfind)]  # thousands of lines in: it happens

    def _recap(self, line: str) -> str | None:
        """'Like I said, ...': the first sentence of a line said before, in new words."""
        heard = [w for w in self.knowledge.wordings_of(line) if w in self.said]
        # What was told, not what was asked: "Like I said, can I tell you something ...?" is
        # no recap.
        said = [
            s
            for s in sentences(heard[0] if heard else line)
            if not s.rstrip(" \"'”’").endswith("?")
        ]
        if not said:
            return None
        first = RECAP_DROPS.sub("", said[0]) or said[0]
        if len(first.split()) < RECAP_MIN_WORDS and len(said) > 1:
            # "The honest answer is one model." says nothing yet; one sentence, so that the
            # recap is not a sentence said before word for word.
            first = f"{first.rstrip('.!')}: {said[1]}"
        body = mid_sentence(first, self.persona)
        for lead in RECAPS:
            candidate = f"{lead} {body}"
            if self._fresh(candidate):
                return candidate
        return None

    def _chance(self, slot: str) -> float:
        return random.Random(f"{self.ctx.seed}|{len(self.ctx.history)}|{slot}").random()

    # -- the steps -------------------------------------------------------------------------

    def _user_leaving(self) -> bool:
        """The user says goodbye and asks nothing more."""
        return "?" not in self.user and self.ask is None and says_goodbye(self.user)

    def _goodbye(self) -> None:
        closings = self.persona.closings
        if self.after.outcome is Outcome.WALKED_AWAY:
            self._say(self.persona.reactions.walk_away, "walk_away")
        elif self.after.outcome is Outcome.WARM_CLOSE:
            if not self._offered():
                self._say(self.persona.reward.offer, "reward")
            self._say(closings.warm, "warm")
        else:
            self._say(closings.neutral, "neutral")

    def _meta(self) -> None:
        """'Are you a bot?': an in-character shrug, no information and no reward."""
        reactions = self.persona.reactions
        self._say(reactions.meta or reactions.unknown, "meta")

    def _reaction(self) -> str | None:
        reactions = self.persona.reactions
        if Move.PITCH in self.moves and self._offer_on_table():
            # Asking for the favour once it has been offered is taking it up, not pitching.
            return self._say(self.persona.reward.confirm, "confirm")
        for move, attr in NEGATIVE_REACTIONS:
            if move is Move.TOPIC_HIJACK and (
                self._said_any(reactions.ignored)
                or not self._awaited_answer()
                or answers(self.user, self._awaited_question())
            ):
                # People remark on a skipped question once, then go along with it; "Visitor,
                # from Denver. Does Freightline have budget...?" skipped nothing.
                if self._agenda_question():
                    # ...and its budget question is met as a pitch is: "What salary band does
                    # the senior role pay?" got "Hm, no idea, honestly." (live, session 25).
                    return self._say(self._pitch_lines(), "pitch")
                continue
            if move is Move.MINIMAL and self._bare_name() is not None:
                continue  # "sam" to "and you are?" is all the question asked for
            if move in self.moves:
                return self._say(*self._negative_lines(move, attr))
        if self.after.stage is Stage.COOLING:
            return None  # no warm small talk while looking for the exit
        name = self._new_name()
        if name is not None:
            greeting = self._say_named(reactions.introduced, name)
            if self._echo() is not None and self._answered_me():
                # "I'm Dana. My sister is a home-care nurse.": hello, and the sister.
                self._react_to_answer(named_only=True)
            return greeting
        if self.ctx.before.stage is Stage.COOLING:
            return self._say(reactions.recovering, "recovering")
        if Move.REFLECTION in self.moves and self._reflects():
            return self._say(reactions.reflection, "reflection")
        if self._answered_me():
            return self._react_to_answer()
        if Move.FOLLOW_UP_QUESTION in self.moves and self._chance("lead") < FOLLOW_UP_LEAD:
            return self._say(reactions.follow_up, "follow_up")
        if THANKS.search(self.user) and not self._asked():
            return self._say(reactions.thanks, "thanks")
        if Move.SELF_DISCLOSURE in self.moves and not self._asked():
            return self._say(reactions.disclosure, "disclosure")
        return None

    def _awaited_answer(self) -> bool:
        """The persona's last line ended on a question: 'Can I tell you something? ...' asks
        nothing of the user, so moving on from it skips nothing. A question to the user with
        a remark after it ("Why data? There are easier roads.") still waits for its answer;
        a lead-in the persona answers itself ("Weirdest thing? Being pitched...") does not."""
        said = sentences(self.last_said)
        if not said:
            return False
        if said[-1].rstrip().endswith("?"):
            return True
        if len(said) < 2 or not said[-2].rstrip().endswith("?"):
            return False
        asked = said[-2]
        words = _words(asked)
        return WH_START.match(asked) is not None and bool(YOU & words or len(words) <= 3)

    def _reflects(self) -> bool:
        """The user said back, in a statement, something the persona just said ('So the
        take-home was costing you parents.' after the take-home story): 'Yes, exactly' after a
        bare question, a thank-you, or a summary of something it never said agrees with
        nothing. A feeling put into words ('That sounds exhausting.') gets the answer without
        the stock agreement."""
        statement = " ".join(s for s in sentences(self.user) if "?" not in s)
        if not statement or THANKS.search(statement):
            return False
        words = content_words(statement)
        shared = words & content_words(self.last_said)
        # One shared word is chance ('notes' in 'thank-you notes' and 'visit notes') unless
        # the statement is little more than that word ('So, the crew.').
        return len(shared) >= 2 or (len(shared) == 1 and len(words) <= 2)

    def _awaited_question(self) -> str:
        """The question of the persona's last line (its last sentence asking one)."""
        said = sentences(self.last_said)[-2:]
        return next((s for s in reversed(said) if s.rstrip().endswith("?")), "")

    def _answered_me(self) -> bool:
        """The persona asked something last and the user said something back, not only asked.
        'Weirdest thing? Being pitched a resume...' answers its own question and asks nothing."""
        if not self._awaited_answer() or THANKS.search(self.user):
            return False  # "I'd really like that, thank you" takes up an offer: thanks
        if Move.SELF_DISCLOSURE in self.moves and self._tells_of_self():
            return True
        return self._echo() is not None or self._named_answer() is not None

    def _named_answer(self) -> str | None:
        """What the user named in answer to the persona's which- or what-question, said back
        ("the robotics booth"); None when the answer does not start by naming one thing."""
        asked = self._awaited_question()
        which = WHICH_OR_WHAT.match(asked)
        # "Which session?" is answered by naming one ("the keynote on triage") in any words; a
        # what-question by a statement in its words
        if which is None or (which.group(1).lower() == "what" and not answers(self.user, asked)):
            return None
        told = [s for s in sentences(self.user) if "?" not in s]
        if not told:
            return None
        clause = FILLER.sub("", told[0]).strip()
        cut = CLAUSE_END.search(clause)  # the phrase ends where the echo's clause would
        clause = (clause[: cut.start()] if cut else clause).rstrip(" .!")
        if NAMED_THING.match(clause) is None:
            return None
        first, *rest = clause.split()
        return " ".join([{"my": "your", "our": "your"}.get(first.lower(), first.lower()), *rest])

    def _tells_of_self(self) -> bool:
        """A statement in the first person: "That's really honest of you to share. What brought
        you back?" tells nothing of the user, so it is no answer to the persona's question."""
        told = (s for s in sentences(self.user) if "?" not in s)
        return any(FIRST_PERSON.intersection(_words(s)) for s in told)

    def _echo(self) -> str | None:
        """The user's words turned to face them; not their name ('you're Alex?' is odd)."""
        told = [s for s in sentences(self.user) if not _introduces(s)]
        said = echo(" ".join(told)) if told else None
        if said is None or not YOU.intersection(said.lower().split()[:3]):
            return None  # "that's not the path you'd have guessed" is about the persona
        return said

    def _react_to_answer(self, *, named_only: bool = False) -> str | None:
        """A short reaction naming what the user said: 'You're building a scheduling tool?
        Ha, that's a classic.' (`named_only`: only a line that names it.)"""
        reactions = self.persona.reactions
        said = self._echo() or self._named_answer()
        # Naming what they said is the point: the lines with '{echo}' first, when there is one.
        if said is not None and WRY.search(self.user):
            # "Lucky me, I get to commute to this every day." is not said back with "Okay,
            # that I like" (live, session 25): a wry answer gets a plain reaction.
            said = None
        naming = [line for line in reactions.answered if "{echo}" in line and said is not None]
        plain = [] if named_only else [line for line in reactions.answered if "{echo}" not in line]
        for pool in (naming, plain):
            lines = [line.replace("{echo}", said or "") for line in pool]
            line = self._say([line[:1].upper() + line[1:] for line in lines], "answered")
            if line is not None:
                return line
        return None if named_only else self._say(reactions.disclosure, "disclosure")

    def _offer_on_table(self) -> bool:
        return self.after.stage in WARM_STAGES and self._offered()

    def _takes_up_offer(self) -> bool:
        """The persona's last line offered the reward, not granted yet, and the user says yes
        to it ("I'd really like that, thank you")."""
        reward = self.persona.reward
        offered = any(line in self.last_said for line in reward.offer)
        granted = any(line in self.said for line in reward.accept)
        return offered and not granted and THANKS.search(self.user) is not None

    def _offered(self) -> bool:
        """The reward was offered, or granted when the user asked for it."""
        reward = self.persona.reward
        return any(line in self.said for line in [*reward.offer, *reward.accept])

    # -- an ask for a favour ---------------------------------------------------------------

    def _ask_reply(self) -> str | None:
        reward = self.persona.reward
        if self.ask == "accept":
            offer = [] if self._offered() else reward.offer
            accept = reward.accept
            if self.took_up or any(line in self.last_said for line in reward.offer):
                # "That's a reasonable ask" answers a request; a yes to the persona's own offer
                # asked for nothing.
                accept = [line for line in accept if not AN_ASK.search(line)] or accept
            if self.aside and self._asks_when_where(self.aside):
                # "Thanks, Marisol. What time are the speakers' drinks?": the yes that says when.
                accept = _most_specific(accept) or accept
            return self._pick_first_fresh("ask:accept", accept, offer, reward.confirm)
        if self.ask == "defer":
            return self._pick_first_fresh("ask:defer", reward.defer, self._pitch_lines())
        return self._say(self._pitch_lines(), "pitch")

    def _agenda_question(self) -> bool:
        """A hijack whose question is about the user's terms or a sale (pay, budget, sign-off:
        `cues.AGENDA`), which the analyzer names a hijack rather than a pitch."""
        return (
            Move.TOPIC_HIJACK in self.moves
            and Move.PITCH not in self.moves
            and any("?" in s and cues.AGENDA.search(s) for s in sentences(self.user))
        )

    def _negative_lines(self, move: Move, attr: str) -> tuple[Sequence[str], str]:
        """The reactions to a negative move, and their key: irony about the moment gets dry
        humour rather than an argument, a pitch that only asks no reply to a claim."""
        reactions = self.persona.reactions
        if move is Move.DISMISSIVE and reactions.sarcasm and self._ironic():
            return reactions.sarcasm, "sarcasm"
        if move is Move.PITCH:
            return self._pitch_lines(), attr
        return getattr(reactions, attr), attr

    def _pitch_lines(self) -> Sequence[str]:
        """The persona's pitch reactions; for a pitch that only asks ("Got it. Who else would
        sign off on a new picking system?") not the ones that answer a claim."""
        lines = self.persona.reactions.pitch
        claims = [s for s in sentences(self.user) if "?" not in s and len(_words(s)) > 3]
        if claims:
            return lines
        return [line for line in lines if not ANSWERS_A_CLAIM.search(line)] or lines

    def _new_name(self) -> str | None:
        """The name the user just gave, unless they gave it before."""
        match = INTRODUCTION.search(self.user)
        if match is not None and match.group(1)[0].isupper():  # IGNORECASE is for "I'm"
            name = match.group(1)
        else:
            name = self._bare_name()
        if name is None or name.lower() in NOT_NAMES:
            return None
        earlier = [u.content for u in self.ctx.history[:-1] if u.role == "user"]
        return None if any(name in line for line in earlier) else name

    def _ironic(self) -> bool:
        """The put-down is irony about the moment, not a verdict on the persona: mock praise
        with no "you" in it and nothing of who they are ("what does a VP of Operations even
        do" is about her)."""
        spans = [e.text for e in self.ctx.feedback.evidence if e.move is Move.DISMISSIVE]
        who = content_words(f"{self.persona.role} {self.persona.company}")
        # "...how thrilling. What do you even do, babysit servers?": the sneer at them beside
        # the irony is what they answer, whichever span the analyzer quoted.
        at_them = any(
            AT_THEM.search(s) and (cues.SNEER.search(s) or cues.DISMISSIVE.search(s))
            for s in sentences(self.user)
        )
        return not at_them and any(
            IRONY.search(span) and not AT_THEM.search(span) and not content_words(span) & who
            for span in spans or [self.user]
        )

    def _bare_name(self) -> str | None:
        """ "sam" to "I'm Marisol, and you are?": a name given on its own, capitalised."""
        bare = BARE_NAME.match(self.user)
        if bare is None or not ASKS_NAME.search(self.last_said):
            return None
        word = bare.group(1)
        if word.lower() in NOT_BARE_NAMES or word.lower() in content_words(self.last_said):
            return None
        return word[0].upper() + word[1:]

    def _say_named(self, lines: Sequence[str], name: str) -> str | None:
        named = [line.replace("{name}", name) for line in lines]
        return self._say(named, "introduced")

    def _said_any(self, lines: Sequence[str]) -> bool:
        return any(line in self.said for line in lines)

    def _thanked(self) -> bool:
        """A thank-you or a yes to an offer, with no question beside it."""
        return THANKS.search(self.user) is not None and not self._asked()

    def _asked(self) -> bool:
        return "?" in self.user or bool(self.moves & QUESTION_MOVES) or self._wants_more()

    def _wants_more(self) -> bool:
        """'Tell me more', 'go on', "I'd love to understand how your warehouses run at night":
        a request whatever the analyzer called it (it had found no move in that one)."""
        return MORE_PLEASE.search(self.user) is not None or bool(
            cues.MORE_REQUEST.search(self.user)
        )

    def _substance(self, *, short: bool) -> None:
        lines = self._substance_lines()
        if lines is None:
            return
        line = self._pick(lines, "substance")
        if line is None:
            line = next((r for r in map(self._recap, lines) if r), None)
            if line is None:
                return
            self.repeated = True
        if short:
            line = sentences(line)[0]
        self._add(line)

    def _substance_lines(self) -> Sequence[str] | None:
        if self.moves & {Move.PITCH, Move.MINIMAL} or self._agenda_question():
            return None  # answering a pitch would reward it
        if self._thanked():
            return None  # "Thank you, I'll email you tonight" asks for no more story
        if self.ask:
            # The yes or not-yet is the answer, unless a question came with the ask.
            return self._answer_aside()
        follow_through = self._follow_through()
        if follow_through is not None:
            return follow_through
        current = self._current_topic()
        if not self._asked():
            # A statement is no invitation to change the subject; only listening (a reflection,
            # an acknowledgement) draws more out on the topic already on the table.
            if current is None or not self.moves & LISTENING_MOVES or self.moves & NEGATIVE_MOVES:
                return None
            return self._lines_for(current, self._deeper_on(current, self.user))
        if Move.MIRROR_QUESTION in self.moves:
            mirrored = self._mirrored_topic()
            if mirrored is not None:
                return self._lines_for(mirrored, None)
        return self._understood(self.user, current)

    def _follow_through(self) -> list[str] | None:
        """How the favour already promised will happen, when that is all the user asks ("What's
        the best way to follow up with you after today?" once the intro to Marcus is agreed):
        the sentences of the persona's yeses that say how ("I'll email Marcus tonight and copy
        you in."). None when nothing is promised or the question asks something else."""
        reward = self.persona.reward
        accept = reward.accept
        if not any(line in self.said for line in accept):
            return None
        asked = [s for s in sentences(self.user) if "?" in s]
        if not asked:
            return None
        if all(self._asks_when_where(q) for q in asked):
            # "What time are the speakers' drinks?" once the introduction there is agreed; "When
            # would be a good night to come see the shift?" is answered with the night, before
            # how to get in touch (live, session 23).
            told = [s for line in (*accept, *reward.confirm) for s in sentences(line)]
            specific = _most_specific([s for s in told if "?" not in s])
            if specific:
                return specific
        if all(arranges_follow_through(q) for q in asked):
            how = [s for line in accept for s in sentences(line) if CHANNEL.search(s)]
            return how or None
        return None  # "...and what is Marcus like?" asks more than how

    def _asks_when_where(self, question: str) -> bool:
        """Does the question ask when or where about the favour (a word of the persona's
        offers and yeses: "What time are the speakers' drinks?")?"""
        if ASKS_WHEN_WHERE.search(question) is None:
            return False
        reward = self.persona.reward
        lines = (*reward.offer, *reward.accept, *reward.confirm)
        return bool(content_words(question) & {w for line in lines for w in content_words(line)})

    def _understood(self, text: str, focus: Topic | None) -> Sequence[str] | None:
        """The lines that answer `text`, understood by meaning (see app.dialogue.understand);
        when nothing the persona knows answers it, an honest 'no idea' that hands it back."""
        said = self._said_lines()
        guessed = focus is None and bool(self.last_said)
        if guessed:
            # "What did you make of it?" after "Did you catch the talk?": the persona's own
            # question sets the subject when none of its lines has yet.
            focus = self._asked_about()
        match = self.knowledge.match(text, focus, said)
        if guessed and not match.elliptical:
            # That subject is a guess, and a question with words of its own is no follow-up on
            # it: "What does a normal week look like across your warehouses?" after "What do
            # you know about us so far?" got "I'd be guessing" with the guess, her role
            # without; "Sort of a speaker? What's your talk about?" after "Are you speaking?"
            # got her meetup's call for speakers, her own panel without.
            free = self.knowledge.match(text, None, said)
            if free.topic is not None or match.topic is None:
                match = free
        reactions = self.persona.reactions
        if match.topic is None and Move.DISMISSIVE in self.moves:
            # "Riveting stuff. So what do you even do, babysit servers?": the bristle answers a
            # sneer; "That one's past my pager" after it reads as missing the point.
            return None
        if match.topic is None:
            self.unanswered = True
            return reactions.no_match or reactions.unknown
        if not self.knowledge.knows_more(match, said):
            hook = self.persona.hook(match.topic.id) if match.topic.kind == "hook" else None
            if hook and hook.id in self.after.unlocked_hooks and not self._revealed(hook):
                # "Why did that one land on a bad Friday?" after a line of a hook told before
                # the hook itself (the thank-you that kept her from leaving): past that story
                # is the confidence not told yet, not "I couldn't tell you" (live, session 23).
                return hook.reveal
            # The question asks past a story already told ("How did she end up fixing it?"):
            # an honest 'no idea', not the topic's next story, and without the 'why do you
            # ask?' that suits a question from nowhere.
            self.unanswered = True
            return [
                kept
                for line in reactions.no_match or reactions.unknown
                if (kept := _no_invitation(line))
            ]
        return self._lines_for(match.topic, self.knowledge.answer(match, said))

    def _asked_about(self) -> Topic:
        """What the persona's last question is about: the topic its author gave it (in any of
        its wordings), else the nearest one ("Did you catch the talk?" is about the talk)."""
        for question in self.persona.questions:
            if question.topic and any(w in self.last_said for w in question.wordings):
                return Topic("fact", question.topic)
        return self.knowledge.nearest_topic(self.last_said)

    def _said_lines(self) -> list[str]:
        """The persona's lines said already (a deeper line under its own text, whichever
        wording was said)."""
        return list(
            dict.fromkeys(
                self.knowledge.line_of(line)
                for line in self.knowledge.owner
                if line in self.said or line in self.told_before
            )
        )

    def _was_said(self, line: str) -> bool:
        """Said in this conversation or last time, in any of its wordings."""
        return any(
            w in self.said or w in self.told_before for w in self.knowledge.wordings_of(line)
        )

    def _untold(self, line: str) -> bool:
        """Not said in any wording, and one wording is still fresh."""
        return not self._was_said(line) and bool(self._fresh_wordings(line))

    def _deeper_on(self, topic: Topic, text: str) -> str | None:
        ranked = self.knowledge.rank_deeper(topic, text, self._said_lines())
        return ranked[0] if ranked else None

    def _answer_aside(self) -> Sequence[str] | None:
        """A question beside the ask is answered. It often points into the ask ("Could you
        introduce me to Marcus? What is he like to work for?"), so the ask's own topic is
        preferred unless the question clearly names another one."""
        if "?" not in self.aside and MORE_PLEASE.search(self.aside) is None:
            return None
        if self.ask == "accept" and (
            arranges_follow_through(self.aside) or self._asks_when_where(self.aside)
        ):
            # "I'd love that coffee with Marcus. What's the best way to follow up with you?":
            # the yes ("I'll email Marcus tonight and copy you in") says how; a line about
            # something else would not.
            return None
        current = self._current_topic()
        asked_about = self.index.match(self.requests, current, self._topic_rank) or current
        named = {
            n
            for n in proper_nouns(self.persona).intersection(NAME_WORD.findall(self.requests))
            if len(n) > 1  # "I'd love to meet Ines": 'I' is no one to ask about
        }
        if THIRD_PERSON.search(self.aside) and len(named) == 1:
            # "I'd really like to meet Marcus, thank you. What's he like to work for?": 'he'
            # is the one the ask named, so the question is read as asking about him.
            return self._understood(_named_in(self.aside, next(iter(named))), asked_about)
        if THIRD_PERSON.search(self.aside) and named:
            return self._understood(f"{self.requests} {self.aside}", asked_about)
        return self._understood(self.aside, asked_about)

    def _topic_rank(self, topic: Topic) -> int:
        """Among equally good matches: an unlocked hook, then a fresh fact, then the rest."""
        if topic.kind == "hook":
            return 0 if topic.id in self.after.unlocked_hooks else 3
        fact = self.persona.fact(topic.id)
        started = fact is not None and any(line in self.said for line in fact.answers)
        return 2 if started else 1

    def _lines_for(self, topic: Topic, line: str | None) -> Sequence[str] | None:
        """What to say on `topic`: `line` (a deeper line asked about) when there is one, else
        the surface the first time and a deeper line not said yet after that."""
        if topic.kind == "hook":
            return self._hook_lines(topic.id, line)
        fact = self.persona.fact(topic.id)
        assert fact is not None
        if line is not None:
            return [line]
        fresh_answers = [a for a in fact.answers if self._fresh(a)]
        started = any(self._was_said(a) for a in fact.answers)
        fresh_deeper = [d for d in fact.deeper_lines if self._untold(d)]
        told = [a for a in fact.answers if self._was_said(a)] or fact.answers
        if started:
            return fresh_deeper[:1] or told  # all told: a recap, not the same news reworded
        return fresh_answers or fresh_deeper[:1] or told

    def _hook_lines(self, hook_id: str, line: str | None) -> Sequence[str] | None:
        hook = self.persona.hook(hook_id)
        assert hook is not None
        if self._revealed(hook):
            fresh = [d for d in hook.deeper_lines if self._untold(d)]
            told = [r for r in hook.reveal if self._was_said(r) or r in self.parts]
            return [line] if line in fresh else (fresh[:1] or told)
        if hook_id in self.after.unlocked_hooks:
            if line is not None and self._untold(line):
                # "What is Ines like?" asks for her line, not for the meetup it belongs to;
                # the reveal comes the next time the subject does.
                return [line]
            return hook.reveal  # asked about it just as trust allows: tell it now
        return hook.guarded

    def _revealed(self, hook: Hook) -> bool:
        return any(line in self.said or line in self.parts for line in hook.reveal)

    def _current_topic(self) -> Topic | None:
        """The topic of the persona's latest line that had one (a goodbye-free offer or a
        question back has none, and the conversation is still on the earlier subject)."""
        owner = self.knowledge.owner
        for message in self.recent_said:
            lines = [line for line in owner if line in message]
            if lines:
                return owner[max(lines, key=message.rfind)].topic
        return None

    def _topic_now(self) -> Topic | None:
        """The fact this reply talks about, else the one on the table."""
        owner = self.knowledge.owner
        for part in reversed(self.parts):
            node = owner.get(part)
            if node is not None:
                return node.topic
        return self._current_topic()

    def _mirrored_topic(self) -> Topic | None:
        for question in self.persona.questions:
            asked = any(w in self.last_said for w in question.wordings)
            if asked and question.topic is not None:
                return Topic("fact", question.topic)
        return None

    def _revelations(self) -> None:
        """Tell one unlocked hook not told yet, unless this turn already tells one or makes
        the reward offer: a reply that opens up about everything at once sounds rehearsed.
        Not after 'no idea, why do you ask?' (that hands the turn back) nor after a thank-you
        (a secret in reply to thanks is a non sequitur): it keeps for the next turn."""
        if self.unanswered or self._thanked():
            return
        if self.moves & NEGATIVE_MOVES:
            # Told in reply to a sneer, a pitch or "ok", a secret rewards that turn ("must be
            # nice being so special" -> "Well, I'll tell you my secret"): it keeps for a better one.
            return
        if self.after.stage is Stage.OPPORTUNITY and self.ctx.before.stage is not Stage.OPPORTUNITY:
            return
        if self.ask == "accept":
            return  # the yes is the news of this turn; the secret keeps for the next one
        if self._revealing():
            return
        hooks = [self.persona.hook(hook_id) for hook_id in self.after.unlocked_hooks]
        pending = next((h for h in hooks if h is not None and not self._revealed(h)), None)
        if pending is not None:
            # Told unasked: not a wording that thanks them for asking ("since you asked").
            unasked = [r for r in pending.reveal if not SINCE_YOU_ASKED.search(r)]
            self._say(unasked or pending.reveal, f"reveal:{pending.id}")

    def _revealing(self) -> bool:
        """Does this reply already tell one of the persona's hooks, its reveal or a deeper line
        of it? ("It's used by four teams at work. What I need is an outsider..." then "I don't
        usually say this, but after our big outage I burned out" is two confessions at once.)"""
        told = {
            line
            for h in self.persona.hooks
            for line in (*h.reveal, *(w for d in h.deeper_lines for w in h.deeper_wordings(d)))
        }
        return any(part in told for part in self.parts)

    def _stage_change(self) -> None:
        stage = self.after.stage
        if stage is self.ctx.before.stage:
            return
        if stage is Stage.OPPORTUNITY:
            # A yes to the ask has named the reward already; an offer made or granted before is
            # not made again when trust climbs back into this stage (live, session 23: Ines
            # offered twice, the second time after "I'd love that, thank you").
            if self.ask != "accept" and not self._offered():
                self._say(self.persona.reward.offer, "reward")
        elif stage is Stage.CLOSING:
            self._wind_down()
            self._say(self.persona.closings.wrap_up, "wrap_up")

    def _wind_down(self) -> None:
        """Before wrapping up, drop a question or an invitation at the end of what was just
        said: 'tell me something about you. Right, I'll let you go' reads as bolted on."""
        if not self.parts:
            return
        kept = sentences(self.parts[-1])
        while kept and _invites(kept[-1]):
            kept.pop()
        if kept:
            self.parts[-1] = " ".join(kept)
        else:
            self.parts.pop()

    def _question_back(self) -> None:
        # "Tell me something that would surprise me." invites as a question does: one is enough.
        invited = any(_invites(s) or "?" in s for part in self.parts for s in sentences(part))
        if invited or self.after.stage is Stage.CLOSING:
            return
        if len(self.parts) >= MAX_PARTS:
            return  # enough said this turn; the user has plenty to respond to
        if says_goodbye(self.user):
            # "I should let you get back to the line. What's the best way to reach you about
            # Marcus?" is answered and the user let go: not "How's the search been treating you,
            # honestly?" (live, session 23).
            return
        if any(line in self.parts for line in self.persona.reward.offer):
            return  # the offer is this turn's question: let them answer it
        if self._revealing():
            # What it would only tell a listener is the news of this turn: a question of its own
            # after it ("...isn't announced yet. What's been your biggest setback?") buries it.
            return
        if self.after.stage is Stage.OPPORTUNITY and not self._asked() and self.ask is None:
            granted = any(line in self.said for line in self.persona.reward.accept)
            # Once the yes was given ('Of course, I'll email Marcus') or the user took the offer
            # up ('I'd love that, thank you'), 'shall I make that intro?' asks it again.
            if not granted and not (self._thanked() and self._offered()):
                self._say(self.persona.reward.confirm, "confirm")  # the offer is on the table
            return
        if self.ask == "accept":
            return  # the yes ends the turn; the user will want to say thank you
        # After a 'not yet' the persona keeps the conversation going with a question; after
        # an answer it sometimes lets the user steer, as people do.
        chance = ASK_BACK_CHANCE if self._asked() else STATEMENT_ASK_BACK
        if self.ask is None and self.parts and self._chance("ask_back") >= chance:
            return
        question = self._next_question()
        if question is not None:
            self._add(self._wording(question))

    def _told_already(self, question: Question) -> bool:
        """The user has said what the question asks: "first time here" answers "Is this your
        first time at the summit?" (two of its words that say something, in their lines, in
        any of its wordings); "my third fair this year" answers "Is this your first career
        fair?" (an ordinal is an answer to an ordinal)."""
        told = self._user_words
        for wording in question.wordings:
            words = {_ordinal(w) for w in lemmas(wording) if w not in FUNCTION_WORDS and len(w) > 2}
            if words and len(words & told) >= min(2, len(words)):
                return True
        return False

    @cached_property
    def _user_words(self) -> frozenset[str]:
        """Everything the user has said, as lemmas (ordinals as one): read once per reply, not
        once per question the persona might ask."""
        return frozenset(
            _ordinal(w) for u in self.ctx.history if u.role == "user" for w in lemmas(u.content)
        )

    def _next_question(self) -> Question | None:
        rank = stage_rank(self.after.stage)
        open_ = [
            q
            for q in self.persona.questions
            if stage_rank(q.min_stage) <= rank
            and not any(w in self.said for w in q.wordings)
            and any(self._fresh(w) for w in q.wordings)
            and not self._told_already(q)
        ]
        if not open_:
            return None
        # "And you?" about what was just said fits best; else the latest stage's questions.
        topic = self._topic_now()
        pool = [q for q in open_ if topic is not None and q.topic == topic.id]
        if not pool:
            latest = max(stage_rank(q.min_stage) for q in open_)
            pool = [q for q in open_ if stage_rank(q.min_stage) == latest]
        rng = random.Random(f"{self.ctx.seed}|{len(self.ctx.history)}|question")
        # A question is as recent as its most recently said wording.
        by_text = {q.text: q for q in pool}
        if self.ctx.recent is None or len(pool) < 2:
            return by_text[rng.choice(list(by_text))]
        ages = {q.text: max(self._age(w) for w in q.wordings) for q in pool}
        oldest = min(ages.values())
        return by_text[rng.choice([t for t, age in ages.items() if age == oldest])]

    def _wording(self, question: Question) -> str:
        """The question in a wording not said yet, the one said least lately elsewhere."""
        fresh = self._varied([w for w in question.wordings if self._fresh(w)])
        rng = random.Random(f"{self.ctx.seed}|{len(self.ctx.history)}|wording|{question.text}")
        return self._least_recent(fresh, rng)

    def _age(self, line: str) -> int:
        recent = self.ctx.recent
        return 0 if recent is None else recent.last_said(self.persona.id, sentences(line))


def _introduces(sentence: str) -> bool:
    """'Hi Priya, I'm Dana.': a sentence that gives a name (capitalised, not 'I'm just ...')."""
    named = INTRODUCTION.search(sentence)
    return named is not None and named.group(1)[0].isupper()


def _most_specific(lines: Sequence[str]) -> list[str]:
    """The lines that say the most of when and where ("Speakers' drinks, seven, rooftop." over
    "I'm seeing Ines tonight"); none when no line says either."""
    counts = [len(WHEN_WHERE.findall(line)) for line in lines]
    most = max(counts, default=0)
    return [line for line, n in zip(lines, counts, strict=True) if most and n == most]


def content_words(text: str) -> set[str]:
    """The lemmas of `text` that name something (not 'the', 'really' or 'thing')."""
    return {w for w in lemmas(text) if w not in FUNCTION_WORDS and w not in VAGUE and len(w) > 2}


# Words that open a line as a discourse marker: said twice in one reply, they are a tic.
MARKERS = frozenset(
    re.findall(
        r"\w+",
        "honestly frankly truthfully ha haha okay ok bueno look listen well yeah right mm hm "
        "hmm oh ah sure fair anyway actually",
    )
)


# Phrases that frame a line the same way: "The thing is, I could make five offers... The thing
# is, the job description leaves out..." is a tic too.
MARKER_PHRASE = re.compile(
    r"\b(the thing is|here's the thing|to be honest|truth is|funny story|if i'm honest|i mean)\b"
)


def _opener(line: str) -> str:
    """A line's first word, as a discourse marker: 'Honestly,' and 'Honestly?' are one."""
    words = WORD.findall(line[:40].lower())
    return words[0] if words else ""


def sentences(text: str) -> list[str]:
    """A line's sentences, as `reply_chunks` splits them (the unit of 'never say it twice')."""
    return [s for s in SENTENCE_END.split(text.strip()) if s]


INVITATION = re.compile(
    r"^(?:(?:now|so|okay|ok|well|then|alright|but|and),? )?(?:tell me|go on|your turn)\b",
    re.IGNORECASE,
)


def _words(sentence: str) -> set[str]:
    """The sentence's words, lower case, curly apostrophes straightened."""
    return set(re.findall(r"[a-z']+", sentence.lower().replace("\u2019", "'")))


def _no_invitation(line: str) -> str:
    """The line without its questions and invitations ('What are you into?')."""
    return " ".join(s for s in sentences(line) if not _invites(s))


def _invites(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or INVITATION.search(sentence) is not None
