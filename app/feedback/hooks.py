"""What to pick up from the partner: one concrete detail in their words, and a question on it.

A coach's tip names what the partner said ("She said the handover went wrong at 2 a.m.") and
suggests the next line ("ask what changed after"). This module finds that detail: a clause of the
partner's recent lines, scored by how concrete it is (a turning point, a number, a name, a
feeling) and how recent, quoted verbatim; and it writes a natural second-person question about
it. Bad news is marked heavy: the tip then offers care, never a probe into it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from app.feedback.text import FILLER, STOP_WORDS, lemma, split_light, wordset

# Verbs whose clause is a turning point: "I left teaching" makes the best question.
CHANGE = wordset(
    """leave quit move switch join start found launch change become retire return sell relocate
    pivot transfer emigrate"""
)
# Verbs of something finished or won.
DONE = wordset(
    """finish get win ship publish graduate complete pass land close raise earn receive sign
    buy open hit present release submit"""
)
# Verbs that carry no activity of their own ("I think", "we have").
NOT_ACTIONS = wordset(
    """be am is are was were been being think thought guess mean know knew feel felt want wanted
    hope would could should will can do did don't didn't really just also have had has love like
    agree see saw say said tell told wish need try tried used believe 'm 've 're 'd 'll
    go went gone make made let keep kept come came look looked seem seemed find remember
    remembered recall recalled forget forgot better best worse worst good bad"""
)
TROUBLE_VERBS = wordset("lose lost fail break crash burn hurt miss struggle drown")
# News a tip must meet with care: no "What made you lose three colleagues?".
HEAVY = re.compile(
    r"(?i)\b(?:died|dying|passed away|passed last|funeral|cancer|(?:in|into|to|from) (?:the )?"
    r"hospital\b(?! network| system| group)|hospitali[sz]ed|hospice|diagnos\w*|"
    r"sick|illness|ill\b|laid off|lay ?offs?|let go|"
    # "let three people go" is a layoff; "took a while to let that go" is moving on
    r"let (?!(?:that|it|this|things|them) go\b)(?:\w+ ){1,5}go|fired|redundan\w*|"
    r"divorce\w*|miscarriage|grief|grieving|lost (?:my|our|his|her|a|the)|losing (?:my|our)|"
    r"folded|went under|shut down|(?<!the )(?<!a )failed|bankrupt\w*|debt|burn(?:ed|t) out|burnout|"
    r"(?<!by )(?<!by an )accident|injur\w*|surgery|broke up|breakup|depress\w*|anxiety|"
    r"panic attacks?|broke (?:something in )?(?:me|him|her|us))\b"
)
FEELING = re.compile(
    r"(?i)\b(?:(?P<bad>worried|nervous|anxious|scared|afraid|stressed|frustrated|overwhelmed|"
    r"exhausted|unsure|not sure|torn|stuck|hate|hates|dread\w*|stresses|struggl\w+)|"
    r"(?P<good>excited|thrilled|proud|love|loves|loved|enjoy\w*|happy|glad|passionate|"
    r"obsessed|hooked))\b"
)
DURATION = re.compile(
    r"(?i)\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"twenty|thirty|forty|fifty|a few|several|many)\s+(?:more\s+)?(?:years?|months?|weeks?|"
    r"decades?)\b"
)
NUMBER = re.compile(
    r"(?i)\b(?:\d[\d,.:]*%?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|sixty|hundred|thousand|million|half|a dozen)\b"
)
_CLAUSE_SPLIT = re.compile(
    r"\s*(?:,(?!\d)|[;:()]|\s[-–—]\s|\b(?:and|but|so|because|though|although|which|"
    r"(?<!\ba )(?<!\bfor a )while|whereas|then)\b)\s*",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:(?:honestly|actually|basically|well|oh|so|yeah|yes|okay|ok|anyway|the thing is|"
    r"to be honest|funny enough|believe it or not|i mean|ha|haha|hmm|um|uh|right|look|listen|"
    r"huh|mm|mhm|sure|anyway|wait|i'll be honest(?: with you)?|if i'm honest|since you asked?)"
    r"\b[,.!]?\s*)+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SUBJECT = re.compile(
    r"(?i)\b(?P<subj>i|we)(?:'ve|'m|'re|'d| have| had| am| are| was| were)?"
    r"(?:\s+(?:just|recently|actually|finally|also|once|eventually|originally|still|really|"
    r"only|even|already|now|been|had to|have to|got to|decided to|managed to|ended up|used to))*"
    r"\s+(?P<verb>[a-z]+)(?P<rest>(?:\s+[\w'’.%-]+){0,8})"
)
_CUT_OBJECT = re.compile(
    r"(?i)\s+(?:last|this|next (?=(?:\w+ )?(?:week|month|year|quarter|summer|winter|spring|fall|"
    r"autumn|time|weekend|day|season|round|monday|tuesday|wednesday|thursday|friday))|"
    r"ago|before|after|since|until|during|yesterday|today|tonight|"
    r"tomorrow|recently|lately|now|again|every|each|for (?:the )?(?:past|last)|a (?:while|bit)|"
    r"at the end|in the end|on weekends|(?:for )?(?:about |almost |over )?(?:\d+|a|one|two|three|"
    r"four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several) (?:years?|months?|weeks?|"
    r"days?))\b.*"
)
_TRAILING = re.compile(
    r"(?i)\s+(?:to|in|at|on|for|of|with|the|a|an|my|our|is|it|that|from|like|than|as)$"
)
MAX_QUOTE_WORDS = 12
# A quote never ends on an article or a possessive ("broke something in me for a").
_DANGLING = re.compile(r"(?i)\s(?:a|an|the|my|our|your|his|her|their)$")
# ... nor, cut mid-phrase, on words still waiting for theirs ("would be happy to be").
_WAITING = re.compile(
    r"(?i)(?:\s+(?:be|is|are|was|were|been|being|to|get|got|would|will|can|could))+$"
)
MIN_CUT_WORDS = 4
MAX_OBJECT_WORDS = 5
# Where a long clause can end without cutting a phrase in two.
_BOUNDARY = wordset("in at for from with after before since during across over into")
# "I'm Priya", "my name is Tom Reyes": their name is no topic.
# A clause of capitalised words only: a name, a company, a name and a company.
_ONLY_NAMES = re.compile(r"(?:[A-Z][\w'’&.-]*)(?:\s+(?:[A-Z][\w'’&.-]*|of|and|de|la|van))*")
_INTRODUCTION = re.compile(
    r"(?i:(?:hi|hello|hey)\W+)*(?i:i'm|i’m|i am|my name is|this is|name's|it's|it’s|"
    r"you've got|you’ve got|you have|you're (?:talking|speaking) (?:to|with))\s+[A-Z]\w+"
    r"(?:\s+[A-Z]\w+)?"
    # "I'm Priya from Northwind Health": who they are and where from, still no topic.
    r"(?:\s+(?:from|at|with|of|here at|over at)\s+(?:the\s+)?"
    r"[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*)*)?$"
)
# Not a detail to follow up: a jab ("Spoken like someone who hasn't carried a pager"), talk
# about this conversation ("I take about one of these calls a month", "I'm going to stop you"),
# managing it ("Let's wrap up soon", "the next talk starts soon") or the queue they stand in.
NOT_A_DETAIL = re.compile(
    r"(?i)\b(?:spoken like|must be nice|good for you|if you say so|whatever you say|"
    r"nothing of the sort|(?:a|that's a) feature list|(?:put|send) (?:the rest|it) in an email|"
    r"(?:i'm|i am) (?:going to|gonna) stop you|stop you (?:there|right)|let's (?:wrap|finish|"
    r"keep (?:it|this))|wrap (?:up|this|things)|hard stop|slow down|ask me (?:something|a|one)|"
    r"(?:these|this|your|the) (?:calls?|chats?|conversations?|pitch(?:es)?|emails?)\b|got lucky|"
    r"(?:talk|session|keynote|panel|meeting|next one) (?:starts|begins|is starting)|starts soon|"
    r"(?:should|have to|need to|gotta) (?:say hi|go|get going|run|head|get back|look at the|check "
    r"the|find a seat|grab a seat)|"
    r"(?:great|good|fair|interesting) question|you put that|that's the product|"
    r"(?:worry about|get into|go into) (?:that|this|it) (?:yet|now|today|just yet)|"
    r"(?:go|take it|start) (?:slow|slowly|easy)\b|"
    r"blocked (?:off |out )?(?:\w+ )?(?:minutes|hours?)|waiting (?:for|on) me\b|"
    r"(?:i'd|i would) (?:rather|prefer to) (?:know|hear|talk about|ask)|"
    r"(?:find|get|grab) (?:some |a )?(?:water|coffee|drink|air|seat)\b|"
    r"(?:the|this|that) (?:queue|line)\b|line (?:just )?cleared|perfect timing|"
    r"(?:we're|we are|i'm|i am|still) (?:\w+ )?(?:queuing|queueing|waiting in line)\b|"
    r"nice to meet|thanks for (?:coming|stopping|asking)|kind of (?:conversation|chat|question)|"
    r"(?:want|wanted) to talk about|hold on|hang on|(?:book|booked|want|need|do) (?:a |the )?demo|"
    r"anything else|heard that (?:pitch|before)|pitch(?:es|ed)?\b|(?:my|your) turn\b|"
    # A brush-off of a pitch, not news of theirs: "Let's not do the sales part yet."
    r"(?:sales|product|demo|brochure) part\b|park (?:the|that) (?:product|pitch|sales)|"
    r"ask me about (?:my|our|us)\b|every vendor|"
    r"check my phone|"
    # "Bueno, your subject, go ahead.": the floor handed over, not a detail of theirs.
    r"(?:your|my|new|our) (?:subject|topic)\b|go ahead\b|"
    r"(?:got|have|had) (?:about |only |just )?(?:\w+ )?minutes|at this rate|"
    r"here for (?:the )?coffee|"
    # The partner on the learner's manners, not news of theirs: "You haven't asked me a single
    # thing about my warehouses yet", "I won't make you take a flyer".
    r"you (?:haven't|have not|didn't|did not|never|still haven't) (?:even )?ask(?:ed)?\b|"
    r"(?:won't|will not|not going to|don't|do not) make you\b|"
    # Pleasantries and exits, never a topic: "I promise I don't bite", "I've got the headline".
    r"don't bite|got the (?:headline|gist|idea|picture)|come (?:on )?in\b|good luck|"
    r"being waved at|check on (?:the|my) booth|drop (?:your|a) (?:resume|cv|card)|"
    r"make yourself at home|let you get on|enjoy the (?:rest|fair|conference|event)|"
    # How the talk is going, and the queue behind: "you're making me work for this one",
    # "I've got a couple of people waiting behind you".
    r"making me work|(?:do|doing) (?:all )?the talking|(?:people|someone|folks) (?:\w+ )?"
    r"(?:waiting|queuing|behind you)|waiting behind|(?:back|get back|jump back|head back) to "
    r"(?:the|my|our) (?:booth|table|stand|desk|team|office)|"
    # Holding a coffee is scene-setting, not news: "How did you celebrate getting your coffee?"
    r"(?:got|getting|grabbed|grab|have|had) (?:my|a|your|our|the) (?:\w+ )?"
    r"(?:coffee|tea|drink|lunch|snack|water|sandwich)\b|"
    r"\b(?:flat white|latte|cortado|espresso|cappuccino|americano|macchiato)s?\b|"
    # A remark on the learner, not news of the partner: "you've got the look of someone who's
    # been to every booth in this row".
    r"(?:the )?look of (?:someone|somebody|a)\b|you look (?:like|as if|as though)|"
    r"you seem (?:like|to be)|"
    # Praise of the learner's question, not news of theirs: "Hm, you've hit the actual story."
    r"you(?:'ve| have) (?:just )?(?:hit|found|nailed|spotted) (?:on )?(?:the|a|it)\b|"
    # A polite brush-off of a pitch: "I appreciate the hustle", "love the enthusiasm".
    r"(?:appreciate|admire|love|like) (?:the|your) (?:hustle|energy|enthusiasm|persistence|"
    r"drive|confidence)|(?:can't|cannot|can not|won't) promise|"
    # A partner cooling off: "Mm, let's not drag this out", "let's keep this short".
    r"(?:not|don't|do not) (?:drag|stretch) (?:this|it) out|(?:keep|make) (?:this|it) "
    r"(?:short|quick|brief))"
)
# How they buy is the seller's agenda, not a detail of theirs to ask more about: "It goes
# through the usual sign-offs" and "Budget's always tight" are what a pitch gets back.
BUYING_PROCESS = re.compile(r"(?i)\b(?:budgets?|sign-?offs?|signs? off|procurement|pricing)\b")
_NEEDS_MORE = wordset("be is are was were been being to 's 're 'm am get got")
_IDENTITY = re.compile(
    r"(?i)^(?P<subj>i|we)(?P<be>'m|’m|'re|’re| am| are| was| were)\s+(?:(?:just|basically|"
    r"really|actually|still|only)\s+)?(?P<np>(?:a|an|the)\s+[\w' -]+)$"
)
# "It goes public in a few weeks": time still ahead, not time spent.
_AHEAD = re.compile(
    r"(?i)\b(?:in|within|next|another|for the next) (?:a |the )?(?:few |couple of )?"
    r"(?:\w+ )?(?:days?|weeks?|months?|years?)\b"
)
_NEGATION = re.compile(r"(?i)\b(?:not|never|n't|no longer|don't|doesn't|didn't)\s+(?:\w+\s+)?$")
_PAST = re.compile(
    r"(?i)\b(?:was|were|had|did|went|got|came|left|took|gave|made|quit|broke|ran|won|\w{3,}ed)\b"
)
GENERIC = wordset(
    """thing things stuff lot lots bit way people someone everyone anyone something anything
    everything time times day days today question questions sense kind sort part point fun
    chat talk minute second moment while pleasure hi hello booth line fair"""
)
_SWAP = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "ourselves": "yourselves",
    "i'm": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "we're": "you're",
    "we've": "you've",
}
_PAST_OVERRIDES = {"left": "leave", "found": "find", "founded": "found", "ran": "run"}
_GERUND_EXCEPTIONS = {"quit": "quitting", "be": "being", "see": "seeing", "visit": "visiting"}


@dataclass(frozen=True)
class Hook:
    """A detail of the partner's, and how to pick it up."""

    quote: str  # the partner's own words, a substring of one of their lines
    kind: str  # change | done | doing | feeling_bad | feeling_good | duration | thing
    verb: str = ""  # the base form of their verb, when the detail is something they did
    obj: str = ""  # its object, already in the second person ("your PhD")
    heavy: bool = False  # bad news: meet it with care
    latest: bool = True  # from the partner's last line (not an earlier one)


