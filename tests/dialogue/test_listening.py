"""The scripted persona listens back: remembers the learner, reacts to answers, shrugs off meta
questions, says no sentence twice, and says 'no idea' rather than the next scripted line."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from app.dialogue.engine import ReplyContext
from app.dialogue.memory import LearnerMemory
from app.dialogue.scripted import ScriptedEngine, _Reply, reply, sentences
from app.dialogue.types import DialogueState, Outcome, Stage
from app.feedback.analyzer import analyze
from app.feedback.types import Move, Utterance
from app.personas.schema import Persona
from tests.dialogue.factories import LISTENER, Conversation, feedback, persona

QUESTION = feedback(80, Move.NEW_TOPIC_QUESTION)


def _memory(**kw: object) -> LearnerMemory:
    fields: dict[str, object] = dict(
        conversation_id="c1", learner_name="Alex", topics=(), said=(), hooks=(),
        outcome=Outcome.WARM_CLOSE, trust=0.7, days_ago=2,
    )  # fmt: skip
    fields.update(kw)
    return LearnerMemory(**fields)  # type: ignore[arg-type]


def test_a_returning_learner_is_greeted_by_name_and_asked_about_the_hook() -> None:
    line = ScriptedEngine().opening(
        persona("recruiter"), "normal", "s", memory=_memory(hooks=("hiring_manager_values",))
    )
    assert "Alex" in line and "Marcus" in line


def test_without_a_hook_the_opener_refers_to_a_topic_of_last_time() -> None:
    line = ScriptedEngine().opening(
        persona("conference_stranger"), "normal", "s", memory=_memory(topics=("the_outage",))
    )
    assert "outage" in line and line.rstrip().endswith("?")


async def test_lines_said_last_time_are_not_said_again() -> None:
    who = persona("recruiter")
    fact = who.fact("career_path")
    assert fact is not None
    conversation = Conversation(who)
    last_time = (*fact.answers[:2],)
    await conversation.say("How did you end up in recruiting?", QUESTION)
    again = replace(conversation.contexts[-1], memory=_memory(said=last_time))
    answer = reply(again)
    assert not any(line in answer for line in last_time)


async def test_a_meta_question_gets_an_in_character_shrug_and_no_substance() -> None:
    who = persona("recruiter")
    answer = await Conversation(who).say("Are you a bot?", feedback(40))
    assert any(line in answer for line in who.reactions.meta)
    assert not any(line in answer for f in who.facts for line in f.answers)


async def test_an_answer_to_the_persona_s_question_gets_a_reaction_naming_it() -> None:
    who = persona("recruiter")
    conversation = Conversation(who)
    answer = await conversation.say(
        "I'm building a scheduling tool for physio clinics.", feedback(70, Move.SELF_DISCLOSURE)
    )
    assert "you're building a scheduling tool for physio clinics" in answer.lower()


@pytest.mark.parametrize(
    ("asked", "told", "named"),
    [
        (
            "Which booth has been the most interesting so far?",
            "Honestly the robotics booth, they had an arm sorting socks. What's the most "
            "memorable question anyone asked you?",
            "the robotics booth",
        ),
        (
            "Which session are you headed to next?",
            "Probably the keynote on triage, my team builds nurse rosters. Are you going?",
            "the keynote on triage",
        ),
    ],
)
async def test_a_thing_named_in_answer_to_which_or_what_gets_a_reaction_naming_it(
    asked: str, told: str, named: str
) -> None:
    # Held in session 28 (Priya): "Honestly the robotics booth, ..." to her "Which booth has
    # been the most interesting so far?" got no reaction at all; there was no "I" to say back.
    who = persona("recruiter")
    conversation = Conversation(who)
    conversation.history[0] = Utterance("persona", f"Sixty people today. {asked}")
    answer = await conversation.say(told, feedback(85, Move.FOLLOW_UP_QUESTION))
    assert named in answer.lower(), answer


async def test_a_question_that_tells_nothing_of_the_user_is_no_answer_to_react_to() -> None:
    # `rapport eval` conference_stranger-easy-closing-ask (session 13): Marisol asked "What are
    # you trying to get better at this year?", the learner asked her something instead, and
    # she said "Ha, fair. Good answer." to an answer nobody gave.
    who = persona("conference_stranger")
    said = feedback(88, Move.FOLLOW_UP_QUESTION, Move.SELF_DISCLOSURE)
    answer = await Conversation(who).say(
        "That's really honest of you to share. What brought you back to the work?", said
    )
    plain = [line for line in who.reactions.answered if "{echo}" not in line]
    assert not any(line in answer for line in plain)


async def test_a_question_nothing_answers_gets_no_idea_not_the_next_line() -> None:
    who = persona("conference_stranger")
    answer = await Conversation(who).say(
        "Who won the cricket world cup in 1996?", feedback(60, Move.NEW_TOPIC_QUESTION)
    )
    assert any(line in answer for line in who.reactions.no_match)


@pytest.mark.parametrize(
    "persona_id",
    ["recruiter", "conference_stranger", "prospect", "alumni_mentor", "hiring_manager",
     "investor", "group_conversation"],
)  # fmt: skip
async def test_no_sentence_is_said_twice_in_a_long_conversation(persona_id: str) -> None:
    who = persona(persona_id)
    conversation = Conversation(who, difficulty="easy")
    asks = [q for f in who.facts for q in f.questions[:1]] + ["Tell me more."] * 6
    for text in asks:
        if conversation.state.ended:
            break
        await conversation.say(text, analyze(text, tuple(conversation.history)))
    said = [s for line in conversation.persona_lines() for s in sentences(line)]
    assert len(said) == len(set(said)), [s for s in said if said.count(s) > 1]


@pytest.mark.parametrize(
    "persona_id",
    ["recruiter", "conference_stranger", "prospect", "alumni_mentor", "hiring_manager",
     "investor", "group_conversation"],
)  # fmt: skip
def test_meta_reactions_shrug_rather_than_answer(persona_id: str) -> None:
    """'Are you a bot?', 'what are your instructions?': a meta line must fit any meta question,
    so it neither confirms ('barely human, but yes') nor claims to be a person or a machine."""
    import re

    claims = re.compile(r"\b(?:robot|bot|human|an ai|but yes|yes)\b", re.IGNORECASE)
    who = persona(persona_id)
    assert [line for line in who.reactions.meta if claims.search(line)] == []


async def test_a_line_that_answers_its_own_question_asks_the_user_nothing() -> None:
    """'Weirdest thing? Being pitched...' asked nothing, so the learner's next statement is no
    answer to react to ('Ha, fair, that's a good answer' praised an answer never asked for)."""
    who = persona("recruiter")
    conversation = Conversation(who)
    own_answer = (
        "Weirdest thing? Being pitched a full resume in a minute and a half, over and over. "
        "It washes over you after a while."
    )
    conversation.history[-1] = Utterance("persona", own_answer)
    message = (
        "Ninety seconds of bullet points, I can picture it. So what does someone do that makes "
        "you actually stop and pay attention?"
    )
    answer = await conversation.say(message, analyze(message, conversation.history))
    reactions = [line.split("{echo}")[0] for line in who.reactions.answered]
    assert not any(answer.startswith(r) for r in reactions if len(r) > 6), answer
    assert not any(line in answer for line in who.reactions.disclosure), answer


@pytest.mark.parametrize("seed", [f"remark-{n}" for n in range(8)])
async def test_an_answer_to_a_question_with_a_remark_after_it_gets_a_reaction(seed: str) -> None:
    """Live (session 15): Daniel's "Why data? There are easier roads." was answered ("I like
    finding the story in messy numbers, that's why data.") and went without a word: the remark
    after the question hid that a question had been asked."""
    who = persona("alumni_mentor")
    conversation = Conversation(who, seed=seed)
    conversation.history[-1] = Utterance(
        "persona",
        "Hedge fund first, a water utility second, Terrace Climate third. Each one looked like "
        "a step sideways at the time. Why data? There are easier roads.",
    )
    message = "Honestly, I like finding the story in messy numbers, that's why data."
    answer = await conversation.say(message, feedback(40, Move.SELF_DISCLOSURE))
    assert "you like finding the story in messy numbers" in answer.lower(), answer


@pytest.mark.parametrize("seed", [f"hedged-{n}" for n in range(6)])
async def test_a_hedged_answer_before_the_user_s_own_question_gets_a_reaction(seed: str) -> None:
    """Live (session 18): Priya asked what a happy Friday looks like, heard "Ha, probably when
    something I built actually shipped", and went straight on to the user's question."""
    conversation = Conversation(persona("recruiter"), seed=seed)
    conversation.history[-1] = Utterance(
        "persona",
        "It's a lot of talking. Candidates in the morning, hiring managers in the afternoon, and "
        "feedback-chasing in between. When you get home happy on a Friday, what happened that "
        "week?",
    )
    message = (
        "Ha, probably when something I built actually shipped. The feedback-chasing part sounds "
        "painful though, who are you usually chasing?"
    )
    answer = await conversation.say(message, analyze(message, conversation.history))
    assert "something you built actually shipped" in answer, answer


@pytest.mark.parametrize("seed", [f"markers-{n}" for n in range(12)])
async def test_no_reply_says_the_same_discourse_marker_twice(seed: str) -> None:
    """'Ha, fair, honestly, that's a good answer. Honestly, a great resume doesn't stick. ...
    Honestly, here's the thing nobody writes down' is a tic, not a person."""
    conversation = Conversation(persona("recruiter"), seed=seed)
    for message in (
        "Bit of both, honestly. I'm Jo, I do backend work at a logistics startup. How's the "
        "fair been from your side?",
        "A few, yeah, this is my third this year. What do you actually listen for when someone "
        "walks up?",
        "Ninety seconds of bullet points, I can picture it. So what does someone do that makes "
        "you actually stop and pay attention?",
        "A great question over a great resume, that makes sense. Who's Marcus?",
    ):
        answer = await conversation.say(message, analyze(message, conversation.history))
        assert len(re.findall(r"\bhonestly\b", answer.lower())) <= 1, answer


async def test_no_reply_frames_two_lines_with_the_same_phrase() -> None:
    """Live (session 18): "The thing is, I could make five offers and have a bad week. ... The
    thing is, the job description leaves out what matters most to Marcus": a deeper line, then
    the hook told after it in a wording that opened the same way."""
    conversation = Conversation(persona("recruiter"), seed="phrases")
    message = "What does a recruiter at Northwind actually spend most of the day on?"
    await conversation.say(message, analyze(message, conversation.history))
    built = _Reply(conversation.contexts[-1])
    built.parts = [
        "The thing is, I could make five offers and have a bad week. A good one is when a "
        "manager realises the person they needed wasn't the person they asked for."
    ]
    same = "The thing is, the job description leaves out what matters most to Marcus."
    other = "Okay, I'll tell you the thing that isn't written anywhere."
    assert built._varied([same, other]) == [other]
    assert built._varied([same]) == [same]  # with nothing else to say, it is still said


async def test_no_line_says_again_in_other_words_what_was_said() -> None:
    """Live (session 20): Priya accepted with "I'll email Marcus tonight and copy you in." and
    said goodbye with "I'll email Marcus today and copy you in." (the issue had quoted the same
    pair): each line is fresh word for word, and the same promise all the same."""
    conversation = Conversation(persona("recruiter"), seed="promise")
    message = "What does a recruiter at Northwind actually spend most of the day on?"
    await conversation.say(message, analyze(message, conversation.history))
    built = _Reply(conversation.contexts[-1])
    built.parts = ["Honestly, I was about to offer. I'll email Marcus tonight and copy you in."]
    again = "I'll email Marcus today and copy you in. Honestly, this made my afternoon."
    other = "Go enjoy the rest of the fair. I'll do the Marcus intro tonight, I promise."
    assert built._near_repeat(again) and not built._near_repeat(other)
    assert {built._pick([again, other], f"goodbye-{n}") for n in range(8)} == {other}
    assert built._pick([again], "goodbye") == again  # with nothing else to say, it is said


@pytest.mark.parametrize("seed", [f"named-{n}" for n in range(6)])
async def test_a_line_told_to_a_question_about_someone_is_a_wording_that_names_them(
    seed: str,
) -> None:
    """Live (session 18): "Who's Rachel?" was met with the budget secret in the one wording
    that says "our CFO" and never "Rachel"."""
    who = persona("prospect")
    conversation = Conversation(who, seed=seed)
    message = "Who's Rachel?"
    await conversation.say(message, analyze(message, conversation.history))
    hook = who.hook("budget_timing")
    assert hook is not None
    told = _Reply(conversation.contexts[-1])._pick(hook.reveal, "reveal:budget_timing")
    assert told is not None and "Rachel" in told, told


@pytest.mark.parametrize("seed", [f"bye-{n}" for n in range(4)])
@pytest.mark.parametrize(
    "bye",
    [
        "Thanks for your time, Denise, this was really useful.",
        # Live (session 19), to Priya: "You've got me there. Why do you ask?"
        "Thanks so much, Denise, I'll keep an eye out for your note.",
    ],
)
async def test_a_user_s_goodbye_gets_a_goodbye(seed: str, bye: str) -> None:
    """Live (session 18): "Thanks for your time, Denise, this was really useful." got "Sure
    thing." and, to a greeting, a goodbye would be as wrong."""
    who = persona("prospect")
    conversation = Conversation(who, seed=seed)
    hello = "Hi Denise, nice to meet you."
    reply = await conversation.say(hello, analyze(hello, conversation.history))
    assert not any(line in reply for line in [*who.closings.neutral, *who.closings.warm]), reply
    reply = await conversation.say(bye, analyze(bye, conversation.history))
    # Early, before any offer: the polite close, never the warm one that names the follow-up.
    assert any(line in reply for line in who.closings.neutral), reply


@pytest.mark.parametrize("seed", [f"bye-ask-{n}" for n in range(6)])
async def test_a_goodbye_with_a_last_question_is_answered_and_the_user_let_go(seed: str) -> None:
    """Live (session 23): "...I should let you get back to the line, but thank you for being so
    honest. What's the best way to reach you about Marcus?" got the answer and then "How's the
    search been treating you, honestly?"; in a conversation at that point the persona also
    confided its own burnout ("Can I be honest? ...") to someone on their way out."""
    who = persona("recruiter")
    conversation = Conversation(who, seed=seed)
    await _listen_until_offered(conversation)
    yes = "I'd really like that, thank you."
    await conversation.say(yes, analyze(yes, conversation.history))
    for verdict in (LISTENER * 3)[:5]:
        await conversation.say("What was that like for you?", verdict)
    bye = (
        "I should let you get back to the line, but thank you for being so honest. "
        "What's the best way to reach you about Marcus?"
    )
    reply = await conversation.say(bye, analyze(bye, conversation.history))
    pressure = who.hook("recruiter_pressure")
    assert pressure is not None
    assert reply.strip() and "?" not in reply, reply
    assert not any(line in reply for line in pressure.reveal), reply


async def _listen_until_offered(conversation: Conversation) -> str:
    """Listen until the persona offers its reward; its last reply (the offer, if it came)."""
    offered = ""
    for verdict in LISTENER:
        offered = await conversation.say("What was that like for you?", verdict)
        if any(line in offered for line in conversation.who.reward.offer):
            break
    return offered


async def _offer_or_skip(conversation: Conversation) -> None:
    """Listen until the persona offers its reward; skip the test when this seed never does."""
    offered = await _listen_until_offered(conversation)
    if not any(line in offered for line in conversation.who.reward.offer):
        pytest.skip("no offer in this conversation")


@pytest.mark.parametrize("seed", [f"offer-{n}" for n in range(4)])
async def test_a_yes_to_the_intro_with_a_question_about_him_is_answered_about_him(
    seed: str,
) -> None:
    """Live (session 18): after Priya's offer, "I'd really like to meet Marcus, thank you.
    What's he like to work for?" got "Honestly, I was about to offer." and a line about her
    own teaching years: 'he' was read as the topic she had just talked about."""
    who = persona("recruiter")
    conversation = Conversation(who, seed=seed)
    await _offer_or_skip(conversation)
    message = "I'd really like to meet Marcus, thank you. What's he like to work for?"
    answer = await conversation.say(message, analyze(message, conversation.history))
    hook = who.hook("hiring_manager_values")
    assert hook is not None
    about_him = [w for d in hook.deeper_lines for w in hook.deeper_wordings(d)]
    assert any(w in answer for w in [*about_him, *hook.reveal]), answer
    assert "about to offer" not in answer, answer


@pytest.mark.parametrize("seed", [f"next-{n}" for n in range(4)])
async def test_a_yes_with_a_question_about_following_up_is_answered_by_the_yes(seed: str) -> None:
    """Live (session 20): "I'd love that coffee with Marcus. What's the best way to follow up
    with you after today?" got the yes ("I'll email Marcus tonight and copy you in.") and then
    "Show you thought about who uses the product", candidate advice nobody asked for."""
    who = persona("recruiter")
    conversation = Conversation(who, seed=seed)
    await _offer_or_skip(conversation)
    message = (
        "I'd love that coffee with Marcus. What's the best way to follow up with you after today?"
    )
    answer = await conversation.say(message, analyze(message, conversation.history))
    assert any(line in answer for line in [*who.reward.accept, *who.reward.confirm]), answer
    advice = who.fact("candidate_advice")
    assert advice is not None
    assert not any(line in answer for line in advice.answers), answer


@pytest.mark.parametrize("seed", [f"how-{n}" for n in range(4)])
async def test_how_to_follow_up_once_the_intro_is_agreed_is_answered_with_how(seed: str) -> None:
    """Live (session 21): the intro agreed a turn earlier, "What's the best way to follow up
    with you after today?" got candidate advice and then the unposted role, nothing about how
    the intro would happen."""
    who = persona("recruiter")
    conversation = Conversation(who, seed=seed)
    await _offer_or_skip(conversation)
    yes = "I'd really like that, thank you."
    agreed = await conversation.say(yes, analyze(yes, conversation.history))
    assert any(line in agreed for line in who.reward.accept), agreed
    message = "What's the best way to follow up with you after today?"
    answer = await conversation.say(message, analyze(message, conversation.history))
    assert re.search(r"\b(?:email|send|write)\b", answer) and "Marcus" in answer, answer
    advice = who.fact("candidate_advice")
    assert advice is not None
    assert not any(line in answer for line in advice.answers), answer


@pytest.mark.parametrize("seed", [f"ines-{n}" for n in range(4)])
async def test_a_yes_to_meet_someone_with_a_question_about_her_is_answered_about_her(
    seed: str,
) -> None:
    """Live (session 19): after Marisol offered to introduce Ines, "I'd love to meet Ines,
    thank you. What is she like?" got her own rules for sleep: read with the whole ask, the
    question went to 'meet' (her meetup), and then anywhere."""
    who = persona("conference_stranger")
    conversation = Conversation(who, seed=seed)
    offered = await _listen_until_offered(conversation)
    assert any(line in offered for line in who.reward.offer), offered
    message = "I'd love to meet Ines, thank you. What is she like?"
    answer = await conversation.say(message, analyze(message, conversation.history))
    assert "bank" in answer and "funny" in answer, answer


@pytest.mark.parametrize("seed", [f"sneer-{n}" for n in range(4)])
async def test_a_sneer_with_a_question_gets_a_bristle_not_a_shrug(seed: str) -> None:
    """Live (session 20): "Wow, p99 jokes. Riveting stuff. So what do you even do, babysit
    servers?" got "That one's past my pager...", the persona's 'no idea', as if the sneer had
    been a question she could not answer."""
    who = persona("conference_stranger")
    conversation = Conversation(who, seed=seed)
    message = "Wow, p99 jokes. Riveting stuff. So what do you even do, babysit servers?"
    verdict = analyze(message, conversation.history)
    assert Move.DISMISSIVE in verdict.moves
    answer = await conversation.say(message, verdict)
    assert any(line in answer for line in who.reactions.dismissive), answer
    shrugs = [s for line in who.reactions.no_match for s in sentences(line)]
    assert not any(s in answer for s in shrugs), answer


@pytest.mark.parametrize("seed", [f"when-{n}" for n in range(4)])
async def test_when_the_agreed_intro_happens_is_answered_with_when_and_where(seed: str) -> None:
    """Live (session 22, Marisol): the introduction to Ines agreed, "What time are the
    speakers' drinks?" got "No sé. I really don't know. Why do you ask?" from the woman who had
    just invited the user to them. With thanks around it, the yes chosen is the one that says
    when; on its own, the sentences of her yeses that say when and where."""
    who = persona("conference_stranger")
    for first in (True, False):
        conversation = Conversation(who, seed=f"{seed}-{first}")
        await _offer_or_skip(conversation)
        if first:
            message = "I'd really like that, thank you. What time are the speakers' drinks?"
        else:
            yes = "I'd really like that, thank you."
            agreed = await conversation.say(yes, analyze(yes, conversation.history))
            assert any(line in agreed for line in who.reward.accept), agreed
            message = "What time are the speakers' drinks?"
        answer = await conversation.say(message, analyze(message, conversation.history))
        assert re.search(r"\b(?:seven|7)\b", answer), (message, answer)
        assert "no idea" not in answer.lower() and "don't know" not in answer, answer


async def test_a_when_question_about_something_else_is_not_answered_with_the_intro() -> None:
    who = persona("conference_stranger")
    conversation = Conversation(who, seed="when-other")
    await _offer_or_skip(conversation)
    yes = "I'd really like that, thank you."
    await conversation.say(yes, analyze(yes, conversation.history))
    message = "When did you first start carrying a pager?"
    answer = await conversation.say(message, analyze(message, conversation.history))
    said = [*who.reward.accept, *who.reward.confirm]
    assert not any(s in answer for line in said for s in sentences(line)), answer


def test_asked_past_a_hook_line_told_before_the_hook_the_hook_is_told() -> None:
    """Live (session 23, Priya): the last thank-you that kept her from leaving was told before
    she had said she was thinking of leaving; "Why did that one land on a bad Friday?" then got
    "I genuinely couldn't tell you" and a question about the user. The confidence itself is what
    lies past that story, and trust allowed it."""
    who = persona("recruiter")
    pressure = who.hook("recruiter_pressure")
    assert pressure is not None
    fresno = next(d for d in pressure.deeper_lines if "Fresno" in d)
    history = (
        Utterance("persona", who.openings[0]),
        Utterance("user", "Do you remember the last one?"),
        Utterance("persona", fresno),
        Utterance("user", "A nurse finishing notes in a driveway. Why did that one land on a "
                  "bad Friday?"),
    )  # fmt: skip
    state = DialogueState(
        stage=Stage.OPPORTUNITY,
        trust=0.85,
        turn=6,
        stages_reached=[Stage.OPENING, Stage.RAPPORT, Stage.DISCOVERY, Stage.OPPORTUNITY],
        unlocked_hooks=["recruiter_pressure"],
    )
    told = _reply_at(who, history, state, state, "bad-friday")
    assert any(line in told for line in pressure.reveal), told
    assert "couldn't tell you" not in told, told


@pytest.mark.parametrize("seed", [f"night-{n}" for n in range(6)])
async def test_when_to_come_see_the_shift_once_agreed_is_answered_with_when(seed: str) -> None:
    """Live (session 23, Denise): the night-shift visit agreed, "When would be a good night to
    come see the shift?" got "We run three buildings..." (her warehouses) and the budget."""
    who = persona("prospect")
    conversation = Conversation(who, seed=seed)
    await _offer_or_skip(conversation)
    yes = "Very interested, thank you."
    await conversation.say(yes, analyze(yes, conversation.history))
    when = (
        "I'd like to understand the floor first. When would be a good night to come see the shift?"
    )
    reply = await conversation.say(when, analyze(when, conversation.history))
    assert "Tuesday" in reply or "next week" in reply, reply
    assert "three buildings" not in reply, reply


def test_an_offer_made_before_is_not_made_again_when_the_stage_comes_back() -> None:
    """Live (session 23, Marisol): she offered the introduction to Ines, the user said "I'd love
    that, thank you", and when trust climbed back into the opportunity stage two turns later she
    offered it again ("Listen, there's a speakers' drinks thing tonight...")."""
    who = persona("conference_stranger")
    offer = who.reward.offer[0]
    history = (
        Utterance("persona", who.openings[0]),
        Utterance("user", "What drew you to reliability work?"),
        Utterance("persona", offer),
        Utterance("user", "I'd love that, thank you."),
        Utterance("persona", who.reward.accept[0]),
        Utterance("user", "Two months off, that must have been hard. What brought you back?"),
    )
    reached = [Stage.OPENING, Stage.RAPPORT, Stage.DISCOVERY, Stage.OPPORTUNITY]
    before = DialogueState(stage=Stage.DISCOVERY, trust=0.68, turn=5, stages_reached=reached)
    after = DialogueState(stage=Stage.OPPORTUNITY, trust=0.74, turn=6, stages_reached=reached)
    told = _reply_at(who, history, before, after, "offered-before")
    assert not any(line in told for line in who.reward.offer), told


def _reply_at(
    who: Persona,
    history: tuple[Utterance, ...],
    before: DialogueState,
    after: DialogueState,
    seed: str,
) -> str:
    """The scripted reply at a hand-built moment of a conversation (a listener's turn)."""
    ctx = ReplyContext(
        persona=who,
        difficulty="normal",
        history=history,
        feedback=LISTENER[6],
        before=before,
        after=after,
        seed=seed,
    )
    return reply(ctx)


async def test_i_d_love_to_understand_is_a_question_even_when_no_move_was_found() -> None:
    # Held in session 25: "Hi Denise, I'm Sam. ... I'd love to understand how your warehouses
    # run at night before anything else." got only "Hi Sam, Denise." (the analyzer had found no
    # move, so the persona heard a statement).
    who = persona("prospect")
    answer = await Conversation(who).say(
        "Hi Denise, I'm Sam. Thanks for making time. I'd love to understand how your "
        "warehouses run at night before anything else.",
        feedback(50),
    )
    assert _tells_of(who, "warehouse", answer), answer


def _tells_of(who: Persona, topic: str, answer: str) -> bool:
    """The answer says one of the topic's lines (its surface or a deeper one)."""
    fact = who.fact(topic)
    assert fact is not None
    return any(line in answer for line in [*fact.answers, *fact.deeper_texts])


async def test_denise_says_how_many_pickers_work_a_night() -> None:
    # Held in session 25: "How many pickers do you have on at night?" got her three buildings,
    # and a second time "Honestly, I don't know": she had no line with the number.
    conversation = Conversation(persona("prospect"))
    await conversation.say("How do your warehouses run at night?", QUESTION)
    answer = await conversation.say(
        "How many pickers do you have on at night?", feedback(85, Move.FOLLOW_UP_QUESTION)
    )
    assert "seventy" in answer.lower(), answer


async def test_a_question_about_pay_is_met_as_a_pitch_not_with_no_idea() -> None:
    # Held in session 25 with Priya: "What salary band does the senior role pay?" (a hijack
    # to the analyzer, by its job terms) got "Hm, no idea, honestly." Skipping her question,
    # it gets the remark on that; after that, the pitch reaction.
    who = persona("recruiter")
    conversation = Conversation(who)
    hijack = feedback(18, Move.TOPIC_HIJACK)
    unknown = [*who.reactions.unknown, *(who.reactions.no_match or [])]
    first = await conversation.say("What salary band does the senior role pay?", hijack)
    assert any(line in first for line in who.reactions.ignored), first
    again = await conversation.say("And is there a bonus on top of the salary?", hijack)
    assert any(line in again for line in who.reactions.pitch), again
    for answer in (first, again):
        assert not any(line in answer for line in unknown), answer


async def test_a_wry_answer_is_not_echoed_back_with_relish() -> None:
    # Held in session 25 with Marisol: "Portland. Lucky me, I get to commute to this every
    # day." got "Oh, you get to commute to this every day? Okay, that I like."
    who = persona("conference_stranger")
    conversation = Conversation(who, seed="answered-1")
    assert conversation.history[-1].content.rstrip().endswith("?")
    answer = await conversation.say(
        "Portland. Lucky me, I get to commute to this every day.",
        feedback(50, Move.SELF_DISCLOSURE),
    )
    assert "commute to this every day" not in answer, answer
    plain = await Conversation(who, seed="answered-1").say(
        "Portland. I get to commute to this every day.", feedback(50, Move.SELF_DISCLOSURE)
    )
    assert "commute to this every day" in plain, plain


async def test_daniel_answers_i_m_mostly_curious_how_you_ended_up_in_data_science() -> None:
    # Held in session 25: it got "Sam! Good name. Which side of data work do you like best?"
    who = persona("alumni_mentor")
    answer = await Conversation(who).say(
        "Thanks for making time, Daniel. I'm Sam, finishing econ at Hollis. Honestly I'm "
        "mostly curious how you ended up in data science.",
        feedback(50, Move.SELF_DISCLOSURE),
    )
    assert _tells_of(who, "career_path", answer), answer


async def test_helen_says_why_most_founders_cannot_recite_their_churn() -> None:
    # Held in session 26: after she explained her churn question, "You said most founders
    # can't recite their churn, why do you think that is?" got "As I said, because founders who
    # can recite it understand who's leaving": she had no line on why they can't.
    who = persona("investor")
    conversation = Conversation(who)
    follow_up = feedback(85, Move.FOLLOW_UP_QUESTION)
    await conversation.say("What made you ask me about churn?", follow_up)
    answer = await conversation.say(
        "Why do you think most founders can't recite their churn?", follow_up
    )
    fact = who.fact("pitch_feedback")
    assert fact is not None
    why = next(d for d in fact.deeper if "dashboard" in d.text)
    assert any(line in answer for line in [why.text, *why.variants]), answer
