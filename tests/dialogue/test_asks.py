"""Asking for the reward or a favour: the persona says yes, not yet or no, in character.

Finding 17 of the evaluation suite: the scripted persona talked about the topic of an earned ask
("Could you introduce me to the hiring manager?") and never answered the request itself.
"""

from __future__ import annotations

import re

import pytest

from app.dialogue.engine import ReplyContext
from app.dialogue.machine import LIVE_ORDER
from app.dialogue.scripted import asks_for_favour, favour_requests, reply, sentences
from app.dialogue.types import DialogueState, Stage
from app.feedback.types import Feedback, Move, Utterance
from app.personas.schema import Persona
from tests.dialogue.factories import LISTENER, Conversation, feedback, persona

ALL_PERSONAS = (
    "recruiter",
    "conference_stranger",
    "prospect",
    "alumni_mentor",
    "hiring_manager",
    "investor",
    "group_conversation",
)
# How each persona would be asked for its reward, and what a yes must name.
ASKS = {
    "recruiter": (
        "Could you introduce me to the hiring manager for the data platform team?",
        r"Marcus",
    ),
    "conference_stranger": ("Could you introduce me to Ines Albrecht tonight?", r"Ines"),
    "prospect": ("Would it make sense to set up a follow-up with you and Rachel?", r"Rachel"),
    "alumni_mentor": ("Would you be willing to refer me to Ana for the apprenticeship?", r"Ana"),
    "hiring_manager": (
        "Would you be open to me meeting your team next week?",
        r"my (team|engineers)",
    ),
    "investor": ("Would you be open to a proper meeting next week?", r"next week"),
    "group_conversation": (
        "Would it be okay if I came along to one of your breakfasts some time?",
        r"(?i)breakfast|Marco",
    ),
}
WARM_ASK = feedback(75, Move.ACKNOWLEDGEMENT)
EARLY_ASK = feedback(5, Move.PITCH)  # what the analyzer makes of an ask in the first minute


def _state(stage: Stage, trust: float, turn: int = 0) -> DialogueState:
    reached = list(LIVE_ORDER[: LIVE_ORDER.index(stage) + 1])
    return DialogueState(stage=stage, trust=trust, turn=turn, stages_reached=reached)


EARNED = (_state(Stage.OPPORTUNITY, 0.70), _state(Stage.OPPORTUNITY, 0.73, turn=1))
EARLY = (DialogueState(trust=0.3), DialogueState(trust=0.22, turn=1, cold_streak=1))
COOLING = (
    DialogueState(trust=0.22, turn=1, cold_streak=1),
    DialogueState(stage=Stage.COOLING, trust=0.15, turn=2, cold_streak=2),
)


def _ctx(
    who: Persona,
    text: str,
    verdict: Feedback,
    states: tuple[DialogueState, DialogueState],
    history: list[Utterance] | None = None,
    seed: str = "ask",
) -> ReplyContext:
    lines = history or [Utterance("persona", who.openings[0])]
    return ReplyContext(
        persona=who,
        difficulty="normal",
        history=(*lines, Utterance("user", text)),
        feedback=verdict,
        before=states[0],
        after=states[1],
        seed=seed,
    )


def _has(answer: str, lines: list[str]) -> bool:
    return any(line in answer for line in lines)


def _substance(who: Persona) -> list[str]:
    return [line for fact in who.facts for line in [*fact.answers, *fact.deeper_texts]]


# --- recognising an ask -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Could you introduce me to the hiring manager for the data platform team?",
        "Would it make sense to set up a follow-up with you and Rachel?",
        "Can I send you my resume?",
        "I'd really love an intro to Marcus.",
        "How would you feel about a coffee next week?",
        "Would you be open to me applying before it's posted?",
        "Could we grab a coffee sometime?",
        "Do you think you could put me in touch with Marcus?",
        "Could you maybe pass my CV along to the team?",
        # Live (session 19): Marisol met this with "Bueno, you've lost me."
        "Could I grab your email and send you a one-pager after the summit?",
    ],
)
def test_recognises_a_request_for_a_favour(text: str) -> None:
    assert asks_for_favour(text)


@pytest.mark.parametrize(
    "text",
    [
        "Could you tell me about the interview process?",
        "What would you need to see before a pilot?",
        "I'd love to hear more about your meeting with Marcus.",
        "Is the interview process long?",
        "Thank you, I'd love that.",
        "Do you have any open roles?",
        "What do you look for in a good candidate?",
        "Do you still carry your number on the pager rota?",
    ],
)
def test_a_question_about_the_same_things_is_not_an_ask(text: str) -> None:
    assert not asks_for_favour(text)


def test_the_persona_s_own_reward_words_count_as_favours() -> None:
    text = "Could I come and walk the floor one night?"
    assert not asks_for_favour(text)
    assert asks_for_favour(text, persona("prospect").reward)


def test_a_request_the_analyzer_calls_a_pitch_is_an_ask_without_a_favour_word() -> None:
    text = "Could you pass it to whoever decides?"
    assert not asks_for_favour(text)
    assert asks_for_favour(text, pitched=True)