def pick(options: Sequence[str], seed: str) -> str:
    """A deterministic choice: the same message always gets the same phrasing."""
    return options[zlib.crc32(seed.encode("utf-8")) % len(options)]


def swap_person(phrase: str) -> str:
    """The partner's "my team" becomes "your team" in a question to them."""
    out: list[str] = []
    for word in phrase.split():
        low = word.lower().replace("’", "'")
        out.append(_SWAP.get(low, word))
    return " ".join(out)


def base_form(verb: str) -> str:
    low = verb.lower()
    return _PAST_OVERRIDES.get(low) or lemma(low)


def gerund(base: str) -> str:
    """ "run" -> "running", "move" -> "moving", "visit" -> "visiting"."""
    if base in _GERUND_EXCEPTIONS:
        return _GERUND_EXCEPTIONS[base]
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")) and len(base) > 2:
        return base[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", base):
        return base + base[-1] + "ing"  # one syllable ending consonant-vowel-consonant
    return base + "ing"


def clauses(sentence: str) -> list[str]:
    """The clauses of one of the partner's sentences, lead-ins ("Honestly,") dropped."""
    return _clauses(sentence)


def quote(clause: str) -> str:
    """A clause of the partner's, cut to a quotable head."""
    return _quote(clause)


def _clauses(sentence: str) -> list[str]:
    parts = [p for p in _CLAUSE_SPLIT.split(sentence) if p and p.strip()]
    return [c for c in (_LEAD.sub("", p.strip()).strip(" .!?\"'“”") for p in parts) if c]


def _quote(clause: str) -> str:
    """The clause, or its head when long: trailing time phrases go first ("I spent ten years
    in the army before I got into logistics" -> "I spent ten years in the army"), then
    whatever follows the last preposition within reach."""
    if len(clause.split()) > MAX_QUOTE_WORDS:
        head = _CUT_OBJECT.sub("", clause)
        clause = head if len(head.split()) >= MIN_CUT_WORDS else clause
    whole = clause
    tokens = clause.split()
    if len(tokens) > MAX_QUOTE_WORDS:
        cuts = [
            i
            for i in range(MIN_CUT_WORDS, MAX_QUOTE_WORDS + 1)
            if tokens[i].lower() in _BOUNDARY and tokens[i - 1].lower() not in _NEEDS_MORE
        ]
        clause = " ".join(tokens[: cuts[-1] if cuts else MAX_QUOTE_WORDS])
        if not cuts:
            # Cut mid-phrase ("someone the team would be happy to be"): no verb left waiting.
            clause = _WAITING.sub("", clause)
    if clause == whole and not _DANGLING.search(clause):
        return clause.strip(" ,;:-")  # not cut: "That's who we deliver to" keeps its "to"
    while True:
        cut = _TRAILING.sub("", clause)
        if cut == clause:
            return clause.strip(" ,;:-")
        clause = cut


def _content_words(clause: str) -> list[str]:
    return [
        w
        for w in _WORD.findall(clause.lower())
        if len(w) > 2
        and w not in STOP_WORDS
        and w not in FILLER
        and w not in GENERIC
        and "'" not in w
    ]


def _object(rest: str) -> str:
    obj = _CUT_OBJECT.sub("", " " + rest).strip()
    words = re.sub(r"(?i)^(?:about|around|almost|nearly|roughly|over)\s+", "", obj).split()[:6]
    for i, word in enumerate(words[1:], start=1):
        low = word.lower()
        # "teaching to join a team": the purpose is another clause; "to Stockholm" is not
        purpose = (
            low == "to"
            and i + 1 < len(words)
            and words[i + 1][:1].islower()
            and (words[i + 1].lower() not in {"the", "a", "an", "my", "our", "your"})
        )
        if purpose or (i >= 2 and low in _BOUNDARY):
            words = words[:i]
            break
    if all(w.lower() in STOP_WORDS for w in words):
        return ""  # "we deliver to": no object at all
    if len(words) > MAX_OBJECT_WORDS:
        return ""  # "the national climbing" of "...championship": no half a phrase
    obj = " ".join(words[:MAX_OBJECT_WORDS])
    while True:
        cut = _TRAILING.sub("", obj)
        if cut == obj:
            break
        obj = cut
    return swap_person(obj.strip(" ,;:-.!?"))


def _object_np(np: str) -> str:
    words = np.split()[: MAX_OBJECT_WORDS + 1]
    return swap_person(" ".join(words).strip(" ,;:-.!?"))


def _action(clause: str) -> tuple[str, str, str] | None:
    """(kind, base verb, object) when the clause says the partner did something."""
    for m in _SUBJECT.finditer(clause):
        verb = m.group("verb").lower()
        base = base_form(verb)
        if verb in NOT_ACTIONS or base in NOT_ACTIONS or verb in STOP_WORDS:
            continue
        if m.group("verb")[0].isupper():
            continue  # "I'm Priya from Northwind": a name, not a verb ("priyaing")
        obj = _object(m.group("rest"))
        spent = re.search(r"(?i)\b([a-z]+ing)\s+(.+)", m.group("rest"))
        if base == "spend" and spent:  # "I spent last year rewriting our search engine"
            return "did", base_form(spent.group(1)), _object(spent.group(2))
        if base == "get" and not re.match(r"(?i)(?:your|a|an|the|my|our)\s", obj):
            continue  # "I got into recruiting", "we get a lot": no thing gained
        if base in TROUBLE_VERBS:
            return "trouble", base, obj
        if base in CHANGE:
            return "change", base, obj
        if base in DONE and obj:
            return "done", base, obj
        if obj:
            ongoing = (
                verb == base
                or verb.endswith("ing")
                or m.group(0).lower().startswith(("i'm", "we're", "i am", "we are"))
            )
            return ("doing" if ongoing else "did"), base, obj
    return None


_KIND_WEIGHT = {
    "change": 6.0,
    "done": 5.0,
    "feeling_bad": 5.0,
    "feeling_good": 4.0,
    "trouble": 5.0,
    "duration": 4.0,
    "doing": 3.5,
    "did": 3.5,
    "feeling_off": 4.0,
    "identity": 4.0,
    "thing": 1.0,
}


def _feeling(clause: str) -> str | None:
    """The partner's own feeling ("I'm worried", "it stresses me"), not a third party's."""
    found = FEELING.search(clause)
    if found is None or not re.search(r"(?i)\b(?:i|i'm|i've|me|my|we|we're|us|our)\b", clause):
        return None
    if _NEGATION.search(clause[: found.start()]):
        return "feeling_off"  # "I don't love cold outreach"
    return "feeling_bad" if found.group("bad") else "feeling_good"


def _candidate(clause: str, latest: bool) -> tuple[float, Hook] | None:
    content = _content_words(clause)
    if not content or _INTRODUCTION.match(clause) or NOT_A_DETAIL.search(clause):
        return None
    if BUYING_PROCESS.search(clause):
        return None
    if _ONLY_NAMES.fullmatch(re.sub(r"^(?:from|at|with|of)\s+", "", clause)):
        # "Priya Raman", "Northwind Health", and "from Northwind Health" after "I'm Priya,":
        # who they are, not a detail to ask about
        return None
    heavy = HEAVY.search(clause) is not None
    action = _action(clause)
    feeling = _feeling(clause)
    kind, verb, obj = "thing", "", ""
    if action:
        kind, verb, obj = action
    identity = _IDENTITY.match(clause)
    if identity and kind == "thing":
        past = identity.group("be").strip() in ("was", "were")
        subj = identity.group("subj").lower() + ("_past" if past else "")
        kind, verb, obj = "identity", subj, _object_np(identity.group("np"))
    if heavy:
        kind = "trouble"
    elif feeling and kind in ("thing", "doing", "did"):
        kind = feeling
    elif DURATION.search(clause) and kind == "thing" and not _AHEAD.search(clause):
        kind = "duration"
    elif kind == "thing" and _PAST.search(clause):
        kind = "event"
    weight = _KIND_WEIGHT.get(kind, 2.0) + min(len(content), 5) * 0.5
    weight += 1.5 if NUMBER.search(clause) else 0.0
    size = len(clause.split())
    weight += 0.5 if size >= 5 else -1.0 if size < 4 else 0.0
    weight += 1.0 if re.search(r"\s[A-Z][a-z]", clause) else 0.0  # a name: Lisbon, Stripe
    weight += 2.0 if latest else 0.0
    weight += 3.0 if heavy else 0.0  # bad news is what they most need heard
    hook = Hook(_quote(clause), kind, verb, obj, heavy or kind == "trouble", latest)
    return weight, hook


@lru_cache(maxsize=4096)
def _find(lines: tuple[str, ...]) -> tuple[Hook, ...]:
    found: list[tuple[float, int, Hook]] = []
    for age, line in enumerate(reversed(lines)):
        for sentence in split_light(line):
            if sentence.rstrip(" \"'”’").endswith("?") or NOT_A_DETAIL.search(sentence):
                continue
            for clause in _clauses(sentence):
                candidate = _candidate(clause, latest=age == 0)
                if candidate:
                    found.append((candidate[0], -len(found), candidate[1]))
    ranked = sorted(found, key=lambda x: (x[0], x[1]), reverse=True)
    hooks: list[Hook] = []
    for _, _, hook in ranked:
        if all(hook.quote != h.quote for h in hooks):
            hooks.append(hook)
    return tuple(hooks)


def find_hooks(persona_lines: Sequence[str]) -> tuple[Hook, ...]:
    """The details worth picking up in the partner's last three lines, best first (the latest
    line preferred); jabs, talk about the conversation itself and goodbyes are none."""
    return _find(tuple(persona_lines[-3:]))


def find_hook(persona_lines: Sequence[str]) -> Hook | None:
    """The detail worth picking up in the partner's last three lines, the latest preferred."""
    hooks = find_hooks(persona_lines)
    return hooks[0] if hooks else None


def is_heavy(text: str) -> bool:
    """Bad news to meet with care: a loss or a layoff, not one long past that the partner tells
    as a step of their story ("Wall Street first, laid off in 2009, and a water utility caught
    me" wants no "Is anything helping right now?")."""
    return any(
        HEAVY.search(sentence) is not None and not _long_ago(sentence)
        for sentence in split_light(text)
    )


LONG_AGO = re.compile(
    r"(?i)\b(?:(?P<year>(?:19|20)\d\d)\b|(?:years|decades) ago|a long time ago|back in the day|"
    r"as a (?:kid|child|teenager|student)|when i was (?:a kid|young|little|younger|a student))"
)
RECENT_YEARS = 2  # a year this close to today is still news


def _long_ago(sentence: str) -> bool:
    found = LONG_AGO.search(sentence)
    if found is None:
        return False
    year = found.group("year")
    return year is None or int(year) <= datetime.now(UTC).year - RECENT_YEARS


_OBJECT_QUESTIONS = {
    "change": (
        "What made you {verb} {obj}?",
        "How did you decide to {verb} {obj}?",
        "What was behind the decision to {verb} {obj}?",
    ),
    "done": (
        "What was the hardest part of {verb_ing} {obj}?",
        "What's next after {verb_ing} {obj}?",
        "How did you celebrate {verb_ing} {obj}?",
    ),
    "doing": (
        "What's the hardest part of {verb_ing} {obj}?",
        "How did you come to {verb} {obj}?",
        "What's the best part of {verb_ing} {obj}?",
    ),
    "did": (
        "What made you {verb} {obj}?",
        "What was it like to {verb} {obj}?",
    ),
}
_POINTED_QUESTIONS = {
    "change": ("What made you decide?", "What was the moment you knew?"),
    "done": ("How do you feel now that it's done?", "What's next for you after that?"),
    "doing": ("What's the hardest part of it for you?",),
    "feeling_bad": (
        "What part of it weighs on you most?",
        "What would make it easier for you?",
        "What's behind that, do you think?",
    ),
    "feeling_off": ("What puts you off it most?", "What would make it better for you?"),
    "feeling_good": (
        "What do you love most about it?",
        "What makes it so good for you?",
        "When did you first get hooked on it?",
    ),
    "duration": (
        "What has changed most for you in that time?",
        "What has kept you there that long?",
    ),
    "trouble": ("How are you doing with all of it?", "How are you handling it now?"),
}
# "We're the truck behind the kitchen", "I was a chemistry teacher": what the role is like.
_IDENTITY_QUESTIONS = {
    "i": (
        "What's the hardest part of being {obj}?",
        "What does a typical week look like for you?",
        "What's the best part of being {obj}?",
    ),
    "i_past": (
        "What do you miss most about being {obj}?",
        "What from being {obj} do you still use today?",
    ),
    "we_past": ("What changed for your team since then?",),
    "we": (
        "What does a typical week look like for your team?",
        "What's the hardest part of that for your team?",
        "What keeps your team busiest right now?",
    ),
}


def questions_about(hook: Hook, seed: str) -> tuple[str, ...]:
    """Natural questions to the partner about their detail, the seeded choice first; none for
    a detail no question fits ("What drew you to that?" is filler, not a question about it)."""
    options: tuple[str, ...]
    if hook.kind == "identity":
        options = tuple(q.format(obj=hook.obj) for q in _IDENTITY_QUESTIONS[hook.verb])
    elif hook.kind in _OBJECT_QUESTIONS and hook.obj and len(hook.obj.split()) <= MAX_OBJECT_WORDS:
        options = tuple(
            t.format(verb=hook.verb, verb_ing=gerund(hook.verb), obj=hook.obj)
            for t in _OBJECT_QUESTIONS[hook.kind]
        )
    else:
        options = _POINTED_QUESTIONS.get(hook.kind, ())
    if not options:
        return ()
    first = pick(options, seed)
    return (first, *(q for q in options if q != first))


def question_about(hook: Hook, seed: str) -> str | None:
    """A natural question to the partner about their detail, or None when none fits."""
    options = questions_about(hook, seed)
    return options[0] if options else None
