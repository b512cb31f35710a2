"""The per-turn analyzer: which moves a user's message makes, given what the partner said.

Pure and deterministic. Rules first (they explain themselves with the user's own words); the
context decides between look-alikes: a question is a follow-up when it builds on the partner's
line, a hijack when it steps over the partner's own question, and a referral ask is a pitch
early and fine late in a warm conversation. A small learned model (acts.py) adds the
reflections that carry no cue. The label guide, docs/labelling.md, defines every move.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from app.feedback import answered, cross, cues, learned, stack
from app.feedback.acts import act_probabilities
from app.feedback.callbacks import never_said
from app.feedback.context import Context, build_context, repeats_their_question
from app.feedback.features import extract
from app.feedback.meta import is_meta
from app.feedback.scoring import genuine_interest, score
from app.feedback.text import (
    content_stems,
    derived,
    lead_stripped,
    sentences,
    words,
    wordset,
)
from app.feedback.tips import THANKS, answers, says_goodbye, tip_for
from app.feedback.types import (
    NEGATIVE_MOVES,
    POSITIVE_MOVES,
    QUESTION_MOVES,
    Evidence,
    Feedback,
    Move,
    Utterance,
)

# Huang et al.'s rule: a question followed by more than 40 characters is rhetorical.
RHETORICAL_TAIL = 40
# Gong: the best calls avoid monologues; 40 words is about 15 seconds of speech.
MONOLOGUE_WORDS = 40
SELF_FOCUS_MIN_WORDS = 8
UNASKED_STORY_WORDS = 15  # unasked, this much about oneself takes the topic over
# Shorter answers ("I'm good", "I missed it") are not coded. Spoken words: "I've" is two.
DISCLOSURE_MIN_WORDS = 7
# Promises and politeness about the next minute are not about oneself: "I'll keep it short".
PROMISE = wordset("i'll we'll")
CONTRACTION = re.compile(r"(?:n't|'ve|'m|'re|'ll|'d)$")
INTERROGATIVE_WINDOW = 2  # a wh-word or auxiliary this early makes a real question

# Subject and possessive forms: "tell me more" is not talk about oneself.
FIRST_PERSON = wordset("i i'm i've i'd i'll my mine myself we we're we've our ours")
SELF_REFERENCE = FIRST_PERSON | wordset("me us myself")
SECOND_PERSON = wordset("you you're you've you'd you'll your yours yourself")
# Words that point back at something the partner said; "this"/"that" only as pronouns
# ("how did that start?"), not as determiners ("this afternoon").
ANAPHORA = re.compile(
    r"\b[Ii]t\b|(?i:\b(?:she|he|they|them|her|his|him|those|these)\b|"
    r"(?<!is )(?<!are )(?<!was )(?<!were )\bthere\b(?!\s+(?:is|are|was|were)\b|'s)|"
    r"\b(?:that|this)\b"
    r"(?=\s*(?:[?,.!']|$|(?:is|was|must|sounds|has|had|would|will|happen\w*|start\w*|come|"
    r"came|work\w*|feel|felt|go|went|like|mean|meant|way|change\w*|end\w*)\b)))",
)  # "IT budget" is no pronoun, hence case-sensitive "it"
ECHO_MAX_WORDS = 3  # "Eight?", "Lisbon, really?": echoing their word asks for more
REFLECTION_MIN_OVERLAP = 2
INTERROGATIVES = wordset(
    """what why how when where which who whom whose do does did is are was were have has had
    can could would will should shall may might isn't aren't don't doesn't didn't haven't
    hasn't won't wouldn't couldn't any"""
)
BACK_REFERENCE = re.compile(r"\byou (?:mentioned|said|told|were saying|talked about)\b", re.I)
# Claims that make a description of one's product a pitch even when the partner asked for it.
HARD_SELL = re.compile(
    r"\b(?:number one|#1|leading|guaranteed|roi|trusted by|fastest|cheapest|best value)\b|"
    r"\d+\s?%|\bpercent\b",
    re.IGNORECASE,
)
NEGATIVE_EVIDENCE = (Move.PITCH, Move.DISMISSIVE, Move.TOPIC_HIJACK)
BLOCKS_LEARNED = (
    Move.PITCH,
    Move.DISMISSIVE,
    Move.TOPIC_HIJACK,
    Move.SELF_FOCUS,
    Move.MIRROR_QUESTION,
)
# The act model's reflection probability above which a cue-less restatement is a reflection;
# chosen on AnnoMI even transcripts and the dev split.
LEARNED_REFLECTION_MIN = 0.5
# "it was awful" about one's own story is not a verdict on the partner's world.
SELF_SUBJECTS = wordset("it i which life mine day week year morning what who")
POINTING = wordset("that this there those these")
APOLOGY = re.compile(r"(?i)(?:sorry|my bad|oops|apologies|i apologi[sz]e)\b")
# Dismissive cues that a reflection may carry as the partner's own words ("nobody notices it").
RESTATABLE = re.compile(r"(?i)(?:nobody|no one|everyone|everybody)\b")
# Acknowledgement cues that start at the verb ("...is no joke", "...takes courage") judge
# whatever the subject is: the partner's life, or the user's own.
VERDICT_VERBS = wordset("is are was were takes took shows showed showing can't cannot couldn't")


@dataclass(slots=True)
class _Found:
    """Moves found so far, each with the first words that earned it."""

    evidence: dict[Move, str] = field(default_factory=dict)
    already_said: str | None = None  # what the partner said that answers the question asked

    def add(self, move: Move, text: str) -> None:
        text = text.strip().lstrip("!.,;:?)]}-–— ").strip()  # a quote starts at a word
        if text and move not in self.evidence:
            self.evidence[move] = text
        elif text and move in QUESTION_MOVES and _asks_more(self.evidence[move], text):
            # "A talk, really? ... What kind of talk goes down well at your meetup?": the
            # question that asks is the one to quote, not the echo before it; nor "help me
            # understand it" when "What should I look for when I'm there?" follows.
            self.evidence[move] = text

    def covers(self, sentence: str, moves: Sequence[Move] | None = None) -> bool:
        """Is this sentence already the evidence of another move?"""
        for move, text in self.evidence.items():
            if moves is not None and move not in moves:
                continue
            if text in sentence or sentence.strip() in text:
                return True
        return False

    def any(self, *moves: Move) -> bool:
        return any(m in self.evidence for m in moves)

    def __contains__(self, move: Move) -> bool:
        return move in self.evidence


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().rstrip("\"')”’ ").endswith("?")


def _rhetorical(message: str) -> bool:
    last = message.rfind("?")
    return last >= 0 and len(message[last + 1 :].strip()) > RHETORICAL_TAIL


def _asks_for_more_after(message: str) -> bool:
    """The words after the last question mark ask for more without one: "Could I email you
    sometime? I'd love to hear how the plow priority held up this winter." The tail makes the
    question before it rhetorical by the guide's rule, and is itself the follow-up writers label
    it (every such closing ask of the dev batches w39-w48)."""
    return cues.MORE_REQUEST.search(message[message.rfind("?") + 1 :]) is not None


def _interrogative(core: str) -> bool:
    tokens = words(core)
    if tokens and tokens[0] == "so":
        tokens = tokens[1:]
    # "what's" -> "what": the clitic does not change the question word
    if INTERROGATIVES & {t.split("'")[0] for t in tokens[:INTERROGATIVE_WINDOW]}:
        return True
    return cues.EMBEDDED_QUESTION.search(core) is not None  # "Twenty a week, how do you...?"


def _asks_more(quoted: str, other: str) -> bool:
    """Is `other` the better quote for a question move: a question of substance after a short
    echo, or a question after words that only ask for more without asking anything?"""
    return _echo_only(quoted, other) or (not _is_question(quoted) and _is_question(other))


def _echo_only(quoted: str, other: str) -> bool:
    """Is `quoted` a short echo ("A talk, really?") and `other` a question of substance?"""
    return len(words(quoted)) <= ECHO_MAX_WORDS < len(words(other))


def statement_with_question_mark(sentence: str) -> bool:
    """ "So you're drinking a lot?": a question mark on a sentence without question form."""
    return _is_question(sentence) and not _interrogative(lead_stripped(sentence))


def _untyped_question(sentence: str, message: str) -> bool:
    """Chat users often drop the question mark: "what got you into design"."""
    if "?" in message:
        return False
    sentence = lead_stripped(sentence)
    starts = cues.QUESTION_START.match(sentence) is not None
    # "Does he drive long distances-": a spoken question cut off before its question mark
    cut_off = sentence.rstrip().endswith(("-", "—", "–"))
    return (starts and (cut_off or bool(SECOND_PERSON & set(words(sentence))))) or (
        cues.EMBEDDED_QUESTION.search(sentence) is not None
    )


def _links_to_partner(
    sentence: str, ctx: Context, *, recent: bool = False, lexical: bool = False
) -> bool:
    """Does this sentence build on what the partner said (words, names, or pointing back)?"""
    if not ctx.has_partner:
        return False
    stems = content_stems(sentence)
    target = ctx.recent_stems if recent else ctx.partner_stems
    if stems & target or derived(stems, target):
        return True
    if set(words(sentence)) & ctx.partner_entities:
        return True
    if BACK_REFERENCE.search(sentence) and stems & (ctx.earlier_stems | ctx.partner_stems):
        return True
    # In the user's own statements "there" and "it" point at their own story.
    return not lexical and ctx.partner_content and ANAPHORA.search(sentence) is not None


def _echo(sentence: str, ctx: Context) -> bool:
    tokens = words(sentence)
    return 0 < len(tokens) <= ECHO_MAX_WORDS and bool(set(tokens) & set(words(ctx.partner_last)))


def _interjection(sentence: str, ctx: Context) -> bool:
    tokens = words(sentence)
    return len(tokens) == 1 and tokens[0] not in INTERROGATIVES and not _echo(sentence, ctx)


@lru_cache(maxsize=4096)
def _pitchy(sentence: str) -> bool:
    return any(
        rx.search(sentence)
        for rx in (cues.PRODUCT_PITCH, cues.ASK, cues.SELF_PITCH, cues.JOB_SEEKING)
    )


class Analyzer:
    """Stateless; a class so callers can hold one and tests can build their own."""

    def analyze(
        self, message: str, history: Sequence[Utterance] = (), *, suggestion: str | None = None
    ) -> Feedback:
        found, ctx = rule_pass(message, history)
        mover = learned.model()
        if mover is None or not sentences(message):
            return _finish(message, found, ctx, suggestion)
        rule_moves = [m for m in Move if m in found]
        features = extract(message, ctx, rule_moves)
        probs = mover.probabilities(features)
        limits = None
        second, both = stack.model(), cross.model()
        if second is not None:  # the trees over the linear model's log-odds
            probs = second.probabilities(probs, features.dense)
            limits = second.threshold_row(mover.moves)
        if both is None:
            on = mover.decide(probs, limits)
        else:  # the fine-tuned cross-encoder, blended over the above
            shipped = mover.decide(probs, limits)
            mine = both.own(message, history)
            sure = {m for m in shipped if probs[m] >= SURE}
            if Move.PITCH in sure and Move.PITCH not in found and _reads_as_interest(mine):
                sure = sure - {Move.PITCH}
            blended = both.blend({m.value: p for m, p in probs.items()}, mine)
            probs = {Move(m): p for m, p in blended.items()}
            on = mover.decide(probs, both.threshold_row([m.value for m in mover.moves]))
            cued = {m for m in shipped if m in found}
            on = _backed(on, shipped, cued | sure, cued)
        decided = _decided(message, on, probs, found, ctx)
        return _finish(message, decided, ctx, suggestion)


# The model without the cross-encoder is this sure of a move: the blend does not overrule it.
SURE = 0.85
# ...unless that move is a pitch no cue named and the cross-encoder, which reads the
# conversation, finds no pitch and genuine interest: "Third this spring, that's a lot of tote
# bags. What keeps you coming back to these, when so much hiring happens online now?" to a
# recruiter was a sure pitch (0.97) to a model reading 'hiring' as the user's agenda.
CROSS_NO_PITCH = 0.2
CROSS_INTEREST = 0.6


def _reads_as_interest(cross_probs: dict[str, float]) -> bool:
    return (
        cross_probs["pitch"] < CROSS_NO_PITCH and cross_probs["genuine_interest"] >= CROSS_INTEREST
    )


def _backed(on: set[Move], shipped: set[Move], backed: set[Move], cued: set[Move]) -> set[Move]:
    """The blended decision, kept from overruling the model without the cross-encoder where
    that model is backed: by an exact cue that named the move, or by its own certainty. The
    cross-encoder reads the words, not the cues or the conversation's signals ("how thrilling"
    mock praise, "Does Tuesday work for a demo?" in the first minute, small talk over a parent
    in hospital). A blend that finds no move at all leaves the decision to that model.

    `cued`, the listening moves both that model and an exact cue found ("That's tough, it
    sounds like you're carrying the whole team": the acknowledgement beside the reflection),
    are kept too where nothing the blend decided excludes them."""
    if not on:
        return set(shipped)
    backed = (backed & NEGATIVE_MOVES) - on
    for first, second in learned.EXCLUSIVE:  # as the decoder has it: the backed move stands
        if backed & first:
            on = on - second
        elif backed & second:
            on = on - first
    on = on | backed
    for move in (cued & POSITIVE_MOVES) - on:
        if not any(
            (move in first and on & second) or (move in second and on & first)
            for first, second in learned.EXCLUSIVE
        ):
            on = on | {move}
    return on


def rule_pass(message: str, history: Sequence[Utterance] = ()) -> tuple[_Found, Context]:
    """The rules alone: exact cues with their evidence, and the context they read."""
    ctx = build_context(history)
    found = _Found()
    sents = sentences(message)
    if not sents:
        return found, ctx
    _rules(message, sents, ctx, found)
    return found, ctx


def _rules(message: str, sents: tuple[str, ...], ctx: Context, found: _Found) -> None:
    _pitches(message, ctx, found)
    _steering(message, found, ctx)
    _acknowledgement(message, ctx, found)
    _statements(sents, ctx, found)
    _questions(message, sents, ctx, found)
    _self_talk(message, sents, ctx, found)
    _learned_reflection(message, sents, ctx, found)
    _minimal(message, found)


# Where a move the model found but the rules did not is most likely voiced.
ASKING = frozenset(
    {Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION, Move.MIRROR_QUESTION, Move.TOPIC_HIJACK}
)
TELLING = frozenset({Move.SELF_DISCLOSURE, Move.SELF_FOCUS})


def _decided(
    message: str, moves: set[Move], probs: dict[Move, float], rules: _Found, ctx: Context
) -> _Found:
    """The model's moves, bounded by the exact rules, each with the rules' evidence where they
    agree, else the likeliest sentence."""
    moves = _exact_rules(message, moves, ctx)
    if not moves and Move.MINIMAL in rules:
        moves = {Move.MINIMAL}  # three words or fewer, or only backchannel: a count, not a guess
    if Move.PITCH in rules and _cold(ctx) and Move.PITCH not in moves:
        # A job or sales ask, or selling oneself, before the user has shown any interest is a
        # pitch by the guide's definition; the model, trained mostly on late asks, can miss it.
        moves = (moves - POSITIVE_MOVES) | {Move.PITCH}
    if any(cues.SNEER.search(s) for s in sentences(message)):
        # "Wow, p99 jokes. Riveting stuff. So what do you even do, babysit servers?": the
        # question asks, and the sneer around it decides (the models read interest, 85).
        moves = (moves - POSITIVE_MOVES) | {Move.DISMISSIVE}
    if _asked_when_invited(message, moves, rules, ctx):
        # "What did you want to talk about?" hands over the floor: "How do your warehouses run
        # at night?" answers it and steps over nothing. Both models called it a dodge (0.88,
        # 0.68; live, session 25), reading any question after theirs as one.
        moves = (moves - {Move.TOPIC_HIJACK}) | {m for m in QUESTION_MOVES if m in rules}
    asked = [s for s in sentences(message) if _is_question(s)]
    if asked and all(repeats_their_question(s, ctx) for s in asked):
        # "My team? Six of us, mostly backend." answers "What's your team like?": the only
        # question mark is theirs said back, which the models read as a question of the user's.
        moves = moves - ((QUESTION_MOVES | {Move.TOPIC_HIJACK}) - set(rules.evidence))
    if Move.MIRROR_QUESTION in rules and not is_meta(message):
        moves.add(Move.MIRROR_QUESTION)  # "and you?" is a closed form: the cue is exact
    if _answered_then_asked(message, moves, rules, ctx):
        # Their question answered, then one about them: the guide's model turn ("interesting
        # and interested"). The model, which saw few of them, can read only the answer.
        moves |= {m for m in (Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION) if m in rules}
    claimed = never_said(message, ctx)
    if claimed is not None:
        # "You mentioned your sister's bakery" to someone who never spoke of a sister: the
        # words of a callback about someone else's story, stepping over what they did say.
        moves = (moves - POSITIVE_MOVES) | {Move.TOPIC_HIJACK}
        rules.evidence.setdefault(Move.TOPIC_HIJACK, claimed)
    said = _already_said(message, moves, ctx)
    if said is not None:
        # "How long have you been there?" to "Eleven years at Siemens this month", or "Where
        # are you based?" four lines after "I moved to Bristol": a question they have already
        # answered asks nothing new and shows it was not heard. Both models call it a follow-up:
        # it is on their subject, often in their words (dev w46-w48: 35 of 40 such turns).
        moves = moves - QUESTION_MOVES
    decided = _Found(already_said=said)
    for move in sorted(moves, key=lambda m: -probs[m]):
        decided.add(move, rules.evidence.get(move) or _span_for(move, message))
    return decided


def _already_said(message: str, moves: set[Move], ctx: Context) -> str | None:
    """The partner's line that already answers the user's question, when the question is all
    the interest the turn shows: every question in it asks for something that line says. A
    restatement with a question mark ("Eleven years?") checks what was heard and is not asked
    here; nor is a turn that also reflects or acknowledges, or one with no question move."""
    if not moves & QUESTION_MOVES or moves & (POSITIVE_MOVES - QUESTION_MOVES):
        return None
    model = answered.model()
    if model is None or not ctx.persona_lines or is_meta(message):
        return None
    asked = [
        s
        for s in sentences(message)
        if _is_question(s) and (not statement_with_question_mark(s) or answered.asks_a_kind(s))
    ]
    if not asked and "?" not in message and _untyped_question(message, message):
        asked = [message]  # "what got you into design": no question mark
    if not asked or cues.MORE_REQUEST.search(message):
        return None
    said = [model.said(q, ctx.persona_lines) for q in asked]
    if any(s is None for s in said):
        return None
    return max((s for s in said if s is not None), key=lambda s: s.probability).sentence


def _asked_when_invited(message: str, moves: set[Move], rules: _Found, ctx: Context) -> bool:
    """The partner handed over the floor ("what would you like to know?") and the user asked
    about them: the rules found the question and no hijack of their own (no job terms, no
    sales qualification), but the models call it one."""
    return (
        ctx.invites_questions
        and not is_meta(message)  # "What did you want to ask?" "What are your instructions?"
        and Move.TOPIC_HIJACK in moves
        and Move.TOPIC_HIJACK not in rules
        and rules.any(Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION)
    )


def _exact_rules(message: str, moves: set[Move], ctx: Context) -> set[Move]:
    """The label guide's rules that are definitions, not judgements, hold whatever the model says:
    a meta or injection turn earns nothing; over 40 characters after the last question mark make
    its questions rhetorical; an ask late in a warm conversation is no pitch by itself."""
    if is_meta(message):
        return {m for m in moves if m not in POSITIVE_MOVES} or {Move.TOPIC_HIJACK}
    if _rhetorical(message) and not _asks_for_more_after(message):
        moves = moves - QUESTION_MOVES
    if _polite_closing(message):
        # "Thanks Priya, this was the best conversation of my day, I'll look out for your note
        # to Marcus." asks nothing: a polite closing carries no move (the guide), the models'
        # follow_up_question (85, live in session 21) least of all.
        moves = moves - QUESTION_MOVES
    if Move.PITCH in moves and ctx.warm and _only_an_ask(message):
        moves = moves - {Move.PITCH}
    if Move.PITCH in moves and _only_joining(message):
        moves = moves - {Move.PITCH}
    if Move.TOPIC_HIJACK in moves and _short_answer(message, ctx):
        # "first" to "Have you done many of these fairs, or is this a first?" stays on their
        # subject: a one-word answer gives little, it changes nothing.
        moves = (moves - {Move.TOPIC_HIJACK}) | {Move.MINIMAL}
    return moves


TELL_ME = re.compile(r"(?i)\btell me\b")
# Asking leave to ask: the question that follows is the one asked.
PERMISSION = re.compile(
    r"(?i)^\W*(?:so,? |ok(?:ay)?,? )?(?:(?:can|could|may) i ask|(?:do you )?mind if i ask)"
    r"(?: you)?(?: (?:something|a question|one thing|a personal one|about you(?:rself)?|about that)"
    r")?(?:,? (?:though|too|then|now))?\s*\?\s*$"
)


def _polite_closing(message: str) -> bool:
    """Thanks and a goodbye, and no question or request for more."""
    return (
        "?" not in message
        and THANKS.search(message) is not None
        and says_goodbye(message)
        and TELL_ME.search(message) is None
    )


def _short_answer(message: str, ctx: Context) -> bool:
    """A reply of a few words, asking nothing, that answers the partner's last question."""
    return (
        "?" not in message
        and 0 < len(words(message)) <= ECHO_MAX_WORDS
        and bool(ctx.partner_questions)
        and answers(message, ctx.partner_questions[-1])
    )


# Asking to join a conversation ("mind if I join?") is how one enters a group, not a favour.
JOINING = re.compile(
    r"(?i)\b(?:mind if i (?:join|sit|jump in|tag along)|(?:can|may|could) i "
    r"(?:join|sit with|jump in)|room for one more|(?:ok|okay|alright) if i (?:join|sit|jump in))\b"
)


def _only_joining(message: str) -> bool:
    """The one request in the turn is to join the conversation, and nothing in it sells."""
    return (
        JOINING.search(message) is not None
        and not _pitchy(message)
        and cues.AGENDA.search(message) is None
    )


def _answered_then_asked(message: str, moves: set[Move], rules: _Found, ctx: Context) -> bool:
    """The partner asked about the user, who answered and then asked an open question back, and
    nothing in the turn sells, judges or steps over them."""
    return (
        ctx.asked_about_user
        and not ctx.partner_emotional
        and rules.any(Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION)
        and not moves & (ASKING | NEGATIVE_MOVES)
        and not rules.any(*NEGATIVE_MOVES)
        and not is_meta(message)
        and not _rhetorical(message)
        and _answers_partner(sentences(message), ctx)
    )


def _cold(ctx: Context) -> bool:
    """Nothing the user has said so far showed interest in the partner."""
    return not ctx.warm and ctx.prior_interest_rate == 0


def _only_an_ask(message: str) -> bool:
    """An ask for a card, an intro or a call, with no selling beside it."""
    return (
        cues.ASK.search(message) is not None
        and cues.PRODUCT_PITCH.search(message) is None
        and cues.SELF_PITCH.search(message) is None
        and cues.SELF_SELL_HARD.search(message) is None
        and not HARD_SELL.search(message)
    )


def _span_for(move: Move, message: str) -> str:
    sents = sentences(message) or (message,)
    if move == Move.MINIMAL:
        return message
    asked = [s for s in sents if _is_question(s)]
    told = [s for s in sents if not _is_question(s)]
    if move in ASKING or move == Move.PITCH and asked:
        return (asked or sents)[-1]
    if move in TELLING:
        return max(told or sents, key=lambda s: len(FIRST_PERSON & set(words(s))))
    return (told or sents)[0]


def _pitches(message: str, ctx: Context, found: _Found) -> None:
    product = cues.PRODUCT_PITCH.search(message)
    answering = ctx.asked_about_user and "?" not in message and not HARD_SELL.search(message)
    if product and not answering:
        found.add(Move.PITCH, product.group(0))
    own = cues.SELF_PITCH.search(message)
    if own and not (ctx.asked_about_user or ctx.warm):
        found.add(Move.PITCH, own.group(0))
    brag = cues.SELF_SELL_HARD.search(message)
    if brag and not ctx.warm:
        found.add(Move.PITCH, brag.group(0))  # a sales line about oneself, asked or not
    ask = cues.ASK.search(message)
    if ask and not ctx.warm and not _apologising(message, ask.group(0)):
        found.add(Move.PITCH, ask.group(0))
    seeking = cues.JOB_SEEKING.search(message)
    if seeking and not ctx.warm and not _asked_what_user_seeks(ctx):
        found.add(Move.PITCH, seeking.group(0))  # "I'm looking for a job": asks for one


def _apologising(message: str, text: str) -> bool:
    """Is the ask inside an apology for it ("Sorry, I just launched into my resume there")?"""
    for sent in sentences(message):
        if text in sent:
            return APOLOGY.match(lead_stripped(sent)) is not None
    return False


def _asked_what_user_seeks(ctx: Context) -> bool:
    return any(cues.ASKS_WHAT_USER_SEEKS.search(q) for q in ctx.partner_questions)


def _steering(message: str, found: _Found, ctx: Context) -> None:
    steer = cues.HIJACK.search(message)
    if steer and not (content_stems(steer.group(0)) & ctx.partner_stems):
        found.add(Move.TOPIC_HIJACK, steer.group(0))
    for sent in sentences(message):
        core = lead_stripped(sent)
        if _sympathy(core, ctx):
            continue  # "That's awful" about their stolen laptop sides with them
        voiced = cues.VOICED_JUDGEMENT.search(sent)
        if voiced:  # even voiced as a reflection: "So you couldn't hack it as a teacher?"
            found.add(Move.DISMISSIVE, voiced.group(0))
            return
        sounds = cues.SOUNDS_JUDGEMENT.search(core)
        if sounds and not _troubled(ctx):
            found.add(Move.DISMISSIVE, sounds.group(0))  # "Sounds like overkill for three"
            return
        dismiss = cues.DISMISSIVE.search(sent) or cues.SNEER.search(sent)
        restates = cues.REFLECTION.match(core) or cues.REFLECTION_ANYWHERE.search(core)
        if restates and not cues.NOT_REFLECTION.match(core):
            # "So your team works best when nobody notices it" restates their own words;
            # "So you recruit for a living, that's not hard" still judges
            if not _troubled(ctx):
                judged = (
                    dismiss.group(0)
                    if dismiss and not RESTATABLE.match(dismiss.group(0))
                    else _verdict(sent, ctx)
                )
                if judged:
                    found.add(Move.DISMISSIVE, judged)
                    return
            continue
        if dismiss:
            found.add(Move.DISMISSIVE, dismiss.group(0))
            return
        verdict = _verdict(sent, ctx) or _unasked_advice(core, ctx) or _minimises(core, ctx)
        if verdict:
            found.add(Move.DISMISSIVE, verdict)
            return


def _troubled(ctx: Context) -> bool:
    """Did the partner just tell a trouble of their own (not good news: "I'm proud of...")?"""
    told = " ".join(ctx.partner_statements)
    return any(SELF_REFERENCE & set(words(s)) for s in ctx.partner_statements) and bool(
        cues.TROUBLE.search(told)
    )


def _sympathy(core: str, ctx: Context) -> str | None:
    found = cues.SYMPATHY.search(core)
    return found.group(0) if found and _troubled(ctx) else None


def _minimises(core: str, ctx: Context) -> str | None:
    """Their thing made small: "It's just a phone system", "Your drivers just don't like
    change". Only when what is made small is the partner's own words."""
    if _is_question(core) or FIRST_PERSON & set(words(core)):
        return None
    found = cues.MINIMISER.search(core)
    if found and content_stems(found.group(0)) & ctx.partner_stems:
        return found.group(0)
    return None


def _unasked_advice(core: str, ctx: Context) -> str | None:
    """Unasked advice, "You should take proper lessons" after "I've been learning to surf",
    fixes instead of listening. Advice they asked for ("Any tips?") is an answer."""
    if ctx.partner_questions or not _troubled(ctx):
        return None  # they asked something, or told no trouble of their own
    advice = cues.ADVICE.search(core)
    return advice.group(0).lstrip(",; ") if advice else None


def _verdict(sentence: str, ctx: Context) -> str | None:
    """A judgement on the partner's thing ("Rust is a fad", "Three rounds is way too slow")."""
    own = bool(FIRST_PERSON & set(words(sentence)))
    for match in cues.JUDGEMENT.finditer(sentence):
        subject = match.group("subject").lower()
        if subject in POINTING | {"it", "which"}:
            # "It's a fad" about their Rust judges it; "it was awful" about the user's own
            # story, or "those are a nightmare" about their breach, does not
            if not (own or _troubled(ctx)):
                return match.group(0)
        elif subject not in SELF_SUBJECTS:
            return match.group(0)
    if not (own or _troubled(ctx) or _is_question(sentence)):
        core = lead_stripped(sentence)
        for rx in (cues.SWEEPING, cues.NOT_MUCH):
            claim = rx.match(core)
            if claim and content_stems(claim.group("subject")) & ctx.partner_stems:
                return claim.group(0)  # their kind of thing, swept or shrunk
        theirs = cues.NOT_THEIRS.search(core)
        if (
            theirs
            and content_stems(theirs.group("theirs")) & ctx.partner_stems
            and not content_stems(core) <= ctx.partner_stems
        ):
            # "...the company, not the managers": their framing corrected. "The real team, not
            # the org chart." after "Incidents show you the real team. Not the org chart." is
            # their own contrast said back.
            return core
    ranked = cues.BETTER_THAN.search(sentence)
    if ranked and content_stems(ranked.group("theirs")) & ctx.partner_stems:
        return ranked.group(0)  # "backend is way more fun than SRE" after "I moved to SRE"
    doom = cues.DOOM.search(sentence)
    if doom and not (own or _troubled(ctx)):
        return doom.group(0)
    for match in cues.EXCESS.finditer(sentence):
        subject = (match.group("subject") or match.group("subject2") or "").lower()
        # "That's way too many meetings" sympathises; "Three rounds is too slow" judges
        if subject not in SELF_SUBJECTS | POINTING:
            return match.group(0)
    return None


def _answers_partner(sents: tuple[str, ...], ctx: Context) -> bool:
    """Did the user say something before asking: an answer, or at least engagement?"""
    statements = [s for s in sents if not _is_question(s)]
    if any(len(words(s)) > 3 for s in statements):
        return True
    if ctx.partner_questions and any(len(words(s)) >= 2 for s in statements):
        return True  # "Mostly data." answers "What's your background?"
    question_stems: frozenset[str] = frozenset()
    for q in ctx.partner_questions:
        question_stems |= content_stems(q)
    return any(content_stems(s) & question_stems for s in sents)


def _questions(message: str, sents: tuple[str, ...], ctx: Context, found: _Found) -> None:
    more = cues.MORE_REQUEST.search(message)
    if (
        more
        and ctx.has_partner
        and not found.covers(more.group(0), NEGATIVE_EVIDENCE)
        and not cues.AGENDA.search(more.group(0))
    ):
        found.add(Move.FOLLOW_UP_QUESTION, more.group(0))
    if _rhetorical(message):
        return
    answered = _answers_partner(sents, ctx)
    questions = [s for s in sents if _is_question(s) or _untyped_question(s, message)]
    # A question after the user's own words on the partner's topic continues that thread.
    threaded = found.any(Move.ACKNOWLEDGEMENT, Move.REFLECTION) or any(
        _links_to_partner(s, ctx, recent=True, lexical=True)
        or (FIRST_PERSON & set(words(s)) and cues.SHARED_EXPERIENCE.search(s) is not None)
        for s in sents
        if s not in questions
    )
    for sent in questions:
        if len(questions) > 1 and PERMISSION.match(sent):
            continue  # "Can I ask about you, though? How did you end up...?": the second asks
        if _interjection(sent, ctx):
            continue  # "Seriously?", "Really?": a reaction, not a question
        if repeats_their_question(sent, ctx):
            continue  # "My team?" to "What's your team like?": their question, said back
        if Move.DISMISSIVE in found and not _interrogative(lead_stripped(sent)):
            continue  # "A spreadsheet for deliveries? That's a recipe for disaster.": disbelief
        if found.covers(sent, NEGATIVE_EVIDENCE) or _pitchy(sent):
            # a sales question, an ask or a judgement dressed as a question; an ask that
            # steps over the partner's news also ignores them
            if _pitchy(sent) and ctx.partner_emotional and not _links_to_partner(sent, ctx):
                found.add(Move.TOPIC_HIJACK, sent)
            continue
        _classify_question(sent, ctx, answered or threaded, found, threaded)


def _reflective(core: str, sent: str, ctx: Context, *, cued_only: bool = False) -> bool:
    """Restates the partner: a reflection cue, or "you..."/"so..." with the partner's words."""
    if cues.NOT_REFLECTION.match(core):
        return False
    if cues.REFLECTION_ANYWHERE.search(core) or cues.HEARING.match(core):
        return True  # "what I'm hearing is...", "I can hear that you..."
    feeling = cues.FEELING_REFLECTION.search(core)
    if feeling and not _own_opinion(core, feeling):
        return True  # "(I'm sorry,) that must have been a tough year"
    tokens = words(core)
    if not tokens or SELF_REFERENCE & set(tokens):
        return False  # "So that was a fun month for me": about me, not them
    if cues.REFLECTION.match(core):
        return True
    if cued_only:
        return False
    if tokens[0] == "so":
        return bool(SECOND_PERSON & set(tokens)) or _links_to_partner(sent, ctx, recent=True)
    if tokens[0] in SECOND_PERSON:
        return _links_to_partner(sent, ctx, recent=True)
    # A paraphrase without a cue: their words, restated ("Two hundred a chair, that adds up").
    overlap = content_stems(sent) & ctx.partner_stems
    return len(overlap) >= REFLECTION_MIN_OVERLAP and not _interrogative(core)


def _own_opinion(core: str, feeling: cues.CueMatch) -> bool:
    """Is the feeling cue the user's view of their own plans ("I think it would be one of the
    better talks, from what I've seen") rather than a guess at the partner's feeling?"""
    before = set(words(core[: feeling.start()]))
    inside = set(words(feeling.group(0).split(",")[0])[1:])
    return bool(inside & FIRST_PERSON) or bool(before & FIRST_PERSON and "sorry" not in before)


def _classify_question(
    sent: str, ctx: Context, answered: bool, found: _Found, threaded: bool
) -> None:
    core = lead_stripped(sent)
    if ctx.has_partner and _brings_agenda(core, ctx):
        found.add(Move.TOPIC_HIJACK, sent)  # job terms or sales qualification: my agenda
    elif Move.REFLECTION in found and cues.CHECK_QUESTION.match(core):
        return  # "So you moved for the job, is that right?" is one reflection
    elif cues.MIRROR.match(core):
        found.add(Move.MIRROR_QUESTION, sent)
    elif not _interrogative(core) and ctx.has_partner and _reflective(core, sent, ctx):
        found.add(Move.REFLECTION, sent)  # "So you moved for the job?": checking, not asking
    else:
        found.add(_open_question_move(sent, core, ctx, answered, threaded), sent)


# "How's budget season going?", "how did the team take the cut?": how a thing goes for them, or
# how they take it, asks about their experience of it.
HOW_IT_GOES = re.compile(
    r"(?i)\bhow(?:'s| is| was| are| were| did| does| do| has| have)\b[^.!?]*\b(?:go|goes|going|"
    r"gone|went|take|taking|took|taken|feel|feeling|felt|cope|coping|handle|handling|handled|"
    r"holding up)\b"
)


def _brings_agenda(core: str, ctx: Context) -> bool:
    """Does the question bring job terms or sales qualification of the user's own? "Is the
    internship paid?" does, in the partner's subject, and so does "How big is the budget?" after
    they mention one. Asking how their own budget season is going, in their words, does not:
    there the rule does not decide, and the models read the turn."""
    agenda = {m.group(0).lower() for m in cues.AGENDA.finditer(core)}
    if not agenda:
        return False
    said = ctx.partner_last.lower()
    theirs = all(re.search(rf"\b{re.escape(w)}\b", said) for w in agenda)
    return not (theirs and HOW_IT_GOES.search(core))


def _open_question_move(sent: str, core: str, ctx: Context, answered: bool, threaded: bool) -> Move:
    """Follow-up, new topic or hijack: what the question does with the partner's line."""
    linked = (
        _links_to_partner(sent, ctx, recent=True)
        or _echo(sent, ctx)
        or (ctx.partner_content and cues.GENERIC_FOLLOW_UP.match(core) is not None)
        or (threaded and not ctx.invites_questions)
    )
    if linked:
        return Move.FOLLOW_UP_QUESTION
    if ctx.invites_questions or not ctx.has_partner:
        return Move.NEW_TOPIC_QUESTION
    if (ctx.partner_questions or ctx.asked_about_user) and not answered:
        return Move.TOPIC_HIJACK  # steps over their question
    if ctx.asked_about_user and answered and not ctx.partner_emotional:
        # Answered their question, then asked about them, on whatever subject ("the talk you
        # just came out of"): the model turn, interesting and interested (FEEDBACK.md).
        return Move.NEW_TOPIC_QUESTION
    if ctx.partner_shared and (ctx.partner_emotional or cues.TOPIC_SHIFT.search(core)):
        return Move.TOPIC_HIJACK  # steps over their news, or off to small talk
    if ctx.partner_shared:
        # Right after they told something about themselves, a question to them is about it
        # even without their words ("How do the two of you split the work?").
        return Move.FOLLOW_UP_QUESTION
    return Move.NEW_TOPIC_QUESTION


def _statements(sents: tuple[str, ...], ctx: Context, found: _Found) -> None:
    if not ctx.has_partner:
        return
    for sent in sents:
        if _is_question(sent) or found.covers(sent, NEGATIVE_EVIDENCE):
            continue
        acknowledged = found.covers(sent, (Move.ACKNOWLEDGEMENT,))
        if _reflective(lead_stripped(sent), sent, ctx, cued_only=acknowledged):
            found.add(Move.REFLECTION, sent)


def _guesses_feeling(message: str, text: str) -> bool:
    """Is `text` inside a sentence that guesses the partner's state ("Sounds like it was a big
    bet")? That sentence is a reflection, not the user's own verdict."""
    for sent in sentences(message):
        at = sent.find(text)
        if at < 0:
            continue
        # the verdict itself, not the clause it runs on into ("That's tough, it sounds like...")
        ack = range(at, at + len(text.split(",")[0]))
        for rx in (cues.REFLECTION_ANYWHERE, cues.FEELING_REFLECTION):
            for guess in rx.finditer(sent):
                head = guess.group(0).split(",")[0]
                if guess.start() in ack or at in range(guess.start(), guess.start() + len(head)):
                    return True
        core = lead_stripped(sent)
        start = sent.find(core[:12])
        clause = range(start, start + len(core.split(",")[0]))
        return cues.REFLECTION.match(core) is not None and at in clause
    return False


def _about_own_story(message: str, text: str) -> bool:
    """Is the verdict on the user's own life ("My commute is a marathon"), not the partner's?"""
    if not set(words(text)[:1]) & VERDICT_VERBS:
        return False  # "I'm sorry...", "I love that you...": the user's own recognition
    if re.search(r"\bfor (?:me|us)\b", text, re.IGNORECASE):
        return True  # "Getting here was no joke for me"
    for sent in sentences(message):
        at = sent.find(text)
        if at >= 0:
            before = set(words(sent[:at]))
            return bool(before & FIRST_PERSON) and not before & SECOND_PERSON
    return False


def _acknowledgement(message: str, ctx: Context, found: _Found) -> None:
    if not ctx.has_partner:
        return
    for match in cues.ACKNOWLEDGE.finditer(message):
        text = match.group(0)
        if (
            not found.covers(text, NEGATIVE_EVIDENCE)
            and not _guesses_feeling(message, text)
            and not _about_own_story(message, text)
        ):
            found.add(Move.ACKNOWLEDGEMENT, text)
            return
    for sent in sentences(message):
        sympathy = _sympathy(lead_stripped(sent), ctx)
        if sympathy and not found.covers(sent, NEGATIVE_EVIDENCE):
            found.add(Move.ACKNOWLEDGEMENT, sympathy)
            return
        praise = cues.PRAISE.search(sent)
        tokens = set(words(sent))
        own_story = bool(tokens & FIRST_PERSON) and not tokens & SECOND_PERSON
        if (
            praise
            and _links_to_partner(sent, ctx, recent=True)
            and not found.covers(sent)
            and not own_story  # "The prize was a trip to SF, which was amazing, I met..."
        ):
            found.add(Move.ACKNOWLEDGEMENT, sent)
            return


POSITIVE = (
    Move.FOLLOW_UP_QUESTION,
    Move.REFLECTION,
    Move.NEW_TOPIC_QUESTION,
    Move.ACKNOWLEDGEMENT,
)


def _self_talk(message: str, sents: tuple[str, ...], ctx: Context, found: _Found) -> None:
    if Move.PITCH in found:
        return  # the self-talk serves the pitch; it is not coded on its own
    own = [
        s
        for s in sents
        if not _is_question(s)
        and FIRST_PERSON & set(words(s))
        and not found.covers(s)
        and not cues.SELF_PITCH.search(s)
    ]
    if not own:
        _plain_answer(message, sents, ctx, found)
        return
    own_words = sum(len(words(s)) for s in own)
    if _self_focused(message, own, own_words, ctx, found):
        found.add(Move.SELF_FOCUS, own[0])
    elif _story_words(sents, own, found) >= DISCLOSURE_MIN_WORDS:
        found.add(Move.SELF_DISCLOSURE, own[0])


def _story_words(sents: tuple[str, ...], own: list[str], found: _Found) -> int:
    """How long the user's own story is: a sentence that carries it on ("My mom was a teacher
    too. She always said the same about the meetings.") counts with it."""
    total = 0
    telling = False
    for sent in sents:
        tokens = words(sent)
        if sent in own and not (PROMISE & set(tokens)):
            telling = True
        elif (
            sent in own
            or _is_question(sent)
            or SECOND_PERSON & set(tokens)
            or found.covers(sent)
            or len(tokens) <= ECHO_MAX_WORDS  # "Thanks!" closes rather than tells
        ):
            telling = False
            continue
        if telling:
            total += sum(2 if CONTRACTION.search(t) else 1 for t in tokens)
    return total


def _plain_answer(message: str, sents: tuple[str, ...], ctx: Context, found: _Found) -> None:
    """An answer about oneself without saying "I": "Mostly backend work, at a retailer in
    Leeds." after "What do you do?"."""
    if not ctx.asked_about_user or "?" in message or found.evidence:
        return
    if sum(len(words(s)) for s in sents) >= DISCLOSURE_MIN_WORDS:
        found.add(Move.SELF_DISCLOSURE, max(sents, key=lambda s: len(words(s))))


def _self_focused(
    message: str, own: list[str], own_words: int, ctx: Context, found: _Found
) -> bool:
    if len(words(message)) >= MONOLOGUE_WORDS:
        # a monologue; a token "what about you?" at its end won't save it
        return not found.any(Move.FOLLOW_UP_QUESTION, Move.REFLECTION)
    if found.any(*POSITIVE) or own_words < SELF_FOCUS_MIN_WORDS or ctx.asked_about_user:
        return False
    if ctx.partner_questions and "?" not in message:
        return False  # "Why health tech?" -> "My sister is a nurse...": answering them
    if ctx.partner_emotional:
        return True  # their news or feeling turned into a story about me
    if not ctx.has_partner or ctx.introduced:
        return False
    # unasked talk about oneself: off their topic, or on it but taking it over
    if own_words >= UNASKED_STORY_WORDS:
        return True
    # "We got ours from a shelter too": a short story that says it matches theirs
    return not any(
        _links_to_partner(s, ctx, recent=True, lexical=True) or cues.SHARED_EXPERIENCE.search(s)
        for s in own
    )


def _learned_reflection(message: str, sents: tuple[str, ...], ctx: Context, found: _Found) -> None:
    """Reflections without a cue ("You want this baby."): the act model decides.

    Only adds a reflection to a turn the rules found nothing negative in, and quotes the
    statement that restates the partner (not the user's talk about themselves).
    """
    if not ctx.has_partner or Move.REFLECTION in found or found.any(*BLOCKS_LEARNED):
        return
    if ctx.asked_about_user and Move.SELF_DISCLOSURE in found:
        return  # answering their question about me restates nothing of theirs
    probs = act_probabilities(message, ctx.partner_last)
    if probs["reflection"] < LEARNED_REFLECTION_MIN:
        return
    restating = [
        s
        for s in sents
        if not FIRST_PERSON & set(words(s))
        and not found.covers(s)
        and not cues.NOT_REFLECTION.match(lead_stripped(s))  # "You really ought to..." tells
    ]
    statements = [s for s in restating if not _is_question(s)]
    declarative = [s for s in restating if not _interrogative(lead_stripped(s))]
    candidates = statements or declarative
    if not candidates:
        return
    evidence = candidates[0]
    found.add(Move.REFLECTION, evidence)
    if not statements:  # a statement with a question mark: checking, not asking
        for move in (Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION):
            if found.evidence.get(move) == evidence.strip():
                del found.evidence[move]


def _minimal(message: str, found: _Found) -> None:
    if found.evidence:
        return
    tokens = words(message)
    if len(tokens) <= 3 or all(t in cues.BACKCHANNEL_WORDS for t in tokens):
        found.add(Move.MINIMAL, message)


def _finish(message: str, found: _Found, ctx: Context, suggestion: str | None = None) -> Feedback:
    moves = [m for m in Move if m in found]
    evidence = [Evidence(move=m, text=found.evidence[m]) for m in moves]
    return Feedback(
        genuine_interest=genuine_interest(moves),
        score=score(moves),
        moves=moves,
        evidence=evidence,
        tip=tip_for(
            message,
            moves,
            ctx,
            found.evidence,
            suggestion=suggestion,
            already_said=found.already_said,
        ),
    )


_DEFAULT = Analyzer()


def analyze(
    message: str, history: Sequence[Utterance] = (), *, suggestion: str | None = None
) -> Feedback:
    """Feedback on one user message; `history` is the conversation before it, oldest first.
    `suggestion` is a follow-up question the persona authored for this moment, if the caller
    knows one: the tip offers it in preference to a question mined from the partner's words."""
    return _DEFAULT.analyze(message, history, suggestion=suggestion)
