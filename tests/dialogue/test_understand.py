"""The matcher: which of the persona's topics a message asks about, if any."""

from __future__ import annotations

import numpy as np
import pytest

from app.dialogue.understand import (
    Topic,
    _group_max,
    _starts,
    index_texts,
    knowledge_index,
    question_part,
)
from tests.dialogue.factories import persona


@pytest.mark.parametrize(
    ("persona_id", "message", "topic"),
    [
        ("recruiter", "how did u end up doing recruiting", "career_path"),
        ("recruiter", "wfh or office for the engineers?", "remote_work"),
        ("conference_stranger", "so what is it you do for work, like day to day?", "work"),
        ("prospect", "how many trucks have you got on the road?", "drivers"),
        # Held in session 16: her way into recruiting, not what the work is like.
        ("recruiter", "What's it like hiring engineers for a hospital network?", "day_to_day"),
        # Held in session 22: what she enjoys had got the hard parts ("Honestly, the no's").
        (
            "recruiter",
            "What about you, what do you enjoy most about recruiting here?",
            "career_path",
        ),
    ],
)
def test_a_question_as_users_type_it_finds_its_topic(
    persona_id: str, message: str, topic: str
) -> None:
    match = knowledge_index(persona(persona_id)).match(message)
    assert match.topic == Topic("fact", topic)


def test_a_pronoun_pointing_back_keeps_the_topic_in_focus() -> None:
    # Live, in `rapport chat`: Marisol had just told of the handover tool; "how did you get
    # people to..." resembles her career-path questions, and she answered with her career.
    index = knowledge_index(persona("conference_stranger"))
    question = (
        "Handover notes every shift is a big habit change. "
        "How did you get people to actually write them?"
    )
    focus = Topic("hook", "handover_tool")
    assert index.match(question, focus).topic == focus
    assert index.match("How did you get into SRE?", focus).topic == Topic("fact", "career_path")


def test_an_elliptical_question_points_at_what_the_sentence_before_it_named() -> None:
    # Held in session 13 (`rapport chat`, alumni_mentor): right after his career story, "Losing
    # the Wall Street job in 2009 sounds brutal though. What was that time like?" got the water
    # model at the utility: "that time" went to the focus, not to the layoff just named.
    index = knowledge_index(persona("alumni_mentor"))
    message = (
        "Through a stats class that used hospital wait times as the dataset, it felt real. "
        "Losing the Wall Street job in 2009 sounds brutal though. What was that time like?"
    )
    focus = Topic("fact", "career_path")
    assert index.match(message, focus).topic == Topic("fact", "layoff")
    # With nothing named before it, the same question continues the focus.
    assert index.match("What was that time like?", focus).topic == focus
    # The same chat, two turns on: right after the apprenticeship reveal (Ana runs it), "she"
    # is the mother the learner just named, not Ana.
    mother = "Your mother saying 'finally' is lovely. What did she see that the others didn't?"
    match = index.match(mother, Topic("hook", "apprenticeship"))
    assert match.topic == Topic("fact", "career_path") and "mother" in (match.line or ""), match


def test_a_question_that_matches_nothing_alone_is_read_with_the_statement_it_points_at() -> None:
    # Held in session 19 (`rapport chat`, recruiter): right after Marcus was named, "Friday
    # afternoons only for the people who didn't get it, that's kind. Why keep that slot when
    # everything else got cut?" matched nothing on its own ('that slot'), and Priya answered
    # with her next line about Marcus ("He does. Out of six engineers...").
    index = knowledge_index(persona("recruiter"))
    focus = Topic("hook", "hiring_manager_values")
    message = (
        "Friday afternoons only for the people who didn't get it, that's kind. "
        "Why keep that slot when everything else got cut?"
    )
    match = index.match(message, focus)
    assert match.topic == Topic("fact", "day_to_day")
    assert "Friday afternoon" in (index.answer(match, []) or "")
    # A question with nothing pointing back is still read alone.
    alone = index.match("Friday afternoons, nice. Why keep a slot when all else got cut?", focus)
    assert alone.query == "Why keep a slot when all else got cut?"


def test_a_question_without_its_mark_after_an_echo_is_what_is_asked() -> None:
    # Live: "my team?" echoed her question, the real one had no question mark, and Marisol
    # answered "my team?" with how she met her team lead in a coffee line.
    index = knowledge_index(persona("conference_stranger"))
    message = (
        "my team? riveting stuff, spreadsheets all day. "
        "so what does reliability even mean at a trucking company lol"
    )
    assert index.match(message).topic == Topic("fact", "work")


