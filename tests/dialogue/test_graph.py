"""The Mermaid diagram is drawn from the machine's own transition table."""

from __future__ import annotations

from app.dialogue.graph import mermaid
from app.dialogue.machine import STAGE_RULES, TRANSITIONS
from app.dialogue.types import Stage
from tests.dialogue.factories import persona


def _edges(diagram: str) -> set[tuple[str, str]]:
    edges = set()
    for line in diagram.splitlines():
        if "-->" in line:
            source, rest = line.strip().split(" --> ")
            edges.add((source, rest.split(":")[0].strip()))
    return edges


def test_diagram_is_a_mermaid_state_diagram_from_start_to_end() -> None:
    diagram = mermaid()
    assert diagram.startswith("stateDiagram-v2\n")
    assert ("[*]", "opening") in _edges(diagram)
    assert ("ended", "[*]") in _edges(diagram)


def test_every_row_of_the_table_is_an_edge() -> None:
    edges = _edges(mermaid())
    for row in TRANSITIONS:
        for source in row.sources:
            if row.target is not None:
                assert (source.value, row.target.value) in edges
            else:
                assert (source.value, Stage.RAPPORT.value) in edges


def test_every_stage_appears_and_outcomes_label_the_ending_edges() -> None:
    diagram = mermaid()
    for stage in Stage:
        assert stage.value in diagram
    assert "[walked_away]" in diagram and "[warm_close]" in diagram


def test_persona_annotations_show_hooks_and_difficulties() -> None:
    who = persona("prospect")
    diagram = mermaid(who)
    for hook in who.hooks:
        assert f"hook {hook.id}: trust >= {hook.min_trust}" in diagram
    for name, rules in who.difficulties.items():
        assert f"{name}: initial trust {rules.initial_trust}" in diagram
    assert who.hooks[0].summary not in diagram  # ids and thresholds only, not the secrets


def test_every_stage_of_the_trust_mapping_is_reached_by_an_edge() -> None:
    targets = {target for _, target in _edges(mermaid())}
    for rule in STAGE_RULES:
        assert rule.stage.value in targets