# --- answering it -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona_id", ALL_PERSONAS)
def test_an_earned_ask_at_opportunity_is_accepted_naming_the_reward(persona_id: str) -> None:
    who = persona(persona_id)
    text, named = ASKS[persona_id]
    answer = reply(_ctx(who, text, WARM_ASK, EARNED))
    accepted = [line for line in who.reward.accept if line in answer]
    assert len(accepted) == 1, answer
    assert re.search(named, accepted[0])
    assert not _has(answer, [*who.reward.defer, *who.reactions.pitch, *_substance(who)])


@pytest.mark.parametrize("persona_id", ALL_PERSONAS)
def test_an_early_ask_is_deferred_warmly_not_ignored(persona_id: str) -> None:
    who = persona(persona_id)
    answer = reply(_ctx(who, ASKS[persona_id][0], EARLY_ASK, EARLY))
    assert any(answer.startswith(line) for line in who.reward.defer), answer
    assert not _has(answer, [*who.reward.accept, *who.reward.offer, *who.reactions.pitch])
    assert not _has(answer, _substance(who))


@pytest.mark.parametrize("persona_id", ALL_PERSONAS)
def test_an_ask_while_cooling_is_deflected(persona_id: str) -> None:
    who = persona(persona_id)
    answer = reply(_ctx(who, ASKS[persona_id][0], EARLY_ASK, COOLING))
    # Cooling: the deflection without its question back (the persona is looking for the exit).
    assert any(answer.startswith(sentences(line)[0]) for line in who.reactions.pitch), answer
    assert _has(answer, who.reactions.cooling)
    assert not _has(answer, [*who.reward.accept, *who.reward.defer, *who.reward.offer])


def test_an_earned_ask_the_analyzer_calls_self_focus_is_still_accepted() -> None:
    # The analyzer may read "I've enjoyed this ... could you introduce me" as self-focus; the
    # turn costs trust, but the stage (and so the earned reward) holds.
    who = persona()
    dipped = (_state(Stage.OPPORTUNITY, 0.73), _state(Stage.OPPORTUNITY, 0.64, turn=1))
    answer = reply(_ctx(who, ASKS["recruiter"][0], feedback(28, Move.SELF_FOCUS), dipped))
    assert _has(answer, who.reward.accept)
    assert not _has(answer, who.reactions.self_focus)


def test_a_question_asked_beside_an_earned_ask_is_answered_too() -> None:
    who = persona()
    career = next(f for f in who.facts if f.topic == "career_path")
    text = f"{ASKS['recruiter'][0]} And how did you end up in recruiting?"
    answer = reply(_ctx(who, text, feedback(80, Move.FOLLOW_UP_QUESTION), EARNED))
    assert _has(answer, who.reward.accept), answer
    assert _has(answer, [*career.answers, *career.deeper_texts]), answer


def test_a_question_pointing_into_the_ask_stays_on_what_was_asked_for() -> None:
    who = persona()
    marcus = next(h for h in who.hooks if h.id == "hiring_manager_values")
    day = next(f for f in who.facts if f.topic == "day_to_day")
    text = "Could you introduce me to Marcus? And what is he like to work for?"
    answer = reply(_ctx(who, text, feedback(80, Move.FOLLOW_UP_QUESTION), EARNED))
    assert _has(answer, who.reward.accept), answer
    assert _has(answer, [*marcus.guarded, *marcus.reveal, *marcus.deeper_texts]), answer
    assert not _has(answer, [*day.answers, *day.deeper_texts]), answer


def test_a_deferred_ask_still_answers_the_question_beside_it() -> None:
    who = persona()
    career = next(f for f in who.facts if f.topic == "career_path")
    text = f"How did you end up in recruiting? {ASKS['recruiter'][0]}"
    warm = (_state(Stage.RAPPORT, 0.5), _state(Stage.RAPPORT, 0.55, turn=1))
    answer = reply(_ctx(who, text, feedback(70, Move.FOLLOW_UP_QUESTION), warm))
    assert any(answer.startswith(line) for line in who.reward.defer), answer
    assert _has(answer, [*career.answers, *career.deeper_texts]), answer


def test_favour_requests_are_the_asking_sentences_only() -> None:
    text = "That sounds great. Could you introduce me to Marcus? How long has he led the team?"
    assert favour_requests(text) == ["Could you introduce me to Marcus?"]


def test_an_ask_that_reaches_opportunity_gets_one_yes_and_no_separate_offer() -> None:
    who = persona()
    entering = (_state(Stage.DISCOVERY, 0.66), _state(Stage.OPPORTUNITY, 0.70, turn=1))
    answer = reply(_ctx(who, ASKS["recruiter"][0], WARM_ASK, entering))
    assert _has(answer, who.reward.accept)
    assert not _has(answer, who.reward.offer)
    assert not any(_has(answer, h.reveal) for h in who.hooks)  # the yes is this turn's news


