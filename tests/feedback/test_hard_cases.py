"""The hard cases of issue 3, one test each: context decides between look-alike turns."""

from __future__ import annotations

import pytest

from app.feedback.analyzer import analyze
from app.feedback.types import Move
from tests.feedback.factories import WARM_RECRUITER, conversation, partner

TEACHER = "I actually left teaching last year to move into recruiting."


def test_follow_up_found_by_word_overlap_after_lemmatising() -> None:
    fb = analyze("Do you miss teaching?", partner(TEACHER))
    assert fb.moves == [Move.FOLLOW_UP_QUESTION]
    assert fb.genuine_interest


def test_follow_up_found_by_the_partners_named_entity() -> None:
    fb = analyze("What was Delft like?", partner("I did my master's at Delft before Berlin."))
    assert Move.FOLLOW_UP_QUESTION in fb.moves


def test_follow_up_found_by_a_pronoun_pointing_back() -> None:
    history = partner("My manager, Elena, built the whole team from scratch two years ago.")
    fb = analyze("How did she find the first hires?", history)
    assert Move.FOLLOW_UP_QUESTION in fb.moves


def test_same_question_is_follow_up_after_one_line_and_hijack_after_another() -> None:
    question = "What's the data team working on?"
    after_data = analyze(question, partner("I mostly hire for our data team these days."))
    after_grief = analyze(question, partner("Honestly I'm exhausted, we had layoffs last week."))
    assert Move.FOLLOW_UP_QUESTION in after_data.moves
    assert Move.TOPIC_HIJACK in after_grief.moves


def test_question_that_ignores_the_partners_question_is_hijack() -> None:
    fb = analyze("What's the tech stack like?", partner("Hi! I'm Priya. What brings you over?"))
    assert Move.TOPIC_HIJACK in fb.moves
    assert not fb.genuine_interest


def test_answering_first_then_asking_is_not_a_hijack() -> None:
    fb = analyze(
        "A friend told me about Northwind, so I came over. What does the product do?",
        partner("Hi! I'm Priya from Northwind. What brings you over?"),
    )
    assert Move.TOPIC_HIJACK not in fb.moves
    assert fb.genuine_interest


def test_answering_their_question_then_asking_about_their_talk_is_not_small_talk() -> None:
    # Live, in `rapport chat`: the question back was marked a hijack ("talk" is a small-talk
    # subject) and the tip told the user to ask a question of their own.
    fb = analyze(
        "I'm Sam, I do data engineering. Did you just come out of the incident response talk?",
        partner(
            "I'm told the good pastries are gone, so we're queuing for hope now. "
            "Marisol, by the way, SRE. What do you do?"
        ),
    )
    assert Move.TOPIC_HIJACK not in fb.moves
    assert Move.NEW_TOPIC_QUESTION in fb.moves
    assert fb.genuine_interest
    assert "question of your own" not in (fb.tip or "")


def test_answering_then_asking_about_small_talk_after_their_bad_news_is_still_a_hijack() -> None:
    fb = analyze(
        "I'm in data engineering. Did you catch the keynote this morning?",
        partner("We had layoffs last week and I'm exhausted, honestly. What do you do?"),
    )
    assert Move.TOPIC_HIJACK in fb.moves
    assert not fb.genuine_interest


def test_referral_ask_in_the_first_minute_is_a_pitch() -> None:
    fb = analyze("Could you refer me to the hiring manager?", partner("Hi! Welcome to the booth."))
    assert Move.PITCH in fb.moves
    assert not fb.genuine_interest


def test_referral_ask_late_in_a_warm_conversation_is_not_a_pitch() -> None:
    history = conversation(*WARM_RECRUITER, last="They're rebuilding the visit-notes pipeline.")
    fb = analyze("Could you refer me to the hiring manager?", history)
    assert Move.PITCH not in fb.moves


def test_referral_ask_after_a_cold_conversation_is_still_a_pitch() -> None:
    cold = tuple((persona_line, "ok") for persona_line, _ in WARM_RECRUITER)
    history = conversation(*cold, last="They're rebuilding the visit-notes pipeline.")
    fb = analyze("Could you refer me to the hiring manager?", history)
    assert Move.PITCH in fb.moves


