"""Authored questions: facts, hooks and deeper lines say which questions they answer."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.personas.cards import card_to_persona, persona_to_card, persona_yaml
from app.personas.jsonschema import persona_json_schema
from app.personas.schema import Layer, Persona
from app.personas.validate import validate_file
from tests import personas_yaml


def _with_questions(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    fact = data["facts"][0]
    fact["questions"] = ["How did you get into this?", "What did you do before?"]
    fact["deeper"] = [_text(d) for d in fact["deeper"]]
    fact["deeper"][0] = {"text": fact["deeper"][0], "questions": ["Do you miss teaching?"]}
    data["hooks"][0]["questions"] = ["What is Marcus like?"]
    return data


def _text(deeper: str | dict[str, Any]) -> str:
    return deeper if isinstance(deeper, str) else deeper["text"]


def test_plain_and_mapping_deeper_lines_both_validate(recruiter_data):
    persona = Persona.model_validate(_with_questions(recruiter_data))
    fact = persona.facts[0]
    assert isinstance(fact.deeper[0], Layer) and isinstance(fact.deeper[1], str)
    assert fact.deeper_lines[0] == _text(recruiter_data["facts"][0]["deeper"][0])
    assert fact.deeper_questions(fact.deeper_lines[0]) == ["Do you miss teaching?"]
    assert fact.deeper_questions(fact.deeper_lines[1]) == []
    assert persona.hooks[0].questions == ["What is Marcus like?"]


def test_questions_are_optional(recruiter_data):
    for fact in recruiter_data["facts"]:
        fact.pop("questions", None)
        fact["deeper"] = [_text(d) for d in fact["deeper"]]
    for hook in recruiter_data["hooks"]:
        hook.pop("questions", None)
        hook["deeper"] = [_text(d) for d in hook["deeper"]]
    persona = Persona.model_validate(recruiter_data)
    assert all(isinstance(d, str) for f in persona.facts for d in f.deeper)


def test_a_deeper_mapping_needs_its_text(recruiter_data):
    data = copy.deepcopy(recruiter_data)
    data["facts"][0]["deeper"][0] = {"questions": ["Why?"]}
    with pytest.raises(ValidationError):
        Persona.model_validate(data)


def test_the_json_schema_accepts_a_line_or_a_mapping():
    fact = persona_json_schema()["$defs"]["Fact"]["properties"]
    kinds = fact["deeper"]["items"]["anyOf"]
    assert {"type": "string"} in [{k: v for k, v in x.items() if k == "type"} for x in kinds]
    assert any(x.get("$ref", "").endswith("/Layer") for x in kinds)
    assert fact["questions"]["type"] == "array"


def test_a_card_round_trip_keeps_authored_questions(recruiter_data):
    persona = Persona.model_validate(_with_questions(recruiter_data))
    again = card_to_persona(persona_to_card(persona)).persona
    assert again == persona


def test_yaml_export_leaves_out_questions_nobody_wrote(recruiter_data, tmp_path: Path):
    data = _with_questions(recruiter_data)
    for fact in data["facts"][1:]:
        fact.pop("questions", None)
        fact["deeper"] = [_text(d) for d in fact["deeper"]]
    text = persona_yaml(Persona.model_validate(data))
    written = personas_yaml.load(text)
    assert written["facts"][0]["questions"] == data["facts"][0]["questions"]
    assert written["facts"][0]["deeper"][0]["questions"] == ["Do you miss teaching?"]
    assert "questions" not in written["facts"][1]


def test_validate_warns_about_a_topic_without_questions_and_a_shared_question(
    recruiter_data, tmp_path: Path
):
    data = _with_questions(recruiter_data)
    data["facts"][1].pop("questions", None)
    data["facts"][1]["deeper"] = [_text(d) for d in data["facts"][1]["deeper"]]
    data["facts"][2]["questions"] = ["How did you get into this?"]
    path = tmp_path / "recruiter.yaml"
    path.write_text(personas_yaml.dump(data), encoding="utf-8")
    warnings = [str(p) for p in validate_file(path).warnings]
    assert any("facts[1].questions" in w and "no questions" in w for w in warnings), warnings
    assert any("facts[2].questions[0]" in w and "facts[0]" in w for w in warnings), warnings
