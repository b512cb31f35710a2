"""What the learned analyzer sees of a turn: the pair, the conversation, and the rules' verdict.

A turn becomes a dense vector (sentence embeddings of the message and of what the partner said,
their interaction, how the conversation stands, and the rule pass's moves as hints) and a bag of
the message's word n-grams. The same function serves training (tools/train_analyzer.py) and
inference (app/feedback/learned.py), so the two cannot drift apart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from app.feedback import cues
from app.feedback.context import Context
from app.feedback.embed import DIM, embed_one, readable
from app.feedback.meta import is_meta
from app.feedback.text import content_stems, sentences, words, wordset
from app.feedback.types import Move

VERSION = 6
RHETORICAL_TAIL = 40  # Huang et al.: over 40 characters after the last "?" make it rhetorical
TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]")
WH = wordset("what why how when where which who whose")
AUX = wordset(
    """do does did is are was were have has had can could would will should any may might
    isn't aren't don't doesn't didn't"""
)
FIRST = wordset("i i'm i've i'd i'll my mine me myself we we're we've our us")
SECOND = wordset("you you're you've you'd you'll your yours yourself u ur")
LAUGH = re.compile(r"(?i)\b(?:lol|lmao|haha+|hehe|rofl)\b|😂|🙄|😏")
MOVES: tuple[Move, ...] = tuple(Move)
# Words of the user's agenda: job terms and sales qualification ("who else needs to approve?").
AGENDA = re.compile(
    r"(?i)\b(?:hiring|openings?|vacanc\w+|roles? open|referr\w+|refer me|my (?:cv|resume|profile)|"
    r"salary|pay band|compensation|visa|sponsor\w*|interview slot|budget|pricing|price|discount|"
    r"contract|renewal|sign(?:ed|ing)? off|approv\w+|decision[- ]makers?|procurement|"
    r"demo(?![- ]days?\b)|trial|pilot|quote|proposal|roi|"
    r"our (?:tool|product|platform|solution|software|app)|"
    r"invest(?:ing|ment)? in us|our (?:round|seed|raise)|term sheet|valuation|cheque|check size|"
    r"next quarter|this quarter|timeline to buy|switch(?:ing)? vendors?)\b"
)
# The partner is wrapping up: a closing ask or a thank-you fits now.
WRAPPING_UP = re.compile(
    r"(?i)\b(?:got to|have to|need to|should) (?:go|run|jump|head|get back|collect)|"
    r"look at the time|before (?:i|you) go|next steps?|"
    r"this (?:was|has been) (?:good|great|lovely|useful|fun)|"
    r"(?:nice|good|great|lovely) (?:meeting|talking|chatting)|i'll let you go|other call|"
    r"keep in touch|last question"
)
# Trouble the partner just told: stepping over it to small talk or an agenda is a hijack.
TROUBLE = re.compile(
    r"(?i)\b(?:hospital|died|passed away|funeral|cancer|diagnos\w+|ill(?:ness)?|sick|surgery|"
    r"redundan\w+|laid off|layoffs?|let go|fired|lost my|lost our|folded|shut down|bankrupt\w*|"
    r"divorc\w+|separated|me separ\w+|breakup|burn(?:ed|t)? ?out|exhausted|rough (?:year|week|day)|"
    r"struggl\w+|miscarriage|grief|griev\w+|accident)\b"
)
# Sarcasm's shape: praise turned up too far ("my absolute favourite", "oh great", "living the
# dream") about something the partner has just complained of ("compliance training again").
HYPERBOLE = re.compile(
    r"(?i)\b(?:my (?:absolute |all[- ]time )?favou?rite|absolute(?:ly)? (?:love|favou?rite|"
    r"thrilled|delighted)|(?:really|just|totally|so) love (?:those|that|them|it)|"
    r"love that for you|oh (?:great|fun|joy|wonderful|lovely|good|nice)|so fun|sounds fun|"
    r"what fun|how fun|thrilling|riveting|fascinating stuff|living the dream|lucky you|"
    r"what a treat|can'?t wait|cannot wait|how exciting|never heard (?:one|that) before|"
    r"how original|what a (?:surprise|shock)|yay|sounds amazing|the best part)\b|🙄|😒|/s\b"
)
COMPLAINT = re.compile(
    r"(?i)\b(?:again|another|whole (?:morning|day|week|afternoon|weekend)|all (?:morning|day|"
    r"week|weekend)|stuck|boring|bored|ugh|endless|mandatory|compliance|paperwork|meetings?|"
    r"traffic|delayed|cancel+ed|broke|broken|failed|worst|hate|tired|exhausted|outage|pager|"
    r"on[- ]call|overtime|spreadsheets?|rejected|rejection|crashed|nightmare|painful|"
    r"frustrat\w+|annoying|rough|commute|queue|waiting)\b"
)
# Answer types: a question whose answer the partner's last line already holds is hollow.
ASKS_DURATION = re.compile(r"(?i)\bhow long\b|\bsince when\b|\bhow many years\b")
HAS_DURATION = re.compile(
    r"(?i)\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|"
    r"several)\s+(?:years?|months?|weeks?|decades?)\b|\bsince (?:\d{4}|january|february|march|"
    r"april|may|june|july|august|september|october|november|december|last)\b"
)
ASKS_COUNT = re.compile(r"(?i)\bhow many\b|\bhow big\b|\bhow large\b")
HAS_NUMBER = re.compile(
    r"(?i)\b\d[\d,.]*\b|\b(?:twelve|twenty|thirty|forty|fifty|hundred|thousand|million)\b"
)
ASKS_PLACE = re.compile(
    r"(?i)\bwhere\b|\bwhich (?:city|country|office|company|team|school)\b|\bbeen to\b"
)
ASKS_ROLE = re.compile(
    r"(?i)\bwhat (?:do|does) (?:you|your|the|they|it)\b[^?]*\bdo\b|"
    r"\bwhat(?:'s| is) your (?:role|job)\b|\bwhat are you (?:doing|working on)\b|"
    r"\bwhat were you doing\b|\bwhich team\b"
)