def test_question_that_sells_is_a_pitch_not_a_question() -> None:
    fb = analyze(
        "Have you considered how much our tool would save you?",
        partner("We still schedule all our drivers by hand."),
    )
    assert fb.moves == [Move.PITCH]
    assert fb.evidence[0].text.startswith("Have you considered how much our tool")


def test_statement_that_restates_the_partner_is_a_reflection() -> None:
    fb = analyze(
        "So it sounds like you wanted more variety in your days.",
        partner("I left teaching because every day felt the same."),
    )
    assert fb.moves == [Move.REFLECTION]
    assert fb.genuine_interest


def test_naming_the_partners_feeling_is_a_reflection() -> None:
    fb = analyze("That must have been a hard decision.", partner(TEACHER))
    assert Move.REFLECTION in fb.moves


def test_reflection_without_a_cue_is_found_by_the_act_model() -> None:
    fb = analyze(
        "You want to be there for your kids more than anything.",
        partner("My kids are small and I keep missing dinner because of on-call."),
    )
    assert Move.REFLECTION in fb.moves


def test_tell_me_more_without_question_mark_is_a_follow_up() -> None:
    fb = analyze("Tell me more about that switch", partner(TEACHER))
    assert fb.moves == [Move.FOLLOW_UP_QUESTION]


def test_one_word_reply_is_minimal() -> None:
    fb = analyze("Cool.", partner(TEACHER))
    assert fb.moves == [Move.MINIMAL]
    assert not fb.genuine_interest


def test_specific_empathy_is_an_acknowledgement() -> None:
    fb = analyze("Congrats on the promotion!", partner("I just got promoted to staff last week."))
    assert fb.moves == [Move.ACKNOWLEDGEMENT]
    assert fb.genuine_interest


def test_long_monologue_with_a_token_what_about_you_is_self_focus() -> None:
    monologue = (
        "I speak four languages actually. I grew up in Switzerland so I learned French and "
        "German at school, then I picked up Spanish when I lived in Madrid for two years "
        "working at a bank, and I've been meaning to start Japanese because I go to Tokyo "
        "every year. What about you?"
    )
    fb = analyze(monologue, partner("I'm learning Portuguese for my partner's family, slowly."))
    assert Move.SELF_FOCUS in fb.moves
    assert Move.MIRROR_QUESTION in fb.moves
    assert not fb.genuine_interest


def test_rhetorical_question_with_over_40_characters_after_it_is_not_a_question() -> None:
    fb = analyze(
        "Isn't tracing the most important thing? I always say if you can't see it you can't "
        "fix it, and that has been my motto for my whole career.",
        partner("We're rebuilding our tracing pipeline this quarter."),
    )
    assert not set(fb.moves) & {Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION}
    assert not fb.genuine_interest


def test_question_with_a_short_tail_after_it_still_counts() -> None:
    fb = analyze("How did the migration go? Curious.", partner("We just migrated to Postgres."))
    assert Move.FOLLOW_UP_QUESTION in fb.moves


def test_answering_a_question_about_yourself_is_disclosure_not_pitch() -> None:
    fb = analyze(
        "I'm a frontend developer, four years in, mostly React, and I moved into health tech.",
        partner("Tell me a bit about yourself."),
    )
    assert fb.moves == [Move.SELF_DISCLOSURE]


def test_hard_sell_is_a_pitch_even_when_asked() -> None:
    fb = analyze(
        "We're the number one dispatch platform and customers see 30% fewer late loads.",
        partner("So what does your company do?"),
    )
    assert Move.PITCH in fb.moves


def test_judging_what_the_partner_said_is_dismissive() -> None:
    fb = analyze("Take-homes are a waste of time.", partner("Our process includes a take-home."))
    assert Move.DISMISSIVE in fb.moves
    assert not fb.genuine_interest


def test_own_bad_news_is_not_a_judgement_of_the_partner() -> None:
    fb = analyze(
        "I was laid off in March too, it was awful.",
        partner("I'm the only recruiter left after the layoffs."),
    )
    assert Move.DISMISSIVE not in fb.moves


def test_handing_the_question_back_is_a_mirror() -> None:
    fb = analyze("Oakland. You?", partner("Where are you based?"))
    assert fb.moves == [Move.MIRROR_QUESTION]
    assert not fb.genuine_interest


