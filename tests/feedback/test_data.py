"""The labelled turns follow the label guide (docs/labelling.md)."""

from __future__ import annotations

import json
from collections import Counter

from app.feedback.evaluate import TURNS
from app.feedback.types import NEGATIVE_MOVES, POSITIVE_MOVES, Move

ITEMS = [json.loads(line) for line in TURNS.read_text().splitlines() if line.strip()]


def test_there_are_at_least_400_turns_across_the_three_personas() -> None:
    assert len(ITEMS) >= 400
    assert set(Counter(i["persona"] for i in ITEMS)) == {
        "recruiter",
        "conference_stranger",
        "prospect",
    }


def test_every_turn_has_the_required_fields_and_known_moves() -> None:
    for item in ITEMS:
        assert {"id", "persona", "partner", "message", "genuine_interest", "moves", "split"} <= set(
            item
        )
        assert item["split"] in {"dev", "test"}
        assert all(Move(m) for m in item["moves"])


def test_ids_are_unique() -> None:
    assert len({i["id"] for i in ITEMS}) == len(ITEMS)


def test_genuine_interest_follows_the_guide_rule() -> None:
    for item in ITEMS:
        moves = {Move(m) for m in item["moves"]}
        expected = bool(moves & POSITIVE_MOVES) and not moves & NEGATIVE_MOVES
        assert item["genuine_interest"] == expected, item["id"]


def test_histories_alternate_roles_and_end_with_the_user() -> None:
    for item in ITEMS:
        roles = [h["role"] for h in item.get("history", [])]
        assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), item["id"]
        assert not roles or roles[-1] == "user", item["id"]


def test_every_move_appears_in_the_frozen_test_split() -> None:
    test_moves = Counter(m for i in ITEMS if i["split"] == "test" for m in i["moves"])
    assert all(test_moves[m.value] >= 8 for m in Move)
