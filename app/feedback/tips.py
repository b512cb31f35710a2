"""One sentence of coaching for this moment: what the partner said, in their words, and the
next line to say.

"Ask more questions" teaches nothing; "They said the handover went wrong at 2 a.m.: ask what
changed after" does. The tip names a concrete detail of the partner's (hooks.py finds it) and
turns it into a question in the second person, chosen by what the user's turn did and what the
moment needs: an answer first when they asked something, care after bad news, a good close when
they are leaving, and the same curiosity turned onto them after a pitch. Phrasing varies
deterministically (seeded by the message), so no one sentence dominates a session; the quoted
detail is what makes each tip specific. An authored follow-up from the persona, when the caller
has one, is preferred to a mined question.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from app.feedback import cues
from app.feedback.callbacks import CLAIM, never_said
from app.feedback.context import Context, repeats_their_question
from app.feedback.hooks import (
    GENERIC,
    HEAVY,
    NOT_A_DETAIL,
    Hook,
    base_form,
    clauses,
    find_hooks,
    gerund,
    is_heavy,
    pick,
    questions_about,
    quote,
)
from app.feedback.meta import is_meta
from app.feedback.text import PREFIX, content_stems, sentences, split_light, words, wordset
from app.feedback.types import NEGATIVE_MOVES, QUESTION_MOVES, Move

# The partner is leaving: the tip is about closing well, never a new probe.
WRAPPING_UP = re.compile(
    r"(?i)\b(?:(?:should|have to|need to|gotta|got to|must|better) (?:get going|go|run|head|"
    r"get back|dash|jump|leave|let you go)|before (?:i|you) (?:go|head|leave|run)|"
    r"only (?:have|got) a (?:minute|second|moment)|(?:nice|great|good|lovely|pleasure) "
    r"(?:meeting|talking|chatting|to meet|speaking)(?: (?:to|with))? you|glad (?:we (?:talked|got|"
    r"met)|you (?:came|stopped))|thanks? (?:you )?(?:so much |very much |a lot )?for "
    r"(?:stopping by|coming|your time|the chat)|"
    r"good luck|enjoy the rest|take care|see you (?:around|later|tonight|there)|that's me|"
    r"(?:i'll|i will|should|better) let you (?:go|get back|get on|grab|get to|find|head)|"
    r"(?:i )?won't keep you|(?:keep an eye out|look out|watch out) for (?:your|\w+'s) (?:note|"
    r"email|e-mail|message|intro|introduction|invite)|"
    r"careers page|thanks?(?: you)?(?:,? \w+)?[,.!]* i(?:'ll| will) (?:send|email|e-mail|write|"
    r"drop you|follow up|set up|be in touch|reach out|book)|"
    r"(?:this|that) was (?:great|lovely|fun|the best|a good)|"
    r"here's my card|message me|email me|hard stop|wrap (?:up|this up|things up)|"
    r"(?:talk|session|panel|keynote) starts|starts soon|(?:say|said) hi|nearly my turn|"
    r"(?:almost|nearly) (?:at the front|my turn)|check my phone|(?:people|someone|folks) "
    r"(?:\w+ )?(?:waiting|queuing) (?:behind|for)|(?:back|jump back|head back) to (?:the|my|our) "
    r"(?:booth|table|stand|desk)|(?:should|need to|have to) "
    r"(?:look at|check) the (?:schedule|agenda|time)|find a seat|"
    r"(?:got|have) (?:\w+ ){1,3}waiting (?:for|on) me|"
    r"(?:should|need to|have to|gotta|going to|i'll) (?:go )?(?:find|get|grab) (?:some |a )?"
    r"(?:water|coffee|drink|air))\b"
)
_GREETING = re.compile(r"(?i)(?:nice|great|good|lovely|pleasure) to meet you")
# "Ask me something first": the partner is asking for curiosity, not leaving.
ASK_ME = re.compile(
    r"(?i)\b(?:ask me (?:something|a question|anything|about)|(?:haven't|have not|never) asked me)"
)
_TRAILING_WHEN = re.compile(r"(?i)[\s,]+(?:earlier|before|a while ago|the other day)\s*$")
_LEAD_WORD = re.compile(r"(?i)^(?:but|so|now|okay|ok|and),?\s+")
# A sentence that asks the user to tell something ("But tell me something...").
_TELL_ME = re.compile(r"(?i)^\W*(?:but |so |now |okay,? |ok,? )?tell me\b")
# An ask that belongs at the end of a warm talk: an introduction, a coffee, a card, staying
# in touch.
CLOSING_ASK = re.compile(
    r"(?i)\b(?:introduc\w+ me|intro to|connect me|put me in touch|(?:grab|get|have) (?:a )?coffee|"
    r"(?:your|a) card|stay in touch|keep in touch|(?:connect|follow up) on linkedin|"
    r"(?:email|message) you|reach out)\b"
)
THANKS_FOR = re.compile(
    r"(?i)\b(?:thanks|thank you)(?: so much| again)? for (?:the|your|that|this|setting)\b[^.!?]*"
)
# The partner offers the next step or takes the user up on it.
OFFERED = re.compile(
    r"(?i)\b(?:can i (?:set up|introduce|connect|send)|(?:i could|i can|happy to|glad to|i'd be "
    r"happy to|i'll|let me) (?:set up|introduce|connect|send|put you|pass|forward|email)|"
    r"(?:you|he|she|they) (?:and|&) \w+ would get along|want me to|of course|absolutely|"
    r"i'd love to|no pressure)\b"
)
# Sarcasm's own words: what is left is what it was about ("an outage story").
_SARCASM_WORDS = wordset(
    """wow oh great another absolute absolutely favourite favorite lol lmao never heard one
    those before sure hope pays pay rent love really totally classic shocking original such
    fun yay thrilling exciting riveting cool nice whatever must nah myth omg yeah right"""
)
_STOPS = wordset(
    """the a an and but that this those these it its one ones of you your my our we they them
    hasn't has have had been was were is are be"""
)
_EVENT_NOUNS = wordset(
    """story stories outage incident talk trip launch migration deploy deployment project
    interview war weekend conference race move rollout postmortem"""
)
THANKS = re.compile(
    r"(?i)\b(?:thanks?|thank you|cheers|appreciate|great (?:talking|meeting|chatting)|"
    r"nice (?:talking|meeting|chatting)|good luck|take care|bye|see you|enjoy)\b"
)
# The partner has just promised the favour: "I'll write to Ana this week", "happy to introduce you".
_GRANTED = re.compile(
    r"(?i)\b(?:i'll|i will|i'd be (?:glad|happy) to|happy to|glad to) (?:\w+ ){0,2}?(?:write|email|"
    r"introduce|refer|forward|send|put your name|make the introduction|connect|pass|set up|"
    r"arrange|book)|"
    r"\bintroduce you to\b|\bput you in touch\b"
)
# A question that only arranges the follow-through: "Could I follow up by email next week?"
_ARRANGES = re.compile(
    r"(?i)\b(?:follow up|follow-up|email|e-mail|message|text|call|connect|reach out|linkedin|"
    r"card|number|best way|send (?:you|it|my)|(?:get|keep|stay) in touch|next steps?|"
    r"what happens next|when(?:'s| is) good|when (?:works|suits)|what time (?:works|suits|is good)|"
    r"(?:when|where) should (?:i|we) (?:come|meet|go|be|find you|expect|look out)|"
    r"when (?:would|will|is) (?:be )?(?:a |the )?(?:good|best) (?:time|night|day|evening|week)|"
    r"what (?:night|day|evening|time) (?:works|suits|is good|would be good)|"
    r"when (?:will|would) (?:i|we) hear|(?:expect|look out for) (?:an?|your|the) (?:email|note|"
    r"intro|introduction|message))\b"
)
# The user's own next step: "I'll send the portfolio tonight."
_OWN_STEP = re.compile(r"(?i)\bi(?:'ll| will)(?: [^\s.!?,]+){1,14}")  # whole words only
# Words two lines share without sharing a topic ("the job", "that makes sense").
_GENERIC_STEMS = frozenset(
    content_stems(" ".join(GENERIC))
    | content_stems("job work right make makes sense hard hardest part lot good great really")
    # Light verbs: "what were you going to do" and "here's what went wrong" share nothing.
    | content_stems("go going went gone get got getting do did done doing")
    # The frame of a reflection, not its content: "Three questions sounds like the right size"
    # says back nothing of "She made it sound finished".
    | content_stems("sound sounds sounded seem seems seemed")
    # When, not what: "follow up about Marcus next week" says back nothing of "Best call of my
    # week".
    | content_stems("week weeks day days month months year years today tomorrow tonight time")
)
# A reflection of how it feels for them ("that sounds like a lot to carry").
_FEELING_WORDS = re.compile(
    r"(?i)\b(?:a lot to (?:carry|handle|deal|juggle|hold)|on your own|sounds (?:hard|tough|rough|"
    r"exhausting|heavy|draining|lonely)|must (?:be|have been) (?:so |really )?(?:hard|tough|"
    r"exhausting|draining|scary|awful|rough)|heavy|weighs?)"
)
# Where the hard part is in what they said ("Letting people down gently, over and over").
_HARD_PART = re.compile(
    r"(?i)\b(?:don't like|do not like|hate|hard|tough|tired|exhaust\w*|over and over|draining|"
    r"stress\w*|frustrat\w*|worr\w+|struggl\w*|lonely|alone|letting \w+ down|let \w+ down|"
    r"the no's|rejections?|turning \w+ down|telling [\w ]{1,20}(?:no|not them))"
)
QUOTE_MESSAGE_CHARS = 40
MAX_BUILT_ON_WORDS = 16
# A latest line with a detail this long is news an authored follow-up can be about.
FRESH_HOOK_WORDS = 3
QUOTE_QUESTION_CHARS = 70

