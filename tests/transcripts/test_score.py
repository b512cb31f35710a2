"""Scoring a parsed transcript: who the learner is, and the report from their turns."""

from __future__ import annotations

import pytest

from app.transcripts.errors import InvalidTranscript, UnknownSpeaker
from app.transcripts.parse import parse
from app.transcripts.score import choose_learner, report_of, score
from tests.api.helpers import LISTENER_TO_RECRUITER, PITCHER_TO_RECRUITER
from tests.transcripts.test_parse import MEETING

PARTNER = [
    "I moved into recruiting from teaching chemistry.",
    "Mostly the people. I still miss the classroom sometimes.",
    "Calendar Tetris, honestly. It's just me since the layoffs.",
    "Engineers who care about the nurses who use our product.",
]


def conversation(lines: list[str]) -> str:
    turns = []
    for partner, mine in zip(PARTNER * 3, lines, strict=False):
        turns += [f"Priya: {partner}", f"Alex: {mine}"]
    return "\n".join(turns)


def test_the_learner_is_found_by_full_name_or_a_unique_word_of_it_in_any_case():
    transcript = parse("Alex Kim: hi\nMarisol Vega: hello\nSam Marisol-Lee: hey")
    assert choose_learner(transcript, "alex kim") == "Alex Kim"
    assert choose_learner(transcript, "ALEX") == "Alex Kim"
    assert choose_learner(transcript, "  Marisol   Vega ") == "Marisol Vega"


def test_a_name_shared_by_two_speakers_is_refused_naming_both():
    transcript = parse("Alex Kim: hi\nAlex Moreno: hello\nSam: hey")
    with pytest.raises(UnknownSpeaker) as caught:
        choose_learner(transcript, "alex")
    assert "Alex Kim, Alex Moreno" in caught.value.detail
    assert caught.value.speakers == ["Alex Kim", "Alex Moreno", "Sam"]


def test_a_transcript_with_one_speaker_is_not_a_conversation():
    with pytest.raises(InvalidTranscript, match="only Alex speaks"):
        choose_learner(parse("Alex: hi\nAlex: anyone?"), "Alex")


def test_a_listener_scores_higher_than_a_pitcher_on_the_same_partner():
    listener = score(parse(conversation(LISTENER_TO_RECRUITER[:4])), "Alex").report
    pitcher = score(parse(conversation(PITCHER_TO_RECRUITER[:4])), "Alex").report
    assert listener.genuine_interest_rate > pitcher.genuine_interest_rate
    assert listener.mean_score > pitcher.mean_score
    assert pitcher.first_pitch_turn is not None


def test_the_others_words_before_the_first_turn_are_the_opening_and_count_in_the_talk_share():
    scored = score(parse("Priya: one two three four five six\nAlex: seven eight?"), "Alex")
    assert scored.report.talk_share == pytest.approx(2 / 8, abs=0.001)


def test_a_report_rebuilt_from_stored_lines_equals_the_scored_one():
    scored = score(parse(MEETING.read_text()), "Alex", outcome="neutral_close")
    stored = [(line.role, line.turn.text, line.feedback) for line in scored.lines]
    assert report_of(stored, "neutral_close") == scored.report
    assert scored.report.trust_curve == [] and scored.report.stages_reached == []
