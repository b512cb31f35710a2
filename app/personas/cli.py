"""`rapport persona validate|import|export|schema`: the persona author's commands.

`register(app)` adds them to the `persona` group of the main `rapport` app (created when the app
has none), next to `persona list` and `persona graph`.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from app.config import get_settings
from app.errors import PersonaInvalid
from app.personas.cards import (
    CardError,
    card_bytes,
    card_to_persona,
    load_extras,
    persona_yaml,
    read_card,
    save_extras,
)
from app.personas.jsonschema import schema_text
from app.personas.registry import load_persona_file
from app.personas.validate import EvalVerdict, Validation, eval_persona, validate_file

out = Console(soft_wrap=True)  # one line per result: greppable, CI-log friendly
err = Console(stderr=True, soft_wrap=True)

COMMANDS = ("validate", "import", "export", "schema")


def register(app: typer.Typer) -> None:
    """Add the authoring commands to `rapport persona` (idempotent)."""
    group = next((g.typer_instance for g in app.registered_groups if g.name == "persona"), None)
    if group is None:
        group = typer.Typer(help="Personas.", no_args_is_help=True)
        app.add_typer(group, name="persona")
    if any(c.name in COMMANDS for c in group.registered_commands):
        return
    group.command("validate")(validate_command)
    group.command("import")(import_command)
    group.command("export")(export_command)
    group.command("schema")(schema_command)


# --- validate ---------------------------------------------------------------------------------


def validate_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="Persona YAML files or directories (or cards: .json/.png)."),
    ],
    run_eval: Annotated[
        bool,
        typer.Option(
            "--eval", help="Also run a listener and a pitcher; accept only if listening pays."
        ),
    ] = False,
    scripts: Annotated[
        Path | None,
        typer.Option(
            help="Directory with the listener/pitcher scripts (default: evals/scripts/ID)."
        ),
    ] = None,
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
) -> None:
    """Validate persona files: every problem with its line and field; exit 1 on any error."""
    failed = False
    for path in _expand(files):
        result = validate_file(path)
        _print_validation(result)
        failed |= not result.ok or (strict and bool(result.warnings))
        if run_eval and result.ok and result.persona is not None:
            verdict = asyncio.run(eval_persona(result.persona, get_settings(), scripts))
            _print_verdict(verdict)
            failed |= not verdict.accepted
    raise typer.Exit(1 if failed else 0)


def _expand(paths: list[Path]) -> list[Path]:
    """Directories stand for their persona files, as `rapport eval` does for scripts."""
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            expanded.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            expanded.append(path)
    return expanded


def _print_validation(result: Validation) -> None:
    for problem in result.problems:
        colour = "red" if problem.severity == "error" else "yellow"
        err.print(f"[{colour}]{escape(str(problem))}[/]", highlight=False, soft_wrap=True)
    if result.ok:
        warned = f" ({len(result.warnings)} warning(s))" if result.warnings else ""
        out.print(f"[green]ok[/] {escape(str(result.path))}{warned}", highlight=False)
    else:
        out.print(
            f"[red]invalid[/] {escape(str(result.path))}: {len(result.errors)} error(s)",
            highlight=False,
        )


def _print_verdict(verdict: EvalVerdict) -> None:
    for run in (verdict.listener, verdict.pitcher):
        report, state = run.report or {}, run.state or {}
        out.print(
            f"  {run.script.name}: mean score {report.get('mean_score', '—')}, "
            f"trust {state.get('trust', '—')}, stages {report.get('stages_reached', [])}, "
            f"outcome {state.get('outcome')}",
            highlight=False,
        )
    out.print(f"  [dim]scripts: {escape(verdict.source)}[/]", highlight=False)
    if verdict.accepted:
        out.print(f"[green]accepted[/] {verdict.persona_id}: the listener did clearly better")
        return
    out.print(f"[red]refused[/] {verdict.persona_id}: listening does not pay enough")
    for reason in verdict.reasons:
        out.print(f"  - {escape(reason)}", highlight=False)


# --- import -----------------------------------------------------------------------------------


def import_command(
    card: Annotated[Path, typer.Argument(help="A Character Card: .json or .png (V1, V2 or V3).")],
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="The persona YAML to write (default: personas/<id>.yaml)."),
    ] = None,
    persona_id: Annotated[
        str | None, typer.Option("--id", help="Persona id (default: from --out or the name).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Make a persona YAML from a character card; coaching fields it lacks get defaults."""
    wanted = persona_id or (out_path.stem if out_path else None)
    try:
        data, avatar = read_card(card)
        imported = card_to_persona(data, persona_id=wanted, avatar=avatar)
    except CardError as exc:
        err.print(f"[red]{escape(exc.detail)}[/]", highlight=False)
        raise typer.Exit(1) from None
    persona = imported.persona
    target = out_path or get_settings().personas_dir / f"{persona.id}.yaml"
    if target.exists() and not force:
        err.print(
            f"[red]{escape(str(target))} exists: pass --force to overwrite, or --id/--out "
            "to import under another name[/]",
            highlight=False,
        )
        raise typer.Exit(1)
    header = [f"Imported from {card.name} ({imported.spec}) by `rapport persona import`."]
    header += [f"warning: {w}" for w in imported.warnings]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(persona_yaml(persona, header), encoding="utf-8")
    kept = save_extras(target, imported.extras)
    for warning in imported.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    for path in kept:
        err.print(f"kept what the persona has no field for in {escape(str(path))}")
    print(target)


# --- export -----------------------------------------------------------------------------------


def export_command(
    persona: Annotated[str, typer.Argument(help="Persona id, or a path to a persona YAML.")],
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="card.json or card.png (default: the JSON on stdout)."),
    ] = None,
) -> None:
    """Write a Character Card V2 (JSON, or PNG with chara and ccv3 chunks) for a persona."""
    source = _persona_file(persona)
    try:
        loaded = load_persona_file(source)
        extras = load_extras(source)
        fmt = out_path.suffix.lower().lstrip(".") if out_path else "json"
        body = card_bytes(loaded, extras, fmt)
    except (PersonaInvalid, CardError) as exc:
        err.print(f"[red]{escape(getattr(exc, 'detail', str(exc)))}[/]", highlight=False)
        raise typer.Exit(1) from None
    if out_path is None:
        sys.stdout.write(body.decode("utf-8"))
        return
    out_path.write_bytes(body)
    err.print(f"exported {loaded.id} as a V2 card")
    print(out_path)


def _persona_file(persona: str) -> Path:
    as_path = Path(persona)
    if as_path.suffix in {".yaml", ".yml"}:
        if as_path.is_file():
            return as_path
        err.print(f"[red]{escape(persona)}: no such file[/]", highlight=False)
        raise typer.Exit(2)
    directory = get_settings().personas_dir
    for suffix in (".yaml", ".yml"):
        candidate = directory / f"{persona}{suffix}"
        if candidate.is_file():
            return candidate
    known = ", ".join(sorted(p.stem for p in directory.glob("*.y*ml"))) or "none"
    err.print(f"[red]Unknown persona {escape(persona)!r}; known personas: {known}.[/]")
    raise typer.Exit(2)


# --- schema -----------------------------------------------------------------------------------


def schema_command(
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write it here (docs/persona.schema.json).")
    ] = None,
) -> None:
    """Print the JSON Schema of a persona file, generated from the model."""
    text = schema_text()
    if out_path is None:
        sys.stdout.write(text)
        return
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    print(out_path)
