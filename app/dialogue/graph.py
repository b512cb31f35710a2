"""Draw the dialogue state machine as a Mermaid state diagram, from the machine's own tables."""

from __future__ import annotations

from app.dialogue.machine import BANDS, ENDINGS, STAGE_RULES, THRESHOLD, Transition
from app.dialogue.types import Stage
from app.personas.schema import Persona

SOURCE_ORDER = (*BANDS, Stage.CLOSING, Stage.COOLING)


def mermaid(persona: Persona | None = None) -> str:
    """A `stateDiagram-v2`; with a persona, notes show its hooks and difficulty levels."""
    lines = ["stateDiagram-v2", f"    [*] --> {Stage.OPENING.value}"]
    lines.extend(_mapping_edges())
    for row in ENDINGS:
        lines.extend(_edges(row))
    lines.append(f"    {Stage.ENDED.value} --> [*]")
    if persona is not None:
        lines.extend(_persona_notes(persona))
    return "\n".join(lines) + "\n"


def _mapping_edges() -> list[str]:
    """The stage is a function of trust (`stage_for`): neighbouring bands, both ways, and the
    two overlays. A turn that moves trust far can skip a band; those edges are left out."""
    labels = {rule.stage: rule.label for rule in STAGE_RULES}
    lines = []
    for low, high in zip(BANDS, BANDS[1:], strict=False):
        lines.append(f"    {low.value} --> {high.value}: {_escape(labels[high])}")
        lines.append(f"    {high.value} --> {low.value}: trust < {THRESHOLD[high]}")
    lines.append(
        f"    {Stage.OPENING.value} --> {Stage.COOLING.value}: {_escape(labels[Stage.COOLING])}"
    )
    lines.append(f"    {Stage.COOLING.value} --> {Stage.OPENING.value}: a turn that is not cold")
    lines.append(
        f"    {Stage.OPPORTUNITY.value} --> {Stage.CLOSING.value}: {_escape(labels[Stage.CLOSING])}"
    )
    return lines


def _edges(row: Transition) -> list[str]:
    sources = [s for s in SOURCE_ORDER if s in row.sources]
    label = _escape(row.label + (f" [{row.outcome.value}]" if row.outcome else ""))
    return [f"    {s.value} --> {row.target.value}: {label}" for s in sources]


def _persona_notes(persona: Persona) -> list[str]:
    lines: list[str] = []
    for stage in (*BANDS, Stage.CLOSING):
        hooks = [h for h in persona.hooks if h.min_stage is stage]
        if hooks:
            lines.append(f"    note right of {stage.value}")
            lines.extend(f"        hook {h.id}: trust >= {h.min_trust}" for h in hooks)
            lines.append("    end note")
    lines.append(f"    note left of {Stage.OPENING.value}")
    lines.append(f"        {_escape(persona.name)} ({persona.id})")
    for name, rules in persona.difficulties.items():
        lines.append(
            f"        {name}: initial trust {rules.initial_trust}, gain x{rules.trust_gain}, "
            f"loss x{rules.trust_loss}, patience {rules.patience}"
        )
    lines.append("    end note")
    return lines


def _escape(text: str) -> str:
    # Mermaid ends a label at a semicolon or a newline.
    return text.replace(";", ",").replace("\n", " ")