# Open questions for an opener, before the partner has said anything.
OPEN_QUESTIONS = (
    "What are you working on right now that you enjoy most?",
    "What's keeping you busy these days?",
    "How did you end up in your line of work?",
    "What brought you here today?",
    "What's the most interesting problem on your plate at the moment?",
    "What has been the best part of your week so far?",
    "What do you like most about what you do?",
)
CARE_QUESTIONS = (
    "How are you holding up?",
    "How are you doing with all of it?",
    "How has this stretch been for you?",
    "Is anything helping right now?",
)
JOB_QUESTIONS = (
    "What's your team working on right now?",
    "What do the people who do well on your team have in common?",
    "What do you enjoy most about working there?",
    "What's changed most on your team this year?",
)
# Offered when the partner has said nothing to follow yet, so they stand alone: "What have you
# tried so far?" and "the hardest part of that" presume a problem they never named.
SALES_QUESTIONS = (
    "What's taking most of your team's time right now?",
    "What does a normal week look like for your team?",
    "What's changed most in your work this year?",
    "What would a good quarter look like for your team?",
)
# About a detail of theirs that may be no problem at all ("operations at Keller Foods"):
# "How are you handling it?" presumes one.
DETAIL_QUESTIONS = (
    "What's the hardest part of that for your team today?",
    "What's the biggest thing on your plate with that right now?",
    "What would make that easier for your team?",
)
JOB_WORDS = re.compile(
    r"(?i)\b(?:hiring|hire|openings?|positions?|roles?|vacanc\w+|jobs?|refer\w*|resume|résumé|"
    r"cv|interview\w*|internships?|salary|visa|sponsor\w*|relocat\w+|remote|hiring manager|"
    r"portfolio|linkedin|fit|candidate|experienced|qualified)\b"
)


@dataclass(frozen=True)
class _Turn:
    """Everything a tip needs to know about this turn."""

    message: str
    moves: frozenset[Move]
    ctx: Context
    evidence: Mapping[Move, str]
    suggestion: str | None
    already_said: str | None = None  # what they said that answers the user's question

    @property
    def seed(self) -> str:
        return self.message

    def pick(self, options: Sequence[str], salt: str = "", *, once: bool = False) -> str:
        """A deterministic phrasing, never the one the same choice gives the user's previous
        message: two reflections in a row got "...now let them answer fully, and say back the
        part that matters to them before asking more." twice (live, session 21). `once`: a
        moment a conversation has once (the user's goodbye) keeps the message's own pick."""
        chosen = pick(options, self.message + salt)
        previous = [] if once else self.ctx.user_lines[-1:]
        if len(options) > 1 and previous and pick(options, previous[0] + salt) == chosen:
            return options[(options.index(chosen) + 1) % len(options)]
        return chosen

    @cached_property
    def _next(self) -> tuple[Hook | None, str | None]:
        return _next_line(
            self.ctx.persona_lines, self.ctx.user_lines, self.message, self.suggestion
        )

    @property
    def hook(self) -> Hook | None:
        """The partner's detail the tip names: the one the suggested question is about."""
        return self._next[0]

    @property
    def question(self) -> str | None:
        """The next line to suggest, or None when no question fits (then the tip gives plain
        advice): care after bad news, the persona's own follow-up when fresh, else a question
        on one of the partner's details; never one already suggested or asked."""
        return self._next[1]

    @cached_property
    def heavy(self) -> bool:
        """The partner's last line is bad news (a layoff, an illness, a loss)."""
        return is_heavy(" ".join(self.ctx.partner_statements))

    @property
    def partner_question(self) -> str | None:
        """Their last question; or, when they asked none, the sentence that asks about the user
        without a question mark ("But tell me something that isn't on your resume.")."""
        if not self.ctx.partner_questions:
            if not self.ctx.asked_about_user:
                return None
            asks = [
                s for s in sentences(self.ctx.partner_last) if cues.INVITES_INTRODUCTION.search(s)
            ]
            if not asks:
                return None
            ask = _LEAD_WORD.sub("", asks[-1].strip())  # "But tell me..." is quoted "Tell me..."
            return _clip(ask[:1].upper() + ask[1:], QUOTE_QUESTION_CHARS)
        return _clip(self.ctx.partner_questions[-1].strip(), QUOTE_QUESTION_CHARS)

    @property
    def waiting_question(self) -> str | None:
        """Their question about the user, when this turn left it unanswered: answered in its
        own words, or by telling of oneself ("I'm a backend developer, mostly payments." to
        "What's your line of work?"), it is not waiting."""
        asked = self.partner_question
        if not asked or not self.ctx.asked_about_user:
            return None
        if Move.SELF_DISCLOSURE in self.moves or answers(self.message, asked):
            return None
        sents = sentences(self.message)
        if (
            Move.TOPIC_HIJACK not in self.moves
            and any(repeats_their_question(s, self.ctx) for s in sents)
            and any("?" not in s for s in sents)
        ):
            return None  # "My team? Six of us, mostly backend.": said back, then answered
        return asked

    @property
    def detail(self) -> str | None:
        return self.hook.quote if self.hook else None


# ------------------------------------------------------------------ the next line to suggest


def _question_key(question: str) -> tuple[str, ...]:
    return tuple(words(question))


def _same_question(a: str, b: str) -> bool:
    if _question_key(a) == _question_key(b):
        return True
    sa, sb = content_stems(a), content_stems(b)
    return len(sa) >= 2 and sa == sb


def _questions_in(text: str) -> list[str]:
    return [s for s in split_light(text) if s.rstrip(" \"'”’").endswith("?")]


@lru_cache(maxsize=4096)
def _already(persona_lines: tuple[str, ...], user_lines: tuple[str, ...]) -> tuple[str, ...]:
    """Questions the conversation already has: the user's own, and the ones the tips suggested
    at the user's earlier turns (rebuilt by the same rules, which need no moves)."""
    found = [q for line in user_lines for q in _questions_in(line)]
    offset = max(0, min(1, len(persona_lines) - len(user_lines)))
    for j, line in enumerate(user_lines):
        before = persona_lines[: j + offset]
        if before:
            _, q = _next_line(before, user_lines[:j], line, None)
            if q:
                found.append(q)
    return tuple(found)


@lru_cache(maxsize=4096)
def _next_line(
    persona_lines: tuple[str, ...],
    user_lines: tuple[str, ...],
    message: str,
    suggestion: str | None,
) -> tuple[Hook | None, str | None]:
    """(the detail to name, the question to suggest) for this turn."""
    if not persona_lines:
        return None, None
    used = (*_already(persona_lines, user_lines), *_questions_in(message))
    hooks = find_hooks(persona_lines)
    last = persona_lines[-1]
    said = " ".join(s for s in split_light(last) if not _questions_in(s))
    candidates: list[tuple[Hook | None, str]] = []
    top: Hook | None = hooks[0] if hooks else None
    if is_heavy(said):
        care = pick(CARE_QUESTIONS, message + "care")
        for q in (care, *CARE_QUESTIONS):
            candidates.append((top, q))
    # An authored follow-up is about the partner's latest detail; when their latest line has
    # none ("That's the product. What about us?"), it was offered at an earlier turn already.
    if suggestion and suggestion.strip() and _fresh(suggestion, persona_lines):
        candidates.append((_closest(hooks, suggestion) or top, suggestion.strip()))
    for hook in hooks[:6]:
        if hook.heavy and not is_heavy(said):
            continue  # old bad news: no probe into it
        candidates.extend((hook, q) for q in questions_about(hook, message))
    for named, q in candidates:
        if not any(_same_question(q, u) for u in used):
            return named, q
    return top, None


