"""The scripted engine: answers what was asked, in character, without repeating itself."""

from __future__ import annotations

import asyncio
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dialogue import machine
from app.dialogue.engine import ReplyContext
from app.dialogue.scripted import (
    _INDEXES,
    ANSWERS_A_CLAIM,
    FUNCTION_WORDS,
    INDEX_CACHE_SIZE,
    RECAPS,
    SINCE_YOU_ASKED,
    Phrases,
    ScriptedEngine,
    Topic,
    _no_invitation,
    _Reply,
    lemmas,
    mid_sentence,
    persona_index,
    proper_nouns,
    reply,
    reply_chunks,
)
from app.dialogue.types import Outcome, Stage
from app.feedback.types import Evidence, Feedback, Move, Utterance
from app.personas.schema import Persona
from tests.dialogue.factories import (
    LISTENER,
    MAX_TURNS,
    PERSONA_IDS,
    PITCHER,
    Conversation,
    feedback,
    persona,
)

QUESTION = feedback(80, Move.NEW_TOPIC_QUESTION)
FOLLOW_UP = feedback(85, Move.FOLLOW_UP_QUESTION)

# One question per persona and the fact topic that must answer it.
ASKED = {
    "recruiter": ("How did you end up in recruiting?", "career_path"),
    "conference_stranger": ("What do you do on weekends, outside work?", "bikes"),
    "prospect": ("How many restaurants do you deliver to?", "company"),
}
LISTENER_LINES = [
    "How did you get started in this line of work?",
    "Tell me more about that.",
    "So it sounds like that shaped how you work today. What was that like?",
    "What does a typical day look like for you?",
    "That sounds intense. How do you handle the hard days?",
    "What do you do outside work to switch off?",
    "What's the biggest challenge you're facing right now?",
    "That makes sense. What would help most?",
    "How did that feel at the time?",
    "What are you most excited about this year?",
    "I really appreciate you sharing that. What's next for you?",
    "Thank you, I'd like that.",
]


def _yaml_lines(who: Persona) -> list[str]:
    lines = [*who.openings]
    for fact in who.facts:
        lines += [*fact.answers, *fact.deeper_texts]
    for hook in who.hooks:
        lines += [*hook.reveal, *hook.deeper_texts, *hook.guarded]
    for name in type(who.reactions).model_fields:
        lines += getattr(who.reactions, name)
    lines += [*who.reward.offer, *who.reward.confirm, *who.reward.accept, *who.reward.defer]
    lines += [*who.closings.wrap_up]
    lines += [*who.closings.warm, *who.closings.neutral]
    lines += [w for q in who.questions for w in q.wordings]
    return lines


async def _listen(conversation: Conversation) -> None:
    for text, verdict in zip(LISTENER_LINES, LISTENER, strict=False):
        if conversation.state.ended:
            return
        await conversation.say(text, verdict)


async def _listen_to_the_end(conversation: Conversation) -> None:
    """Listen, going round the listener's lines, until the persona closes the conversation:
    it wraps up when its time is up, not after a fixed number of good turns."""
    while not conversation.state.ended:
        for text, verdict in zip(LISTENER_LINES, LISTENER, strict=False):
            if conversation.state.ended:
                return
            await conversation.say(text, verdict)


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_answers_the_topic_that_was_asked(persona_id: str) -> None:
    who = persona(persona_id)
    question, topic = ASKED[persona_id]
    answer = await Conversation(who).say(question, QUESTION)
    fact = who.fact(topic)
    assert fact is not None
    assert any(line in answer for line in fact.answers)


async def test_matches_other_word_forms_of_a_keyword() -> None:
    # The keyword is "bicycle"; the user says "bicycles".
    who = persona("conference_stranger")
    answer = await Conversation(who).say("Are old bicycles still your thing?", QUESTION)
    bikes = who.fact("bikes")
    assert bikes is not None
    assert any(line in answer for line in bikes.answers)


async def test_goes_deeper_on_a_follow_up() -> None:
    who = persona()
    conversation = Conversation(who)
    await conversation.say("How did you end up in recruiting?", QUESTION)
    deeper = await conversation.say("Tell me more about that.", FOLLOW_UP)
    fact = who.fact("career_path")
    assert fact is not None
    assert any(line in deeper for line in fact.deeper_texts)