def test_what_happened_after_the_tool_was_told_tells_the_night_behind_it() -> None:
    # Live: "It exists because of one forgotten sentence." - "What happened?" got the tool's
    # three questions instead of the story.
    index = knowledge_index(persona("conference_stranger"))
    match = index.match(
        "One forgotten sentence sounds like a story. What happened?", Topic("hook", "handover_tool")
    )
    assert "retry queue" in (index.answer(match, []) or "")


def test_what_changed_after_the_story_in_focus_is_answered_from_it() -> None:
    # Live: after Marisol's 2 a.m. handover story, "What changed on your team after that?" got
    # "It's fine. On-call has its weeks", the guarded line of a hook it resembled.
    index = knowledge_index(persona("conference_stranger"))
    match = index.match("What changed on your team after that?", Topic("fact", "the_talk"))
    assert match.topic == Topic("fact", "the_talk")
    assert "handover note" in (index.answer(match, []) or "")


def test_a_question_about_a_story_already_told_is_not_answered_by_the_next_one() -> None:
    # Live (session 15): after Daniel's drought-model story, "What was that first drought
    # model like to build?" got his mother's 'finally', the next unsaid line of the topic.
    who = persona("alumni_mentor")
    index = knowledge_index(who)
    fact = who.fact("career_path")
    assert fact is not None
    drought = next(d for d in fact.deeper_lines if "drought" in d)
    said = [fact.answers[0], drought]
    match = index.match("What was that first drought model like to build?", None, said)
    assert match.topic == Topic("fact", "career_path")
    assert index.answer(match, said) == drought
    # A follow-up about something not told yet still goes one layer deeper to it.
    match = index.match("What did your mother make of the switch?", None, said)
    assert "mother" in (index.answer(match, said) or "")


def test_a_question_near_one_written_for_a_told_story_is_answered_by_it_again() -> None:
    # Live (session 18): Priya had said "ask him about the ambulance years"; "Before I meet
    # him, what's one thing you'd want me to ask him?" got the next line about Marcus instead.
    who = persona("recruiter")
    index = knowledge_index(who)
    hook = who.hook("hiring_manager_values")
    assert hook is not None
    ambulance = next(d for d in hook.deeper_lines if "ambulance years" in d)
    said = [hook.reveal[0], ambulance]
    question = "Before I meet him, what's one thing you'd want me to ask him?"
    match = index.match(question, index.topic_of(ambulance), said)
    assert match.topic == Topic("hook", "hiring_manager_values")
    assert index.answer(match, said) == ambulance


def test_a_question_two_stories_fit_equally_gets_the_topic_not_one_of_them() -> None:
    # Live (session 16): "How did you figure out what you wanted to do?", the first question
    # on his career, got "My mother had listened to me talk about the fund for six years...":
    # the middle of a story whose start (the fund, the pay cut) he had never told.
    index = knowledge_index(persona("alumni_mentor"))
    match = index.match("How did you figure out what you wanted to do?", None, [])
    assert match.topic == Topic("fact", "career_path")
    assert match.line is None and index.answer(match, []) is None  # the surface: his path


@pytest.mark.parametrize("persona_id", ["recruiter", "alumni_mentor"])
def test_persona_index_warms_exactly_what_the_index_encodes(persona_id: str) -> None:
    # `rapport persona index` fills the encoder's disk cache with index_texts(), without
    # building the index: a text the index adds and the command misses is a slow start-up.
    index = knowledge_index(persona(persona_id))
    assert sorted(index_texts(persona(persona_id))) == sorted(index.row_text)


@pytest.mark.parametrize(
    ("persona_id", "message"),
    [
        ("recruiter", "do you know a good ramen place near the convention centre?"),
        ("conference_stranger", "who won the football last night?"),
    ],
)
def test_a_question_the_persona_knows_nothing_about_gets_no_topic(
    persona_id: str, message: str
) -> None:
    assert knowledge_index(persona(persona_id)).match(message).topic is None


def test_an_elliptical_follow_up_continues_the_topic_in_focus() -> None:
    index = knowledge_index(persona("recruiter"))
    focus = Topic("fact", "hobbies")
    match = index.match("omg how did it go??", focus)
    assert match.topic == focus
    assert match.elliptical


def test_rows_are_grouped_so_each_groups_best_is_one_slice() -> None:
    starts = _starts(np.asarray([0, 0, 1, 2, 2, 2], dtype=np.int32), 3)
    values = np.asarray([0.1, 0.5, 0.2, 0.3, 0.9, 0.0])
    assert _group_max(values, starts).tolist() == pytest.approx([0.5, 0.2, 0.9])
    with pytest.raises(ValueError, match="group by group"):
        _starts(np.asarray([0, 1, 0], dtype=np.int32), 2)