def _fresh(suggestion: str, persona_lines: tuple[str, ...]) -> bool:
    """Is an authored follow-up about the partner's latest line? It is about the line that
    shares most of its words ("restaurant customers" and "a restaurant kitchen"); with none, it
    is fresh only when the latest line has a detail of its own ("That's the product. What about
    us?" has none, so the question was offered at an earlier turn)."""
    ours = prefixes_of(suggestion)
    shared = [len(ours & prefixes_of(line)) for line in persona_lines[-3:]]
    if max(shared) > 0:
        return shared[-1] == max(shared)
    return any(len(h.quote.split()) >= FRESH_HOOK_WORDS for h in find_hooks(persona_lines[-1:]))


def _closest(hooks: Sequence[Hook], question: str) -> Hook | None:
    ours = prefixes_of(question)
    scored = [(len(ours & prefixes_of(h.quote)), -i, h) for i, h in enumerate(hooks)]
    best = max(scored, default=None, key=lambda x: (x[0], x[1]))
    return best[2] if best and best[0] > 0 else None


def prefixes_of(text: str) -> frozenset[str]:
    """Content stems, long ones cut to a prefix ("teacher"/"teaching" meet), generic ones out."""
    return frozenset(s[:PREFIX] for s in content_stems(text) if s not in _GENERIC_STEMS)


def _clip(text: str, limit: int) -> str:
    """The text, or its head within `limit`: cut after a phrase ("Oh wow, a truck being
    late...") rather than mid-phrase ("Oh wow, a truck being late, my...") when a phrase ends
    past half of it."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 3]
    phrase = max(head.rfind(mark) for mark in (", ", "; ", ": ", " - ", ". ", "! ", "? "))
    if phrase >= limit // 2:
        return head[:phrase].rstrip(" ,;:-") + "..."
    return head.rsplit(" ", 1)[0].rstrip(" ,;:") + "..."


def _said(turn: _Turn) -> str:
    """ "They said "I left teaching last year"": the detail, in the partner's words."""
    hook = turn.hook
    if hook is None:
        return "They told you something about themselves"
    if not hook.latest:
        return turn.pick(
            ('Earlier they said "{q}"', 'Earlier they mentioned "{q}"'), "said"
        ).format(q=hook.quote)
    frames = ('They said "{q}"', 'They mentioned "{q}"', 'They told you "{q}"', 'You heard "{q}"')
    return turn.pick(frames, "said").format(q=hook.quote)


def _ask(turn: _Turn) -> str:
    if turn.question is None:
        return _plain_ask(turn)
    return turn.pick(('ask "{q}"', 'try "{q}"', 'ask them "{q}"'), "ask").format(q=turn.question)


def _plain_ask(turn: _Turn) -> str:
    """No question fits the moment: plain advice instead of a filler question."""
    answered = turn.moves & {Move.SELF_DISCLOSURE, Move.MIRROR_QUESTION}
    if answered and not turn.moves & QUESTION_MOVES:
        # Not after a question of their own ("how's the fair been from your side?"): they
        # already handed the floor back, so "the same question back" would be a second one.
        return "ask them the same question back, or one thing about their work"
    waiting = turn.waiting_question
    if waiting:
        return turn.pick(
            (
                'answer "{pq}" in a sentence with one real detail, then ask one thing about them',
                'give "{pq}" a real one-sentence answer and hand the question back to them',
            ),
            "plain",
        ).format(pq=waiting)
    if turn.hook:
        return turn.pick(
            (
                "ask them one question about that, in your own words",
                "follow it with a question of your own about it",
            ),
            "plain",
        )
    return turn.pick(
        (
            "say one sincere sentence, then ask one thing about their work",
            "ask what they do, or what brought them here",
        ),
        "plain",
    )


def answers(message: str, question: str) -> bool:
    """Does a statement in the message answer the partner's question, however briefly ("Second
    time." to "Is this your first time here?", "Yeah, the keynote." to "Were you in the talk?")?
    A statement on something else ("oh great, another queue") is no answer."""
    asked = set(words(question)) - _FUNCTION
    counting = _COUNTING.match(question.strip()) is not None
    asked_in_message = set(_questions_in(message))
    for sentence in split_light(message):
        if sentence in asked_in_message:
            continue
        tokens = words(sentence)
        yes_no = tokens and tokens[0] in _YES_NO and not _OPEN_QUESTION.match(question.strip())
        if yes_no or set(tokens) & asked:
            return True
        if tokens and tokens[0] in _STATES | {"not", "pretty"} and _HOW_ARE_YOU.search(question):
            return True  # "fine" to "How are you holding up?"
        count = tokens[1:] if tokens and tokens[0] in _HEDGES else tokens
        if count and counting and (count[0] in _NUMBERS or count[0][:1].isdigit()):
            # "Three, and somehow still asleep." (or "Like four.") to "How many coffees are
            # you on?"
            return True
    return False


# The partner hands over the floor: "What would you like to know?", "Any questions for me?"
_HANDS_OVER = re.compile(
    r"(?i)\bwhat (?:would|do|did) you (?:like|want|wanna|need) to (?:know|ask|cover|talk about)|"
    r"\bwhat can i (?:tell|help) you\b|\bany questions\b|\bask (?:me )?(?:away|anything)\b|"
    + "|".join(cues.HANDS_OVER_FLOOR)
)
# "What does your role look like?" is not answered by "sure": yes and no answer yes-no questions.
_OPEN_QUESTION = re.compile(
    r"(?i)^(?:\W*(?:so|and|ok|okay|well)\W+)?(?:what|how|why|when|where|which|who|whose)\b"
)
# "How many coffees are you on?" is answered by a number, whatever the words around it.
_COUNTING = re.compile(r"(?i)^(?:\W*(?:so|and|ok|okay)\W+)?how (?:many|much|long|old|often)\b")
_NUMBERS = wordset(
    """one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty
    forty fifty hundred a an couple few several half dozen none zero"""
)
_HEDGES = wordset("like about around maybe probably only just nearly almost roughly over")
_YES_NO = wordset("yes yeah yep yup no nope nah not sure definitely absolutely sort kind")
# "How are you holding up?", "How's your morning been?", "Surviving the summit?" are answered by
# how one is ("fine", "tired", "not bad"), whatever the words of the question.
_HOW_ARE_YOU = re.compile(
    r"(?i)\bhow(?:'s| is| are| has| have)? (?:you|your|things|it going|the (?:day|fair|summit|"
    r"conference|event|morning))\b|\bholding up\b|\bsurviving\b|\b(?:good|long|busy) (?:day|"
    r"morning|week)\b"
)
_STATES = wordset(
    """fine good great ok okay alright tired exhausted busy fantastic awesome meh rough
    decent well grand brilliant lovely surviving barely swamped knackered shattered"""
)
_FUNCTION = wordset(
    """i you your yours my me we our us it its this that these those the a an is are was were be
    been being do does did at in on of to for from with and or but so too what how why when where
    which who whom have has had any some there here just really"""
)


# ------------------------------------------------------------------ the moment's special cases


def _opener(turn: _Turn) -> str:
    if turn.moves & {Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION}:
        frames: tuple[str, ...] = (
            "Good opener; when they answer, pick one detail they give and ask about it.",
            "When they answer your opener, pick up one thing they say and ask about that.",
            "A question is the right start; next, build on the first detail of their answer.",
        )
        return turn.pick(frames)
    q = turn.pick(OPEN_QUESTIONS, "open")
    return (
        turn.pick(
            (
                'Open with a question about them, such as "{q}"',
                'Start with them, not you: ask "{q}"',
                'Lead with curiosity about them: try "{q}"',
            )
        ).format(q=q)
        + "."
    )


def _meta(turn: _Turn) -> str:
    frames: tuple[str, ...] = (
        "That line talks to the software, not the person; ask them something real: {ask}.",
        "Questions about the system earn nothing here; talk to the person instead: {ask}.",
        "Step back into the conversation and talk to them: {ask}.",
    )
    return turn.pick(frames, "meta").format(ask=_ask(turn))


# "I'll send Marcus a note this afternoon" is their promise, not something they told of
# themselves to remember.
_PROMISE = re.compile(
    r"(?i)\b(?:i'll|i will|let me|i can|i could)\b|\bsince you(?:'ve| have) been\b|\bbetween us\b"
)


def _remembered(turn: _Turn) -> str | None:
    """One thing of theirs worth saying you'll remember: no bad news, no jab."""
    lines = turn.ctx.persona_lines
    if lines and _partner_leaving(lines[-1]):
        lines = lines[:-1]  # their goodbye ("there's a lot of fair left") is nothing to keep
    hooks = [
        h
        for h in find_hooks(lines[:-1]) + find_hooks(lines)
        if not h.heavy
        and len(h.quote.split()) >= 3
        and not _PROMISE.search(h.quote)
        and not _told_with_bad_news(h.quote, lines)
    ]
    # their own experience first ("the people who asked me something new"), then any detail
    mine = [h for h in hooks if re.search(r"(?i)\b(?:i|i'm|i've|me|my)\b", h.quote)]
    best = mine or [h for h in hooks if h.kind != "thing"]
    return best[0].quote if best else None