async def test_never_repeats_a_line_while_alternatives_remain() -> None:
    who = persona()
    fact = who.fact("career_path")
    assert fact is not None
    conversation = Conversation(who, difficulty="easy")
    substance = []
    for _ in range(1 + len(fact.deeper_lines)):
        answer = await conversation.say("And how did you get into recruiting?", QUESTION)
        substance += [line for line in [*fact.answers, *fact.deeper_texts] if line in answer]
    # One answer, then one layer deeper each time; never the same news in other words.
    assert len(substance) == len(set(substance)) == 1 + len(fact.deeper_lines)
    assert len([line for line in substance if line in fact.answers]) == 1


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_a_whole_listening_conversation_never_repeats_a_line(persona_id: str) -> None:
    who = persona(persona_id)
    conversation = Conversation(who)
    await _listen(conversation)
    transcript = "\n".join(conversation.persona_lines())
    repeated = [line for line in set(_yaml_lines(who)) if transcript.count(line) > 1]
    assert repeated == []


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_reveals_each_hook_once_only_after_it_unlocks(persona_id: str) -> None:
    who = persona(persona_id)
    conversation = Conversation(who)
    await _listen(conversation)
    for ctx, line in zip(conversation.contexts, conversation.persona_lines()[1:], strict=True):
        told = [h.id for h in who.hooks if any(r in line for r in h.reveal)]
        assert len(told) <= 1, line  # one revelation per reply
        assert set(told) <= set(ctx.after.unlocked_hooks)
    transcript = "\n".join(conversation.persona_lines())
    for hook in who.hooks:
        assert sum(transcript.count(r) for r in hook.reveal) == 1, hook.id


async def test_one_confession_a_reply_a_hook_s_deeper_line_counts_as_one() -> None:
    # `rapport eval` conference_stranger-easy-closing-ask (session 13): "It's used by four teams
    # at work. What I need is an outsider who'll tell me it's bad." (the handover tool, deeper)
    # then "I don't usually say this to people I just met, but after our big outage two years
    # ago I burned out badly.": two confessions in one reply.
    who = persona("conference_stranger")
    conversation = Conversation(who, difficulty="easy")
    warm = feedback(88, Move.FOLLOW_UP_QUESTION, Move.REFLECTION)
    for text in (
        "I did, yes. What did you think of it?",
        "So the stories landed better than the slides. What kind of work do you do?",
        "So when your platform goes down, trucks actually stop. What's on-call like?",
        "That sounds like it took real work. What are you building outside the day job?",
        "I love how small that is. Who uses it so far?",
        "What was the forgotten sentence behind it?",
    ):
        await conversation.say(text, warm)
    for line in conversation.persona_lines()[1:]:
        told = {
            h.id
            for h in who.hooks
            for text in (*h.reveal, *(w for d in h.deeper_lines for w in h.deeper_wordings(d)))
            if text in line
        }
        assert len(told) <= 1, line


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_a_revelation_is_not_buried_under_a_question_of_its_own(persona_id: str) -> None:
    # Held on 2026-12-03 (session 9): "...Ana Ruiz runs it, and it isn't announced yet. What's
    # been your biggest setback so far?" The reveal is the turn's news; the learner answers it.
    who = persona(persona_id)
    conversation = Conversation(who)
    await _listen(conversation)
    revealing = [
        (line, reveal)
        for line in conversation.persona_lines()[1:]
        for hook in who.hooks
        for reveal in hook.reveal
        if reveal in line
    ]
    assert revealing, "the listener should hear at least one revelation"
    for line, reveal in revealing:
        after = line[line.index(reveal) + len(reveal) :]
        assert "?" not in after, line


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_leaving_a_one_word_answerer_is_not_also_promising_to_talk_on(
    persona_id: str,
) -> None:
    # Held on 2026-12-03 (session 9): "Okay, I'll do the talking then, fine by me. Mm, okay,
    # I'll need to jump back to the booth in a sec."
    who = persona(persona_id)
    minimal = feedback(38, Move.MINIMAL)
    for seed in ("one-word-1", "one-word-2", "one-word-3"):
        conversation = Conversation(who, seed=seed)
        for word in ("ok", "coding", "yeah", "cool", "sure"):
            reply = await conversation.say(word, minimal)
            exits = [line for line in who.reactions.cooling if line in reply]
            if exits:
                reactions = [line for line in who.reactions.minimal if line in reply]
                assert not reactions, reply
            if conversation.state.ended:
                break


