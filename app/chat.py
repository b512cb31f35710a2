"""`rapport chat`: a practice session in the terminal, on the same services as the API."""

from __future__ import annotations

from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.prompt import Prompt

from app.api.schemas import TurnIn
from app.config import Settings
from app.db import upgrade_to_head
from app.errors import RapportError
from app.feedback.types import Feedback
from app.services.conversations import ConversationService
from app.services.runtime import Runtime
from app.services.tenancy import Tenant
from app.services.turns import TurnService

CLI_TENANT = Tenant(id="cli", kind="secret")
console = Console()


async def run_chat(
    settings: Settings, persona_id: str, difficulty: str | None, learner: str | None = None
) -> int:
    """A conversation in the terminal; `learner` (`--as alex`) is who the persona remembers."""
    upgrade_to_head(settings.database_url)
    runtime = Runtime.build(settings)
    try:
        async with runtime.db.transaction() as session:
            convo = await ConversationService(runtime, session).create(
                CLI_TENANT, persona_id, difficulty, user_ref=_learner_ref(learner)
            )
        persona = runtime.personas.get(persona_id)
        console.print(
            Panel(
                f"[bold]{persona.name}[/bold], {persona.role} at {persona.company}\n"
                f"[dim]{persona.scenario}[/dim]\n\nType your message; /end to finish.",
                title="Rapport practice",
            )
        )
        if convo.get("continues"):
            console.print(f"[dim]{persona.name} remembers your last conversation.[/dim]")
        console.print(f"[bold cyan]{persona.name}:[/bold cyan] {convo['messages'][0]['content']}")
        await _loop(runtime, convo["id"], persona.name)
        async with runtime.db.transaction() as session:
            report = await ConversationService(runtime, session).end(CLI_TENANT, convo["id"])
        _print_report(report.model_dump(mode="json"))
        return 0
    except RapportError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        return 2
    finally:
        await runtime.close()


def _learner_ref(learner: str | None) -> str | None:
    # Names typed at the terminal: "Alex" and "alex " are the same learner.
    name = (learner or "").strip().lower()
    return f"cli:{name}" if name else None


async def _loop(runtime: Runtime, conversation_id: str, name: str) -> None:
    turns = TurnService(runtime)
    while True:
        try:
            text = Prompt.ask("[bold green]you[/bold green]").strip()
        except (EOFError, KeyboardInterrupt):
            return
        if text in {"/end", "/quit", "/exit"}:
            return
        if not text:
            continue
        problem = _refusal(text)
        if problem:
            console.print(f"[red]{problem}[/red]")
            continue
        try:
            prepared = await turns.prepare(CLI_TENANT, conversation_id, text)
        except RapportError as exc:
            console.print(f"[red]{exc.detail}[/red]")
            continue
        _print_feedback(prepared.context.feedback)
        console.print(f"[bold cyan]{name}:[/bold cyan] ", end="")
        parts = []
        async for chunk in turns.generate(prepared):
            parts.append(chunk)
            console.print(chunk, end="", highlight=False)
        console.print()
        result = await turns.complete(prepared, "".join(parts))
        state = result.state
        console.print(f"[dim]stage {state['stage']} · trust {state['trust']:.2f}[/dim]")
        if state["ended"]:
            console.print(f"[bold]Conversation over: {state['outcome']}[/bold]")
            return


def _refusal(text: str) -> str | None:
    """Why the API would refuse this message (too long, control characters), or None: the
    terminal holds it to the same limits rather than cutting it short behind the user's back."""
    try:
        TurnIn(content=text)
    except ValidationError as exc:
        message = str(exc.errors()[0].get("msg", "invalid message"))
        return f"Not sent: {message.removeprefix('Value error, ')}."
    return None


def _print_feedback(feedback: Feedback) -> None:
    colour = "green" if feedback.genuine_interest else "yellow"
    label = "genuine interest" if feedback.genuine_interest else "not yet"
    moves = ", ".join(m.value for m in feedback.moves) or "—"
    console.print(f"  [{colour}]● {label} · {feedback.score}/100 · {moves}[/{colour}]")
    for ev in feedback.evidence:
        console.print(f"    [dim]{ev.move.value}:[/dim] “{ev.text}”")
    console.print(f"  [italic]tip: {feedback.tip}[/italic]")


def _print_report(report: dict) -> None:  # type: ignore[type-arg]
    lines = [
        f"outcome: [bold]{report['outcome']}[/bold] after {report['turns']} turns",
        f"genuine interest: {report['genuine_interest_rate']:.0%} · mean score "
        f"{report['mean_score']:.0f}",
        f"questions: {report['questions']} (follow-ups {report['follow_up_questions']}) · "
        f"talk share {report['talk_share']:.0%}",
        "stages: " + " → ".join(report["stages_reached"]),
    ]
    lines += [f"tip: {tip}" for tip in report.get("tips", [])]
    console.print(Panel("\n".join(lines), title="Scorecard"))