def _told_with_bad_news(quote: str, lines: Sequence[str]) -> bool:
    """Is the detail part of a sentence that carries bad news? "some Fridays I sit in the car
    for ten minutes" is a clause of "Since the layoffs I'm the only engineering recruiter left,
    and ...": a confidence, not a detail for a thank-you note."""
    return any(
        HEAVY.search(sentence) is not None
        for line in lines
        if quote in line
        for sentence in split_light(line)
        if quote in sentence
    )


def _closing(turn: _Turn) -> str:
    """They are leaving: thank them, name one thing, a small ask only if the talk earned it."""
    kept = _remembered(turn)
    named = (
        f'name one thing you will remember ("{kept}")'
        if kept
        else "name one thing you took from the conversation"
    )
    small_ask = (
        "ask if you can stay in touch"
        if turn.ctx.warm and Move.PITCH not in turn.moves
        else "let them go warmly"
    )
    if turn.moves & {Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION, Move.TOPIC_HIJACK}:
        lead = "They are wrapping up, so save new questions: thank them"
    elif Move.PITCH in turn.moves:
        lead = "They are leaving, and the pitch won't land now: thank them"
    elif THANKS.search(turn.message):
        lead = "You thanked them as they wrap up; now"
        return f"{lead} {named} and {small_ask}."
    elif Move.MINIMAL in turn.moves:
        short = _clip(turn.message.strip(), QUOTE_MESSAGE_CHARS)
        lead = f'"{short}" lets them walk off cold; close well instead: thank them'
    else:
        lead = turn.pick(
            ("They are wrapping up: thank them", "Close well as they leave: thank them"), "close"
        )
    return f"{lead}, {named}, and {small_ask}."


def _closing_ask(turn: _Turn) -> str | None:
    """The end of a warm talk: the user asked for the next step (or the partner just said yes
    to it). Now close well: thanks, the next step confirmed, one thing to remember."""
    if Move.PITCH in turn.moves:
        return None
    # "Thanks for the intro to Marcus" thanks them for a step already given: no ask.
    asking = THANKS_FOR.sub("", turn.message)
    asks_now = CLOSING_ASK.search(asking) or cues.ASK.search(asking)
    offered = OFFERED.search(turn.ctx.partner_last) is not None
    earlier = turn.ctx.user_lines[-1] if turn.ctx.user_lines else ""
    accepted = offered and bool(CLOSING_ASK.search(earlier) or cues.ASK.search(earlier))
    if not ((asks_now and (turn.ctx.warm or offered)) or accepted):
        return None
    kept = _remembered(turn)
    remember = (
        f'tell them one thing you\'ll remember ("{kept}")'
        if kept
        else "tell them one thing you'll remember from the conversation"
    )
    if accepted and not asks_now:
        lead = "They said yes to the next step, so close well"
    elif offered:
        lead = "They offered the next step and you took it at the right moment; now close well"
    else:
        lead = "A fair ask after a warm conversation; now close well"
    frames = (
        "{lead}: thank them, confirm the next step (who reaches out, and when), and {rem}.",
        "{lead}: thank them, agree exactly what happens next and when, and {rem}.",
    )
    return turn.pick(frames, "closeask").format(lead=lead, rem=remember)


def _dodge(turn: _Turn) -> str | None:
    """They asked the user something and the user asked back without answering."""
    asked = turn.partner_question
    if asked is None or not turn.ctx.asked_about_user or _HANDS_OVER.search(asked):
        return None  # "Where do you want to begin?" is answered by asking
    # "Scenic route for sure, I was in QA. What was the hardest part?" answered first.
    dodged = (
        _only_questions(turn.message)
        and not answers(turn.message, asked)
        and (
            Move.TOPIC_HIJACK in turn.moves
            or (
                turn.moves & {Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION}
                and not turn.moves & {Move.SELF_DISCLOSURE, Move.REFLECTION, Move.ACKNOWLEDGEMENT}
            )
        )
    )
    if not dodged:
        return None
    then = f'then ask "{turn.question}"' if turn.question else "then ask one thing about them"
    frames: tuple[str, ...] = (
        'They asked "{pq}": answer that in a sentence first, {then}.',
        'Answer "{pq}" before asking your own question; one or two sentences will do, {then}.',
        'They asked you "{pq}", so give a short, real answer first and {then}.',
    )
    return turn.pick(frames, "dodge").format(pq=asked, then=then)


def _only_questions(message: str) -> bool:
    parts = [p for p in re.split(r"(?<=[.!?])\s+", message.strip()) if p]
    return bool(parts) and all(p.rstrip().endswith("?") or len(words(p)) <= 2 for p in parts)


# Words that meet bad news ("I'm sorry", "that's a lot to carry alone").
_CARE = re.compile(
    r"(?i)\b(?:sorry|that's (?:rough|awful|terrible|hard|tough|a lot)|oh no|how awful|"
    r"take care of yourself|alone|on your own)\b"
)


def _met_with_care(
    turn: _Turn, moves: Sequence[Move] = (Move.ACKNOWLEDGEMENT, Move.REFLECTION)
) -> bool:
    """The acknowledgement or reflection (or the other `moves`) was about the bad news: in its
    words or in words that meet it. "From chemistry teacher to recruiter, that's a story. Thanks
    so much" after "since the layoffs it's been just me" acknowledged the story and left."""
    spans = [h for m in moves if (h := turn.evidence.get(m, ""))]
    if not spans:
        return False
    # The sentence that holds each span: "Two months off after fourteen hours like that makes
    # sense." met "after the fourteen-hour outage I burned out" though its cue is only "that
    # makes sense" (live, session 23: told to "put your own topic aside" and say sorry).
    own = split_light(turn.message)
    heard = [next((s for s in own if h in s), h) for h in spans]
    heavy = " ".join(
        s for s in split_light(" ".join(turn.ctx.partner_statements)) if HEAVY.search(s)
    )
    said = " ".join(heard)
    return bool(
        _CARE.search(turn.message)
        or _FEELING_WORDS.search(said)
        or content_stems(said) & content_stems(heavy)
    )


def _asked_into(turn: _Turn) -> bool:
    """Met the bad news and asked about it: "Running on fumes but still loving it. What keeps
    you there when it gets this heavy?". A bare probe ("What happened with the layoffs?") is not
    this: it asks without meeting it first."""
    if Move.FOLLOW_UP_QUESTION not in turn.moves:
        return False
    met = bool({Move.ACKNOWLEDGEMENT, Move.REFLECTION} & turn.moves or _CARE.search(turn.message))
    return met and _met_with_care(
        turn, (Move.ACKNOWLEDGEMENT, Move.REFLECTION, Move.FOLLOW_UP_QUESTION)
    )


def _bad_news(turn: _Turn) -> str:
    said = f'They just shared "{turn.detail}"' if turn.detail else "They just shared bad news"
    if _asked_into(turn):
        # "Running on fumes but still loving it. What keeps you there?" asked already; another
        # care question ("How has this stretch been for you?") would be the same one again.
        asked: tuple[str, ...] = (
            "{said}, and you met it with care and asked about it; now let their answer lead, "
            "and say back what they tell you before you ask anything else",
            "{said}; you met it and asked the kind of question that helps, so give them room "
            "to answer at their own pace",
        )
        return turn.pick(asked, "care").format(said=said) + "."
    if _met_with_care(turn):
        frames: tuple[str, ...] = (
            '{said}, and you met it with care; give them room, and if they keep talking, ask "{q}"',
            '{said}; you made space for it, so let them lead, and later ask "{q}"',
        )
    else:
        frames = (
            '{said}: put your own topic aside, say you\'re sorry to hear it, and ask "{q}"',
            '{said}; meet that first ("I\'m sorry, that sounds hard") and then ask "{q}"',
            '{said}, which matters more than anything else right now: acknowledge it and ask "{q}"',
        )
    q = turn.question or "How are you doing with it?"
    return turn.pick(frames, "care").format(said=said, q=q) + "."


# ------------------------------------------------------------------ what the user's turn did


# What the partner asks to be asked about: "Ask me about my floor instead".
_ASKED_ABOUT = re.compile(
    r"(?i)\babout (?:my|our) ((?:[a-z-]+ ){0,2}?[a-z-]+?)(?: (?:yet|first|instead|here|today))?"
    r"\s*[.!?,]?$"
)


