"""The end-of-conversation report: counts, talk share, trust curve, highlights and tips."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.feedback.analyzer import analyze
from app.feedback.report import ReportTurn, build_report
from app.feedback.types import Evidence, Feedback, Move, Utterance

OPENING = "Hi! I'm Priya, I hire engineers for Northwind. I used to teach chemistry, actually."


def _turns(pairs: Sequence[tuple[str, str | None]]) -> list[ReportTurn]:
    history = [Utterance("persona", OPENING)]
    turns: list[ReportTurn] = []
    for n, (user, reply) in enumerate(pairs, start=1):
        fb = analyze(user, history)
        turns.append(ReportTurn(turn=n, user=user, feedback=fb, reply=reply, trust=0.4 + n / 10))
        history += [Utterance("user", user)] + ([Utterance("persona", reply)] if reply else [])
    return turns


PAIRS = [
    ("What made you leave teaching?", "I wanted more variety, honestly. Every year felt the same."),
    ("So you wanted days that don't repeat.", "Exactly, and recruiting is never the same twice."),
    ("ok", "Anyway."),
    ("Could you refer me to your hiring manager?", None),
]


def _report():  # noqa: ANN202 - the Report type is the subject of the tests
    turns = _turns(PAIRS)
    return build_report(
        OPENING, turns, initial_trust=0.4, stages_reached=["opening", "rapport"], outcome=None
    )


def test_trust_curve_starts_with_the_initial_trust_and_adds_one_point_per_turn() -> None:
    assert _report().trust_curve == [0.4, 0.5, 0.6, 0.7, 0.8]


def test_counts_questions_follow_ups_and_reflections_per_turn() -> None:
    report = _report()  # the referral ask in turn 4 is a question too, one on their agenda
    assert (report.questions, report.follow_up_questions, report.reflections) == (2, 1, 1)
    assert report.agenda_questions == 1
    assert report.reflection_to_question_ratio == 0.5


def test_talk_share_counts_the_opening_and_ignores_missing_replies() -> None:
    report = _report()
    user_words = sum(len(u.split()) for u, _ in PAIRS)
    persona_words = len(OPENING.split()) + sum(len(r.split()) for _, r in PAIRS if r)
    assert abs(report.talk_share - user_words / (user_words + persona_words)) < 0.01


def test_first_pitch_turn_and_genuine_interest_rate() -> None:
    report = _report()
    assert report.first_pitch_turn == 4
    assert report.genuine_interest_rate == 0.5


def test_highlights_quote_the_best_and_the_worst_turns() -> None:
    highlights = _report().highlights
    best = [h for h in highlights if h.kind == "best"]
    worst = [h for h in highlights if h.kind == "worst"]
    assert best[0].turn == 1 and best[0].text == "What made you leave teaching?"
    assert worst[0].turn == 4 and worst[0].text in PAIRS[3][0]


def test_two_or_three_tips_and_the_pitch_is_named() -> None:
    tips = _report().tips
    assert 2 <= len(tips) <= 3
    assert any("Turn 4" in tip for tip in tips)


def test_ratio_is_null_when_the_user_asked_nothing() -> None:
    turns = _turns([("ok", "Right."), ("cool", None)])
    report = build_report(OPENING, turns, initial_trust=0.5, stages_reached=[], outcome=None)
    assert report.questions == 0 and report.reflection_to_question_ratio is None


def test_longest_monologue_is_the_longest_user_message_in_words() -> None:
    long = "I " + "really " * 70 + "like it."
    turns = _turns([("ok", "Right."), (long, None)])
    report = build_report(OPENING, turns, initial_trust=0.5, stages_reached=[], outcome=None)
    assert report.longest_monologue_words == len(long.split())
    assert any("Turn 2 ran" in tip for tip in report.tips)


def test_report_of_a_conversation_without_turns_is_empty_not_an_error() -> None:
    report = build_report(OPENING, [], initial_trust=0.5, stages_reached=["opening"], outcome=None)
    assert report.turns == 0 and report.trust_curve == [0.5] and report.highlights == []


def test_report_serialises_with_every_api_field() -> None:
    fields = set(_report().model_dump(mode="json"))
    assert fields >= {
        "turns",
        "genuine_interest_rate",
        "mean_score",
        "questions",
        "follow_up_questions",
        "talk_share",
        "longest_monologue_words",
        "first_pitch_turn",
        "trust_curve",
        "stages_reached",
        "outcome",
        "highlights",
        "tips",
        "reflection_to_question_ratio",
        "reflections",
    }


def test_a_flawless_conversation_still_gets_two_tips() -> None:
    turns = _turns(
        [
            ("What made you leave teaching?", "I wanted more variety."),
            ("So you wanted days that don't repeat.", "Exactly."),
        ]
    )
    report = build_report(OPENING, turns, initial_trust=0.5, stages_reached=[], outcome=None)
    assert 2 <= len(report.tips) <= 3
    assert report.tips[0].startswith("Keep doing what worked in turn")


# ---------------------------------------------------------------- issue 14: the scorecard


def _given(*turns: tuple[str, list[Move], int, bool]) -> list[ReportTurn]:
    """Turns with the verdicts given, so the scorecard is checked whatever decides the moves."""
    out = []
    for n, (user, moves, score, interest) in enumerate(turns, start=1):
        fb = Feedback(
            genuine_interest=interest,
            score=score,
            moves=moves,
            evidence=[Evidence(move=m, text=user) for m in moves],
            tip="Their tip.",
        )
        out.append(ReportTurn(turn=n, user=user, feedback=fb, reply="Right.", trust=0.5))
    return out


def _card(turns: list[ReportTurn]):  # noqa: ANN202
    return build_report(OPENING, turns, initial_trust=0.5, stages_reached=[], outcome=None)


PITCHER = _given(
    ("How long have you been at Northwind?", [Move.FOLLOW_UP_QUESTION], 85, True),
    ("20% discount if you sign this quarter. Who else needs to approve?", [Move.PITCH], 8, False),
    ("Does Tuesday work for a demo?", [Move.PITCH], 8, False),
    ("Could you forward my profile to your engineering lead?", [Move.PITCH], 8, False),
)


def test_pitcher_who_asked_three_questions_counts_three() -> None:
    card = _card(PITCHER[1:])
    assert card.questions == 3 and card.agenda_questions == 3


def test_pitch_is_never_a_highlight_even_when_its_verdict_missed_it() -> None:
    missed = _given(
        ("Who else needs to approve a purchase like this?", [Move.FOLLOW_UP_QUESTION], 88, True),
        ("What made you leave teaching?", [Move.FOLLOW_UP_QUESTION], 85, True),
    )
    card = _card(missed)
    best = [h for h in card.highlights if h.kind == "best"]
    assert [h.turn for h in best] == [2]
    assert not any("approve" in tip for tip in card.tips if tip.startswith("Keep doing"))


def test_one_word_answerer_gets_the_one_word_advice() -> None:
    card = _card(
        _given(
            ("ok", [Move.MINIMAL], 40, False),
            ("cool", [Move.MINIMAL], 40, False),
            ("yeah", [Move.MINIMAL], 40, False),
        )
    )
    assert any("a word or two" in tip and '"ok"' in tip for tip in card.tips)
    assert not any("None of your questions" in tip for tip in card.tips)


def test_scorecard_tips_use_plain_words() -> None:
    card = _card(
        _given(
            ("What made you leave teaching?", [Move.FOLLOW_UP_QUESTION], 85, True),
            ("How did the first year go?", [Move.FOLLOW_UP_QUESTION], 85, True),
            ("So it was harder than you expected.", [Move.REFLECTION], 85, True),
        )
    )
    text = " ".join(card.tips + [h.note for h in card.highlights])
    assert not re.search(r"\(s\)|MITI", text), text


def test_a_change_of_subject_and_its_tip_are_two_sentences() -> None:
    # Held in session 16: 'Turn 1 changed the subject: They asked "What made you pick a
    # distributor our size?": answer that in a sentence first, ...', two colons in one sentence.
    turns = _given(("How are you handling pick errors today?", [Move.TOPIC_HIJACK], 18, False))
    turns[0].feedback.tip = 'They asked "What brought you here?": answer that first.'
    card = _card(turns)
    said = next(t for t in card.tips if t.startswith("Turn 1 changed the subject"))
    assert (
        said
        == 'Turn 1 changed the subject. They asked "What brought you here?": answer that first.'
    )
