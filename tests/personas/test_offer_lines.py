"""A reward's offer is said whenever trust allows, whether or not a hook was told first."""

from __future__ import annotations

import re

import pytest

from app.config import ROOT
from app.personas.registry import load_personas

REGISTRY = load_personas(ROOT / "personas")

# "Let me connect you with Marcus before that role goes public": said before the unlisted role
# was ever mentioned (session 18), the learner hears about a role nobody told them of.
POINTS_BACK = re.compile(r"(?i)\bthat (?:role|job|opening|position|vacancy|deal|project|budget)\b")


@pytest.mark.parametrize("persona_id", sorted(p.id for p in REGISTRY.all()))
def test_no_offer_line_points_back_at_a_hook(persona_id: str) -> None:
    offers = REGISTRY.get(persona_id).reward.offer
    assert not [line for line in offers if POINTS_BACK.search(line)]