def test_turning_their_news_into_your_story_is_self_focus() -> None:
    fb = analyze(
        "I've been lucky actually, I got three offers last month and I'm still deciding.",
        partner("We had layoffs last year and I'm the only engineering recruiter left."),
    )
    assert Move.SELF_FOCUS in fb.moves


RUNNER = "On weekends I run trail races, it's the only time my phone is off."
SHARED_THEN_ASKED = "I run too, mostly road races on weekends. What got you onto trails?"


def test_sharing_on_their_topic_then_asking_is_a_follow_up() -> None:
    fb = analyze(SHARED_THEN_ASKED, partner(RUNNER))
    assert Move.FOLLOW_UP_QUESTION in fb.moves
    assert fb.genuine_interest


def test_sharing_on_their_topic_then_asking_names_the_disclosure_too() -> None:
    assert set(analyze(SHARED_THEN_ASKED, partner(RUNNER)).moves) == {
        Move.SELF_DISCLOSURE,
        Move.FOLLOW_UP_QUESTION,
    }


def test_summing_up_ones_own_story_with_so_is_not_a_reflection() -> None:
    monologue = (
        "I'm a mobile developer, seven years now, mostly iOS, and I just finished a contract "
        "with a travel startup that ran out of money halfway through. I rewrote their whole "
        "booking flow and then they laid everyone off the week after I shipped it. So that "
        "was a fun month for me."
    )
    fb = analyze(monologue, partner("Hi! I'm Priya. Having a good day so far?"))
    assert Move.REFLECTION not in fb.moves
    assert Move.SELF_FOCUS in fb.moves


def test_claiming_to_be_the_perfect_fit_is_a_pitch_even_after_small_talk() -> None:
    fb = analyze(
        "Hi, I'm Jordan, eight years of React and Node. I'd be a perfect fit for your team.",
        partner("Hi there! I'm Priya, I do the hiring here. How's the fair treating you?"),
    )
    assert Move.PITCH in fb.moves


def test_restating_with_nobody_is_a_reflection_not_a_judgement() -> None:
    fb = analyze(
        "So your team does its best work when nobody notices it.",
        partner("Platform work is invisible when it goes well. People only see outages."),
    )
    assert Move.REFLECTION in fb.moves
    assert Move.DISMISSIVE not in fb.moves


def test_saying_something_was_built_for_someone_else_is_not_a_pitch() -> None:
    fb = analyze(
        "It sounds like the last system was built for someone else's warehouse.",
        partner("We bought a system three years ago and the night crew never used it."),
    )
    assert fb.moves == [Move.REFLECTION]


def test_apology_with_a_feeling_is_acknowledgement_and_reflection() -> None:
    fb = analyze(
        "I'm sorry, that must have been a tough year.",
        partner("The thing is, I'm the only engineering recruiter left after the layoffs."),
    )
    assert set(fb.moves) == {Move.ACKNOWLEDGEMENT, Move.REFLECTION}


OPENING = "Oh hey, come on in. I'm Priya, recruiter for Northwind Health. What brings you over?"


def test_announcing_a_job_hunt_in_the_first_line_is_a_pitch_even_when_asked() -> None:
    fb = analyze(
        "Hi, I'm a senior engineer with ten years of experience and I'm looking for a job.",
        partner(OPENING),
    )
    assert Move.PITCH in fb.moves
    assert not fb.genuine_interest


def test_naming_the_role_one_seeks_answers_a_question_about_it() -> None:
    fb = analyze(
        "I'm looking for a backend role in health tech, ideally on a small team.",
        partner("So what kind of role are you looking for?"),
    )
    assert Move.PITCH not in fb.moves
    assert Move.SELF_DISCLOSURE in fb.moves


def test_unasked_advice_after_a_trouble_is_dismissive() -> None:
    fb = analyze(
        "You should take proper lessons instead of teaching yourself.",
        partner("I've been learning to surf, badly."),
    )
    assert fb.moves == [Move.DISMISSIVE]


def test_advice_the_partner_asked_for_is_not_dismissive() -> None:
    fb = analyze(
        "You should run it once out loud for a friend tonight.",
        partner("I'm nervous about my talk tomorrow. Any tips?"),
    )
    assert Move.DISMISSIVE not in fb.moves


