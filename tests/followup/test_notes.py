"""The follow-up note coach, pure: clear-cut notes (evals/data/notes/own/, written by the coach's
engineer, never used to train or measure it), the evidence, the rewrite and `good`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.config import ROOT
from app.followup import model as note_model
from app.followup.coach import Labels, coach_note, decide_by_rules, second_person
from app.followup.notes import NoteContext, evidence

OWN = ROOT / "evals" / "data" / "notes" / "own" / "session.jsonl"
NOTES = {row["id"]: row for row in map(json.loads, OWN.read_text().splitlines())}


def context(row: dict[str, Any]) -> NoteContext:
    return NoteContext(
        tuple(row["revealed"]), row["offered"], row["ended"], row["channel"], row["partner"]
    )


def coach(note_id: str) -> dict[str, Any]:
    row = NOTES[note_id]
    return coach_note(row["note"], context(row))


def test_the_shipped_model_is_the_one_that_decides():
    assert note_model.load() is not None
    assert coach("own-01")["decided_by"] == "model"


@pytest.mark.parametrize("note_id", sorted(NOTES))
def test_good_follows_the_written_labels_on_clear_cut_notes(note_id: str):
    assert coach(note_id)["good"] is NOTES[note_id]["good"]


def test_a_specific_thank_you_taking_up_the_offer_is_good():
    got = coach("own-01")
    assert got["good"] and got["specific"]["value"] and got["ask"]["value"] == "fine"
    assert any("Sacramento" in d["text"] for d in got["specific"]["details"])


def test_grovelling_is_quoted_from_the_note():
    got = coach("own-04")
    assert got["thanks"]["value"] == "grovelling"
    note = NOTES["own-04"]["note"]
    for span in got["thanks"]["evidence"]:
        assert note[span["start"] : span["start"] + len(span["text"])] == span["text"]
    assert got["rewrite"]["instead_of"] and got["rewrite"]["instead_of"] in note


def test_three_asks_after_a_cool_conversation_are_not_fine():
    assert coach("own-05")["ask"]["value"] in {"too_many", "too_big"}


def test_a_wrong_number_and_count_make_a_note_not_specific():
    got = coach("own-07")
    assert got["specific"]["value"] is False
    assert "nine percent (they said two percent)" in got["specific"]["comment"]


def test_a_one_liner_is_too_short_and_the_rewrite_names_a_real_detail():
    got = coach("own-03")
    assert got["length"]["value"] == "too_short"
    assert "handovers" in got["rewrite"]["write"] or "outage" in got["rewrite"]["write"]


def test_good_is_exactly_the_guides_definition():
    assert Labels(True, "fine", "none", "fine").good
    assert Labels(True, "fine", "fine", "fine").good
    assert not Labels(False, "fine", "fine", "fine").good
    assert not Labels(True, "grovelling", "fine", "fine").good
    assert not Labels(True, "fine", "unclear", "fine").good
    assert not Labels(True, "fine", "fine", "too_long").good


def test_the_rules_alone_still_judge_a_note_without_the_model():
    row = NOTES["own-05"]
    labels = decide_by_rules(evidence(row["note"], context(row)), context(row))
    assert labels.ask == "too_many" and not labels.good


def test_a_wall_of_text_is_too_long():
    row = NOTES["own-06"]
    wall = row["note"] + " I also wanted to tell you about my background." * 40
    assert coach_note(wall, context(row))["length"]["value"] == "too_long"


def test_a_third_person_summary_is_turned_to_face_the_partner():
    assert second_person("she swears by one-page PRDs") == "you swear by one-page PRDs"
    assert second_person("his team is three people") == "your team is three people"
    assert second_person("he studies sleep in zebrafish") == "you study sleep in zebrafish"


MARISOL = NoteContext(
    (
        "Afterwards we made three changes. One-owner systems are banned. Handover notes are "
        "mandatory at shift change.",
        "I'm building a little open-source tool for on-call handovers. A note the person going "
        "off-shift has to fill in. Three questions, that's all.",
        "What's on fire, what have you tried, what are you worried about. That's the whole note. "
        "The worry question is why it works.",
    ),
    None,
    "neutral",
    "email",
    "Marisol Vega",
)


def test_a_long_sentence_that_names_one_thing_she_said_is_specific():
    """From a live `rapport chat` (session 11): the coach called this note not specific ("name
    one thing they told you"), because the sentence naming "the worry question" says much else."""
    note = (
        "Hi Marisol, it was good to meet you in the coffee queue at Cascadia. Your handover "
        "note's worry question stuck with me, and I tried it with my team at Friday's shift "
        "change: two people said more than they ever had. Thanks for telling me about it. Good "
        "luck with the open-source version; I'd be glad to try it when it's out."
    )
    got = coach_note(note, MARISOL)
    assert got["specific"]["value"] and got["good"]
    found = evidence(note, MARISOL)
    assert found.best_coverage > found.best_words and found.coverage_shared >= 2


def test_a_pitch_note_sharing_her_words_is_still_not_specific():
    note = (
        "Hi Marisol, great to meet you at Cascadia. I work on data pipelines at Acme and we are "
        "hiring SREs for on-call; would you have 30 minutes next week to hear about our platform?"
    )
    got = coach_note(note, MARISOL)
    assert not got["good"]
