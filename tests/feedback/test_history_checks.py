"""Turns whose verdict the earlier conversation decides: a callback to something never said, and
a question the partner has already answered. The examples are in the spirit of the dev batches
w46-w48, written fresh for these tests."""

from __future__ import annotations

import pytest

from app.feedback import answered
from app.feedback.analyzer import analyze
from app.feedback.callbacks import never_said
from app.feedback.context import build_context
from app.feedback.types import Move
from tests.feedback.factories import conversation

REI = conversation(
    (
        "Sorry I'm a few minutes late, the 520 bridge was backed up again.",
        "No worries at all. How did you end up at REI?",
    ),
    (
        "I started on the shop floor in Bend, renting out skis. Then someone found out I could "
        "do spreadsheets.",
        "From ski rentals to merchandising. What do you actually decide now?",
    ),
    last="Which products go where in 180 stores, basically. It's a giant puzzle and I love it.",
)
SISTER = conversation(
    (
        "Sorry I'm a bit distracted, my sister opened a bakery in Tacoma last month.",
        "Oh exciting! Is it her first business?",
    ),
    (
        "Her first. She quit nursing to do it.",
        "That's brave. And what do you do at REI?",
    ),
    last="Which products go where in 180 stores, basically. It's a giant puzzle and I love it.",
)
BAKERY = "You mentioned your sister's bakery earlier. How is she finding the first few months?"


def test_callback_to_something_never_said_is_a_hijack_not_a_follow_up() -> None:
    fb = analyze(BAKERY, REI)
    assert not fb.genuine_interest
    assert Move.TOPIC_HIJACK in fb.moves
    assert Move.FOLLOW_UP_QUESTION not in fb.moves
    assert "your sister's bakery" in fb.tip  # the tip names the mix-up


def test_the_same_callback_after_she_spoke_of_the_bakery_is_a_follow_up() -> None:
    fb = analyze(BAKERY, SISTER)
    assert fb.genuine_interest
    assert Move.FOLLOW_UP_QUESTION in fb.moves


def test_a_callback_paraphrasing_what_was_said_is_not_flagged() -> None:
    ctx = build_context(REI)
    assert never_said("You mentioned the traffic on the bridge. Is that every day?", ctx) is None
    assert never_said("You said you started out renting skis, what was that like?", ctx) is None


def test_a_callback_to_a_talk_before_the_conversation_is_not_checked() -> None:
    ctx = build_context(REI)
    message = "On stage you said your first customers came from a church WhatsApp group."
    assert never_said(message, ctx) is None


def test_a_callback_the_user_made_earlier_and_they_let_stand_is_not_flagged() -> None:
    history = conversation(
        (
            "Thanks for coming up after the panel.",
            "I was hooked when you said the pilot almost failed twice.",
        ),
        last="Ha, yes. The first time was the satellite internet, which died in every rainstorm.",
    )
    message = "You said it almost failed twice. What was the second?"
    assert never_said(message, build_context(history)) is None


SIEMENS = conversation(
    (
        "Eleven years at Siemens Healthineers this month. They gave me a glass trophy.",
        "A glass trophy! Where do you keep it?",
    ),
    (
        "On the fridge. My kids use it as a doorstop.",
        "Ha! A glass doorstop, very practical.",
    ),
    last="Best thing they ever gave me.",
)

needs_model = pytest.mark.skipif(answered.model() is None, reason="the hollow-question model")


@needs_model
def test_asking_how_long_after_eleven_years_lines_back_is_hollow() -> None:
    fb = analyze("How long have you been there?", SIEMENS)
    assert not fb.genuine_interest
    assert Move.FOLLOW_UP_QUESTION not in fb.moves
    assert "Eleven years at Siemens Healthineers this month" in fb.tip


@needs_model
def test_asking_what_kept_them_there_eleven_years_is_a_follow_up() -> None:
    fb = analyze("What has kept you at Siemens all that time?", SIEMENS)
    assert fb.genuine_interest


@needs_model
def test_checking_what_was_heard_with_a_question_mark_is_not_hollow() -> None:
    fb = analyze("Eleven years, really?", SIEMENS)
    assert "already" not in fb.tip