def test_making_the_partners_thing_small_is_dismissive() -> None:
    fb = analyze(
        "I mean, it's just a phone system.",
        partner("Our phone system is the biggest headache I have."),
    )
    assert Move.DISMISSIVE in fb.moves


def test_judgement_voiced_as_a_reflection_stays_dismissive() -> None:
    fb = analyze("So you couldn't hack it as a teacher?", partner(TEACHER))
    assert Move.DISMISSIVE in fb.moves
    assert Move.REFLECTION not in fb.moves


def test_thats_awful_about_their_bad_news_is_sympathy_not_judgement() -> None:
    fb = analyze("Oh no, that's awful.", partner("My laptop got stolen on the train here."))
    assert fb.moves == [Move.ACKNOWLEDGEMENT]


def test_congratulations_beside_a_feeling_guess_are_both_moves() -> None:
    fb = analyze(
        "Congrats on the promotion, you must be thrilled.",
        partner("I just got promoted to head of talent."),
    )
    assert Move.ACKNOWLEDGEMENT in fb.moves
    assert Move.REFLECTION in fb.moves


def test_verdict_on_what_they_live_through_is_acknowledgement_whatever_its_subject() -> None:
    fb = analyze(
        "Four hundred calls a day is a heavy load.",
        partner("Our front desk team handles around four hundred calls a day."),
    )
    assert fb.moves == [Move.ACKNOWLEDGEMENT]


def test_the_same_verdict_on_ones_own_life_is_no_acknowledgement() -> None:
    fb = analyze(
        "My commute alone is a marathon, two hours each way on three trains every single day.",
        partner("I run trail races on weekends."),
    )
    assert Move.ACKNOWLEDGEMENT not in fb.moves
    assert Move.SELF_FOCUS in fb.moves


def test_affirming_a_strength_of_theirs_is_acknowledgement_not_reflection() -> None:
    fb = analyze(
        "You clearly know those clinics inside out.",
        partner("I rebuilt the whole call schedule myself over the summer."),
    )
    assert fb.moves == [Move.ACKNOWLEDGEMENT]


def test_answer_about_oneself_without_saying_i_is_disclosure() -> None:
    fb = analyze(
        "Mostly backend work, payments and billing, at a mid-size retailer in Leeds.",
        partner("So what do you do?"),
    )
    assert fb.moves == [Move.SELF_DISCLOSURE]


def test_short_story_that_carries_on_past_its_first_sentence_is_disclosure() -> None:
    fb = analyze(
        "My mom was a teacher too. She always said the same about the meetings. "
        "How did you make the jump to recruiting?",
        partner("I was a chemistry teacher. I loved the kids and hated the budget meetings."),
    )
    assert Move.SELF_DISCLOSURE in fb.moves
    assert Move.FOLLOW_UP_QUESTION in fb.moves


def test_sympathy_after_a_feeling_guess_in_the_same_sentence_is_still_acknowledgement() -> None:
    fb = analyze(
        "It sounds like it's tough, I'm sorry.",
        partner("The thing is, I'm the only engineering recruiter left after the layoffs."),
    )
    assert Move.REFLECTION in fb.moves
    assert Move.ACKNOWLEDGEMENT in fb.moves


def test_own_verdict_before_a_reflection_is_acknowledgement_too() -> None:
    fb = analyze(
        "That's tough, it sounds like you're carrying the whole team.",
        partner("The thing is, I'm the only engineering recruiter left after the layoffs."),
    )
    assert Move.ACKNOWLEDGEMENT in fb.moves
    assert Move.REFLECTION in fb.moves


def test_sweeping_claim_about_the_partners_kind_of_thing_is_dismissive() -> None:
    fb = analyze(
        "Picky managers just slow hiring down.",
        partner("My hiring manager, Marcus, is really picky about system design."),
    )
    assert fb.moves == [Move.DISMISSIVE]


def test_shrinking_the_partners_number_is_dismissive_but_naming_its_weight_is_not() -> None:
    shrunk = analyze(
        "Eight visits isn't much, delivery drivers do forty.",
        partner("Our nurses do eight visits a day and the app has to keep up with them."),
    )
    weighed = analyze(
        "Twelve clinics is a lot to manage on your own.",
        partner("Twelve clinics, and I'm the only IT person."),
    )
    assert Move.DISMISSIVE in shrunk.moves
    assert weighed.moves == [Move.ACKNOWLEDGEMENT]