async def test_asking_about_a_locked_hook_gets_a_guarded_answer() -> None:
    who = persona()
    hook = who.hook("unlisted_role")
    assert hook is not None
    answer = await Conversation(who).say("Do you have any open roles that aren't posted?", QUESTION)
    assert any(line in answer for line in hook.guarded)
    assert not any(line in answer for line in [*hook.reveal, *hook.deeper_texts])


async def test_asking_about_an_unlocked_hook_goes_deeper_into_it() -> None:
    who = persona()
    conversation = Conversation(who)
    for text, verdict in zip(LISTENER_LINES[:5], LISTENER[:5], strict=True):
        await conversation.say(text, verdict)
    assert "unlisted_role" in conversation.state.unlocked_hooks
    answer = await conversation.say("Could you tell me more about that unposted role?", FOLLOW_UP)
    hook = who.hook("unlisted_role")
    assert hook is not None
    assert any(line in answer for line in hook.deeper_texts)


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_deflects_a_pitch_in_character_without_answering_it(persona_id: str) -> None:
    who = persona(persona_id)
    pitch = "I'm exactly who you need. I've shipped products used by millions of people."
    answer = await Conversation(who).say(pitch, PITCHER[0])
    assert any(answer.startswith(line) for line in who.reactions.pitch)
    fact_lines = [line for fact in who.facts for line in [*fact.answers, *fact.deeper_texts]]
    assert not any(line in answer for line in fact_lines)


async def test_asking_for_the_reward_once_offered_is_taken_as_a_yes() -> None:
    who = persona()
    conversation = Conversation(who)
    for text, verdict in zip(LISTENER_LINES, LISTENER, strict=False):
        await conversation.say(text, verdict)
        if conversation.state.stage is Stage.OPPORTUNITY:
            break
    assert any(offer in conversation.history[-1].content for offer in who.reward.offer)
    ask = feedback(45, Move.PITCH)  # a favour request, which the analyzer may call a pitch
    answer = await conversation.say("Could you introduce me to Marcus?", ask)
    assert any(line in answer for line in [*who.reward.accept, *who.reward.confirm])
    assert not any(line in answer for line in who.reactions.pitch)


async def test_cooling_replies_are_short_and_look_for_the_exit() -> None:
    who = persona()
    warm = Conversation(who)
    warm_reply = await warm.say("What does a typical day look like for you?", QUESTION)
    cold = Conversation(who)
    await cold.say("I'm a great engineer and I want a job.", PITCHER[0])
    cooled = await cold.say("What does a typical day look like for you?", PITCHER[1])
    assert cold.state.stage is Stage.COOLING
    assert any(line in cooled for line in who.reactions.cooling)
    assert "?" not in cooled
    assert len(cooled) < len(warm_reply) + 80


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_walking_away_says_goodbye_in_character(persona_id: str) -> None:
    who = persona(persona_id)
    conversation = Conversation(who)
    for verdict in PITCHER:
        last = await conversation.say("Let me tell you about my product.", verdict)
        if conversation.state.ended:
            break
    assert conversation.state.outcome is Outcome.WALKED_AWAY
    assert last in who.reactions.walk_away


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_a_warm_conversation_offers_the_reward_and_closes_warmly(persona_id: str) -> None:
    who = persona(persona_id)
    conversation = Conversation(who)
    await _listen_to_the_end(conversation)
    assert conversation.state.outcome is Outcome.WARM_CLOSE
    lines = conversation.persona_lines()
    entered = next(
        i for i, ctx in enumerate(conversation.contexts) if ctx.after.stage is Stage.OPPORTUNITY
    )
    assert any(offer in lines[entered + 1] for offer in who.reward.offer)
    assert any(line in lines[-1] for line in who.closings.warm)


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_asks_the_user_questions_back(persona_id: str) -> None:
    who = persona(persona_id)
    conversation = Conversation(who)
    await _listen(conversation)
    said = "\n".join(conversation.persona_lines())
    asked = [q.text for q in who.questions if any(w in said for w in q.wordings)]
    assert len(asked) >= 2