def test_what_she_is_working_on_this_week_is_her_team_not_her_pottery() -> None:
    # Held in session 15: "What are you working on this week?" reached Keiko's ceramics (her
    # "what does your week look like outside the office?"), "What's on your plate this week?"
    # nothing at all.
    index = knowledge_index(persona("hiring_manager"))
    for question in ("What are you working on this week?", "What's on your plate this week?"):
        match = index.match(question)
        assert match.topic is not None and match.topic.id == "platform_team", question
    assert index.match("What do you do outside work?").topic.id == "ceramics"


def test_marisol_knows_her_own_lanyard_count() -> None:
    # Held in session 15: her opener counts lanyards that say 'platform', and "How many
    # platform lanyards so far?" got "No sé. I really don't know. Why do you ask?".
    index = knowledge_index(persona("conference_stranger"))
    match = index.match("How many platform lanyards so far?")
    assert match.topic is not None and match.topic.id == "lanyards"
    work = index.match("What's the platform like at Freightline?").topic
    assert work is not None and work.id != "lanyards"


def test_marisol_says_what_she_named_the_pastries() -> None:
    # Held in session 27: her opener says she has started naming the pastries, and "which
    # pastry got the best name?" got "That one's past my pager. What got you thinking about it?".
    index = knowledge_index(persona("conference_stranger"))
    for question in ("which pastry got the best name?", "so what did you call the croissant?"):
        match = index.match(question)
        assert "Sev One" in (index.answer(match, []) or ""), (question, match)


def test_daniel_tells_how_it_felt_to_see_the_city_use_his_model() -> None:
    # Held in session 16: "the drought model: what was it like seeing the city actually use
    # it?" got his mother's 'finally', the next line of the topic.
    who = persona("alumni_mentor")
    index = knowledge_index(who)
    fact = who.fact("career_path")
    assert fact is not None
    said = [fact.answers[0], next(d for d in fact.deeper_lines if "drought" in d)]
    question = "But wait, the drought model: what was it like seeing the city actually use it?"
    match = index.match(question, Topic("fact", "career_path"), said)
    assert "sprinklers" in (index.answer(match, said) or ""), match


@pytest.mark.parametrize(
    ("said", "question", "expected"),
    [
        # Held in session 16: "did someone do that for you?" after her shadowing rule got the
        # hour after the page; "what do you do to get back to sleep?" after that hour got the
        # outage hook's guarded line. Her own lines invite both questions.
        ("I shadow every new person's first", "did someone do that for you?", "Nobody"),
        ("lying awake afterwards", "what do you do to get back to sleep?", "notebook"),
    ],
)
def test_marisol_answers_the_follow_ups_her_on_call_lines_invite(
    said: str, question: str, expected: str
) -> None:
    who = persona("conference_stranger")
    index = knowledge_index(who)
    fact = who.fact("on_call")
    assert fact is not None
    context = next(w for w in fact.deeper_texts if said in w)
    match = index.match(question, Topic("fact", "on_call"), [context])
    assert expected in (index.answer(match, [context]) or ""), match


def test_denise_asked_about_her_day_tells_her_day_not_her_title() -> None:
    # Held in session 16: "What does your day actually look like?" got "Head of operations.
    # Most of the company reports up to me", with her 5 a.m. pick report authored beside it.
    index = knowledge_index(persona("prospect"))
    match = index.match("What does your day actually look like?", None, [])
    assert "five" in (index.answer(match, []) or ""), match


def test_a_question_that_quotes_a_told_story_to_ask_something_new_is_no_recap() -> None:
    # Held in session 16: "Five a.m., wow. When the error count is high, what's usually behind
    # it?" got "Like I said, my day starts at five with the overnight pick report."
    who = persona("prospect")
    index = knowledge_index(who)
    fact = who.fact("role")
    assert fact is not None
    day = next(d for d in fact.deeper_lines if "five" in d)
    said = [fact.answers[0], day]
    question = "Five a.m., wow. When the error count is high, what's usually behind it?"
    match = index.match(question, Topic("fact", "role"), said)
    assert index.answer(match, said) != day, match


def test_lines_that_fit_about_equally_are_told_in_the_order_they_were_written() -> None:
    # Held in session 16: "Handing over between time zones, what made that part feel real to
    # you?" got "We made written handovers mandatory after that", before "that" (the 2 a.m.
    # outage) was told; the two lines scored 0.352 and 0.340.
    who = persona("conference_stranger")
    index = knowledge_index(who)
    fact = who.fact("the_talk")
    assert fact is not None
    said = [fact.answers[0]]
    question = "Handing over between time zones, what made that part feel real to you?"
    match = index.match(question, Topic("fact", "the_talk"), said)
    assert "2 a.m." in (index.answer(match, said) or ""), match


