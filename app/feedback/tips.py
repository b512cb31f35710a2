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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from app.feedback import cues
from app.feedback.context import Context
from app.feedback.hooks import Hook, find_hook, is_heavy, pick, question_about
from app.feedback.meta import is_meta
from app.feedback.text import PREFIX, STOP_WORDS, content_stems, prefixes, raw_words, stem, words
from app.feedback.types import Move

# The partner is leaving: the tip is about closing well, never a new probe.
WRAPPING_UP = re.compile(
    r"(?i)\b(?:(?:should|have to|need to|gotta|got to|must|better) (?:get going|go|run|head|"
    r"get back|dash|jump|leave|let you go)|before (?:i|you) (?:go|head|leave|run)|"
    r"only (?:have|got) a (?:minute|second|moment)|(?:nice|great|good|lovely|pleasure) "
    r"(?:meeting|talking|chatting|to meet|speaking)(?: (?:to|with))? you|glad (?:we (?:talked|got|"
    r"met)|you (?:came|stopped))|thanks? (?:you )?for (?:stopping by|coming|your time|the chat)|"
    r"good luck|enjoy the rest|take care|see you (?:around|later|tonight|there)|that's me|"
    r"i'll let you go|careers page|(?:this|that) was (?:great|lovely|fun|the best|a good)|"
    r"here's my card|message me|email me)\b"
)
THANKS = re.compile(
    r"(?i)\b(?:thanks?|thank you|cheers|appreciate|great (?:talking|meeting|chatting)|"
    r"nice (?:talking|meeting|chatting)|good luck|take care|bye|see you|enjoy)\b"
)
QUOTE_MESSAGE_CHARS = 40
QUOTE_QUESTION_CHARS = 70

# Open questions for when the partner has said nothing concrete yet.
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
SALES_QUESTIONS = (
    "What's the hardest part of that for your team today?",
    "How are you handling it right now?",
    "What have you tried so far?",
    "What would a good quarter look like for your team?",
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

    @property
    def seed(self) -> str:
        return self.message

    def pick(self, options: Sequence[str], salt: str = "") -> str:
        return pick(options, self.message + salt)

    @cached_property
    def hook(self) -> Hook | None:
        return find_hook(self.ctx.persona_lines)

    @cached_property
    def heavy(self) -> bool:
        """The partner's last line is bad news (a layoff, an illness, a loss)."""
        return is_heavy(" ".join(self.ctx.partner_statements))

    @property
    def partner_question(self) -> str | None:
        if not self.ctx.partner_questions:
            return None
        return _clip(self.ctx.partner_questions[-1].strip(), QUOTE_QUESTION_CHARS)

    @cached_property
    def question(self) -> str:
        """The next line to suggest: care after bad news, the persona's own follow-up when
        given, else a question on the partner's detail, else an open one."""
        if self.heavy:
            return self.pick(CARE_QUESTIONS, "care")
        if self.suggestion:
            return self.suggestion.strip()
        if self.hook:
            return question_about(self.hook, self.seed)
        return self.pick(OPEN_QUESTIONS, "open")

    @property
    def detail(self) -> str | None:
        return self.hook.quote if self.hook else None


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 3].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."


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
    return turn.pick(('ask "{q}"', 'try "{q}"', 'ask them "{q}"'), "ask").format(q=turn.question)


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