async def test_mirror_question_gets_the_persona_answering_its_own_question() -> None:
    who = persona()
    conversation = Conversation(who)
    answer = await conversation.say(
        "I'm Sam, I mostly build mobile apps.", feedback(55, Move.SELF_DISCLOSURE)
    )
    asked = next(q for q in who.questions if any(w in answer for w in q.wordings))
    assert asked.topic is not None
    mirrored = await conversation.say("Good question! And you?", feedback(60, Move.MIRROR_QUESTION))
    fact = who.fact(asked.topic)
    assert fact is not None
    assert any(line in mirrored for line in [*fact.answers, *fact.deeper_texts])


async def test_a_name_given_alone_to_and_you_are_is_greeted_not_called_few_words() -> None:
    # Held on 2026-12-06 (session 24) as a one-word answerer: "sam" to "I'm Marisol, and you
    # are?" got "Ha, okay, man of few words, or woman, or whoever you are."
    who = persona("conference_stranger")
    asks = next(line for line in who.openings if "and you are?" in line)
    for said, name in (("sam", "Sam"), ("Sam.", "Sam"), ("hi, priyanka", "Priyanka")):
        conversation = Conversation(who)
        conversation.history[0] = Utterance("persona", asks)
        hello = await conversation.say(said, feedback(38, Move.MINIMAL))
        assert any(line.replace("{name}", name) in hello for line in who.reactions.introduced)
        assert not any(line in hello for line in who.reactions.minimal), hello
    for said in ("yeah", "devops", "coffee"):
        conversation = Conversation(who)
        conversation.history[0] = Utterance("persona", asks)
        reply = await conversation.say(said, feedback(38, Move.MINIMAL))
        assert not any(
            line.replace("{name}", said.title()) in reply for line in who.reactions.introduced
        ), reply


@pytest.mark.parametrize("persona_id", ["conference_stranger", "prospect", "recruiter"])
async def test_irony_about_the_moment_gets_dry_humour_not_an_argument(persona_id: str) -> None:
    # Held on 2026-12-06 (session 24) as a sarcastic user: "Oh great, another queue. My
    # absolute favourite way to spend a conference." got Marisol's "Sure, come carry the pager
    # for a week and tell me again", an answer to someone who belittled her work.
    who = persona(persona_id)
    irony = "Oh great, another queue. My absolute favourite way to spend a conference."

    def quoting(span: str) -> Feedback:
        """A dismissive verdict whose evidence is `span`."""
        verdict = feedback(12, Move.DISMISSIVE)
        return verdict.model_copy(update={"evidence": [Evidence(move=Move.DISMISSIVE, text=span)]})

    reply = await Conversation(who).say(irony, quoting("Oh great, another queue"))
    assert any(line in reply for line in who.reactions.sarcasm), reply
    # A put-down of them still gets pushed back on, even beside irony the analyzer quoted.
    sneer = "So what do you even do all day?"
    reply = await Conversation(who).say(sneer, quoting(sneer))
    assert any(line in reply for line in who.reactions.dismissive), reply
    both = "Wow, from the airport, how thrilling. What do you even do, babysit servers?"
    reply = await Conversation(who).say(both, quoting("Wow, from the airport, how thrilling"))
    assert any(line in reply for line in who.reactions.dismissive), reply


async def test_greets_the_user_by_the_name_they_give_once() -> None:
    who = persona("prospect")
    conversation = Conversation(who)
    hello = await conversation.say("Hi Denise, I'm Alex. How is the warehouse?", QUESTION)
    assert any(line.replace("{name}", "Alex") in hello for line in who.reactions.introduced)
    again = await conversation.say("As I said, I'm Alex. What's the night shift like?", QUESTION)
    assert "Alex" not in again


async def test_does_not_take_an_ordinary_word_for_a_name() -> None:
    answer = await Conversation(persona()).say("I'm Really curious, how is the fair?", QUESTION)
    assert "Really" not in answer


async def test_same_seed_and_history_give_the_same_replies() -> None:
    first, second = Conversation(persona(), seed="abc"), Conversation(persona(), seed="abc")
    await _listen(first)
    await _listen(second)
    assert first.history == second.history


async def test_different_seeds_vary_the_wording() -> None:
    transcripts = set()
    for seed in ("s1", "s2", "s3", "s4"):
        conversation = Conversation(persona(), seed=seed)
        await _listen(conversation)
        transcripts.add(tuple(conversation.persona_lines()))
    assert len(transcripts) > 1


