"""The recall check, pure: a transcript built from the persona file's own lines, so that the
test does not depend on which variant an engine picks."""

from __future__ import annotations

import pytest

from app.config import ROOT
from app.dialogue.types import DialogueState
from app.feedback.types import Utterance
from app.followup.recall import check_recall, claims
from app.followup.revealed import background, revealed
from app.personas.registry import load_personas
from app.personas.schema import Persona


@pytest.fixture(scope="module")
def priya() -> Persona:
    return load_personas(ROOT / "personas").get("recruiter")


def conversation(priya: Persona, *, unlocked: bool = True) -> tuple[list[Utterance], DialogueState]:
    career, company = priya.fact("career_path"), priya.fact("company")
    hook = priya.hook("recruiter_pressure")
    assert career and company and hook
    lines = [
        Utterance("persona", priya.openings[0]),
        Utterance("user", "Hi Priya, I'm Alex. How did you end up in recruiting?"),
        # "Funny story: I was a chemistry teacher. Four years in Sacramento, ..."
        Utterance("persona", f"Ha. {career.answers[3]} What brings you here?"),
        Utterance("user", "What does Northwind build?"),
        Utterance("persona", company.answers[0]),
        Utterance("user", "That sounds like a lot to carry on your own."),
        Utterance("persona", hook.reveal[0]),
    ]
    hooks = [hook.id] if unlocked else []
    return lines, DialogueState(trust=0.7, ended=True, unlocked_hooks=hooks)


def score(priya: Persona, answer: str, **kw: bool):  # type: ignore[no-untyped-def]
    lines, state = conversation(priya, **kw)
    items = revealed(priya, lines, state)
    return check_recall(answer, items, background(priya, lines), partner=priya.name)


def test_what_the_persona_revealed_is_its_facts_and_the_hooks_it_unlocked(priya):
    lines, state = conversation(priya)
    kinds = [r.kind for r in revealed(priya, lines, state)]
    assert kinds == ["fact", "fact", "hook"]
    lines, locked = conversation(priya, unlocked=False)
    assert "hook" not in [r.kind for r in revealed(priya, lines, locked)]


def test_the_opening_line_is_not_something_learned(priya):
    lines, state = conversation(priya)
    assert all(r.index > 0 for r in revealed(priya, lines, state))


def test_a_model_persona_that_words_its_lines_itself_still_reveals_its_statements(priya):
    lines = [
        Utterance("persona", "Hi, I'm Priya from Northwind."),
        Utterance("user", "How did you get into recruiting?"),
        Utterance(
            "persona",
            "Honestly? I spent four years teaching chemistry in Sacramento "
            "before a friend pulled me into hospital recruiting. What about you?",
        ),  # fmt: skip
    ]
    [item] = revealed(priya, lines, DialogueState(trust=0.5))
    assert item.kind == "said" and "chemistry" in item.text and "?" not in item.text


def test_three_facts_recalled_score_higher_than_one_fact_and_one_invention(priya):
    three = score(
        priya,
        "She was a chemistry teacher in Sacramento for four years before recruiting. "
        "Northwind makes software for home-care nurses. She's been doing three people's jobs "
        "since the layoffs.",
    )
    one_and_invented = score(
        priya, "She used to teach chemistry. She has two kids and a dog called Rex."
    )
    assert len(three.to_json()["recalled"]) == 3, three.to_json()
    assert [c.verdict for c in one_and_invented.claims] == ["recalled", "invented"]
    assert three.score > one_and_invented.score


def test_a_wrong_number_is_misremembered(priya):
    result = score(priya, "She taught chemistry for six years before she went into recruiting.")
    [claim] = result.to_json()["misremembered"]
    assert claim["detail"].lower() == "six years (they said four years)"
    assert claim["revealed"]["topic"] == "career_path"
    assert result.to_json()["recalled"] == []


def test_a_wrong_place_is_misremembered(priya):
    result = score(priya, "She taught chemistry in Oakland for four years.")
    [claim] = result.to_json()["misremembered"]
    assert "Oakland" in claim["detail"] and "Sacramento" in claim["detail"]


def test_impressions_and_the_public_profile_are_neither_credited_nor_invented(priya):
    result = score(priya, "She was really friendly. She recruits engineers for Northwind Health.")
    body = result.to_json()
    assert body["invented"] == [] and body["recalled"] == []
    assert [c["claim"] for c in body["also_true"]] == [
        "She recruits engineers for Northwind Health"
    ]
    assert result.score == 0


def test_nothing_recalled_lists_everything_as_missed(priya):
    result = score(priya, "Not much, to be honest.")
    assert len(result.missed) == 3 and result.score == 0
    assert "missed" in result.tip or "told you" in result.tip


def test_claims_are_quoted_exactly_and_split_at_clauses():
    answer = "She taught chemistry, and she runs trail races; Northwind has 400 people."
    found = claims(answer)
    assert found == ["She taught chemistry", "she runs trail races", "Northwind has 400 people"]
    assert all(c in answer for c in found)


def test_a_hidden_fact_weighs_more_than_a_fact_told_to_anyone(priya):
    hook = score(priya, "She's been doing three people's jobs since the layoffs.")
    fact = score(priya, "Northwind makes software for home-care nurses.")
    assert hook.score > fact.score > 0


def test_one_sentence_that_names_two_things_she_said_recalls_both():
    """From a live `rapport chat` (session 11): the learner named Marisol's tool and its three
    questions in one sentence; the check credited the tool and listed the questions as missed."""
    from app.followup.revealed import Revealed

    items = [
        Revealed("fact", "I'm building a little open-source tool for on-call handovers. A note "
                 "the person going off-shift has to fill in. Three questions, that's all.", 5),
        Revealed("hook", "What's on fire, what have you tried, what are you worried about. "
                 "That's the whole note. The worry question is why it works.", 7),
        Revealed("fact", "I took two months away and came back with rules about sleep I still "
                 "keep.", 7),
    ]  # fmt: skip
    answer = (
        "She is building an open-source handover note with three questions: what is on fire, "
        "what have you tried, what are you worried about."
    )
    result = check_recall(answer, items, [], partner="Marisol Vega")

    assert [r.text for r in result.missed] == [items[2].text]
    [claim] = result.claims
    assert claim.verdict == "recalled" and {claim.item, *claim.also} == set(items[:2])
    assert "2 of the 3" in result.summary
    recalled = result.to_json()["recalled"]
    assert [r["revealed"]["index"] for r in recalled] == [5]  # type: ignore[index]
    assert [a["index"] for a in recalled[0]["also_revealed"]] == [7]  # type: ignore[index]


def test_a_claim_is_not_credited_with_a_line_it_only_shares_a_word_with(priya):
    """Crediting several lines stays as strict as crediting one: the career claim does not
    also recall Northwind's product or the hook."""
    result = score(priya, "She taught chemistry in Sacramento for four years before recruiting.")
    [claim] = result.claims
    assert claim.verdict == "recalled" and claim.also == ()


def test_when_nothing_was_revealed_the_tip_does_not_praise_the_recall():
    """Session 11, a one-word conversation that ended with nothing revealed: the tip said "You
    kept everything Priya told you"."""
    result = check_recall("not much", [], [], partner="Priya Raman")
    assert result.score == 0 and "kept everything" not in result.tip
    assert "told you little" in result.tip