def _pitch(turn: _Turn) -> str:
    job = JOB_WORDS.search(turn.message) is not None
    product = cues.PRODUCT_PITCH.search(turn.message) is not None
    what = "the pitch" if product else "the job talk" if job else "the ask"
    q = turn.question
    # The tip says "they said X, so ask Y" only when Y is about X: a job question after her
    # granola-bar joke is not ("they said 'I was just about to steal a granola bar', so ask
    # 'What do the people who do well on your team have in common?'").
    about_detail = turn.hook is not None and (q is not None or not job)
    if q is None:
        # about the detail they gave when there is one ("the hardest part of that"), else open
        fallback = JOB_QUESTIONS if job else DETAIL_QUESTIONS if turn.hook else SALES_QUESTIONS
        used = _already(turn.ctx.persona_lines, turn.ctx.user_lines)
        fresh = [x for x in fallback if not any(_same_question(x, u) for u in used)] or fallback
        # Earlier tips' fallbacks are not in `used` (rebuilding them would need their moves):
        # going round the list (three or four) by turn keeps pitches one or two turns apart
        # from getting the same line; where it starts depends on the conversation.
        start = zlib.crc32((turn.ctx.persona_lines or ("",))[0].encode("utf-8"))
        q = fresh[(start + len(turn.ctx.user_lines)) % len(fresh)]
    if ASK_ME.search(turn.ctx.partner_last):
        request = next(s for s in split_light(turn.ctx.partner_last) if ASK_ME.search(s))
        subject = _ASKED_ABOUT.search(request)
        if turn.question is None and subject:
            # "You haven't asked me a single thing about my warehouses yet": ask about those,
            # not "the hardest part of that" with nothing for "that" to be.
            q = f"What's the biggest thing going on with your {subject.group(1)} right now?"
        request = _clip(request, QUOTE_MESSAGE_CHARS).rstrip(" .!")
        about = f' ("{turn.detail}")' if turn.detail else ""
        return (
            f'They told you "{request}", so drop {what} and ask about what they said{about}: "{q}".'
        )
    if about_detail:
        frames: tuple[str, ...] = (
            '{said}; before {what}, be curious about that: ask "{q}".',
            '{said}: stay there instead of pitching, and ask "{q}".',
            'Hold {what} until they trust you; {said_lower}, so ask "{q}".',
        )
    else:
        frames = (
            "Asking for something this early spends trust you haven't built; turn that curiosity "
            'onto them: ask "{q}".',
            'Hold {what} until they trust you, and be curious about them first: ask "{q}".',
            'Put the energy of that pitch into a question about them: ask "{q}".',
        )
    said = _said(turn)
    return turn.pick(frames, "pitch").format(
        said=said, said_lower=said[0].lower() + said[1:], what=what, q=q
    )


# A question that only checks they are following ("right?", "you know?") asks for nothing.
_RHETORICAL_TAG = re.compile(
    r"(?i)(?:^|[,\s])(?:right|you know|yeah|no|eh|huh|isn't it|don't you think)\?\s*$"
)


def _minimal(turn: _Turn) -> str:
    short = _clip(turn.message.strip(), QUOTE_MESSAGE_CHARS)
    asked = turn.partner_question
    q = turn.question
    if asked and _HANDS_OVER.search(asked):
        # "What would you like to know?" hands them the floor: the answer is a question.
        ask = f'ask "{q}"' if q else "ask one thing about their work"
        return turn.pick(
            (
                '"{pq}" hands you the floor, and "{m}" leaves it empty: {ask}.',
                'They asked "{pq}": that is your cue to ask, not "{m}"; {ask}.',
            ),
            "minimal",
        ).format(pq=asked, m=short, ask=ask)
    # Any question of theirs waits on a one-word reply, not only one with "you" in it: "Did the
    # talk make any sense from out there?" wants an answer before a detail of theirs does.
    to_user = bool(asked) and (turn.ctx.asked_about_user or not _RHETORICAL_TAG.search(asked or ""))
    if asked and to_user:
        # Their question handed back is the natural second half ("...and you?"); a question
        # mined from their words ("the best part of recognising the tired face") is not, and only
        # an authored follow-up is worth more than it.
        authored = bool(q and turn.suggestion and q == turn.suggestion.strip())
        back = f'then ask back: "{q}"' if authored else "then ask them the same question back"
        answered: tuple[str, ...] = (
            '"{m}" answers "{pq}" but gives them nothing to build on; add one detail (what, '
            "where or why), {back}",
        )
        unanswered: tuple[str, ...] = (
            '"{m}" leaves "{pq}" unanswered; answer it in a sentence with one concrete detail, '
            "{back}",
        )
        frames: tuple[str, ...] = (
            *(answered if answers(turn.message, asked) else unanswered),
            'Give "{pq}" a real answer, not "{m}": two sentences with one concrete detail, {back}',
        )
    elif turn.hook and q:
        frames = (
            '"{m}" gives them nothing to build on; react to "{d}" in a full sentence and ask "{q}"',
            'Swap "{m}" for a sentence about what they said ("{d}") and a question: "{q}"',
            'A short "{m}" closes the door; pick up "{d}" instead and ask "{q}"',
        )
    elif turn.hook:
        frames = (
            '"{m}" gives them nothing to build on; react to "{d}" in a full sentence and ask '
            "one thing about it",
            'A short "{m}" closes the door; say what you make of "{d}" and ask one thing about it',
        )
    elif q:
        frames = (
            '"{m}" gives them nothing to build on; say one thing about yourself and ask "{q}"',
            'Replace "{m}" with a full sentence and a question about them: "{q}"',
        )
    else:
        frames = (
            '"{m}" gives them nothing to build on; say one sincere sentence, then ask one thing '
            "about them",
            'Replace "{m}" with a full sentence and one question about their work',
        )
    return (
        turn.pick(frames, "minimal").format(
            m=short,
            pq=asked,
            d=turn.detail,
            q=q,
            back=back if to_user else "",
        )
        + "."
    )


SARCASM = re.compile(
    r"(?i)(?:\b(?:oh great|my (?:absolute )?favou?rite|never heard (?:one|that|of)|how original|"
    r"lol|lmao|sure\W+(?:hope|whatever)|hope (?:the|that|your) [\w ]+ pays|what a (?:surprise|"
    r"shock)|wow,? (?:an?|another)|so fun|thrilling|riveting|classic)\b|🙄)"
)


def _dismissive(turn: _Turn) -> str:
    """Say what landed badly, in the user's words, and the sincere version about the same
    thing."""
    jab = _clip(turn.evidence.get(Move.DISMISSIVE) or turn.message.strip(), QUOTE_MESSAGE_CHARS)
    jab = jab.rstrip(" .!,;")
    sincere = _sincere(turn)
    said = f'say the sincere version: "{sincere}"' if sincere else _plain_sincere(turn)
    if SARCASM.search(turn.message):
        frames: tuple[str, ...] = (
            '"{jab}" lands as a put-down, even meant as a joke; {said}',
            'Sarcasm like "{jab}" tells them you don\'t care; drop the irony and {said}',
        )
    else:
        frames = (
            '"{jab}" judges what they told you and shuts them down; {said}',
            '"{jab}" lands as a put-down; hold the verdict and {said}',
        )
    return turn.pick(frames, "dismiss").format(jab=jab, said=said) + "."


def _plain_sincere(turn: _Turn) -> str:
    asked = turn.partner_question
    if asked and turn.ctx.asked_about_user:
        # "Oh wow, a favourite teacher question. How original." to "Who was your favourite
        # teacher?": the sincere version is an answer.
        return f'answer "{asked}" sincerely, with one real detail'
    if turn.detail:
        return f'ask one honest question about "{turn.detail}"'
    return "ask one honest question about what they said"


# Words ending like a participle that are not verbs: "fourteen services" is no "carried a pager".
_NOT_VERBS = wordset(
    """seven eleven thirteen fourteen fifteen sixteen seventeen eighteen nineteen hundred even
    kitchen garden children green screen between sacred naked wicked often dozen"""
)