def test_what_made_you_want_to_start_it_right_after_a_reveal_is_about_the_reveal() -> None:
    # Held in session 16: "What made you want to start it?" right after Daniel told of the
    # apprenticeship got "Plans? Keep learning, keep the team happy.", the guarded line of his
    # summer-school hook ("have you thought about starting something of your own?").
    who = persona("alumni_mentor")
    index = knowledge_index(who)
    hook = who.hook("apprenticeship")
    assert hook is not None
    said = [hook.reveal[0]]
    match = index.match("What made you want to start it?", Topic("hook", "apprenticeship"), said)
    assert match.topic == Topic("hook", "apprenticeship"), match
    assert "2009" in (index.answer(match, said) or ""), match


def test_checking_in_without_a_test_is_answered_by_her_classroom_rule() -> None:
    # Held in session 16: right after "I check in with candidates the way I did with my
    # fourth-period class", "How do you check in with a candidate without making them feel
    # tested?" got "I miss watching the penny drop for a kid".
    who = persona("recruiter")
    index = knowledge_index(who)
    said = next(w for f in who.facts for w in f.deeper_texts if "fourth-period" in w)
    question = (
        "The nod that isn't understanding, ha. How do you check in with a candidate without "
        "making them feel tested?"
    )
    match = index.match(question, index.topic_of(said), [said])
    assert "no question is dumb" in (index.answer(match, [said]) or ""), match


def test_helen_knows_what_was_hard_about_leaving_operations() -> None:
    # Held in session 16: right after her career path, "That's a big switch. What was the
    # hardest part of leaving operating roles?" got "Couldn't tell you. What's behind the
    # question?", about her own life.
    who = persona("investor")
    index = knowledge_index(who)
    fact = who.fact("career_path")
    assert fact is not None
    said = [next(a for a in fact.answers if "angel investing" in a)]
    question = "That's a big switch. What was the hardest part of leaving operating roles?"
    match = index.match(question, Topic("fact", "career_path"), said)
    assert match.topic == Topic("fact", "career_path"), match
    assert "fixes it" in (index.answer(match, said) or ""), match


def test_the_authored_question_of_a_story_already_told_gets_that_story_not_the_next() -> None:
    # Held in session 19 (`rapport chat`, recruiter): after "get Marcus talking about being a
    # paramedic", "Is there anything I should read up on before I meet him?" (the question the
    # author wrote for that line, near word for word) got the next Marcus line, "Calm...".
    index = knowledge_index(persona("recruiter"))
    focus = Topic("hook", "hiring_manager_values")
    hook = persona("recruiter").hook("hiring_manager_values")
    assert hook is not None
    told = next(d for d in hook.deeper_lines if "ambulance years" in d)
    question = "Is there anything I should read up on before I meet him?"
    match = index.match(question, focus, [told])
    assert index.answer(match, [told]) == told
    # Not told yet, the same question reaches it the first time too.
    assert index.answer(index.match(question, focus, []), []) == told


def test_a_question_after_an_echo_asks_what_its_own_words_ask() -> None:
    # Held in session 19 (`rapport chat`, prospect): "Forty grand a month and two big accounts
    # wobbling, that's serious pressure. How did it get this bad?" got who the two accounts are:
    # the echo before the question named them, the question asks the cause.
    index = knowledge_index(persona("prospect"))
    hook = persona("prospect").hook("pain_point")
    assert hook is not None
    cause = next(d for d in hook.deeper_lines if d.startswith("The mistakes pile up"))
    message = (
        "Forty grand a month and two big accounts wobbling, that's serious pressure. "
        "How did it get this bad?"
    )
    said = [hook.reveal[0]]
    match = index.match(message, Topic("hook", "pain_point"), said)
    assert index.answer(match, said) == cause


def test_a_question_past_a_story_already_told_is_no_cue_for_the_next_story() -> None:
    # Held in session 20 (`rapport chat`, recruiter): after the story of the woman who asked what
    # nurses complain about and then fixed the logout bug, "How did she end up fixing the logout
    # thing?" got "Honestly, the unpolished version of people...", the topic's next line. None
    # of Priya's lines says how; she should say she does not know.
    who = persona("recruiter")
    index = knowledge_index(who)
    fact = who.fact("career_fair")
    assert fact is not None
    story = next(d for d in fact.deeper_lines if "logging them out" in d)
    remember = next(d for d in fact.deeper_lines if d.startswith("The conversations I remember"))
    said = [*fact.answers, remember, story]  # as in that conversation
    focus = Topic("fact", "career_fair")
    past = index.match("How did she end up fixing the logout thing?", focus, said)
    assert past.topic == focus and not index.knows_more(past, said)
    # A question one of the untold lines answers is answered by it, story told or not.
    survive = index.match("How do you survive a whole day at a booth?", focus, said)
    assert index.knows_more(survive, said)
    assert "shoes" in str(index.answer(survive, said))
    # Before the story was told, the same question is no question past it.
    before = [*fact.answers, remember]
    assert index.knows_more(index.match(past.query, focus, before), before)


