"""The user's words turned to face them, as a reaction names them mid-sentence."""

from __future__ import annotations

import pytest

from app.dialogue.echo import echo


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "I'm building a scheduling tool for clinics.",
            "you're building a scheduling tool for clinics",
        ),
        (
            "That's not the path I would have guessed, honestly.",
            "that's not the path you would have guessed",
        ),
        ("Because I've got leadership experience.", "you've got leadership experience"),
        ("My team builds billing software.", "your team builds billing software"),
        ("Python is what I mostly write, I guess.", "Python is what you mostly write"),
        (
            "Ha, probably when something I built actually shipped.",
            "when something you built actually shipped",
        ),
        # Held in session 27: Helen said "Okay, Better than you feared. That's a real answer."
        ("Better than I feared.", "better than you feared"),
    ],
)
def test_echo_reads_mid_sentence(message: str, expected: str) -> None:
    assert echo(message) == expected


def test_a_question_or_one_word_has_no_echo() -> None:
    assert echo("What do you do?") is None
    assert echo("Cool.") is None


def test_a_clause_ends_at_and_i_whatever_its_case() -> None:
    message = "Not really. I build payment APIs and I've never met a single person who uses them."
    assert echo(message) == "you build payment APIs"


def test_an_aside_before_the_subject_is_left_out() -> None:
    assert echo("A bit, I mentor two juniors on my team.") == "you mentor two juniors on your team"


def test_was_turns_to_were_only_after_i() -> None:
    assert echo("I was a nurse for years.") == "you were a nurse for years"
    assert (
        echo("My mum was a district nurse for years.") == "your mum was a district nurse for years"
    )


def test_an_answer_opening_with_a_preposition_is_lower_cased_mid_sentence() -> None:
    message = "By asking the people who'll use it before we build anything."
    assert echo(message) == "by asking the people who'll use it before you build anything"


def test_an_apology_or_what_one_meant_is_not_echoed_as_news_about_the_user() -> None:
    # Held on 2026-12-03 (session 9): "Sorry, I was being flippant earlier." got back "You were
    # being flippant earlier. Chale, I like that."
    assert echo("Dr. Amrani still tortures everyone, yes. Sorry, I was being flippant.") is None
    assert echo("I was just kidding about that. I work in logistics.") == "you work in logistics"
    assert echo("What I meant was the pager. I'm on call this week.") == "you're on call this week"


def test_a_bare_yes_names_nothing_to_say_back() -> None:
    # Held on this machine on 2026-12-04 (session 13, `rapport eval` conference_stranger
    # closing-ask): "I did, yes. What did you think of it?" got "Oh, you did, yes, okay, noted."
    assert echo("Hi Marisol, I'm Alex. I did, yes. What did you think of it?") is None
    assert echo("I have, definitely.") is None


def test_the_yes_before_the_answer_is_left_out() -> None:
    # "Yes I was, I work in payments." came back as "you were you work in payments".
    assert echo("Yes I was, I work in payments.") == "you work in payments"
    assert echo("I was, yeah. I run payments at a bank.") == "you run payments at a bank"


def test_was_turns_to_were_keeping_its_comma_and_a_yes_alone_names_nothing() -> None:
    # Live (session 18): "I was, yeah, the bit about blameless reviews got me thinking." came
    # back as "So you were yeah, the bit about ...".
    assert (
        echo("I was, yeah, I run the on-call rota at a bank.")
        == "you run the on-call rota at a bank"
    )
    assert echo("I did, yes, the keynote was great.") is None
    assert echo("I was, yeah, the bit about blameless reviews got me thinking.") is None
    assert echo("Tell me more about that.") is None  # asks; says nothing about them


def test_a_statement_about_the_persona_has_no_echo() -> None:
    """Live (session 23, Denise): "Not yet, you'd be my first." came back as "Okay, not yet,
    you'd be your first." Said of the persona, it is no answer to name back."""
    assert echo("Not yet, you'd be my first.") is None
    assert echo("You've clearly thought about my industry.") is None
