"""Draw the dialogue state machine as a Mermaid state diagram, from the machine's own table."""

from __future__ import annotations

from app.dialogue.machine import LIVE_ORDER, THRESHOLD, TRANSITIONS, Transition
from app.dialogue.types import Stage
from app.personas.schema import Persona

SOURCE_ORDER = (*LIVE_ORDER, Stage.COOLING)


def mermaid(persona: Persona | None = None) -> str:
    """A `stateDiagram-v2`; with a persona, notes show its hooks and difficulty levels."""
    lines = ["stateDiagram-v2", f"    [*] --> {Stage.OPENING.value}"]
    for row in TRANSITIONS:
        lines.extend(_edges(row))
    lines.append(f"    {Stage.ENDED.value} --> [*]")
    if persona is not None:
        lines.extend(_persona_notes(persona))
    return "\n".join(lines) + "\n"


def _edges(row: Transition) -> list[str]:
    sources = [s for s in SOURCE_ORDER if s in row.sources]
    label = _escape(row.label + (f" [{row.outcome.value}]" if row.outcome else ""))
    if row.target is not None:
        return [f"    {s.value} --> {row.target.value}: {label}" for s in sources]
    # Recovery goes back to the stage before cooling, capped by trust: one edge per candidate.
    return [
        f"    {s.value} --> {t.value}: {label}, back to {t.value} if trust >= {THRESHOLD[t]}"
        for s in sources
        for t in LIVE_ORDER
    ]


def _persona_notes(persona: Persona) -> list[str]:
    lines: list[str] = []
    for stage in LIVE_ORDER:
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
