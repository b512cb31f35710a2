"""The JSON Schema in docs/ is the model's, and it judges persona files as the model does."""

from __future__ import annotations

import json

import jsonschema
import pytest

from app.personas.jsonschema import SCHEMA_FILE, persona_json_schema, schema_text
from app.personas.schema import Persona
from tests import personas_yaml
from tests.personas_authoring.conftest import PERSONAS_DIR


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = persona_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_docs_schema_is_the_one_generated_from_the_model():
    # When this fails the model changed: `rapport persona schema --out docs/persona.schema.json`.
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


def test_schema_has_every_model_field_and_the_same_required_ones():
    schema = persona_json_schema()
    assert set(schema["properties"]) == set(Persona.model_fields)
    required = {name for name, f in Persona.model_fields.items() if f.is_required()}
    assert set(schema["required"]) == required
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("path", sorted(PERSONAS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_builtin_persona_passes_the_schema(validator, path):
    data = personas_yaml.read(path)
    assert list(validator.iter_errors(data)) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(colour="blue"), ""),
        (lambda d: d["difficulties"]["normal"].update(patience=0), "difficulties/normal/patience"),
        (lambda d: d["hooks"][0].update(min_stage="ended"), "hooks/0/min_stage"),
        (lambda d: d.update(id="Not A Slug"), "id"),
        (lambda d: d["facts"][0].update(answers=[]), "facts/0/answers"),
        (lambda d: d["reactions"].pop("pitch"), "reactions"),
        (lambda d: d["reactions"].update(introduced=["Hello there."]), "reactions/introduced/0"),
    ],
)
def test_schema_rejects_what_the_model_rejects(validator, recruiter_data, change, where):
    change(recruiter_data)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's ValidationError; any rejection counts
        Persona.model_validate(recruiter_data)
    errors = list(validator.iter_errors(json.loads(json.dumps(recruiter_data))))
    assert errors
    assert any("/".join(str(p) for p in e.absolute_path) == where for e in errors)
