"""A tenant's persona over the API: the same validation as files, built-ins stay read-only."""

from __future__ import annotations

import json

import pytest

from app.errors import Conflict, InvalidInput
from app.personas.cards import card_to_persona, persona_to_card
from app.personas.schema import Persona
from app.personas.tenant import parse_tenant_persona

BUILTINS = {"recruiter", "conference_stranger", "prospect"}


def test_a_valid_body_becomes_a_persona(recruiter_data):
    recruiter_data["id"] = "acme_recruiter"
    result = parse_tenant_persona(recruiter_data, builtin_ids=BUILTINS)
    assert result.persona.id == "acme_recruiter"
    assert result.persona.name == "Priya Raman"


def test_an_invalid_body_names_every_bad_field(recruiter_data):
    recruiter_data["id"] = "acme_recruiter"
    recruiter_data["difficulties"]["normal"]["patience"] = 0
    del recruiter_data["summary"]
    with pytest.raises(InvalidInput) as caught:
        parse_tenant_persona(recruiter_data, builtin_ids=BUILTINS)
    fields = {e["field"] for e in caught.value.extra["errors"]}
    assert fields == {"difficulties.normal.patience", "summary"}
    assert "difficulties.normal.patience" in caught.value.detail


def test_a_builtin_id_is_a_conflict(recruiter_data):
    with pytest.raises(Conflict, match="built-in"):
        parse_tenant_persona(recruiter_data, builtin_ids=BUILTINS)


def test_put_body_must_carry_the_id_in_the_url(recruiter_data):
    recruiter_data["id"] = "acme_recruiter"
    with pytest.raises(InvalidInput) as caught:
        parse_tenant_persona(recruiter_data, builtin_ids=BUILTINS, persona_id="other")
    assert caught.value.extra["errors"][0]["field"] == "id"


def test_a_character_card_body_is_imported_with_its_warnings(card_v2):
    result = parse_tenant_persona(card_v2, builtin_ids=BUILTINS, persona_id="dana")
    assert result.persona.id == "dana"
    assert any("coaching data" in w for w in result.warnings)


def test_a_body_that_is_not_an_object_is_invalid():
    with pytest.raises(InvalidInput):
        parse_tenant_persona(["not", "a", "persona"], builtin_ids=BUILTINS)


def test_a_card_body_keeps_its_foreign_extensions_through_storage_and_export(card_v2):
    parsed = parse_tenant_persona(card_v2, builtin_ids=BUILTINS, persona_id="dana")
    # What the service stores for a tenant persona, and reads back: the model as JSON.
    stored = Persona.model_validate(json.loads(json.dumps(parsed.persona.model_dump(mode="json"))))
    assert stored.extensions == card_v2["data"]["extensions"]

    exported = persona_to_card(stored)
    for key, value in card_v2["data"]["extensions"].items():
        assert exported["data"]["extensions"][key] == value
    assert card_to_persona(exported).persona == stored
