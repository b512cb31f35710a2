"""The JSON Schema of a persona file, generated from the pydantic model so it cannot drift.

`docs/persona.schema.json` is this schema, written by `rapport persona schema --out`; a test
fails when the two differ. Editors use it for completion and inline errors in persona YAML
(for example with `# yaml-language-server: $schema=../docs/persona.schema.json` at the top).
Rules across fields (unique topic ids, questions naming a known topic, a `normal` difficulty)
are not expressible in JSON Schema: `rapport persona validate` checks those.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.config import ROOT
from app.personas.schema import GATE_STAGES, Persona

SCHEMA_FILE = ROOT / "docs" / "persona.schema.json"
SCHEMA_ID = "https://rapport.dev/schemas/persona.schema.json"


def persona_json_schema() -> dict[str, Any]:
    schema = Persona.model_json_schema(mode="validation")
    _gate_hook_stages(schema)
    _name_in_introductions(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "Rapport persona",
    }


def schema_text() -> str:
    return json.dumps(persona_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    return path


def _gate_hook_stages(schema: dict[str, Any]) -> None:
    """A hook may only wait for a live stage; the model checks that in a validator, which
    pydantic cannot put into the schema, so the enum is narrowed here."""
    min_stage = schema["$defs"]["Hook"]["properties"]["min_stage"]
    description = min_stage.get("description")
    min_stage.clear()
    min_stage.update({"enum": [stage.value for stage in GATE_STAGES], "type": "string"})
    if description:
        min_stage["description"] = description


def _name_in_introductions(schema: dict[str, Any]) -> None:
    """Every `introduced` line must carry `{name}`, again a validator rule; JSON Schema's
    `pattern` (a search, not a full match) says the same thing."""
    introduced = schema["$defs"]["Reactions"]["properties"].get("introduced")
    if introduced is not None:
        introduced["items"]["pattern"] = r"\{name\}"
