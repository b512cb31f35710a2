"""The follow-up note coach: the message a learner would send the day after, judged against
what happened in the conversation. Pure.

Four labels, as evals/data/notes/GUIDE.md defines them for the writers who label our test notes:
- specific: it refers to something the partner actually said (misremembered details do not);
- thanks: fine, grovelling (over-the-top gratitude or apology) or missing (straight to business);
- ask: none, fine (one clear, small ask the conversation earned), unclear, too_many or too_big;
- length: fine, too_long or too_short.
`good` follows from them exactly as the guide says. Rules find the evidence and count what is
exact (words, request sentences, thanks and apology phrases, details matched to what was said,
numbers and names at odds with it); a learned model (`model.py`) reads those counts and
similarities and decides each label, since where a line falls ("happy to chat whenever" vague or
fine, an ask earned or not) is a judgement the labelled notes teach better than thresholds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

from app.feedback.text import content_stems, sentences, words
from app.followup.matching import (
    Corpus,
    Facts,
    Rarity,
    contradiction,
    shared_words,
    word_overlap,
)

Channel = Literal["email", "linkedin"]
Ended = Literal["warm", "neutral", "cool"]
LENGTH_RANGE = {"email": (40, 160), "linkedin": (20, 100)}  # readable in under a minute
DETAIL_MEANING = 0.55  # a note sentence this close to a revealed line names it
DETAIL_WORDS = 0.45
DETAIL_LOOSE = 0.40  # about a revealed line, for telling a wrong number or name

_THANKS = re.compile(
    r"(?i)\b(?:thank(?:s|\s+you|ing)?|thx|ty|tysm|grateful|gratitude|appreciate[ds]?|cheers for"
    r"|much\s+appreciated)\b"
)
_WARMTH = re.compile(
    r"""(?ix)\b(?:(?:great|lovely|good|nice|fun|wonderful|a\s+pleasure|a\s+joy|so\s+fun|really\s+fun
    |brilliant|fab|awesome)\s+(?:to\s+)?(?:meet|meeting|chat|chatting|talk|talking|speak|speaking
    |connect|connecting|see|seeing|share|sharing|hear|running|catch(?:ing)?\s+up|share)
    |enjoyed|loved\s+(?:our|the|your|chatting|talking|meeting|hearing)|(?:a\s+)?pleasure
    |good\s+times|fun\s+chatting|great\s+(?:chat|conversation|session)|congrat\w*)"""
)
_GROVEL = re.compile(
    r"""(?ix)
    \b(?:(?:so|very|truly|deeply|incredibly|extremely|immensely|eternally|forever|endlessly
        |sincerely|humbly|most|really|beyond|terribly|awfully|hugely|massively|super|truly,)
        \s+){1,3}(?:grateful|thankful|indebted|honou?red|humbled|sorry|obliged|appreciative)
        (?!\s+(?:if|to\s+hear|about|for\s+(?:a|an|any|the|your)\s+(?:copy|intro\w*|look|reply|loss
        |pointer)))
    | \ba\s+thousand\s+(?:times|thanks) | \bbest\s+day\s+of\s+my\s+life | \bcan(?:not|'t)\s+express
    | \bwords\s+(?:cannot|can't|fail) | \bfeel\s+(?:awful|terrible|so\s+bad)
    | \bthank\s+you,?\s+thank\s+you
    | \b(?:truly|sincerely|deeply|so|really|profusely)\s+apologi[sz]e
    | \b(?:sincere|deepest|humble|heartfelt)\s+apolog | \bheartfelt\s+gratitude | \bmost\s+grateful
    | \bindebted
    | \b(?:forever|eternally)\s+(?:grateful|indebted|thankful)
    | \bcan(?:'|no)?t\s+thank\s+you\s+enough | \bcannot\s+thank\s+you\s+enough
    | \b(?:sorry|apologi[sz]e|apologies)\b[^.!?]{0,40}\b(?:bother|disturb|trouble|intrud|inbox
        |taking\s+up|monopoli|time|again)\w*
    | \bsorry\s+(?:to\s+(?!hear)|for\s+(?!your\s+loss))
    | \bforgive\s+me\b | \bhumblest\b | \bmortified\b
    | \b(?:your|such)\s+(?:precious|valuable|busy)\s+(?:time|schedule|day)
    | \b(?:extremely|incredibly|extraordinarily|very|so|insanely)\s+busy
    | \bout\s+of\s+your\s+(?:busy|hectic|packed|\w+\s+busy)
    | \bhundreds\s+of\s+(?:these|messages|emails|pitches|requests|people|candidates)
    | \b(?:i\s+)?(?:don'?t|do\s+not)\s+deserve | \bhonou?r\s+of\b | \bgreatest\s+privilege
    | \bhumbled\b | \bbless(?:ed|ing)?\b | \bwith\s+endless\s+gratitude | \bthanking\s+you\s+in
        \s+anticipation | \bmeans\s+the\s+world | \bi\s+know\s+you(?:'re|\s+are)\s+(?:so\s+)?busy
    | \brespected\s+(?:sir|madam)
    """
)
_REQUEST = re.compile(
    r"""(?ix)
    \b(?:could|would|can|will|might|may)\s+(?:you|we|i|u)\b
    | \bwould\s+it\s+be\s+(?:possible|ok|okay|alright)\b | \bis\s+it\s+(?:ok|okay|alright)\s+if
    | \b(?:do|would)\s+you\s+(?:mind|have\s+(?:time|a\s+few|\d+|twenty|thirty|fifteen|ten))
    | \bare\s+you\s+(?:free|around|available|open\s+to)\b | \bwhen\s+(?:can|could|would)\b
    | \b(?:let\s+me\s+know|lmk|keep\s+me\s+in\s+mind|keep\s+me\s+posted|feel\s+free)\b
    | \b(?:i'?d|i\s+would|would)\s+(?:really\s+|so\s+|also\s+)?(?:love|like|be\s+(?:(?:very|really
        |so|most)\s+)?(?:glad|grateful|happy|delighted|thankful))\s+(?:to|of|for|if)\b
    | \bi\s+(?:was\s+|also\s+|am\s+)?(?:hoping|wondering|wondered)\b | \bwhether\s+(?:you|we|i)
        \s+(?:might|could|would|can)\b | ^\W*(?:kindly|please)\s+\w+
    | \b(?:send|forward|share|pass|introduce|refer|shortlist|recommend|connect)\s+(?:me|my|it)\b
        (?![^.!?]{0,20}\b(?:i|we)\s+(?:have|will|'ll|'ve)\b)
    | \bplease\s+(?:send|share|introduce|forward|let|add|consider|refer|review|take|find\s+time)\b
    | \b(?:any\s+chance|is\s+there\s+any\s+chance|if\s+you\s+could|if\s+you\s+have\s+a\s+(?:moment
        |minute|sec))\b | \b(?:want|wanna)\s+to\s+(?:grab|hang|meet|chat)|\bwanna\b
    | \bshall\s+we\b | \bhappy\s+to\s+(?:chat|talk|hop|jump|meet)
    | \b(?:who|where)\s+should\s+i\b | \bhow\s+(?:do|should|can)\s+i\b
    """
)
_VAGUE = re.compile(
    r"""(?ix)
    \b(?:let\s+me\s+know|lmk|keep\s+me\s+in\s+mind|keep\s+me\s+posted|reach\s+out)\b[^.!?]{0,50}
        \b(?:if|when|whenever|anything|ever|fit|opportunit\w*|opening\w*|something)\b
    | \b(?:anything|something)\s+(?:ever\s+)?comes?\s+up\b | \bif\s+there'?s\s+ever\b
    | \bhappy\s+to\s+(?:chat|talk|connect|help)\s+(?:whenever|anytime|any\s+time|sometime)
    | \bwhenever\s+(?:you(?:'re|\s+are)?\s+free|works|you\s+have\s+time)\b | \bsometime\b
    | \bany\s+(?:opportunit\w+|openings?|vacanc\w+|advice|tips|suggestions)\b
    | \bstay\s+in\s+touch\b | \bhelp\s+with\s+anything\b | \bpick\s+your\s+brain\b
    """
)
_BIG = re.compile(
    r"""(?ix)
    \b(?:refer(?:ral)?|recommend\s+me|put\s+(?:me\s+)?in\s+touch|introduc\w+\s+me|intro\s+me
        |introduction\s+to|connect\s+me\s+with|put\s+in\s+a\s+good\s+word|vouch)\b
    | \b(?:job|role|position|opening|vacanc\w+|internship|interview|hire\s+me|hiring\s+manager
        |comp(?:ensation)?\s+and\s+equity|salary)\b
    | \b(?:demo|pricing|proposal|contract|pilot|trial|invest\w*|funding|term\s+sheet|sign\s+up)\b
    | \b(?:your|the)\s+(?:boss|ceo|cto|cio|cfo|cmo|vp|director|head\s+of\s+\w+|founder|manager
        |team\s+lead|partners?)\b
    | \b(?:review|look\s+(?:at|over)|read|feedback\s+on)\s+(?:my|our|the\s+attached)\b
    """
)
_TAKE_UP = re.compile(
    r"""(?ix)\b(?:as\s+(?:you\s+)?(?:suggested|promised|offered|mentioned|asked|agreed|discussed
    |requested|invited|said)|like\s+(?:you|u)\s+said|per\s+your\s+(?:suggestion|note|request)
    |(?:please\s+)?find\s+attached|attached\s+(?:is|are|please)|i'?ve\s+attached|is\s+attached
    |here'?s\s+(?:my|the|our)|here\s+is\s+(?:my|the|our)|if\s+the\s+offer\s+still\s+stands
    |you\s+(?:kindly\s+)?offered|you\s+mentioned|the\s+\w+\s+you\s+mentioned)\b"""
)
_PROMO = re.compile(
    r"""(?ix)\b(?:our\s+(?:platform|product|solution|software|tool|service|agency|team\s+has)
    |we\s+(?:offer|provide|help|have\s+helped|specialise|specialize)|key\s+features|roi\b
    |case\s+stud(?:y|ies)|my\s+(?:resume|cv|skills|experience|background|portfolio)|i\s+am\s+(?:a|an)
    \s+\w+|i\s+have\s+(?:\w+\s+){0,2}(?:years|experience)|perfect\s+fit|(?:i'?m|i\s+am)\s+your
    \s+(?:person|guy|girl)|an\s+asset)\b"""
)
_NUMBERED = re.compile(r"(?m)^\s*(?:\d+[.)]|[-•*])\s+\S")


@dataclass(frozen=True, slots=True)
class NoteContext:
    """What the note is judged against: what the partner said and offered, how it ended."""

    revealed: tuple[str, ...]
    offered: str | None = None
    ended: Ended = "neutral"
    channel: Channel = "email"
    partner: str = ""  # who they are ("Priya Raman, recruiter at Northwind ...")


@dataclass(frozen=True, slots=True)
class Detail:
    span: str  # the note's sentence
    revealed: str  # what the partner said that it names
    wrong: str | None = None  # a number or name at odds with it


@dataclass
class NoteEvidence:
    """What the rules found in one note: the spans quoted back and the counts the model reads."""

    note: str
    word_count: int
    sentences: list[str]
    details: list[Detail] = field(default_factory=list)
    wrong_details: list[Detail] = field(default_factory=list)
    thanks: list[str] = field(default_factory=list)
    grovelling: list[str] = field(default_factory=list)
    warmth: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    vague: list[str] = field(default_factory=list)
    big: list[str] = field(default_factory=list)
    takes_up: list[str] = field(default_factory=list)
    best_meaning: float = 0.0  # the note sentence closest in meaning to anything they said
    best_words: float = 0.0
    # Read the other way: the share of one of their sentences a note sentence carries ("The
    # worry question is why it works" in "your note's worry question stuck with me, and..."):
    # a long note sentence that names one short thing they said scores low on best_words.
    best_coverage: float = 0.0
    coverage_shared: int = 0  # content words that sentence pair shares
    offer_meaning: float = 0.0  # the note sentence closest to what they offered
    offer_words: float = 0.0
    request_offer_words: float = 0.0  # how much the asks echo what was offered
    request_offer_meaning: float = 0.0
    request_markers: int = 0  # request phrases in all, several in one sentence counted apart
    promotion: int = 0  # phrases that sell the learner or their product
    numbered: int = 0
    questions: int = 0


# A line break inside a sentence (a draft wrapped by hand, or typed line by line in a terminal):
# the next line goes on in lower case and the line before did not end a sentence.
_SOFT_BREAK = re.compile(r"(?<![.!?:\n])\n(?=[ \t]*[a-z(])")


def note_sentences(note: str) -> list[str]:
    """The note's sentences, each an exact substring of it, across soft line breaks."""
    flat = _SOFT_BREAK.sub(" ", note)  # one character for one: offsets stay the same
    found, cursor = [], 0
    for piece in sentences(flat):
        at = flat.find(piece, cursor)
        if at < 0:
            continue
        found.append(note[at : at + len(piece)])
        cursor = at + len(piece)
    return [s for s in found if words(s)]


def evidence(note: str, context: NoteContext) -> NoteEvidence:
    parts = note_sentences(note)
    found = NoteEvidence(note, len(words(note)), parts)
    _find_details(found, context)
    for sentence in parts:
        _classify_sentence(found, sentence, context)
    found.numbered = len(_NUMBERED.findall(note))
    found.promotion = len(_PROMO.findall(note))
    found.request_markers = sum(
        len({m.start() for m in _REQUEST.finditer(s)}) for s in found.requests
    )
    found.questions = note.count("?")
    return found


def _find_details(found: NoteEvidence, context: NoteContext) -> None:
    said = list(context.revealed)
    offer = [context.offered] if context.offered else []
    rarity = Rarity([*said, *offer, *found.sentences])
    corpus = Corpus(said, rarity)
    offer_corpus = Corpus(offer, rarity)
    facts = Facts.of([*said, *offer, context.partner])
    # Their sentences of three content words or more: "Three questions, that's all." is too
    # short to be named by sharing two words with it.
    their_sentences = [t for line in said for t in sentences(line) if len(content_stems(t)) >= 3]
    for sentence in found.sentences:
        sims = corpus.similarities(sentence)
        for sim, line in sorted(zip(sims, said, strict=True), key=lambda p: -p[0].score)[:1]:
            found.best_meaning = max(found.best_meaning, sim.meaning)
            found.best_words = max(found.best_words, sim.words)
            wrong = contradiction(sentence, line, facts)
            if wrong and (sim.meaning >= DETAIL_LOOSE or sim.words >= 0.3):
                found.wrong_details.append(Detail(sentence, line, wrong))
            elif sim.meaning >= DETAIL_MEANING or (sim.words >= DETAIL_WORDS and sim.shared >= 2):
                found.details.append(Detail(sentence, line))
        for theirs in their_sentences:
            coverage = word_overlap(theirs, sentence, rarity)
            if coverage > found.best_coverage:
                found.best_coverage = coverage
                found.coverage_shared = shared_words(theirs, sentence, rarity)[0]
        for sim in offer_corpus.similarities(sentence):
            found.offer_meaning = max(found.offer_meaning, sim.meaning)
            found.offer_words = max(found.offer_words, sim.words)


def _classify_sentence(found: NoteEvidence, sentence: str, context: NoteContext) -> None:
    if _THANKS.search(sentence):
        found.thanks.append(sentence)
    if _WARMTH.search(sentence):
        found.warmth.append(sentence)
    found.grovelling += [m.group(0) for m in _GROVEL.finditer(sentence)]
    if _TAKE_UP.search(sentence):
        found.takes_up.append(sentence)
    if not (_REQUEST.search(sentence) or sentence.rstrip().endswith("?")):
        return
    if _is_pleasantry(sentence):
        return
    found.requests.append(sentence)
    if _VAGUE.search(sentence):
        found.vague.append(sentence)
    if _BIG.search(sentence):
        found.big.append(sentence)
    if context.offered:
        rarity = Rarity([context.offered, sentence])
        overlap = word_overlap(context.offered, sentence, rarity)
        found.request_offer_words = max(found.request_offer_words, overlap)
        [sim] = Corpus([context.offered], rarity).similarities(sentence)
        found.request_offer_meaning = max(found.request_offer_meaning, sim.meaning)


_PLEASANTRY = re.compile(
    r"""(?ix)^\W*(?:(?:i\s+)?hope\s+(?:you|the|your|all)|how\s+(?:are|was)\s+(?:you|the)
    |(?:i\s+)?look(?:ing)?\s+forward|have\s+a\s+(?:great|good|nice|lovely)|best\s+of\s+luck
    |good\s+luck|all\s+the\s+best|talk\s+soon|see\s+you)"""
)


def _is_pleasantry(sentence: str) -> bool:
    return bool(_PLEASANTRY.search(sentence)) and not re.search(r"(?i)\b(?:could|would|can)\b",
                                                                sentence)  # fmt: skip


FEATURES = (
    "words", "log_words", "linkedin", "below_range", "above_range", "words_over_low",
    "words_over_high", "sentences", "paragraphs", "first_person",
    "details", "wrong_details", "best_meaning", "best_words", "any_detail",
    "thanks", "grovelling", "warmth", "opens_warm", "exclamations", "no_thanks_no_warmth",
    "requests", "vague", "big", "takes_up", "questions", "numbered", "offer_meaning",
    "offer_words", "request_offer_words", "offered", "warm", "neutral", "cool",
    "big_unoffered", "big_not_warm", "requests_unoffered", "takes_up_offered", "extra_requests",
    "request_offer_meaning", "request_markers", "extra_markers", "promotion", "opens_cold",
    "vague_only", "offer_taken", "best_coverage", "coverage_shared",
)  # fmt: skip


def features(found: NoteEvidence, context: NoteContext) -> list[float]:
    """The numbers the model reads, in the order of FEATURES."""
    low, high = LENGTH_RANGE[context.channel]
    n = found.word_count
    tokens = words(found.note)
    first = sum(t in {"i", "i'm", "i've", "i'd", "my", "me"} for t in tokens) / max(1, n)
    opening = " ".join(found.sentences[:2])
    offered = context.offered is not None
    requests, big = len(found.requests), len(found.big)
    values = {
        "words": n / 100, "log_words": _log(n), "linkedin": context.channel == "linkedin",
        "below_range": n < low, "above_range": n > high, "words_over_low": n / low,
        "words_over_high": n / high, "sentences": len(found.sentences) / 10,
        "paragraphs": found.note.count("\n\n"), "first_person": first,
        "details": len(found.details), "wrong_details": len(found.wrong_details),
        "best_meaning": found.best_meaning, "best_words": found.best_words,
        "any_detail": bool(found.details) and not found.wrong_details,
        "thanks": len(found.thanks), "grovelling": len(found.grovelling),
        "warmth": len(found.warmth),
        "opens_warm": bool(_THANKS.search(opening) or _WARMTH.search(opening)),
        "exclamations": found.note.count("!"),
        "no_thanks_no_warmth": not found.thanks and not found.warmth,
        "requests": requests, "vague": len(found.vague), "big": big,
        "takes_up": len(found.takes_up), "questions": found.questions,
        "numbered": found.numbered, "offer_meaning": found.offer_meaning,
        "offer_words": found.offer_words, "request_offer_words": found.request_offer_words,
        "offered": offered, "warm": context.ended == "warm",
        "neutral": context.ended == "neutral", "cool": context.ended == "cool",
        "big_unoffered": big * (not offered), "big_not_warm": big * (context.ended != "warm"),
        "requests_unoffered": requests * (not offered),
        "takes_up_offered": len(found.takes_up) * offered,
        "extra_requests": max(0, requests - 1),
        "request_offer_meaning": found.request_offer_meaning,
        "request_markers": found.request_markers,
        "extra_markers": max(0, found.request_markers - 1),
        "promotion": found.promotion,
        "opens_cold": not (_THANKS.search(opening) or _WARMTH.search(opening)),
        "vague_only": bool(found.vague) and len(found.vague) == requests,
        "offer_taken": offered and (found.offer_meaning >= 0.5 or found.offer_words >= 0.4),
        "best_coverage": found.best_coverage,
        "coverage_shared": min(found.coverage_shared, 4) / 4,
    }  # fmt: skip
    return [float(values[name]) for name in FEATURES]


def _log(n: int) -> float:
    return math.log1p(n)