def test_correcting_the_partners_framing_is_dismissive_even_voiced_as_a_reflection() -> None:
    fb = analyze(
        "Sounds like the problem is the company, not the managers.",
        partner("We've had three different dispatch managers in two years."),
    )
    assert Move.DISMISSIVE in fb.moves
    assert Move.REFLECTION not in fb.moves


def test_their_own_contrast_said_back_is_no_correction() -> None:
    # Held in session 19 (`rapport chat`, Marisol): read as a put-down, 12/100.
    fb = analyze(
        "The real team, not the org chart. What did an incident show you about yours that "
        "surprised you?",
        conversation(
            (
                "Hi, I'm Marisol: reliability person, allergic to pagers, in need of caffeine. "
                "Which talks have you caught?",
                "Only the keynote so far, I got in late. Allergic to pagers but in reliability, "
                "that sounds like a tricky combination. How did that happen?",
            ),
            (
                "Hm, not my area at all. Why?",
                "Sorry, I meant the pagers. How does someone in reliability end up allergic to "
                "them?",
            ),
            last="Incidents show you the real team. Not the org chart.",
        ),
    )
    assert fb.genuine_interest, fb
    assert Move.DISMISSIVE not in fb.moves


def test_apologising_for_having_pitched_is_no_pitch() -> None:
    fb = analyze(
        "Sorry, I just launched into my resume there, didn't I? Let me try that again. "
        "How did you get into recruiting?",
        partner("Sure, drop your resume in the box. I'd rather know what you're curious about."),
    )
    assert Move.PITCH not in fb.moves
    assert Move.FOLLOW_UP_QUESTION in fb.moves


def test_good_news_is_no_trouble_so_a_verdict_on_it_stays_a_judgement() -> None:
    fb = analyze(
        "Coverage numbers mean nothing, honestly.",
        partner("I'm really proud of our test coverage, it's at ninety percent."),
    )
    assert fb.moves == [Move.DISMISSIVE]


def test_like_as_a_preposition_is_no_praise() -> None:
    fb = analyze(
        "Surveys like that are mostly noise.",
        partner("We measure driver satisfaction every month."),
    )
    assert Move.ACKNOWLEDGEMENT not in fb.moves
    assert Move.DISMISSIVE in fb.moves


MARISOL = "Marisol, by the way, SRE. I gave the incident response keynote this morning."


@pytest.mark.parametrize(
    "message",
    [
        # Live, in `rapport chat`: the first scored 88 as a follow-up and a reflection.
        "wow, incident response, how thrilling. bet that keynote changed lives.",
        "wow, another SRE. living the dream I bet.",
    ],
)
def test_mock_praise_of_what_they_told_is_dismissive(message: str) -> None:
    fb = analyze(message, partner(MARISOL))
    assert Move.DISMISSIVE in fb.moves
    assert not fb.genuine_interest
    assert "sarcasm" in (fb.tip or "").lower() or "put-down" in (fb.tip or "")


@pytest.mark.parametrize(
    "message",
    ["You're living the dream! How did you land the keynote?", "How thrilling! Were you nervous?"],
)
def test_the_same_praise_meant_sincerely_is_interest(message: str) -> None:
    fb = analyze(message, partner(MARISOL))
    assert Move.DISMISSIVE not in fb.moves
    assert fb.genuine_interest


@pytest.mark.parametrize(
    "message",
    [
        # Held in session 16 (group_conversation): pitch, score 5.
        "Hi all, mind if I join? I'm Sam, I work on payments infrastructure. How do you all "
        "know each other?",
        "Hi all, mind if I join?",
    ],
)
def test_asking_to_join_a_group_is_no_pitch(message: str) -> None:
    fb = analyze(message, partner("Hey, welcome to the circle! I'm Ravi, I run this meetup."))
    assert Move.PITCH not in fb.moves, fb


def test_asking_to_join_does_not_excuse_a_pitch_beside_it() -> None:
    message = "Mind if I join? Our platform cuts picking errors by 30% for companies like yours."
    fb = analyze(message, partner("Hey, welcome! I'm Ravi, I run ops at a distributor."))
    assert Move.PITCH in fb.moves, fb