def test_trust_above_the_reward_threshold_is_enough_to_accept() -> None:
    who = persona()
    fast = (_state(Stage.RAPPORT, 0.6), _state(Stage.DISCOVERY, 0.69, turn=1))
    assert _has(reply(_ctx(who, ASKS["recruiter"][0], WARM_ASK, fast)), who.reward.accept)


def test_repeated_asks_never_repeat_a_line_while_alternatives_remain() -> None:
    who = persona()
    history = [Utterance("persona", who.openings[0])]
    pool = [*who.reward.accept, *who.reward.confirm]
    said: list[str] = []
    for _ in range(len(pool)):
        ctx = _ctx(who, ASKS["recruiter"][0], WARM_ASK, EARNED, history)
        answer = reply(ctx)
        said += [line for line in pool if line in answer]
        history = [*ctx.history, Utterance("persona", answer)]
    assert sorted(said) == sorted(pool)


def test_the_answer_to_an_ask_is_the_same_for_the_same_seed() -> None:
    who = persona()
    answers = {
        seed: [reply(_ctx(who, ASKS["recruiter"][0], WARM_ASK, EARNED, seed=seed)) for _ in "ab"]
        for seed in ("s1", "s2", "s3", "s4", "s5")
    }
    assert all(first == second for first, second in answers.values())
    assert len({first for first, _ in answers.values()}) > 1


def test_without_accept_and_defer_lines_the_offer_and_the_pitch_lines_answer() -> None:
    who = persona()
    bare = who.model_copy(
        update={"reward": who.reward.model_copy(update={"accept": [], "defer": []})}
    )
    accepted = reply(_ctx(bare, ASKS["recruiter"][0], WARM_ASK, EARNED))
    assert _has(accepted, who.reward.offer)
    deferred = reply(_ctx(bare, ASKS["recruiter"][0], EARLY_ASK, EARLY))
    assert _has(deferred, who.reactions.pitch)


async def test_a_listener_who_asks_once_the_offer_is_made_hears_yes_then_a_warm_close() -> None:
    who = persona()
    conversation = Conversation(who)
    for verdict in LISTENER:
        await conversation.say("What was that like for you?", verdict)
        if conversation.state.stage is Stage.OPPORTUNITY:
            break
    yes = await conversation.say(ASKS["recruiter"][0], WARM_ASK)
    assert _has(yes, [*who.reward.accept, *who.reward.confirm])
    last = yes
    while not conversation.state.ended:
        last = await conversation.say("Thank you, I really appreciate it.", WARM_ASK)
    assert _has(last, who.closings.warm)
    assert not _has(last, who.reward.offer)  # granted already: no second offer in the goodbye


def test_wanting_to_understand_their_business_is_not_an_ask() -> None:
    line = "I'd like to understand how your operation runs. How big is it these days?"
    assert not asks_for_favour(line, pitched=True)


async def test_saying_yes_to_the_offer_and_asking_how_to_follow_up_gets_the_yes() -> None:
    # Held in session 13 (`rapport chat`, alumni_mentor): after "I'd be glad to refer you to
    # Ana", "I'd really like that, thank you. What would be the best way to follow up with her,
    # email?" got his current role and an imposter confession, not the referral.
    who = persona("alumni_mentor")
    conversation = Conversation(who)
    offered = ""
    for verdict in LISTENER:
        offered = await conversation.say("What was that like for you?", verdict)
        if _has(offered, who.reward.offer):
            break
    assert _has(offered, who.reward.offer), "the listener should hear the offer"
    yes = await conversation.say(
        "I'd really like that, thank you. What would be the best way to follow up with her, email?",
        feedback(70, Move.ACKNOWLEDGEMENT, Move.FOLLOW_UP_QUESTION),
    )
    assert _has(yes, [*who.reward.accept, *who.reward.confirm]), yes
    assert not any(line in yes for hook in who.hooks for line in hook.reveal), yes


@pytest.mark.parametrize(
    "persona_id",
    ["prospect", "alumni_mentor", "conference_stranger", "recruiter", "hiring_manager"],
)
async def test_a_yes_to_the_offer_is_never_called_an_ask(persona_id: str) -> None:
    # Held in session 16: Denise offered the night-shift visit, "Yes, I'd like that a lot.
    # Walking the floor first makes sense." got "Alright, that's a reasonable ask." In session
    # 18 Priya offered the intro and heard yes: "Honestly, I was about to offer."
    who = persona(persona_id)
    for seed in range(12):
        conversation = Conversation(who, seed=f"yes-{seed}")
        offered = ""
        for verdict in LISTENER:
            offered = await conversation.say("What was that like for you?", verdict)
            if _has(offered, who.reward.offer):
                break
        if not _has(offered, who.reward.offer):
            continue
        yes = await conversation.say(
            "Yes, I'd like that a lot, thank you.", feedback(70, Move.ACKNOWLEDGEMENT)
        )
        assert not re.search(r"(?i)\b(?:ask|asked|about to (?:offer|suggest))\b", yes), yes
