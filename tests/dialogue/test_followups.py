"""missed_follow_up: the coach's next question comes from the persona's own deeper lines."""

from __future__ import annotations

from app.dialogue.followups import missed_follow_up
from app.feedback.types import Utterance
from tests.dialogue.factories import persona


def test_names_the_first_untold_deeper_line_of_the_topic_just_talked_about() -> None:
    who = persona("recruiter")
    fact = who.fact("career_path")
    assert fact is not None
    history = [
        Utterance("persona", who.openings[0]),
        Utterance("user", "How did you end up in recruiting?"),
        Utterance("persona", f"{fact.answers[0]} What brings you here?"),
    ]
    first = fact.deeper_lines[0]
    assert missed_follow_up(who, history) == fact.deeper_questions(first)[0]
    history += [Utterance("user", "Tell me more."), Utterance("persona", first)]
    assert missed_follow_up(who, history) == fact.deeper_questions(fact.deeper_lines[1])[0]


def test_nothing_to_suggest_without_a_topic_or_once_everything_was_told() -> None:
    who = persona("recruiter")
    assert missed_follow_up(who, [Utterance("persona", who.openings[0])]) is None
    fact = who.fact("hobbies")
    assert fact is not None
    told = [Utterance("persona", line) for line in [fact.answers[0], *fact.deeper_lines]]
    assert missed_follow_up(who, told) is None