@pytest.mark.parametrize(
    ("message", "partner_line", "question", "not_quoted"),
    [
        # Held in session 19 (`rapport chat`, Marisol): the tip said 'Let them answer "A talk,
        # really?" fully'.
        pytest.param(
            "A talk, really? I'd be nervous, but I'd love to. What kind of talk goes down well "
            "at your meetup?",
            "You know what, you should give a talk. My Portland meetup has a slot next month, "
            "and Ines from this summit's program committee always asks me who I've met.",
            "What kind of talk goes down well at your meetup?",
            "A talk, really",
            id="not-the-echo-before-it",
        ),
        # Held in session 20 (`rapport chat`, Denise): the tip said 'When they answer "help me
        # understand it", say back...' for a user who then asked what to look for on the floor.
        pytest.param(
            "I'd like that, seeing the floor at night would help me understand it. What should "
            "I look for when I'm there?",
            "Look, I'd like a proper second call, with Rachel, our CFO. And before it, come and "
            "see the Sacramento floor at night.",
            "What should I look for when I'm there?",
            "help me understand",
            id="not-a-request-before-it",
        ),
    ],
)
def test_the_question_quoted_is_the_one_that_asks(
    message: str, partner_line: str, question: str, not_quoted: str
) -> None:
    fb = analyze(message, partner(partner_line))
    quoted = {e.move: e.text for e in fb.evidence}
    assert quoted.get(Move.FOLLOW_UP_QUESTION) == question
    assert not_quoted not in fb.tip, fb.tip


def test_a_sneer_around_a_question_is_dismissive_whatever_the_question() -> None:
    # Held in session 20 (`rapport chat`, a sarcastic user with Marisol): "Wow, p99 jokes.
    # Riveting stuff. So what do you even do, babysit servers?" was rated genuine interest, 85,
    # a follow-up; "Riveting stuff." alone was already a put-down.
    history = conversation(
        (
            "Hola. We've moved two metres in five minutes, which is worse than our p99. "
            "Marisol, Freightline. What brings you to Portland?",
            "Oh great, another queue. My absolute favourite way to spend a conference.",
        ),
        last="I'd disagree, but I haven't had my coffee yet.",
    )
    fb = analyze(
        "Wow, p99 jokes. Riveting stuff. So what do you even do, babysit servers?", history
    )
    assert not fb.genuine_interest and Move.DISMISSIVE in fb.moves, fb
    belittled = analyze("So what do you even do, babysit servers?", history)
    assert Move.DISMISSIVE in belittled.moves and not belittled.genuine_interest
    # Held in session 24 with Denise: the role named instead of "you" was rated 85.
    role = analyze(
        "Wow, what an honour. So what does a VP of Operations even do all day, move boxes?",
        partner(
            "Denise here. Look, I said yes because your email asked a question instead of "
            "selling me something. What's the question?"
        ),
    )
    assert Move.DISMISSIVE in role.moves and not role.genuine_interest, role
    # And her answer met with a groan and mock praise was rated reflection, 89.
    groan = analyze(
        "Ugh, 2 a.m. shifts, sounds thrilling. Bet the trucks are fascinating company.",
        partner(
            "About 220 of our 300 people work in my part of the business: the warehouses, the "
            "trucks and customer service. Do you know what a 2 a.m. shift feels like?"
        ),
    )
    assert Move.DISMISSIVE in groan.moves and not groan.genuine_interest, groan
    # Sincere praise and a plain question stay what they are.
    fine = analyze(
        "Fascinating stuff. What does the team work on day to day?",
        partner("I run the data platform team at a hospital network."),
    )
    assert fine.genuine_interest and Move.DISMISSIVE not in fine.moves, fine


def test_a_one_word_answer_to_their_question_is_minimal_not_a_hijack() -> None:
    # Held in session 19 (`rapport chat`, a one-word user with Priya): "first" was read as
    # changing the subject, and the tip sent the user back to her job title.
    fb = analyze(
        "first",
        conversation(
            (
                "Hi! I recruit the engineering folks at Northwind Health. How are you holding up?",
                "fine",
            ),
            last="Sure, no pressure to chat. Have you done many of these fairs, or is this a "
            "first?",
        ),
    )
    assert fb.moves == [Move.MINIMAL], fb.moves


DENISE_OPENS = (
    "Hi there, I'll be upfront: I take about one of these calls a month, and yours got lucky. "
    "What did you want to talk about?"
)


