"""The benchmark's arithmetic and data handling (the benchmark is `make eval-feedback`)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.feedback.evaluate import (
    SECTION_START,
    AnnoItem,
    annomi_class,
    annomi_dir,
    annotator_agreement,
    evaluate_turns,
    load_annomi,
    prf,
    question_ceiling,
    restatement_coding,
    write_section,
)
from app.feedback.types import Evidence, Feedback, Move

FIELDS = [
    "transcript_id",
    "utterance_id",
    "interlocutor",
    "utterance_text",
    "annotator_id",
    "main_therapist_behaviour",
]


def _feedback(*moves: Move, evidence: list[Evidence] | None = None) -> Feedback:
    return Feedback(
        genuine_interest=False, score=50, moves=list(moves), evidence=evidence or [], tip="x"
    )


def test_precision_recall_f1_on_a_known_case() -> None:
    result = prf([True, True, False, False], [True, False, True, False])
    assert (result.precision, result.recall, result.f1, result.support) == (0.5, 0.5, 0.5, 2)


def test_f1_is_zero_not_an_error_when_nothing_is_predicted() -> None:
    assert prf([True, False], [False, False]).f1 == 0.0


def test_mapping_puts_questions_before_reflections() -> None:
    fb = _feedback(Move.REFLECTION, Move.FOLLOW_UP_QUESTION)
    assert annomi_class("So you moved? Why?", fb) == "question"


def test_mapping_sends_a_pitch_question_to_question() -> None:
    fb = _feedback(Move.PITCH, evidence=[Evidence(move=Move.PITCH, text="Want a demo?")])
    assert annomi_class("Want a demo?", fb) == "question"


def test_mapping_sends_long_unmarked_statements_to_input_and_short_ones_to_other() -> None:
    assert annomi_class("The guideline is ten drinks a week for women at most.", _feedback()) == (
        "therapist_input"
    )
    assert annomi_class("Okay.", _feedback()) == "other"


def test_annomi_directory_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RAPPORT_ANNOMI_DIR", str(tmp_path))
    assert annomi_dir() == tmp_path


def test_annomi_loader_keeps_one_parity_and_takes_the_majority_label(tmp_path: Path) -> None:
    rows = [
        (1, 0, "client", "I drink a lot.", 1, "n/a"),
        (1, 1, "therapist", "You drink a lot.", 1, "reflection"),
        (1, 1, "therapist", "You drink a lot.", 2, "reflection"),
        (1, 1, "therapist", "You drink a lot.", 3, "question"),
        (2, 0, "therapist", "Hello.", 1, "other"),
    ]
    with (tmp_path / "AnnoMI-full.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        writer.writerows(rows)
    items = load_annomi("odd", tmp_path)
    assert [(i.transcript, i.label) for i in items] == [(1, "reflection")]
    assert items[0].history[-1].content == "I drink a lot."
    assert items[0].history[-1].role == "persona"


def test_turn_evaluation_counts_agreement_on_genuine_interest() -> None:
    items = [
        {
            "id": "x1",
            "persona": "recruiter",
            "partner": "I left teaching last year.",
            "message": "What made you leave teaching?",
            "genuine_interest": True,
            "moves": ["follow_up_question"],
            "split": "dev",
        },
        {
            "id": "x2",
            "persona": "recruiter",
            "partner": "I left teaching last year.",
            "message": "ok",
            "genuine_interest": True,
            "moves": ["minimal"],
            "split": "dev",
        },
    ]
    result = evaluate_turns(items)
    assert result["accuracy"] == 0.5
    assert result["moves"]["minimal"].recall == 1.0


def test_markdown_section_is_replaced_and_the_rest_of_the_document_kept(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nAPI figures stay here.\n")
    write_section(doc, "first run")
    write_section(doc, "second run")
    text = doc.read_text()
    assert "API figures stay here." in text
    assert "second run" in text and "first run" not in text
    assert text.count(SECTION_START) == 1


def test_annotator_agreement_scores_each_pair_of_experts_on_shared_utterances(
    tmp_path: Path,
) -> None:
    rows = [
        (1, 1, "therapist", "You drink a lot?", 1, "question"),
        (1, 1, "therapist", "You drink a lot?", 2, "reflection"),
        (1, 2, "therapist", "Why?", 1, "question"),
        (1, 2, "therapist", "Why?", 2, "question"),
        (1, 3, "therapist", "Okay.", 1, "other"),
        (2, 1, "therapist", "Hello?", 1, "question"),
        (2, 1, "therapist", "Hello?", 2, "other"),
    ]
    with (tmp_path / "AnnoMI-full.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        writer.writerows(rows)
    result = annotator_agreement("odd", tmp_path)
    assert result["utterances"] == 2
    assert result["accuracy"] == 0.5
    assert result["per_class"]["question"].f1 == pytest.approx(2 / 3)  # tp 2, fp 1, fn 1


def test_restatement_coding_gives_each_annotators_share_of_question_marked_statements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.feedback.evaluate.RESTATEMENT_MIN", 2)
    fields = ["transcript_id", "utterance_id", "interlocutor", "utterance_text"]
    fields += ["annotator_id", "question_exists"]
    rows = [
        (1, 1, "therapist", "So you drink a lot?", "a", "True"),
        (1, 2, "therapist", "You feel stuck?", "a", "True"),
        (1, 3, "therapist", "So you feel stuck?", "b", "False"),
        (1, 4, "therapist", "It sounds hard. You want to stop?", "b", "True"),
        (1, 5, "therapist", "What do you drink?", "b", "True"),  # question form: not counted
        (1, 6, "therapist", "You drink wine.", "b", "False"),  # no question mark
        (1, 7, "client", "Do I?", "b", "False"),  # the client's turn
        (2, 1, "therapist", "You drink?", "a", "False"),  # even transcript
    ]
    with (tmp_path / "AnnoMI-full.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(fields)
        writer.writerows(rows)

    result = restatement_coding("odd", tmp_path)

    assert result["utterances"] == 4
    assert result["share"] == 0.75
    assert result["per_annotator"] == {"a": 1.0, "b": 0.5}


def test_question_ceiling_scores_what_ifs_on_restatements_the_annotators_split_on() -> None:
    def item(text: str, label: str) -> AnnoItem:
        return AnnoItem(1, 0, text, label, ())

    pairs = [
        (item("So you drink a lot?", "question"), "question"),  # restatement, right
        (item("You feel stuck?", "reflection"), "question"),  # restatement, wrong
        (item("What do you drink?", "question"), "reflection"),  # question form, missed
        (item("You drink wine.", "reflection"), "reflection"),
    ]

    result = question_ceiling(pairs)

    assert result["restatements"] == 2
    assert result["labelled_question"] == 0.5
    assert result["ours_right"] == 0.5
    # experts' labels elsewhere; "question" for both restatements: tp 2, fp 1 -> F1 0.8
    assert result["oracle_elsewhere_f1"] == pytest.approx(0.8)
    # ours elsewhere (the missed question), restatements right: tp 1, fn 1 -> F1 2/3
    assert result["perfect_restatements_f1"] == pytest.approx(2 / 3)