def test_a_question_past_a_story_told_first_thing_is_no_cue_for_another_story() -> None:
    # Held in session 21 (`rapport chat`, recruiter): the story of the logout bug was her first
    # line on the topic, and "How did she figure out that was the thing to fix?" got "It's the
    # one day I meet people before they've polished themselves...": that line beat the surface
    # by the margin, though the story told was nearer in both representations.
    who = persona("recruiter")
    index = knowledge_index(who)
    fact = who.fact("career_fair")
    assert fact is not None
    story = next(d for d in fact.deeper_lines if "logging them out" in d)
    focus = Topic("fact", "career_fair")
    asked = (
        "Getting logged out mid-visit, that must have driven the nurses mad. How did she figure "
        "out that was the thing to fix?"
    )
    past = index.match(asked, focus, [story])
    assert past.topic == focus and past.line is None
    assert not index.knows_more(past, [story])
    # An untold line near a told one still answers what it answers: why his mother said it.
    mentor = persona("alumni_mentor")
    path = mentor.fact("career_path")
    assert path is not None
    told = next(d for d in path.deeper_lines if d.startswith("Moving from finance"))
    why = next(d for d in path.deeper_lines if d.startswith("My mother had listened"))
    mum = knowledge_index(mentor).match(
        "Why did your mum say 'finally'?", Topic("fact", "career_path"), [told]
    )
    assert mum.line == why


def test_a_question_of_its_own_gets_the_line_nearest_it_not_the_one_written_first() -> None:
    # Held in session 20 (`rapport chat`, recruiter): "Did someone from the pharmacy side ever
    # end up on Marcus's team?" got the sticky note on his monitor: the two lines scored within
    # a tie of each other and the one written first was told.
    who = persona("recruiter")
    index = knowledge_index(who)
    hook = who.hook("hiring_manager_values")
    assert hook is not None
    focus = Topic("hook", "hiring_manager_values")
    said = [hook.reveal[0]]
    match = index.match("Did someone from the pharmacy side ever end up on Marcus's team?", focus)
    assert "pharmacy" in str(index.answer(match, said))


def test_an_untold_line_of_the_focus_that_fits_clearly_better_keeps_the_focus() -> None:
    # Held in session 20 (`rapport chat`, recruiter): while Priya said the nurses' thank-yous
    # keep her from leaving, "What kind of thank-you gets you?" got the culture topic (a Slack
    # channel of thank-you notes), not the Fresno nurse's note that kept her.
    who = persona("recruiter")
    index = knowledge_index(who)
    hook = who.hook("recruiter_pressure")
    assert hook is not None
    stays = next(d for d in hook.deeper_lines if d.startswith("What keeps me here"))
    said = [hook.reveal[0], stays]
    focus = Topic("hook", "recruiter_pressure")
    match = index.match("What kind of thank-you gets you?", focus, said)
    assert match.topic == focus
    assert "Fresno" in str(index.answer(match, said))
    # With no focus, the same words are about the culture.
    assert index.match("What kind of thank-you gets you?").topic == Topic("fact", "culture")


def test_an_echo_of_the_focus_before_a_question_keeps_the_question_on_it() -> None:
    # Held in session 21 (`rapport chat`, Marisol): after "I still carry the pager one week in
    # six...", "One week in six so you still know what you're asking of people. What did the
    # last week teach you?" got why she goes to talks: the question alone reads as about them.
    who = persona("conference_stranger")
    index = knowledge_index(who)
    fact = who.fact("on_call")
    assert fact is not None
    said = [a for a in fact.answers if "one week in six" in a]
    focus = Topic("fact", "on_call")
    match = index.match(
        "One week in six so you still know what you're asking of people. What did the last "
        "week teach you?",
        focus,
        said,
    )
    assert match.topic == focus