def _sincere(turn: _Turn) -> str | None:
    """The same thing said sincerely: a question about what the jab was about, or None."""
    text = turn.evidence.get(Move.DISMISSIVE) or turn.message
    lines = turn.ctx.persona_lines[-3:]
    theirs = prefixes_of(" ".join(lines))
    topic = [
        w
        for w in words(text)
        if len(w) > 2
        and "'" not in w
        and w not in _SARCASM_WORDS
        and w not in _STOPS
        and w[:PREFIX] not in _GENERIC_STEMS
        and content_stems(w)
    ]
    shared = [w for w in topic if prefixes_of(w) & theirs]
    # the partner's own verb for it: "hasn't carried a pager" -> "What's it like carrying a pager?"
    for noun in reversed(shared):
        for line in reversed(lines):
            m = re.search(
                rf"(?i)\b([a-z]+(?:ed|en))\s+(?:(a|an|the|my|our|your)\s+)?{re.escape(noun)}\b",
                line,
            )
            if m and m.group(1).lower() not in _STOPS | _NOT_VERBS:
                det = {"my": "your", "our": "your", "your": "my"}.get(
                    (m.group(2) or "").lower(), m.group(2) or "a"
                )
                return f"What's it like {gerund(base_form(m.group(1)))} {det} {noun}?"
    # a detail of theirs the jab was about, with a question that fits it
    for hook in find_hooks(turn.ctx.persona_lines):
        if shared and prefixes_of(hook.quote) & prefixes_of(" ".join(shared)):
            for q in questions_about(hook, turn.message):
                return q
    # mocking a story they did not tell: ask for it
    story = [w for w in topic if w in _EVENT_NOUNS]
    if story and not shared:
        head = topic[topic.index(story[0]) - 1] if topic.index(story[0]) > 0 else ""
        if story[0] in {"story", "stories"} and head:
            return f"I'd actually like to hear your {head} story: what happened?"
        if story[0] not in {"story", "stories"}:
            return f"I'd actually like to hear about the {story[0]}: what happened?"
    return None


def _self_focus(turn: _Turn) -> str:
    frames: tuple[str, ...] = (
        "{said}; cut your story to a sentence and hand the floor back: {ask}.",
        "Keep your part to one or two sentences and come back to them; {said_lower}, so {ask}.",
        "Bring it back to them: {said_lower}, so {ask}.",
    )
    said = _said(turn)
    return turn.pick(frames, "self").format(
        said=said, said_lower=said[0].lower() + said[1:], ask=_ask(turn)
    )


def _hijack(turn: _Turn) -> str:
    frames: tuple[str, ...] = (
        "{said}; stay with that before changing the subject: {ask}.",
        "You moved on too soon: {said_lower}, so {ask} first.",
        "{said}, and that is where the conversation is; {ask}.",
    )
    asked = turn.waiting_question
    if asked and (turn.question is None or not _questions_in(turn.message)):
        # They asked the user something and the user stepped past it: that is the moment, not
        # a detail of theirs from three lines up.
        frames_dodged: tuple[str, ...] = (
            'They asked you "{pq}" and you stepped past it; answer it in a sentence with one '
            "real detail, then ask one thing about them.",
            'You skipped their question, "{pq}": give it a real one-sentence answer first, '
            "then hand the floor back.",
        )
        return turn.pick(frames_dodged, "hijack").format(pq=asked)
    said = _said(turn)
    claimed = never_said(turn.message, turn.ctx)
    if claimed:
        # "You mentioned your sister's bakery" to someone who never spoke of one: the user has
        # them mixed up with someone else; what they did say is the way back.
        claim = CLAIM.search(claimed)
        what = _clip(_TRAILING_WHEN.sub("", claim.group("claim")) if claim else claimed, 50)
        frames_unsaid: tuple[str, ...] = (
            'They never mentioned "{what}"; {said_lower}, so {ask} instead.',
            'Nothing they said was about "{what}": {said_lower}; {ask}.',
        )
        return turn.pick(frames_unsaid, "hijack").format(
            what=what, said_lower=said[0].lower() + said[1:], ask=_ask(turn)
        )
    return turn.pick(frames, "hijack").format(
        said=said, said_lower=said[0].lower() + said[1:], ask=_ask(turn)
    )


def _reflection(turn: _Turn) -> str | None:
    built = _built_on(turn, Move.REFLECTION)
    if built is None:
        return None  # nothing of theirs said back ("sure", "that makes sense"): no praise for it
    if built[1]:
        put = f'You named what is hard in "{built[0]}"'
    else:
        put = f'You put "{built[0]}" into your own words'
    if turn.question and not _asks(turn.message):
        frames: tuple[str, ...] = (
            "{put}; now pause so they can say more, and if they stop, {ask}.",
            "{put}, so they know you heard it; let them expand before you {ask}.",
            "{put}; give it a beat of silence, since people often add the real story next, "
            "then {ask}.",
        )
    else:
        frames = (
            "{put}; now let them answer fully, and say back the part that matters to them "
            "before asking more.",
            "{put}; when they answer, let them finish, since people often add the real story next.",
        )
    return turn.pick(frames, "reflect").format(put=put, ask=_ask(turn))


def _asks(message: str) -> bool:
    return bool(_questions_in(message))