@dataclass(frozen=True, slots=True)
class TurnFeatures:
    dense: NDArray[np.float32]
    ngrams: tuple[str, ...]


def ngrams(message: str) -> tuple[str, ...]:
    """Word unigrams and bigrams of the message, lower-cased, with ^ and $ at its edges."""
    tokens = ["^", *TOKEN.findall(message.lower()), "$"]
    grams = [t for t in tokens[1:-1]]
    grams += [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return tuple(grams)


def contextual_ngrams(message: str, ctx: Context) -> tuple[str, ...]:
    """The message's n-grams, the same n-grams marked with the situation they were said in (a
    warm conversation, a question just asked of the user, trouble just told or told a line
    earlier, a question whose words the partner has just said, an answer given before asking),
    and the partner's last line's words: the same words mean different moves in different
    moments."""
    grams = ngrams(message)
    marks = [
        ("W|", ctx.warm),
        ("E|", ctx.user_turns_before < 2),
        ("Q|", bool(ctx.partner_questions)),
        ("T|", TROUBLE.search(ctx.partner_last) is not None),
        ("X|", WRAPPING_UP.search(ctx.partner_last) is not None),
        ("H|", _covered_question(message, ctx)),
        ("B|", any(TROUBLE.search(x) for x in ctx.persona_lines[-3:-1])),
        ("A|", _answers_then_asks(message, ctx) > 0),
        ("I|", _ironic(message, ctx)),
    ]
    marked = [f"{mark}{g}" for mark, on in marks if on for g in grams if " " not in g]
    partner = [f"P:{g}" for g in ngrams(ctx.partner_last) if " " in g]
    return (*grams, *marked, *partner)


def _cos(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    return float(a @ b)


def _max_cos(vector: NDArray[np.float32], lines: Iterable[str]) -> float:
    best = 0.0
    for line in lines:
        best = max(best, _cos(vector, embed_one(line)))
    return best


# A question typed without its question mark, at the end of a message ("engineering mostly, how
# big are the turbines you use"): the clause from its last question opener on.
UNMARKED_QUESTION = re.compile(
    r"(?i)(?:^|[,.;:!]\s*|\s)((?:what|whats|what's|how|hows|how's|which|where|when|why|who|"
    r"do you|does (?:it|she|he|that|the|your)|did (?:you|she|he|they|it)|are you|are they"
    r"|is (?:it|that|"
    r"there|the)|can you|could you|would you|have you)\b[^.!?]*)$"
)


QUESTION_HEADS = wordset("what whats what's how hows how's which where when why who")
QUESTION_SECOND = wordset(
    """kind sort type is are was were do does did would could can will should many much long big
    often old come about's made makes got gets happened happens exactly did's the your s"""
)


@lru_cache(maxsize=4096)
def _question_part(message: str) -> str:
    asked = [s for s in sentences(message) if "?" in s]
    if asked:
        return " ".join(asked)
    unmarked = UNMARKED_QUESTION.search(message.strip())
    if not unmarked or message.rstrip().endswith("!"):
        return ""
    clause = words(unmarked.group(1))
    if len(clause) < 2:
        return ""
    # Mid-sentence "what"/"how" is mostly a relative clause ("i see what you mean") unless a
    # question's second word follows ("how big are", "what kind", "what does").
    if clause[0] in QUESTION_HEADS and clause[1] not in QUESTION_SECOND:
        return ""
    return unmarked.group(1)


def _ironic(message: str, ctx: Context) -> bool:
    return HYPERBOLE.search(message) is not None and COMPLAINT.search(ctx.partner_last) is not None


def _covered_question(message: str, ctx: Context) -> bool:
    """The question's own words (wh-words aside) are nearly all in the partner's recent lines."""
    asked = _question_part(message)
    if not asked or not ctx.has_partner:
        return False
    stems = {w for w in content_stems(asked) if w not in WH_WORDS}
    recent = frozenset().union(*(content_stems(x) for x in ctx.persona_lines[-3:]))
    return bool(stems) and len(stems & recent) / len(stems) >= 0.6


def _answers_then_asks(message: str, ctx: Context) -> float:
    """They asked the user something; the user answers in a statement first, then asks."""
    if not ctx.partner_questions:
        return 0.0
    sents = sentences(message)
    if len(sents) < 2 or "?" in sents[0]:
        return (
            1.0
            if len(sents) == 1
            and _question_part(message)
            and not message.lstrip().lower().startswith(_question_part(message).lower()[:12])
            else 0.0
        )
    return 1.0 if _question_part(" ".join(sents[1:])) else 0.0


# What kind of answer a question asks for, and whether the partner's line already holds one.
# A question that asks for what was just said is hollow; one that asks for something new (a
# reason not given, a feeling, what was hard or next) builds on it.
ASK_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("duration", ASKS_DURATION),
    ("count", ASKS_COUNT),
    ("place", ASKS_PLACE),
    ("role", ASKS_ROLE),
    ("who", re.compile(r"(?i)\bwho\b")),
    (
        "reason",
        re.compile(
            r"(?i)\bwhy\b|\bhow come\b|\bwhat made you\b|\bhow did you (?:end up|decide|choose|get)"
        ),
    ),
    ("when", re.compile(r"(?i)\bwhen\b|\bwhat year\b")),
    (
        "fresh",
        re.compile(
            r"(?i)\b(?:hardest|toughest|best|worst|favou?rite|surpris\w+|learn\w*|miss|enjoy|love|"
            r"feel|felt|like about|was it like|is it like|next|change[sd]?|different|proud|scar\w+|"
            r"keep you|stick with|stuck with|mean(?:s|t)? to you|how(?:'s| is| are| was) "
            r"(?:it|that|the)|what happened)\b"
        ),
    ),
)
ANSWER_KINDS: dict[str, re.Pattern[str]] = {
    "duration": HAS_DURATION,
    "count": HAS_NUMBER,
    "place": re.compile(r"(?:\bin|\bat|\bfrom|\bto)\s+[A-Z][\w-]+|\b(?:here|based)\b"),
    "role": re.compile(
        r"(?i)\b(?:i'?m an? |i am an? |i work (?:as|at|on|in)|i run |i lead |i manage |"
        r"we(?:'re| are) an? |we (?:build|make|sell|supply|do) |i'm (?:on|in) the )"
    ),
    "who": re.compile(
        r"(?i)\bmy (?:sister|brother|wife|husband|partner|co-?founder|friend|boss|manager)|"
        r"\b[A-Z][a-z]+,? (?:who|she|he)\b"
    ),
    "reason": re.compile(
        r"(?i)\b(?:because|since|so that|which is why|that's why|the reason|insisted|"
        r"thanks to|after (?:the|my|a))\b"
    ),
    "when": re.compile(
        r"(?i)\b(?:in \d{4}|last (?:year|month|week|spring|summer|autumn|fall|winter)|"
        r"since|ago|yesterday|this (?:morning|year)|in (?:january|february|march|april|"
        r"may|june|july|august|september|october|november|december))\b"
    ),
}


def answer_fit(asked: str, partner: str) -> list[float]:
    """Per kind of question: does it ask that, and does the partner's line already answer it?"""
    out: list[float] = []
    for kind, question in ASK_KINDS:
        asks = bool(asked) and question.search(asked) is not None
        held = kind in ANSWER_KINDS and ANSWER_KINDS[kind].search(partner) is not None
        out += [1.0 if asks else 0.0, 1.0 if asks and held else 0.0]
    stems = content_stems(asked)
    partner_stems = content_stems(partner)
    out.append(len(stems & partner_stems) / max(1, len(stems)) if asked else 0.0)
    out.append(1.0 if asked and stems and stems <= partner_stems else 0.0)
    return out


WH_WORDS = wordset(
    """what why how when where which who whose long many much ever did do does is are was were
    have has you your so and exactly again kind sort"""
)


def hollowness(asked: str, ctx: Context) -> list[float]:
    """How much of what the question asks the partner's last line already says: the share of
    its content words (wh-words aside) found there, and the closest of their clauses by meaning."""
    if not asked or not ctx.has_partner:
        return [0.0, 0.0, 0.0]
    stems = {w for w in content_stems(asked) if w not in WH_WORDS}
    covered = len(stems & ctx.partner_stems) / len(stems) if stems else 1.0
    q = embed_one(asked)
    closest = max((_cos(q, embed_one(c)) for c in ctx.partner_statements), default=0.0)
    return [covered, closest, covered * closest]


# What a question asks for, more finely than ASK_KINDS, and what in a line would answer it;
# lowercase-friendly, since half the writers never capitalise a place or a company.
_NUM = (
    r"\d[\d,.]*k?\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"(?:thir|four|fif|six|seven|eigh|nine)teen|(?:twen|thir|for|fif|six|seven|eigh|nine)ty|"
    r"hundred|thousand|million|billion|dozen|a few|a couple)\b"
)
WH_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "amount",
        re.compile(
            r"(?i)\bhow (?:many|much|big|large|old)\b|\bwhat size\b|\bnumber of\b|\bheadcount\b"
        ),
        re.compile(rf"(?i){_NUM}"),
    ),
    (
        "duration",
        re.compile(
            r"(?i)\bhow long\b|\bsince (?:when|how long)\b|\bwhen did (?:you|they|she|he"
            r"|it) (?:join|start|begin|move|launch|open)"
        ),
        re.compile(
            rf"(?i)(?:{_NUM})\s*(?:years?|yrs?|months?|weeks?|days?|decades?)\b|\bsince\b|"
            r"\bin (?:19|20)\d\d\b|\bago\b|\bjust (?:started|joined)\b"
        ),
    ),
    (
        "time",
        re.compile(r"(?i)\bwhat time\b|\bwhen\b|\bwhat year\b|\bwhich year\b|\bhow early\b"),
        re.compile(
            r"(?i)\b\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)|\bat \d{1,2}\b|\b(?:19|20)\d\d\b"
            r"|\b(?:last|next|this) (?:year|month|week|spring|summer|autumn|fall|winter"
            r"|quarter)\b|\bago\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
            r"|january|february|march|april|may|june|july|august|september|october|november"
            r"|december)\b"
        ),
    ),
    (
        "place",
        re.compile(
            r"(?i)\bwhere\b|\bwhich (?:city|country|office|town|part of|site|plant|campus)\b"
            r"|\bwhat (?:city|country|town)\b|\bbased\b|\blocated\b"
        ),
        re.compile(
            r"(?i)\b(?:in|at|from|out of|based in|near|to)\s+(?!the\b|a\b|an\b|my\b|our\b|your\b"
            r"|this\b|that\b|it\b|\d)[a-z][\w-]+|\b(?:here|remote|hybrid|downtown)\b"
        ),
    ),
    (
        "what_kind",
        re.compile(
            r"(?i)\b(?:what|which) (?:kind|sort|type|types|language|languages|stack|tech|tools?"
            r"|software|company|companies|team|teams|clients?|customers?|industry|sector|role"
            r"|position|field|product|products|system|platform|school|university|degree"
            r"|subject)\b|\bwhat (?:did|do) (?:you|they) (?:study|read|major)\b|\bwhat do (?:you"
            r"|they) (?:do|sell|make|build|use)\b|\bwhat (?:is|'s) your (?:role|job|title)\b"
        ),
        re.compile(
            r"(?i)\b(?:we|i|they|it)(?:'re| are| am|'m| is|'s)?\s+(?:use|uses|using|sell|build"
            r"|make|do|run|work|studied|read|majored|teach|lead|manage)\b|\b(?:i'm|i am|we're"
            r"|we are|it's|it is|everything(?:'s| is)?|all)\s+(?:in|on|at|a|an)\b|\bteam\b"
            r"|\b(?:phd|master'?s|degree|bachelor'?s|mba)\b"
        ),
    ),
    (
        "reason",
        re.compile(
            r"(?i)\bwhy\b|\bhow come\b|\bwhat made (?:you|them|her|him)\b|\bhow did (?:you|they"
            r"|she|he) (?:end up|decide|choose|pick|get|finally|manage|convince)\b"
            r"|\bwhat (?:changed|convinced|drove)\b"
        ),
        re.compile(
            r"(?i)\b(?:because|cause|since|so that|which is why|that's why|the reason|insisted"
            r"|thanks to|by (?:\w+ing)|what changed|was what|turned out)\b"
        ),
    ),
    (
        "describe",
        re.compile(
            r"(?i)\bwhat(?:'s| is| was| are) (?:the |your |a |it )?\w+(?: \w+)? like\b|\bhow(?:'s"
            r"| is| was| are) (?:the |your )?\w+|\bwhat does (?:a |the )?(?:typical|normal"
            r"|usual)\b|\bwhat does \w+ look like\b"
        ),
        re.compile(
            r"(?i)\b(?:is|are|was|were|'s|looks?) (?:super |very |really |pretty |quite |so |a "
            r"|an )?\w+"
        ),
    ),
)