@needs_model
def test_a_number_of_something_else_does_not_answer_how_many() -> None:
    # The model alone is sure (0.96) that "three warehouses" answers it: the count must be of
    # what is asked about.
    history = conversation(
        (
            "Ha, welcome. We run three cold-storage warehouses outside Rotterdam.",
            "Cold storage! What goes in them?",
        ),
        last="Mostly fish and flowers, believe it or not.",
    )
    fb = analyze("How many people work the floor in each one?", history)
    assert fb.genuine_interest


@needs_model
def test_a_line_on_the_subject_without_the_answer_does_not_make_it_hollow() -> None:
    history = conversation(
        ("Now I'm at our test campus. We have two.", "Two test campuses?"),
        last="One is basically a frozen lake in Sweden. We test brakes on ice all winter.",
    )
    assert analyze("Which one are you at?", history).genuine_interest


@needs_model
def test_asking_how_many_after_they_gave_the_number_lines_back_is_hollow() -> None:
    history = conversation(
        (
            "So my team is six people, all in Porto Alegre, we build pipelines for satellite "
            "images of soy farms.",
            "Satellite images, very cool.",
        ),
        (
            "Yes, it's fun. But the farmers don't trust the data yet.",
            "Why don't they trust it?",
        ),
        last="Because twice the model said a field was dry and it was raining.",
    )
    fb = analyze("How many people are in your team?", history)
    assert not fb.genuine_interest
    assert "my team is six people" in fb.tip.lower()


def test_minutes_and_hours_answer_how_long() -> None:
    from app.feedback.answered import _holds_kind

    assert _holds_kind("How long does a decision take you?", "My decision takes two minutes.")
    assert _holds_kind("how long was the drive", "About three hours, door to door.")
    assert not _holds_kind("How long does a decision take you?", "I decide with my partner.")


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("Been there long?", "I've been at the ministry eleven years now."),
        ("Et ça a pris combien de temps ?", "Merci ! Deux ans de travaux et de permis."),
        ("E quanto tempo levou?", "Levei três meses, todo fim de semana."),
        ("And you, still Siemens?", "I left Siemens last year, by the way."),
        ("omg nice. are you still at deloitte?", "i left deloitte in march btw"),
        ("What brought you back?", "I came back because the new CEO rebuilt the data team."),
        (
            "¿Y por qué Chile?",
            "Me fui a Chile hace tres años, porque a mi esposa le salió un puesto.",
        ),
        ("wait so what are you doing now?", "I left Spotify, I'm doing product at a startup."),
        ("Where do you work?", "I'm at the Gates Foundation, on the malaria team."),
        ("How did it go?", "I had my final round yesterday and it went badly."),
        ("What's the hardest part?", "The hardest part is giving them back."),
    ],
)
def test_a_line_holding_the_kind_of_answer_asked_for(question: str, line: str) -> None:
    from app.feedback.answered import _holds_kind

    assert _holds_kind(question, line)


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("What's your dog's name?", "Sorry, one sec, my dog is barking at the mail carrier."),
        ("Are you still in touch with Ana?", "We had dinner last month, she's great."),
        ("Been there long?", "I love it there, the people are kind."),
        ("¿Y por qué Chile?", "Me fui a Chile hace tres años."),
        ("How did it go?", "I had my final round yesterday."),
    ],
)
def test_a_line_on_the_subject_without_that_kind_of_answer(question: str, line: str) -> None:
    from app.feedback.answered import _holds_kind

    assert not _holds_kind(question, line)


def test_a_question_without_an_english_question_word_still_asks() -> None:
    from app.feedback.answered import asks_a_kind

    assert asks_a_kind("Been there long?")
    assert asks_a_kind("¿Y por qué Valencia?")
    assert not asks_a_kind("Eleven years?")


@needs_model
def test_asking_how_long_in_other_words_after_they_said_it_is_hollow() -> None:
    history = conversation(
        ("Morning! Are you here for the public-sector panel?", "I am, yes."),
        last="I've been at the ministry eleven years now. Long enough to see three ministers go.",
    )
    fb = analyze("Been there long?", history)
    assert not fb.genuine_interest
    assert "eleven years" in fb.tip