def test_a_question_the_author_wrote_for_the_focus_keeps_it_over_the_cross_encoder() -> None:
    # Live (session 22, Denise): after the mis-picks in Sacramento (her pain point), "Why
    # Sacramento in particular?" got her office by the rail yards: the scorer and the authored
    # question "why Sacramento more than the others?" both said pain point; the reranker, which
    # reads the words alone, said the city.
    index = knowledge_index(persona("prospect"))
    focus = Topic("hook", "pain_point")
    match = index.match(
        "Forty thousand a month, and two big customers wobbling. That's a lot to carry. "
        "Why Sacramento in particular?",
        focus,
    )
    assert match.topic == focus
    assert match.line is not None and "oldest building" in match.line
    # With nothing in focus, the city's own questions still go to the city.
    assert index.match("What's it like being based in Sacramento?").topic == Topic(
        "fact", "sacramento"
    )


@pytest.mark.parametrize(
    ("persona_id", "focus", "message", "words"),
    [
        # Live (session 22, Priya): after her heavy year, the hardest part got the nurses who
        # keep her there, the one line on that topic with 'hard' in a question.
        (
            "recruiter",
            "recruiter_pressure",
            "Three jobs in one, and you still kept everyone's candidates. That sounds "
            "exhausting. What's been the hardest part of it?",
            "can't get back to",
        ),
        # Live (session 22, Marisol): asked what feedback she hopes for on her tool, she said
        # "Couldn't tell you"; the worry box is what she wants an outsider to try.
        (
            "conference_stranger",
            "handover_tool",
            "And I'd happily be rude about the tool - what kind of feedback are you hoping for?",
            "worry box",
        ),
        # Live (session 22, Marisol): after the garage story, "do you still work on things in
        # the garage with him?" got the next line of her burnout, her quarter off the rotation.
        (
            "conference_stranger",
            "burnout",
            "Bring her the last outage, not a pitch - noted. Going back to your dad: do you "
            "still work on things in the garage with him?",
            "Every Christmas",
        ),
        # Live (session 22, Denise): "Which number would you want her to see move first?"
        # after Rachel's "a pilot, a number and an exit" got the plan again and the budget.
        (
            "prospect",
            "budget_timing",
            "So Rachel wants a pilot, a number and an exit. Which number would you want her to "
            "see move first?",
            "Credits",
        ),
        # Live (session 23, Priya): "I've been on the other end of that silence." "When was
        # that?" got the nurses who keep her there; no line said when.
        (
            "recruiter",
            "recruiter_pressure",
            "You've been on the other end of it. When was that?",
            "eleven hospital networks",
        ),
        # Live (session 23, Priya): after "I've kept it from my manager", what she would say to
        # her manager got Marcus's team (the cross-encoder read 'manager' as the hiring one).
        (
            "recruiter",
            "recruiter_pressure",
            "What would you want to say to your manager, if you did?",
            "second recruiter",
        ),
        # Live (session 23, Marisol): after the paused retry queue, how she felt the next
        # morning got her favourite worry note; no line said how the night sat with her.
        (
            "conference_stranger",
            "handover_tool",
            "Three hours of trucks stuck at docks over one unsaid sentence. How did you feel "
            "the next morning?",
            "napkin",
        ),
        # Live (session 23, Marisol): after she tells new hires about her burnout, "Has anyone
        # taken you up on it?" got how her burnout looked from outside.
        (
            "conference_stranger",
            "burnout",
            "That takes guts in week one. Has anyone taken you up on it?",
            "not okay to take the next page",
        ),
        # Live (session 23, Priya): "Why does Marcus care so much about that?" (explaining to a
        # night nurse) got the tip to ask him about the ambulance years, not the years themselves.
        (
            "recruiter",
            "hiring_manager_values",
            "Explaining your work to a nurse on a night shift, that's a great test. Why does "
            "Marcus care so much about that?",
            "paramedic",
        ),
    ],
)
def test_a_question_about_the_hook_in_focus_reaches_the_line_that_answers_it(
    persona_id: str, focus: str, message: str, words: str
) -> None:
    index = knowledge_index(persona(persona_id))
    match = index.match(message, Topic("hook", focus))
    answer = index.answer(match, [])
    assert match.topic == Topic("hook", focus)
    assert answer is not None and words in answer, answer


def test_what_happened_with_the_rollout_she_watched_fail_reaches_the_rollout() -> None:
    # Live (session 22, Denise): "She watched the last rollout fail. What happened with that
    # one?" while she talked of Rachel and the budget got the budget: 'that one' is the rollout
    # her line named (her previous vendor), and now an authored question of that topic says so.
    # The same with a dash ("...fail - what happened with that one?") is still read as one
    # sentence and kept on the budget: splitting at dashes cost blind questions (session 22).
    index = knowledge_index(persona("prospect"))
    focus = Topic("hook", "budget_timing")
    vendor = Topic("fact", "previous_vendor")
    question = "She watched the last rollout fail. What happened with that one?"
    assert index.match(question, focus).topic == vendor