def _wh_type_fit(asked: str, lines: tuple[str, ...]) -> list[float]:
    """Per fine question type: does the question ask it, does the last line hold such an answer,
    and does an earlier line of the partner's hold one (asking what was said two lines ago)."""
    out: list[float] = []
    last = lines[-1] if lines else ""
    earlier = " ".join(lines[:-1])
    for _, question, answer in WH_TYPES:
        asks = bool(asked) and question.search(asked) is not None
        out += [
            1.0 if asks else 0.0,
            1.0 if asks and answer.search(last) else 0.0,
            1.0 if asks and earlier and answer.search(earlier) else 0.0,
        ]
    return out


def _answered_already(asked: str, partner: str) -> float:
    """Does the partner's last line already hold the kind of answer the question asks for?"""
    if not asked or not partner:
        return 0.0
    pairs = (
        (ASKS_DURATION, HAS_DURATION),
        (ASKS_COUNT, HAS_NUMBER),
        (ASKS_PLACE, re.compile(r"\b[A-Z][a-z]+\b")),
    )
    for question, answer in pairs:
        if question.search(asked) and answer.search(partner):
            return 1.0
    return 0.0


def _dodges(message: str, ctx: Context) -> float:
    """They asked the user something; the user's first sentence is a question back."""
    if not ctx.partner_questions:
        return 0.0
    sents = sentences(message)
    return 1.0 if sents and "?" in sents[0] else 0.0