# Questions in a row, with nothing of the user's own between them, before a tip suggests
# giving something back: a conversation, not an interview ("interesting *and* interested").
INTERVIEW_RUN = 4
_SPELLED = {4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
_I = re.compile(r"(?i)\b(?:i|i'm|i've|i'd|my|me|we|our)\b")


def _question_run(turn: _Turn) -> int:
    """How many turns in a row, this one included, only asked: a question and no statement
    in the first person ("I did two years of shift work myself") beside it."""
    run = 0
    for message in (turn.message, *reversed(turn.ctx.user_lines)):
        told = [s for s in split_light(message) if not s.rstrip(" \"'”’").endswith("?")]
        if "?" not in message or any(_I.search(s) for s in told):
            break
        run += 1
    return run


def _said_back(turn: _Turn) -> str | None:
    """A statement of this turn that puts the partner's last line in the user's words ("An
    ambulance driver turned engineer, that explains a lot."), before the question."""
    reflected = turn.evidence.get(Move.REFLECTION) or turn.evidence.get(Move.ACKNOWLEDGEMENT)
    asked = turn.evidence.get(Move.FOLLOW_UP_QUESTION, "")
    for sentence in split_light(turn.message):
        if sentence.rstrip(" \"'”’").endswith("?") or cues.QUESTION_START.search(sentence):
            continue
        if asked and (asked.strip() in sentence or sentence.strip() == asked.strip()):
            continue  # the question itself, written without a question mark
        if _I.search(sentence):
            continue  # "My uncle ran a loading dock": their own story, not their words back
        if turn.ctx.partner_questions and answers(sentence, turn.ctx.partner_questions[-1]):
            continue  # "Quiet-ish, about three pages a week." answers "Is yours a quiet one?"
        shared = content_stems(sentence) & turn.ctx.partner_stems
        if len(shared) >= 2 or (shared and reflected and sentence in reflected):
            return _clip(sentence.strip().rstrip(" .!,;"), QUOTE_QUESTION_CHARS)
    return None


def _follow_up(turn: _Turn) -> str:
    run = _question_run(turn)
    if run >= INTERVIEW_RUN:
        interview: tuple[str, ...] = (
            "That is {n} questions in a row; when they answer, add one line of your own that "
            "connects to it before you ask again, so it feels like a conversation, not an "
            "interview.",
            "{N} questions running: good listening, but give something back next, a sentence "
            "of your own experience that touches their answer, then hand them the floor.",
        )
        n = _SPELLED.get(run, str(run))
        return turn.pick(interview, "run").format(n=n, N=n.capitalize())
    if _answered_them(turn) and _built_on(turn, Move.FOLLOW_UP_QUESTION, min_shared=2) is None:
        # "I bake sourdough every weekend... What's the best thing about working the booth?"
        # to "tell me something that isn't on your resume": the model turn, not "You picked
        # up 'The best way in is the careers page'" for the one word 'best' (live, session 25).
        return _answered(turn)
    said_back = _said_back(turn)
    if said_back is not None:
        heard: tuple[str, ...] = (
            '"{s}" told them you heard it before you asked; when they answer, stay on that '
            "thread one more question before moving on.",
            'Saying "{s}" first showed you were listening; let them finish, and if a feeling '
            "comes up in the answer, name it.",
        )
        return turn.pick(heard, "heard").format(s=said_back)
    built = _built_on(turn, Move.FOLLOW_UP_QUESTION)
    if built is None:
        asked = turn.evidence.get(Move.FOLLOW_UP_QUESTION, turn.message)
        lead, _, rest = asked.partition(": ")
        if rest and len(lead.split()) <= 3:  # "Quick one: how many pickers..."
            asked = rest[:1].upper() + rest[1:]
        asked = _clip(asked, QUOTE_QUESTION_CHARS)
        frames: tuple[str, ...] = (
            'When they answer "{a}", say back the part that matters to them before your next '
            "question.",
            'After "{a}", listen for one concrete detail in the answer and make your next '
            "question about it.",
            'Let them answer "{a}" fully, then name what you heard ("Sounds like ...") and go '
            "one level deeper.",
        )
        return turn.pick(frames, "follow").format(a=asked)
    picked = f'You picked up "{built[0]}"'
    frames = (
        '{picked}; when they answer, say back the part that matters to them ("So ...") before '
        "your next question.",
        "{picked}; when they answer, sum it up in a sentence of your own before asking more.",
        '{picked}; when they answer, name what you heard ("Sounds like ...") and then go one '
        "level deeper.",
        "{picked}; listen for the feeling in their answer and name it before you ask again.",
    )
    return turn.pick(frames, "follow").format(picked=picked)


# What a stock agreement says ("Exactly that, honestly.", "Right, yes."), stemmed.
_AGREES = frozenset(
    content_stems("exactly right true totally absolutely sure definitely yes yeah correct honestly")
)


def _built_on(turn: _Turn, move: Move, min_shared: int = 1) -> tuple[str, bool] | None:
    """(the partner's words the user's turn built on, whether it named how hard it is), or
    None when the turn shares no content with anything they said (`min_shared` words of it,
    or a hard part named). Only the move's evidence counts: a greeting's "Hi Priya" built on
    nothing."""
    text = turn.evidence.get(move) or turn.message
    ours = prefixes_of(text)
    feeling = _FEELING_WORDS.search(text) is not None
    best: tuple[float, str, bool] | None = None
    lines = turn.ctx.persona_lines[-3:]
    for age, line in enumerate(reversed(lines)):
        for sentence in split_light(line):
            if _questions_in(sentence) or NOT_A_DETAIL.search(sentence):
                continue
            for clause in clauses(sentence):
                if NOT_A_DETAIL.search(clause) or len(clause.split()) < 2:
                    continue
                if content_stems(clause) <= _AGREES:
                    # "Exactly that, honestly." agrees; it is nothing of theirs to have said back
                    # (live, session 23: 'You put "Exactly that" into your own words').
                    continue
                shared = len(ours & prefixes_of(clause))
                hard = (
                    feeling
                    and age == 0
                    and (_HARD_PART.search(clause) is not None or HEAVY.search(clause) is not None)
                )
                if age and shared < 2:
                    continue  # one shared word with an older line is chance ("lost", "lose it")
                if shared < min_shared and not hard:
                    continue
                score = shared * 2.0 + (1.5 if hard else 0.0) - age * 0.5
                said = clause if len(clause.split()) <= MAX_BUILT_ON_WORDS else quote(clause)
                if (shared or hard) and (best is None or score > best[0]):
                    best = (score, said, hard and not shared)
    return (best[1], best[2]) if best else None


def _answered_them(turn: _Turn) -> bool:
    """The user answered the partner's question (or request) before asking their own."""
    asked = turn.partner_question
    if not asked:
        return False
    return Move.SELF_DISCLOSURE in turn.moves or (
        not _only_questions(turn.message) and answers(turn.message, asked)
    )


def _new_topic(turn: _Turn) -> str:
    if _answered_them(turn):
        # "Ha, this is only my second, so you're winning by default. How long have you been
        # at the booth?" answered their question and asked back: the model turn. So did "Yes,
        # busy but good. How's the fair been for you?", which tells little enough of the user
        # that the analyzer may not call it self-disclosure.
        return _answered(turn)
    # "No laptop, I like that. What pulled you from finance into climate?" took up their line
    # before asking: no "that was the thread to pull" about the flat white beside it, whether
    # or not the analyzer named the move (a statement in their words took it up).
    heard = bool(turn.moves & {Move.ACKNOWLEDGEMENT, Move.REFLECTION}) or any(
        content_stems(s) & turn.ctx.partner_stems
        for s in split_light(turn.message)
        if not s.rstrip(" \"'”’").endswith("?")
    )
    if turn.hook and turn.ctx.partner_content and not heard:
        frames: tuple[str, ...] = (
            "{said}; start there before opening a new topic: {ask}.",
            "A fair question, but {said_lower}, and that was the thread to pull: {ask}.",
        )
        said = _said(turn)
        return turn.pick(frames, "new").format(
            said=said, said_lower=said[0].lower() + said[1:], ask=_ask(turn)
        )
    asked = _clip(turn.evidence.get(Move.NEW_TOPIC_QUESTION, turn.message), QUOTE_QUESTION_CHARS)
    if "?" not in asked:  # no question to wait on an answer to
        return _default(turn)
    frames = (
        'When they answer "{a}", pick one detail from the answer and ask about it.',
        'After "{a}", listen for one concrete detail and make your next question about it.',
        'Let them answer "{a}" fully, then build your next question on what they said.',
    )
    return turn.pick(frames, "new").format(a=asked)


def _acknowledgement(turn: _Turn) -> str | None:
    if turn.moves & QUESTION_MOVES:
        return None  # "Fair enough. What does ... spend the week on?" asked already: its tip
    frames: tuple[str, ...] = (
        "{said}; after recognising it, add a question so they can say more: {ask}.",
        "Follow that recognition with a question; {said_lower}, so {ask}.",
        "{said}, and you noticed; now invite the story behind it: {ask}.",
    )
    said = _said(turn)
    return turn.pick(frames, "ack").format(
        said=said, said_lower=said[0].lower() + said[1:], ask=_ask(turn)
    )


def _answered(turn: _Turn) -> str:
    asked = turn.partner_question
    if turn.moves & QUESTION_MOVES:
        # They already handed the floor back: the next move is in how they listen.
        own = [s for s in split_light(turn.message) if s.rstrip(" \"'”’").endswith("?")]
        more = cues.MORE_REQUEST.search(turn.message)
        if not own and more is not None:  # "I'm mostly curious how you ended up in data"
            own = [more.group(0).strip()]
        if own:
            quoted: tuple[str, ...] = (
                'You answered and asked back, the model turn; when they answer "{q}", pick up '
                "one detail of it and ask about that.",
                'Answering first and then asking back ("{q}") was right; when they reply, say '
                "back one thing they told you before your next question.",
            )
            return turn.pick(quoted, "answer").format(q=_clip(own[-1], QUOTE_QUESTION_CHARS))
        back: tuple[str, ...] = (
            "You answered and asked back, the model turn; when they answer, pick up one detail "
            "of it and ask about that.",
            "Answering first and then asking back was right; when they reply, say back one thing "
            "they told you before your next question.",
        )
        return turn.pick(back, "answer")
    answered = asked and turn.ctx.asked_about_user
    lead = f'You answered "{asked}"' if answered else "You shared something of yours"
    frames: tuple[str, ...] = (
        "{lead}; next, hand them the floor with a question of your own: {ask}.",
        "{lead}; now turn it to them: {ask}.",
    )
    return turn.pick(frames, "answer").format(lead=lead, ask=_ask(turn))


def _mirror(turn: _Turn) -> str:
    if turn.question is None and turn.ctx.asked_about_user and not _only_questions(turn.message):
        # "Data engineering, for a logistics startup. What about you?": answered, then asked back
        return _answered(turn)
    if turn.question is None:
        asked = turn.partner_question
        what = f'"{asked}"' if asked else "their question"
        return (
            f"Handing {what} straight back says little; answer it with one real detail first, "
            "then ask them."
        )
    frames: tuple[str, ...] = (
        "Instead of only handing their question back, ask about what they said: {ask}.",
        '"And you?" hands the floor back; a question about them does more: {ask}.',
    )
    return turn.pick(frames, "mirror").format(ask=_ask(turn))


def _hollow(turn: _Turn) -> str:
    """They had already answered what the user asked: name what they said, and ask what it
    opens rather than for it again."""
    said = _LEAD_WORD.sub("", (turn.already_said or "").strip()).rstrip(" .!")
    quote = _clip(said, QUOTE_QUESTION_CHARS)
    if turn.question:
        frames: tuple[str, ...] = (
            'They already told you "{q}"; say that back to show you heard it, then {ask}.',
            'Asking that again suggests you missed "{q}"; name it instead, then {ask}.',
        )
        return turn.pick(frames, "hollow").format(q=quote, ask=_ask(turn))
    frames = (
        'They already told you "{q}"; say that back ("So ...") and ask about something it opens, '
        "not for it again.",
        'Asking that again suggests you missed "{q}"; name it, then ask one thing it makes you '
        "curious about.",
    )
    return turn.pick(frames, "hollow").format(q=quote)


def _asks_back(turn: _Turn) -> bool:
    """A question of the user's own: not "My team?", their question said back."""
    return any(
        "?" in s and not repeats_their_question(s, turn.ctx) for s in sentences(turn.message)
    )


def _default(turn: _Turn) -> str:
    asked = turn.partner_question
    if asked and turn.ctx.asked_about_user and _only_questions(turn.message):
        then = f'then ask "{turn.question}"' if turn.question else "then ask one thing about them"
        frames: tuple[str, ...] = (
            'They asked "{pq}": answer it in a sentence with one real detail, {then}.',
            'Start by answering "{pq}" plainly, {then}.',
        )
        return turn.pick(frames, "default").format(pq=asked, then=then)
    if asked and turn.ctx.asked_about_user and _asks_back(turn):
        # "Three, and somehow still asleep. What did you make of the keynote?": answered, then
        # asked back; what is left is to listen to the answer.
        frames = (
            'You answered "{pq}" and asked back; when they reply, pick up one detail of theirs '
            "and ask about it.",
            'Answering "{pq}" before asking was right; next, build on what they say rather than '
            "moving on.",
        )
        return turn.pick(frames, "default").format(pq=asked)
    waiting = turn.waiting_question
    if waiting:
        # "oh wow, a platform engineer counting platform lanyards. how thrilling." to "Who do
        # you work with, day to day?": their question is the moment, not their joke.
        frames = (
            'Their question "{pq}" is still waiting; answer it with one real detail, then ask '
            "one thing about them.",
            'They asked you "{pq}": give a sincere one-sentence answer before anything else.',
        )
        return turn.pick(frames, "default").format(pq=waiting)
    topical = None if turn.question else _sincere(turn)
    if topical:  # "hope the pager pays the rent": the thing they brought up, asked about
        return (
            turn.pick(
                ('Make the next line about them: ask "{q}"', 'Turn it to them: ask "{q}"'),
                "default",
            ).format(q=topical)
            + "."
        )
    said = _said(turn) if turn.hook else None
    if said:
        frames = ("{said}; turn the attention to them: {ask}.", "{said}: pick that up and {ask}.")
        return turn.pick(frames, "default").format(said=said, ask=_ask(turn))
    return turn.pick(
        ("Turn the attention to them: {ask}.", "Make the next line about them: {ask}."),
        "default",
    ).format(ask=_ask(turn))


# The worst thing the turn did decides the tip; the order is the coach's.
_BY_MOVE: tuple[tuple[Move, Callable[[_Turn], str | None]], ...] = (
    (Move.PITCH, _pitch),
    (Move.DISMISSIVE, _dismissive),
    (Move.TOPIC_HIJACK, _hijack),
    (Move.SELF_FOCUS, _self_focus),
    (Move.MINIMAL, _minimal),
    (Move.REFLECTION, _reflection),
    (Move.FOLLOW_UP_QUESTION, _follow_up),
    (Move.ACKNOWLEDGEMENT, _acknowledgement),
    (Move.NEW_TOPIC_QUESTION, _new_topic),
)


def says_goodbye(line: str) -> bool:
    """Does `line` end on a goodbye ("I should let you get back to the booth. Thanks for the
    intro.")? Either side's: the persona's engine asks it of the user's message too. "Nice to
    meet you!" greets, whatever follows it."""
    ending = " ".join(sentences(line)[-2:])
    found = [m.group(0) for m in WRAPPING_UP.finditer(ending)]
    return _leaving(line) and not all(_GREETING.fullmatch(f) for f in found)


def _partner_leaving(partner: str) -> bool:
    """`_leaving`, unless their last sentence asks the user to tell them something: "The best
    way in is the careers page, honestly. But tell me something that isn't on your resume."
    turned the brush-off into a question, and the talk goes on (live, session 25)."""
    last = sentences(partner)[-1:]
    if last and not WRAPPING_UP.search(last[0]) and _TELL_ME.search(last[0]):
        return False
    return _leaving(partner)


def _leaving(partner: str) -> bool:
    """Is the partner saying goodbye? Only where the line ends: "Oh hi, thanks for coming over.
    Honestly, I fell into it..." opens a conversation with the same words that close one."""
    said = sentences(partner)
    ending = " ".join(said[-2:])
    found = [m.group(0) for m in WRAPPING_UP.finditer(ending)]
    if not found or ASK_ME.search(partner):
        return False
    # "Good to meet you. What's your job like?" greets: "to meet you" followed by a question of
    # theirs opens a conversation ("nice meeting you" is the one that closes it).
    greets = all(_GREETING.fullmatch(f) for f in found)
    return not (greets and said and said[-1].rstrip().endswith("?"))


def arranges_follow_through(question: str) -> bool:
    """Does the question only settle what happens next ("What's the best way to follow up with
    you?")? A yes to a favour answers it; the persona's engine asks it of a question beside one."""
    return _ARRANGES.search(question) is not None


def _thanked_for_favour(turn: _Turn) -> str | None:
    """They promised the favour and the user thanked them, asking nothing more: the moment is
    the follow-through, not another question ("When did you first get hooked on it?")."""
    message = turn.message
    if not THANKS.search(message):
        return None
    asked = _questions_in(message)
    if asked and not all(arranges_follow_through(q) for q in asked):
        return None
    if not _GRANTED.search(turn.ctx.partner_last or ""):
        # Promised a few lines back, and now only how to follow up is asked ("thank you for
        # being so honest with me. What's the best way to follow up about Marcus next week?").
        earlier = any(_GRANTED.search(line) for line in turn.ctx.persona_lines[-8:-1])
        if not (asked and earlier):
            return None
    if asked:
        return turn.pick(
            (
                "A good close: thanks, and a question that settles the follow-through; when "
                "they answer, say it back (who writes to whom, and when) and end there.",
                "Thanks and a next step is how to close; once they say how, confirm it in a "
                "sentence and keep it within a day.",
            ),
            "granted",
        )
    step = _OWN_STEP.search(message)
    if step:
        frames: tuple[str, ...] = (
            "You thanked them and named your next step; end warmly there, and do what you said "
            '("{step}") before the day is out.',
            'A good close: thanks and a next step. Now keep it: "{step}" within a day, while '
            "they still remember the conversation.",
        )
        return turn.pick(frames, "granted").format(step=step.group(0).strip())
    return turn.pick(
        (
            "You thanked them; end warmly there, and follow up in writing within a day so the "
            "favour doesn't go cold.",
            "Thanks was the right answer; close here, and send a short note today that says "
            "what you took from the conversation.",
        ),
        "granted",
    )


def _own_goodbye(turn: _Turn) -> str | None:
    """The user is the one saying goodbye, asking nothing ("I should let you get back to the
    booth. Thanks for the intro, I'll look out for your email."): the tip is about the close,
    never another question about what they said last."""
    if not _leaving(turn.message) or _questions_in(turn.message) or Move.PITCH in turn.moves:
        return None
    if turn.heavy:
        return None  # leaving right after bad news: meeting the news comes first (_bad_news)
    kept = _remembered(turn)
    remember = f' ("{kept}")' if kept else ""
    step = _OWN_STEP.search(turn.message)
    if step:
        frames: tuple[str, ...] = (
            'A warm goodbye with the next step named ("{step}"); if nothing has come in a '
            "couple of days, send a short note that mentions one thing they told you{rem}.",
            "Good close: you named what happens next. Your follow-up note will land better if "
            "it mentions one thing they told you{rem}.",
        )
        return turn.pick(frames, "bye", once=True).format(step=step.group(0).strip(), rem=remember)
    frames = (
        "A warm goodbye; make it stick by naming one thing you'll remember{rem} and the next "
        "step, who writes to whom.",
        "Closing is right here; before you go, say one thing you took from them{rem} and "
        "agree how you'll stay in touch.",
    )
    return turn.pick(frames, "bye", once=True).format(rem=remember)


def _special(turn: _Turn) -> str | None:
    """Moments that decide the tip whatever the moves: the software addressed, a goodbye, a
    question of theirs left unanswered, bad news."""
    if is_meta(turn.message):
        return _meta(turn)
    closing_ask = _closing_ask(turn)
    if closing_ask:
        return closing_ask
    if _partner_leaving(turn.ctx.partner_last):
        return _closing(turn)
    own = _own_goodbye(turn)
    if own:
        return own
    thanked = _thanked_for_favour(turn)
    if thanked:
        return thanked
    dodge = _dodge(turn)
    if dodge:
        return dodge
    if turn.heavy and not turn.moves & {Move.PITCH}:
        return _bad_news(turn)
    return None


def tip_for(
    message: str,
    moves: Sequence[Move],
    ctx: Context,
    evidence: Mapping[Move, str] | None = None,
    *,
    suggestion: str | None = None,
    already_said: str | None = None,
) -> str:
    """One sentence the user can act on in their next turn. `already_said`: the partner's
    sentence that already answers the question the user asked (a hollow question)."""
    turn = _Turn(message, frozenset(moves), ctx, evidence or {}, suggestion, already_said)
    if not ctx.has_partner:
        return _opener(turn)
    special = _special(turn)
    if special:
        return special
    if turn.already_said and not turn.moves & NEGATIVE_MOVES:
        return _hollow(turn)
    for move, tip in _BY_MOVE:
        if move in turn.moves:
            said = tip(turn)
            if said:
                return said
    if Move.MIRROR_QUESTION in turn.moves and Move.SELF_DISCLOSURE not in turn.moves:
        return _mirror(turn)
    if Move.SELF_DISCLOSURE in turn.moves or Move.MIRROR_QUESTION in turn.moves:
        return _answered(turn)
    return _default(turn)