def _closing(turn: _Turn) -> str:
    """They are leaving: thank them, name one thing, a small ask only if the talk earned it."""
    hook = find_hook(turn.ctx.persona_lines[:-1])
    named = (
        f'name one thing you will remember ("{hook.quote}")'
        if hook and not hook.heavy
        else "name one thing you took from the talk"
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
    else:
        lead = turn.pick(
            ("They are wrapping up: thank them", "Close well as they leave: thank them"), "close"
        )
    return f"{lead}, {named}, and {small_ask}."


def _dodge(turn: _Turn) -> str | None:
    """They asked the user something and the user asked back without answering."""
    asked = turn.partner_question
    if asked is None or not turn.ctx.asked_about_user:
        return None
    dodged = Move.TOPIC_HIJACK in turn.moves or (
        turn.moves & {Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION}
        and not turn.moves & {Move.SELF_DISCLOSURE, Move.REFLECTION, Move.ACKNOWLEDGEMENT}
        and _only_questions(turn.message)
    )
    if not dodged:
        return None
    then = f'then ask "{turn.question}"' if turn.hook or turn.suggestion else "then ask yours"
    frames: tuple[str, ...] = (
        'They asked "{pq}": answer that in a sentence first, {then}.',
        'Answer "{pq}" before asking your own question; one or two sentences will do, {then}.',
        'They asked you "{pq}", so give a short, real answer first and {then}.',
    )
    return turn.pick(frames, "dodge").format(pq=asked, then=then)


def _only_questions(message: str) -> bool:
    parts = [p for p in re.split(r"(?<=[.!?])\s+", message.strip()) if p]
    return bool(parts) and all(p.rstrip().endswith("?") or len(words(p)) <= 2 for p in parts)


def _bad_news(turn: _Turn) -> str:
    said = f'They just shared "{turn.detail}"' if turn.detail else "They just shared bad news"
    if turn.moves & {Move.ACKNOWLEDGEMENT, Move.REFLECTION}:
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
    return turn.pick(frames, "care").format(said=said, q=turn.question) + "."


# ------------------------------------------------------------------ what the user's turn did


def _pitch(turn: _Turn) -> str:
    job = JOB_WORDS.search(turn.message) is not None
    product = cues.PRODUCT_PITCH.search(turn.message) is not None
    what = "the pitch" if product else "the job talk" if job else "the ask"
    if turn.heavy or (turn.hook and not turn.hook.heavy) or turn.suggestion:
        q = turn.question
    else:
        q = turn.suggestion or turn.pick(JOB_QUESTIONS if job else SALES_QUESTIONS, "pitch")
    if turn.hook:
        frames: tuple[str, ...] = (
            '{said}; before {what}, put that curiosity into them: ask "{q}".',
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


def _minimal(turn: _Turn) -> str:
    short = _clip(turn.message.strip(), QUOTE_MESSAGE_CHARS)
    asked = turn.partner_question
    if asked and turn.ctx.asked_about_user:
        frames: tuple[str, ...] = (
            '"{m}" answers "{pq}" but gives them nothing to build on; add one detail (what, '
            'where or why), then ask back: "{q}"',
            'Give "{pq}" a real answer, not "{m}": two sentences with one concrete detail, '
            'then ask "{q}"',
        )
    elif turn.hook:
        frames = (
            '"{m}" gives them nothing to build on; react to "{d}" in a full sentence and ask "{q}"',
            'Swap "{m}" for a sentence about what they said ("{d}") and a question: "{q}"',
            'A short "{m}" closes the door; pick up "{d}" instead and ask "{q}"',
        )
    else:
        frames = (
            '"{m}" gives them nothing to build on; say one thing about yourself and ask "{q}"',
            'Replace "{m}" with a full sentence and a question about them: "{q}"',
        )
    return (
        turn.pick(frames, "minimal").format(m=short, pq=asked, d=turn.detail, q=turn.question) + "."
    )


def _dismissive(turn: _Turn) -> str:
    frames: tuple[str, ...] = (
        "{said}; hold the verdict and get curious instead: {ask}.",
        "{said}, and judging it shuts them down; {ask} instead.",
        "{said}: swap the verdict for a question, {ask}.",
    )
    return turn.pick(frames, "dismiss").format(said=_said(turn), ask=_ask(turn))


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
    said = _said(turn)
    return turn.pick(frames, "hijack").format(
        said=said, said_lower=said[0].lower() + said[1:], ask=_ask(turn)
    )


def _reflection(turn: _Turn) -> str:
    topic = _topic(turn, Move.REFLECTION) or turn.detail
    put = f'You put "{topic}" into your own words' if topic else "You put their point into words"
    frames: tuple[str, ...] = (
        "{put}; now pause so they can say more, and if they stop, {ask}.",
        "{put}, so they know you heard it; let them expand before you {ask}.",
        "{put}; give it a beat of silence, since people often add the real story next, then {ask}.",
    )
    return turn.pick(frames, "reflect").format(put=put, ask=_ask(turn))


def _follow_up(turn: _Turn) -> str:
    topic = _topic(turn, Move.FOLLOW_UP_QUESTION) or turn.detail
    picked = f'You picked up "{topic}"' if topic else "You picked up what they said"
    frames: tuple[str, ...] = (
        '{picked}; when they answer, say back the part that matters to them ("So ...") before '
        "your next question.",
        "{picked}; when they answer, sum it up in a sentence of your own before asking more.",
        '{picked}; when they answer, name what you heard ("Sounds like ...") and then go one '
        "level deeper.",
        "{picked}; listen for the feeling in their answer and name it before you ask again.",
    )
    return turn.pick(frames, "follow").format(picked=picked)


def _new_topic(turn: _Turn) -> str:
    if turn.hook and turn.ctx.partner_content:
        frames: tuple[str, ...] = (
            "{said}; start there before opening a new topic: {ask}.",
            "A fair question, but {said_lower}, and that was the thread to pull: {ask}.",
        )
        said = _said(turn)
        return turn.pick(frames, "new").format(
            said=said, said_lower=said[0].lower() + said[1:], ask=_ask(turn)
        )
    asked = _clip(turn.evidence.get(Move.NEW_TOPIC_QUESTION, turn.message), QUOTE_QUESTION_CHARS)
    frames = (
        'When they answer "{a}", pick one detail from the answer and ask about it.',
        'After "{a}", listen for one concrete detail and make your next question about it.',
        'Let them answer "{a}" fully, then build your next question on what they said.',
    )
    return turn.pick(frames, "new").format(a=asked)


def _acknowledgement(turn: _Turn) -> str:
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
    if Move.MIRROR_QUESTION in turn.moves:
        lead = "You answered and asked back, the model turn"
    elif asked and turn.ctx.asked_about_user:
        lead = f'You answered "{asked}"'
    else:
        lead = "You shared something of yours"
    frames: tuple[str, ...] = (
        "{lead}; next, hand them the floor with a question of your own: {ask}.",
        "{lead}; now turn it to them: {ask}.",
    )
    return turn.pick(frames, "answer").format(lead=lead, ask=_ask(turn))


def _mirror(turn: _Turn) -> str:
    frames: tuple[str, ...] = (
        "Instead of only handing their question back, ask about what they said: {ask}.",
        '"And you?" hands the floor back; a question about them does more: {ask}.',
    )
    return turn.pick(frames, "mirror").format(ask=_ask(turn))


def _default(turn: _Turn) -> str:
    said = _said(turn) if turn.hook else None
    if said:
        frames = ("{said}; turn the attention to them: {ask}.", "{said}: pick that up and {ask}.")
        return turn.pick(frames, "default").format(said=said, ask=_ask(turn))
    return turn.pick(
        ("Turn the attention to them: {ask}.", "Make the next line about them: {ask}."),
        "default",
    ).format(ask=_ask(turn))


def _topic(turn: _Turn, move: Move) -> str | None:
    """The partner's own words that the user's turn picked up, in the partner's order; from
    the move's evidence first, else from the whole message."""
    for text in (turn.evidence.get(move, turn.message), turn.message):
        picked = prefixes(content_stems(text))
        used = {w.lower() for w in raw_words(text)}
        by_stem: dict[str, str] = {}
        for tok in raw_words(turn.ctx.partner_last):
            low = tok.lower()
            key = stem(low)[:PREFIX]
            if low in STOP_WORDS or "'" in low or key not in picked:
                continue
            # one word per stem, the user's own form first ("teaching" over "taught")
            if key not in by_stem or (low in used and by_stem[key].lower() not in used):
                by_stem[key] = tok
        if by_stem:
            return " ".join(list(by_stem.values())[:3])
    return None


# The worst thing the turn did decides the tip; the order is the coach's.
_BY_MOVE: tuple[tuple[Move, Callable[[_Turn], str]], ...] = (
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


def _special(turn: _Turn) -> str | None:
    """Moments that decide the tip whatever the moves: the software addressed, a goodbye, a
    question of theirs left unanswered, bad news."""
    if is_meta(turn.message):
        return _meta(turn)
    if WRAPPING_UP.search(turn.ctx.partner_last):
        return _closing(turn)
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
) -> str:
    """One sentence the user can act on in their next turn."""
    turn = _Turn(message, frozenset(moves), ctx, evidence or {}, suggestion)
    if not ctx.has_partner:
        return _opener(turn)
    special = _special(turn)
    if special:
        return special
    for move, tip in _BY_MOVE:
        if move in turn.moves:
            return tip(turn)
    if Move.MIRROR_QUESTION in turn.moves and Move.SELF_DISCLOSURE not in turn.moves:
        return _mirror(turn)
    if Move.SELF_DISCLOSURE in turn.moves or Move.MIRROR_QUESTION in turn.moves:
        return _answered(turn)
    return _default(turn)
