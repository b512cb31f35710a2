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
from app.personas.schema import Persona

SCHEMA_FILE = ROOT / "docs" / "persona.schema.json"
SCHEMA_ID = "https://rapport.dev/schemas/persona.schema.json"


def persona_json_schema() -> dict[str, Any]:
    schema = Persona.model_json_schema(mode="validation")
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