def test_whether_she_misses_the_classroom_is_what_she_misses() -> None:
    # Live (session 23, Priya): "Do you miss the classroom?" was an authored question of her
    # teaching topic, whose lines say what she taught, so she answered "Chemistry. Four years at
    # a public high school in Sacramento." Now it belongs to the line about what she misses.
    index = knowledge_index(persona("recruiter"))
    question = "From teaching chemistry to recruiting, that's a jump. Do you miss the classroom?"
    answer = index.answer(index.match(question, Topic("fact", "career_path")), [])
    assert answer is not None and "miss" in answer, answer


def test_a_question_with_a_m_in_it_is_one_question() -> None:
    # Live (session 23, Marisol): "What goes wrong at 3 a.m. with twelve thousand drivers?" was
    # split after "a.m." and matched as "with twelve thousand drivers?": Earl, a driver, instead
    # of what goes wrong at night.
    assert question_part("What goes wrong at 3 a.m. with twelve thousand drivers?") == (
        "What goes wrong at 3 a.m. with twelve thousand drivers?"
    )
    assert question_part("I met Dr. Ng at the fair. What did she say about it?") == (
        "What did she say about it?"
    )
    index = knowledge_index(persona("conference_stranger"))
    said = (
        "Marketplace for freight. The idea fits on a napkin. Making it work at 3 a.m. for "
        "twelve thousand drivers does not."
    )
    match = index.match("What goes wrong at 3 a.m. with twelve thousand drivers?", None, [said])
    answer = index.answer(match, [said])
    assert answer is not None and "Barstow" in answer, answer


def test_whether_this_is_a_normal_morning_is_her_morning_not_her_drivers() -> None:
    # Live (session 23, Denise): "Three trucks out right now - is that a normal morning for
    # you?" got "Our drivers are the face of the company": 'trucks' outweighed what was asked.
    # Since session 27 her morning has a topic of its own (`here_and_now`, for what her
    # openings mention): its first answer, "Normal, which means messy...", is the answer.
    index = knowledge_index(persona("prospect"))
    match = index.match("Three trucks out right now - is that a normal morning for you?")
    assert match.topic == Topic("fact", "here_and_now")
    assert index.answer(match, []) is None  # the topic's own answers: her morning
    assert all("aisle six" in line for line in index.surface_lines(match.topic))
    # And "What's on your desk today?" asks about her work, not where her desk is (it got her
    # move from the upstairs office to the dock).
    desk = (
        "Fair enough, I'm just curious what the job is like on a real week. "
        "What's on your desk today?"
    )
    assert index.match(desk).topic == Topic("fact", "role")


def test_what_restaurants_complain_to_drivers_about_is_the_chef_at_the_back_door() -> None:
    # Live (session 23, Denise): "What do restaurants complain to your drivers about most?"
    # after "Our drivers are the face of the company" got driver turnover.
    index = knowledge_index(persona("prospect"))
    said = "Our drivers are the face of the company. Restaurants see them more than they see "
    said += "anyone else from Keller."
    question = (
        "Not yet, you'd be my first. What do restaurants complain to your drivers about most?"
    )
    match = index.match(question, Topic("fact", "drivers"), [said])
    answer = index.answer(match, [said])
    assert answer is not None and "chef yells" in answer, answer


def test_how_she_builds_the_routes_she_asked_about_is_answered() -> None:
    # Live (session 23, Denise): she asks "Have you ever seen how routes get built?"; asked
    # back "How do you build the routes, then?", she told of the drivers' group chat: no line
    # of hers said how.
    index = knowledge_index(persona("prospect"))
    said = [
        "Our drivers are the face of the company. Restaurants see them more than they see "
        "anyone else from Keller.",
        "Driver turnover is around 30% a year, which is actually good for our industry. The "
        "ones who stay do it because they like their customers. I protect those routes.",
    ]
    question = "Thirty percent and still better than most, wow. How do you build the routes, then?"
    match = index.match(question, Topic("fact", "drivers"), said)
    answer = index.answer(match, said)
    assert answer is not None and "whiteboard" in answer, answer


def test_the_hardest_part_of_her_week_is_her_pain_point_not_no_idea() -> None:
    # Live (session 23, Denise): "What's the hardest part of your week right now?" matched
    # nothing and got "Honestly, I don't know. What makes you ask?" from a VP of operations
    # whose mis-picks cost forty thousand a month.
    index = knowledge_index(persona("prospect"))
    question = "I haven't seen it, no. What's the hardest part of your week right now?"
    assert index.match(question, Topic("fact", "drivers")).topic == Topic("hook", "pain_point")


