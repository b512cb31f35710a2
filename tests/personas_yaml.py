"""Persona YAML in tests, read and written through libyaml.

PyYAML's pure-Python loader takes about 0.1 s for one built-in persona; files that parse one per
test (a persona body in each of 65 requests, a fresh recruiter for each validation case) spent
most of their time there. The built-ins are parsed once per process and handed out as copies.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from app.config import ROOT

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
PERSONAS = ROOT / "personas"


def load(text: str) -> Any:
    return yaml.load(text, Loader=LOADER)  # noqa: S506 - a SafeLoader


def dump(data: Any) -> str:
    """YAML in the data's own key order, as a person would write it."""
    return str(yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True))


def read(path: Path) -> Any:
    return load(path.read_text(encoding="utf-8"))


@cache
def _builtin(persona_id: str) -> Any:
    return read(PERSONAS / f"{persona_id}.yaml")


def builtin(persona_id: str) -> dict[str, Any]:
    """A built-in persona's data (personas/<id>.yaml), a copy the caller may change."""
    data: dict[str, Any] = copy.deepcopy(_builtin(persona_id))
    return data