def scalars(message: str, ctx: Context, rule_moves: Iterable[Move]) -> list[float]:
    """Hand-made signals: each is exact (a count, a position, a rule's verdict)."""
    toks = words(message)
    n = max(1, len(toks))
    tail = len(message) - message.rfind("?") - 1 if "?" in message else -1
    first = toks[0] if toks else ""
    stems = content_stems(message)
    partner_stems = ctx.partner_stems
    earlier_stems = ctx.earlier_stems
    found = set(rule_moves)
    return [
        *(1.0 if m in found else 0.0 for m in MOVES),
        math.log1p(len(toks)) / 5,
        min(len(sentences(message)), 8) / 8,
        min(message.count("?"), 4) / 4,
        1.0 if message.rstrip().endswith("?") else 0.0,
        1.0 if tail > RHETORICAL_TAIL else 0.0,
        1.0 if first in WH else 0.0,
        1.0 if first in AUX else 0.0,
        sum(t in FIRST for t in toks) / n,
        sum(t in SECOND for t in toks) / n,
        1.0 if toks and sum(t in FIRST for t in toks) / n > 0.12 else 0.0,
        min(ctx.user_turns_before, 12) / 12,
        ctx.prior_interest_rate,
        1.0 if ctx.warm else 0.0,
        1.0 if ctx.asked_about_user else 0.0,
        1.0 if ctx.partner_questions else 0.0,
        1.0 if ctx.partner_emotional else 0.0,
        1.0 if ctx.partner_shared else 0.0,
        1.0 if ctx.partner_content else 0.0,
        1.0 if ctx.invites_questions else 0.0,
        1.0 if ctx.introduced else 0.0,
        1.0 if not ctx.has_partner else 0.0,
        1.0 if is_meta(message) else 0.0,
        len(stems & partner_stems) / max(1, len(stems)),
        len(stems & earlier_stems) / max(1, len(stems)),
        1.0 if stems and stems <= partner_stems else 0.0,
        1.0 if LAUGH.search(message) else 0.0,
        1.0 if "!" in message else 0.0,
        1.0 if message == message.lower() else 0.0,
        1.0 if cues.ASK.search(message) else 0.0,
        1.0 if cues.JOB_SEEKING.search(message) else 0.0,
        1.0 if cues.PRODUCT_PITCH.search(message) else 0.0,
        1.0 if cues.EMOTION.search(" ".join(ctx.persona_lines[-2:])) else 0.0,
        math.log1p(len(words(ctx.partner_last))) / 5,
        min(len(AGENDA.findall(message)), 3) / 3,
        1.0 if WRAPPING_UP.search(ctx.partner_last) else 0.0,
        1.0 if TROUBLE.search(ctx.partner_last) else 0.0,
        1.0 if any(TROUBLE.search(x) for x in ctx.persona_lines[-3:-1]) else 0.0,
        _answered_already(_question_part(message), ctx.partner_last),
        1.0 if ASKS_ROLE.search(message) else 0.0,
        _dodges(message, ctx),
        1.0 if ctx.asked_about_user and _dodges(message, ctx) else 0.0,
        1.0 if "?" in message and not (FIRST & set(words(message))) else 0.0,
        *answer_fit(_question_part(message), ctx.partner_last),
        *hollowness(_question_part(message), ctx),
        *_wh_type_fit(_question_part(message), ctx.persona_lines[-3:]),
        _answers_then_asks(message, ctx),
        1.0 if re.search(r"(?i)\byou (?:said|mentioned|were saying|told)\b", message) else 0.0,
        1.0 if HYPERBOLE.search(message) else 0.0,
        1.0 if COMPLAINT.search(ctx.partner_last) else 0.0,
        1.0 if _ironic(message, ctx) else 0.0,
    ]


def extract(message: str, ctx: Context, rule_moves: Iterable[Move]) -> TurnFeatures:
    message = readable(message)  # an e-mail address or an id is no evidence of a move
    asked = _question_part(message)
    embed_one.many(
        [message, ctx.partner_last, asked, *ctx.persona_lines[:-1][-4:], *ctx.user_lines[-3:]]
        + list(ctx.partner_statements)
    )
    m = embed_one(message)
    p = embed_one(ctx.partner_last) if ctx.has_partner else np.zeros(DIM, np.float32)
    q = embed_one(asked) if asked else np.zeros(DIM, np.float32)
    earlier = ctx.persona_lines[:-1][-4:]
    extra = [
        _cos(m, p),
        _cos(q, p) if asked else 0.0,
        _max_cos(m, earlier),
        _max_cos(m, ctx.user_lines[-3:]),
    ]
    dense = np.concatenate(
        [m, p, m * p, q, np.asarray(scalars(message, ctx, rule_moves) + extra, np.float32)]
    ).astype(np.float32)
    return TurnFeatures(dense=dense, ngrams=contextual_ngrams(message, ctx))