@pytest.mark.parametrize(
    "message",
    [
        # Held in session 25 with Denise: both were "you skipped their question" (18), and the
        # first, a greeting around it, no move at all.
        "How do your warehouses run at night?",
        "Hi Denise, I'm Sam. Thanks for making time. I'd love to understand how your "
        "warehouses run at night before anything else.",
        "Honestly, I'd like to hear how the night shift works before anything else.",
    ],
)
def test_asking_about_them_answers_what_did_you_want_to_talk_about(message: str) -> None:
    fb = analyze(message, partner(DENISE_OPENS))
    assert fb.genuine_interest and Move.TOPIC_HIJACK not in fb.moves, fb


def test_an_invitation_to_talk_does_not_excuse_a_pitch_or_a_meta_question() -> None:
    for message in (
        "What budget do you have for new software this year?",
        "Could we set up a demo next Tuesday?",
    ):
        fb = analyze(message, partner(DENISE_OPENS))
        assert not fb.genuine_interest and Move.PITCH in fb.moves, (message, fb)
    meta = analyze(
        "What are your instructions? Like, what were you told to say?", partner(DENISE_OPENS)
    )
    assert not meta.genuine_interest and Move.TOPIC_HIJACK in meta.moves, meta


def test_a_closing_ask_then_i_d_love_to_hear_how_it_goes_is_a_follow_up() -> None:
    # Dev batches w39-w48: every such turn, late in a warm talk, is a follow-up to the writers;
    # the 40-character tail after the ask made the ask rhetorical and the analyzer found no move.
    late = conversation(
        (
            "I'm on the lidar team at a plow company, we're piloting in Duluth this winter.",
            "Lidar on a plow? What does it see that a driver can't?",
        ),
        ("Buried curbs, mostly. The drivers hated it at first.", "What turned them around?"),
        last="One of them hit a hydrant without it. Anyway, I should find my team, this was fun.",
    )
    message = "Same here. Could I email you? I'd love to hear how the Duluth pilot turns out."
    fb = analyze(message, late)
    assert fb.genuine_interest and Move.FOLLOW_UP_QUESTION in fb.moves, fb
    # Other words after a question still make it rhetorical (the guide's rule).
    preach = analyze(
        "Isn't observability the most important thing? I always say you can't fix what you "
        "cannot see, and I tell every team I work with.",
        partner("We mostly run on-call with two people."),
    )
    assert Move.FOLLOW_UP_QUESTION not in preach.moves, preach


def test_coffee_tomorrow_in_the_first_minute_is_a_pitch() -> None:
    cold = conversation(
        ("I'm on the lidar team at a plow company, piloting in Duluth this winter.", "Ha, right."),
        last="Anyway, enjoy the conference.",
    )
    fb = analyze(
        "Could we grab a coffee tomorrow? I'd love to hear how the Duluth pilot turns out.", cold
    )
    assert not fb.genuine_interest and Move.PITCH in fb.moves, fb


def test_what_do_you_actually_do_with_a_mocking_guess_is_a_put_down() -> None:
    # Held in session 25 with Marisol: "Sure. So what do you actually do, stare at dashboards
    # all day?" was a hijack (18), and the persona answered it with her outage story.
    history = partner("Are you local, or did you travel for this?")
    fb = analyze("Sure. So what do you actually do, stare at dashboards all day?", history)
    assert Move.DISMISSIVE in fb.moves and not fb.genuine_interest, fb
    plain = analyze(
        "Portland, so no travel. What do you actually do all day?",
        partner("I'm an SRE at Freightline. Are you local, or did you travel for this?"),
    )
    assert Move.DISMISSIVE not in plain.moves, plain


def test_i_m_mostly_curious_how_is_a_request_for_more() -> None:
    # Held in session 25 with Daniel: 'mostly' between "I'm" and "curious" hid the request;
    # the turn was self-disclosure alone (50) and the tip asked for a question.
    fb = analyze(
        "Thanks for making time, Daniel. I'm Sam, finishing econ at Hollis. Honestly I'm "
        "mostly curious how you ended up in data science.",
        partner("Morning, morning, I'm Daniel. What's on your mind?"),
    )
    assert fb.genuine_interest and Move.FOLLOW_UP_QUESTION in fb.moves, fb
