"""Helpers for the persona-authoring tests: the sample card and persona files on disk."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.config import ROOT
from tests import personas_yaml

HERE = Path(__file__).parent
PERSONAS_DIR = ROOT / "personas"


@pytest.fixture
def card_v2() -> dict[str, Any]:
    """A Character Card V2 as other tools write it: macros, a lorebook, foreign extensions."""
    return copy.deepcopy(json.loads((HERE / "card_v2.json").read_text(encoding="utf-8")))


@pytest.fixture
def recruiter_data() -> dict[str, Any]:
    return personas_yaml.builtin("recruiter")