def test_when_someone_last_worked_it_out_at_her_booth_is_this_morning() -> None:
    # Live (session 23, Priya): "Every fair, at least one person works out what they want while
    # they're talking to me." "What was the last time that happened?" got how many fairs she
    # has done: no line told of the last time.
    index = knowledge_index(persona("recruiter"))
    said = [
        "Honestly, the unpolished version of people. Every fair, at least one person works out "
        "what they want while they're talking to me. That never stops being fun."
    ]
    question = "Working it out mid-conversation, I love that. What was the last time that happened?"
    match = index.match(question, Topic("fact", "career_fair"), said)
    answer = index.answer(match, said)
    assert answer is not None and "This morning" in answer, answer


def test_the_last_offer_call_she_made_is_an_offer_call_not_a_thank_you_note() -> None:
    # Live (session 23, Priya): "Do you remember the last one you made?" (the offer call to
    # someone who doubted themselves) got the last thank-you note that kept her from leaving:
    # a line of her burnout, told before she had told the burnout itself.
    index = knowledge_index(persona("recruiter"))
    said = [
        "What I miss most about teaching is seeing someone get it, that little click. I get a "
        "version of it here when someone who doubted themselves gets the offer. That call is "
        "still the best part of my job."
    ]
    question = (
        "The offer call to someone who doubted themselves, that sounds like the best kind of "
        "call. Do you remember the last one you made?"
    )
    match = index.match(question, Topic("fact", "career_path"), said)
    answer = index.answer(match, said)
    assert match.topic == Topic("fact", "career_path")
    assert answer is not None and "pharmacy tech" in answer, answer


def test_an_echo_before_a_question_that_names_its_own_subject_does_not_hold_the_focus() -> None:
    # Live (session 23, Marisol): "Conference coffee doesn't count, fair. What do you do at
    # Freightline?" got the coffee cart by the bridge: the polite echo held the coffee topic.
    index = knowledge_index(persona("conference_stranger"))
    said = ["I'm on my third. The first two were conference coffee, which doesn't count."]
    question = "Conference coffee doesn't count, fair. What do you do at Freightline?"
    match = index.match(question, Topic("fact", "coffee"), said)
    assert match.topic == Topic("fact", "freightline"), match


def test_what_kind_of_errors_gets_the_kinds_before_the_worst_of_them() -> None:
    # Live (session 23, Denise): "When the errors are up, what kind of errors are they?" got
    # "Frozen on the dry truck, by a mile...", the answer to which of the three is worst, before
    # she had named the three.
    index = knowledge_index(persona("prospect"))
    said = [
        "My day starts at five with the overnight pick report. If the error count is high, I "
        "know what my day looks like before I've had coffee."
    ]
    question = "When the errors are up, what kind of errors are they?"
    answer = index.answer(index.match(question, Topic("fact", "role"), said), said)
    assert answer is not None and "same three" in answer, answer


def test_what_east_bay_means_to_her_personally_is_her_worry_not_the_routes() -> None:
    # Live (session 23, Denise): "What would East Bay mean for you personally?" got why the
    # East Bay (the customers in Oakland and Berkeley), not what it means to her.
    index = knowledge_index(persona("prospect"))
    question = (
        "The East Bay site riding on two accounts. What would East Bay mean for you personally?"
    )
    answer = index.answer(index.match(question, Topic("hook", "pain_point")), [])
    assert answer is not None and "keeps me up" in answer, answer


def test_what_to_know_about_rachel_before_the_meeting_is_what_rachel_wants() -> None:
    # Live (session 23, Denise): after she offered a follow-up with Rachel, "What should I know
    # about Rachel before we meet?" matched nothing: "I couldn't tell you. Why does it matter?"
    index = knowledge_index(persona("prospect"))
    question = "Very interested, thank you. What should I know about Rachel before we meet?"
    match = index.match(question, Topic("hook", "pain_point"))
    assert match.topic == Topic("hook", "budget_timing")
    assert match.line is not None and "pilot in one warehouse" in match.line, match


def test_a_dead_truck_s_stops_are_its_deliveries_not_the_dock_noise_stopping() -> None:
    # Held in session 27 (`rapport chat`, Denise): "a reefer dying at 3am sounds brutal. what
    # happens to its stops?" got "Look, it never fully stops. Nights are forklifts...".
    index = knowledge_index(persona("prospect"))
    said = [
        "The four o'clock departures, which went at four-twenty today. One truck's refrigeration "
        "died, so we moved its load across to two others by hand on the dock, in the cold, with "
        "everyone watching the clock."
    ]
    question = "a reefer dying at 3am sounds brutal. what happens to its stops?"
    match = index.match(question, index.topic_of(said[0]), said)
    assert "Route twelve" in (index.answer(match, said) or ""), match