async def test_stream_yields_sentences_that_join_into_the_reply() -> None:
    conversation = Conversation(persona())
    await conversation.say("How did you end up in recruiting?", QUESTION)
    ctx = conversation.contexts[-1]
    chunks = [chunk async for chunk in ScriptedEngine().stream(ctx)]
    assert len(chunks) >= 2
    assert "".join(chunks) == reply(ctx) == conversation.history[-1].content
    assert len(reply_chunks(ctx)) == len(chunks)


def test_opening_is_one_of_the_persona_openings_and_seeded() -> None:
    engine, who = ScriptedEngine(), persona()
    assert engine.opening(who, "normal", "x") in who.openings
    assert engine.opening(who, "normal", "x") == engine.opening(who, "normal", "x")
    assert len({engine.opening(who, "normal", str(i)) for i in range(20)}) > 1


async def test_summarize_is_not_needed() -> None:
    assert await ScriptedEngine().summarize(persona(), (), "", 0) is None


def test_every_reply_is_made_of_whole_sentences() -> None:
    for who in map(persona, PERSONA_IDS):
        for line in _yaml_lines(who):
            assert re.search(r"[.!?\"')]$", line), (who.id, line)


# --- properties -------------------------------------------------------------------------------

_texts = st.text(min_size=1, max_size=200) | st.sampled_from(LISTENER_LINES)
_verdicts = st.builds(
    lambda score, moves: Feedback(
        genuine_interest=score >= 60, score=score, moves=sorted(moves), evidence=[], tip="tip"
    ),
    st.integers(0, 100),
    st.sets(st.sampled_from(list(Move)), max_size=3),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PERSONA_IDS),
    st.text(min_size=1, max_size=12),
    st.lists(st.tuples(_texts, _verdicts), min_size=1, max_size=25),
)
def test_any_conversation_gets_a_non_empty_deterministic_reply_every_turn(
    persona_id: str, seed: str, turns: list[tuple[str, Feedback]]
) -> None:
    async def run() -> list[str]:
        conversation = Conversation(persona(persona_id), seed=seed)
        for text, verdict in turns:
            if conversation.state.ended:
                break
            answer = await conversation.say(text, verdict)
            assert answer.strip()
            assert "{name}" not in answer
        return conversation.persona_lines()

    first = asyncio.run(run())
    assert first == asyncio.run(run())


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_every_keyword_has_a_word_that_can_tell_topics_apart(persona_id: str) -> None:
    who = persona(persona_id)
    keywords = [k for f in who.facts for k in f.keywords] + [
        k for h in who.hooks for k in h.keywords
    ]
    vague = [k for k in keywords if not set(lemmas(k)) - FUNCTION_WORDS]
    assert vague == []


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_every_topic_is_reached_by_asking_about_it(persona_id: str) -> None:
    who = persona(persona_id)
    index = persona_index(who)
    for fact in who.facts:
        asked = [index.match(f"What about {k}?", None, lambda _: 0) for k in fact.keywords]
        assert asked.count(Topic("fact", fact.topic)) >= len(asked) / 2, fact.topic


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_asking_about_every_topic_in_turn_never_repeats_a_line(
    persona_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two turns per topic outlast the persona's natural length: let it talk until the turn cap.
    monkeypatch.setattr(machine, "MIN_NATURAL_TURNS", MAX_TURNS)
    who = persona(persona_id)
    conversation = Conversation(who)
    for fact in who.facts:
        # Questions are understood by meaning: ask the way a person would, not by a keyword.
        question = fact.questions[0] if fact.questions else f"What about {fact.keywords[-1]}?"
        asked = await conversation.say(question, feedback(50))
        assert any(line in asked for line in [*fact.answers, *fact.deeper_texts]), fact.topic
        more = await conversation.say("Tell me more about that.", feedback(50))
        assert any(line in more for line in fact.deeper_texts), fact.topic
    transcript = "\n".join(conversation.persona_lines())
    assert [line for line in set(_yaml_lines(who)) if transcript.count(line) > 1] == []


def test_the_persona_index_cache_stays_bounded() -> None:
    copies = [persona().model_copy(deep=True) for _ in range(INDEX_CACHE_SIZE + 10)]
    for copy in copies:
        assert persona_index(copy).owner
    assert len(_INDEXES) <= INDEX_CACHE_SIZE
    assert persona_index(copies[-1]) is persona_index(copies[-1])


def test_phrases_are_found_earliest_first_and_longest_first_at_one_place() -> None:
    phrases = Phrases([("could", "you"), ("you",), ("could", "you", "maybe"), ("coffee",)])
    words = ("could", "you", "maybe", "grab", "a", "coffee")

    found = [(at, phrase) for at, phrase, _ in phrases.found(words)]

    assert found == [
        (0, ("could", "you", "maybe")),
        (0, ("could", "you")),
        (1, ("you",)),
        (5, ("coffee",)),
    ]
    assert phrases.first(words) == (0, ("could", "you", "maybe"))
    assert phrases.first(("no", "match")) == (-1, None)
    assert [number for *_, number in phrases.found(("coffee",))] == [3]  # the order of adding


async def test_a_skipped_question_is_remarked_on_once_then_let_go() -> None:
    who = persona()
    hijack = feedback(40, Move.TOPIC_HIJACK)
    conversation = Conversation(who, difficulty="easy")
    replies = [
        await conversation.say(text, hijack)
        for text in ("What's the office like?", "Do you like running?", "Is the pay good?")
    ]
    remarks = [r for r in replies if any(line in r for line in who.reactions.ignored)]
    assert len(remarks) == 1


async def test_a_question_back_follows_the_topic_just_talked_about() -> None:
    who = persona()
    on_topic = {q.text for q in who.questions if q.topic == "career_path"}
    asked_back = []
    for n in range(12):
        conversation = Conversation(who, seed=f"topic-question-{n}")
        answer = await conversation.say("How did you end up in recruiting?", QUESTION)
        asked_back += [q.text for q in who.questions if any(w in answer for w in q.wordings)]
    # When she asks back after telling her own path, she asks about yours.
    assert asked_back
    assert all(text in on_topic for text in asked_back)


@pytest.mark.parametrize("seed", ["a", "b", "c", "d"])
async def test_a_volunteered_secret_does_not_thank_them_for_asking(seed: str) -> None:
    # Held in session 13 (`rapport chat`, alumni_mentor): asked what the utility work felt like,
    # Daniel added "I'll be honest with you, since you asked. When they made me director...".
    who = persona("alumni_mentor")
    conversation = Conversation(who, seed=seed)
    for verdict in LISTENER:
        await conversation.say("What was that like for you?", verdict)
        if conversation.state.ended:
            break
    lines = conversation.persona_lines()[1:]
    volunteered = [line for line in lines for h in who.hooks for r in h.reveal if r in line]
    assert volunteered, "a listener should hear a secret"
    assert not any(SINCE_YOU_ASKED.search(line) for line in volunteered), volunteered


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_a_pending_secret_is_kept_from_a_put_down_and_told_to_a_listener(
    persona_id: str,
) -> None:
    # Live (session 15): "must be nice being so special" -> "That's one view. Not quite mine.
    # Well, I'll tell you my secret..." A hook earned last turn waits for a turn that earns it.
    who = persona(persona_id)
    conversation = Conversation(who)
    await conversation.say("What was that like for you?", FOLLOW_UP)
    state = conversation.state
    hook = next(h for h in who.hooks if h.id not in state.unlocked_hooks)
    after = state.model_copy(update={"unlocked_hooks": [*state.unlocked_hooks, hook.id]})

    def reply_to(text: str, verdict: Feedback) -> str:
        ctx = ReplyContext(
            persona=who,
            difficulty=conversation.difficulty,
            history=(*conversation.history, Utterance("user", text)),
            feedback=verdict,
            before=after,
            after=after,
            seed=conversation.seed,
        )
        return reply(ctx)

    for text, moves in (
        ("must be nice being so special", (Move.DISMISSIVE,)),
        ("Anyway, could you forward my CV to your lead?", (Move.PITCH,)),
        ("ok", (Move.MINIMAL,)),
    ):
        said = reply_to(text, feedback(10, *moves))
        assert not any(r in said for r in hook.reveal), said
    warm = reply_to("What made that matter so much to you?", FOLLOW_UP)
    assert any(r in warm for r in hook.reveal), warm


async def test_the_persona_does_not_ask_what_the_user_already_told_it() -> None:
    # Live (sessions 14 and 15): "it's my third fair this year" and then Priya's "Is this
    # your first time at one of these, or are you an old hand?".
    who = persona("recruiter")
    fair = next(q for q in who.questions if q.topic == "career_fair")
    for seed in range(40):
        conversation = Conversation(who, seed=f"told-{seed}")
        reply = await conversation.say(
            "Holding up, it's my third fair this year, so I pace myself. How's your day going?",
            QUESTION,
        )
        assert not any(w in reply for w in fair.wordings), reply


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
async def test_a_question_the_persona_cannot_answer_is_not_praised_first(persona_id: str) -> None:
    # Live (session 15, Keiko): "Oh, that's the question I was hoping for. Not my area at all.
    # Where's the question from?"
    who = persona(persona_id)
    praise = set(who.reactions.follow_up)
    for seed in range(30):
        conversation = Conversation(who, seed=f"praise-{seed}")
        reply = await conversation.say(
            "What's the airspeed velocity of an unladen swallow?", FOLLOW_UP
        )
        if any(line in reply for line in who.reactions.no_match or who.reactions.unknown):
            assert not any(line in reply for line in praise), reply


async def test_a_story_asked_about_again_is_recapped_with_one_opener() -> None:
    # Live (sessions 15 and 16): "What was that first drought model like to build?" got the
    # next line of the topic (his mother), and recaps read "Like I said, well, there was...".
    who = persona("alumni_mentor")
    stacked = re.compile(r"(?:said|mentioned|Again|saying), (?:well|chale|honestly|oh|ha)\b", re.I)
    for seed in range(20):
        conversation = Conversation(who, seed=f"again-{seed}")
        await conversation.say("How did you end up in climate work?", QUESTION)
        story = await conversation.say("What did you work on at the water utility?", FOLLOW_UP)
        assert "drought" in story, story
        again = await conversation.say(
            "What was that first drought model like to build?", FOLLOW_UP
        )
        assert "mother" not in again and any(lead in again for lead in RECAPS), again
        assert not stacked.search(again), again


def test_a_recap_keeps_the_capital_of_a_name() -> None:
    # The recap lowered any first letter: "Like I said, marcus, former paramedic, ..." (and
    # authored lines had shipped "Of course, marcus would enjoy talking to you").
    who = persona("recruiter")
    assert {"Marcus", "Northwind", "Oakland"} <= proper_nouns(who)
    assert not {"The", "Honestly", "It"} & proper_nouns(who)
    line = "Marcus, former paramedic, tests everyone the same way."
    assert mid_sentence(line, who) == line
    assert mid_sentence("The first month isn't coding.", who) == "the first month isn't coding."
    assert mid_sentence("I'd say so.", who) == "I'd say so."


async def test_a_recap_retells_what_was_told_not_what_was_asked() -> None:
    # Live (session 17, Priya): "Do you use it yourself when you screen candidates?" after her
    # hiring-manager secret got "Like I said, can I tell you something that's not in any job
    # description?": the recap took the line's first sentence, a question.
    who = persona("recruiter")
    hook = next(h for h in who.hooks if h.id == "hiring_manager_values")
    line = next(r for r in hook.reveal if r.startswith("Can I tell you something"))
    conversation = Conversation(who)
    await conversation.say("How did you end up in recruiting?", QUESTION)
    state = conversation.state
    ctx = ReplyContext(
        persona=who,
        difficulty=conversation.difficulty,
        history=(
            *conversation.history,
            Utterance("user", "What do your hiring managers care about?"),
            Utterance("persona", line),
            Utterance("user", "Do you use it yourself when you screen candidates?"),
        ),
        feedback=FOLLOW_UP,
        before=state,
        after=state,
        seed=conversation.seed,
    )
    recap = _Reply(ctx)._recap(line)
    assert recap is not None and "?" not in recap and "Marcus" in recap, recap


async def test_a_first_question_of_the_users_own_is_not_read_as_a_follow_up_on_the_opener() -> None:
    # Live (session 17, Denise): "Before anything from my side, what does a normal week look
    # like across your warehouses?" after her opener's "What do you know about us so far?" got
    # "I'd be guessing. Where's the question coming from?" in 3 of 4 conversations: the
    # opener's question set the subject (the company), and the matcher found nothing on it.
    # (That question is now one of Denise's own; this one, from dev_writer7/8, is not, and
    # read as a follow-up on Daniel's opener it got 'no idea' in 4 of 4.)
    who = persona("alumni_mentor")
    idk = set(who.reactions.no_match) | set(who.reactions.unknown)
    for seed in range(8):
        conversation = Conversation(who, seed=f"opener-{seed}")
        reply = await conversation.say(
            "what does a normal week even look like for you now that you're in charge of a "
            "whole department",
            QUESTION,
        )
        assert not any(line in reply for line in idk), reply


def test_an_exit_drops_an_invitation_that_opens_with_now() -> None:
    # Live (session 17, Priya, a pitcher): "Okay, pitch received. Now tell me something that
    # would surprise me. Right, I'll let you get on with the fair." asked and left at once.
    assert _no_invitation(
        "Okay, pitch received. Now tell me something that would surprise me."
    ) == ("Okay, pitch received.")
    assert _no_invitation("Telling people no is the hard part.") == (
        "Telling people no is the hard part."
    )
    # Session 25, the same pitcher: "...the careers page, honestly. But tell me something that
    # isn't on your resume. Right, well, I should check on the booth."
    assert _no_invitation(
        "The best way in is the careers page, honestly. But tell me something that isn't on "
        "your resume."
    ) == ("The best way in is the careers page, honestly.")


async def test_a_question_answered_before_a_hijack_is_not_called_skipped() -> None:
    """Live (session 19): to Marisol's "Portland local, or visitor?", "Visitor, from Denver.
    Does Freightline have budget set aside for tooling this year?" got "Mm, that's a no on my
    question, I guess.": the question had been answered, the budget one was the hijack."""
    who = persona("conference_stranger")
    hijack = feedback(18, Move.TOPIC_HIJACK)
    seed = "answered-1"
    opener = Conversation(who, seed=seed).history[-1].content
    assert opener.endswith("Where have you come in from?"), opener
    answered = Conversation(who, seed=seed)
    message = "I've come in from Denver. Does Freightline have budget for tooling this year?"
    reply = await answered.say(message, hijack)
    assert not any(line in reply for line in who.reactions.ignored), reply
    skipped = Conversation(who, seed=seed)
    reply = await skipped.say("Does Freightline have budget for tooling this year?", hijack)
    assert any(line in reply for line in who.reactions.ignored), reply


async def test_a_question_of_its_own_is_not_bent_to_the_subject_of_the_persona_s_opener() -> None:
    # Live (session 22, `rapport chat`, Marisol): her opener "I'm Marisol, one of today's
    # speakers, sort of. Are you speaking, or just here to listen?" reads as about her meetup's
    # call for speakers; "Sort of a speaker? What's your talk about?" then got "There's a
    # community here if you look for it" from that hook, not her own panel.
    who = persona("conference_stranger")
    conversation = Conversation(who, seed="s38")
    assert "Are you speaking, or just here to listen?" in conversation.history[0].content
    answer = await conversation.say(
        "No harm done! Just listening today, I'm Sam. Sort of a speaker? What's your talk about?",
        FOLLOW_UP,
    )
    talk, speakers = who.fact("the_talk"), who.hook("meetup_speakers")
    assert talk is not None and speakers is not None
    own = [*talk.answers, *talk.deeper_texts]
    meetup = [*speakers.guarded, *speakers.reveal, *speakers.deeper_texts]
    assert any(line in answer for line in own), answer
    assert not any(line in answer for line in meetup), answer


@pytest.mark.parametrize("persona_id", ["prospect", "investor", "recruiter"])
async def test_a_pitch_that_only_asks_is_not_answered_as_a_claim(persona_id: str) -> None:
    # Held on 2026-12-06 (session 24) as a seller who asks: "Got it. And who else would need to
    # sign off on a new picking system?" got Denise's "Here's the thing, every vendor says
    # that."
    who = persona(persona_id)
    claim_lines = [line for line in who.reactions.pitch if ANSWERS_A_CLAIM.search(line)]
    assert claim_lines
    for seed in range(12):
        conversation = Conversation(who, seed=f"ask-{seed}")
        reply = await conversation.say(
            "Got it. And who else would need to sign off on a new system like ours?",
            feedback(5, Move.PITCH),
        )
        assert not any(line in reply for line in claim_lines), reply
    claimed = set()
    for seed in range(40):
        conversation = Conversation(who, seed=f"claim-{seed}")
        claimed.add(
            await conversation.say(
                "We cut errors by 30% for companies your size, and onboarding takes a week.",
                feedback(5, Move.PITCH),
            )
        )
    assert any(line in reply for reply in claimed for line in claim_lines)
