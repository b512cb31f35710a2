"""`rapport chat`: a practice session in the terminal, on the same services as the API."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.prompt import Prompt

from app.api.followup_schemas import NoteIn, RecallIn
from app.api.schemas import TurnIn
from app.config import Settings
from app.db import upgrade_to_head
from app.errors import RapportError
from app.feedback.types import Feedback
from app.services.conversations import ConversationService
from app.services.followups import FollowupService
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
        await _after_the_conversation(runtime, convo["id"], persona.name)
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


async def _after_the_conversation(runtime: Runtime, conversation_id: str, name: str) -> None:
    """The recall check, then the follow-up note: both optional (an empty answer skips)."""
    first = name.split()[0]
    answer = _ask_lines(f"What did you learn about {first}? (an empty line ends it; Enter skips)")
    if answer and (problem := _invalid(RecallIn, answer=answer)) is None:
        async with runtime.db.transaction() as session:
            result = await FollowupService(runtime, session).recall(
                CLI_TENANT, conversation_id, answer
            )
        _print_recall(result)
    elif answer:
        console.print(f"[red]{problem}[/red]")
    note = _ask_lines(
        f"Draft the note you would send {first} tomorrow (an empty line ends it; Enter skips)"
    )
    if note and (problem := _invalid(NoteIn, note=note)) is None:
        async with runtime.db.transaction() as session:
            feedback = await FollowupService(runtime, session).note(
                CLI_TENANT, conversation_id, note, "email"
            )
        _print_note(feedback)
    elif note:
        console.print(f"[red]{problem}[/red]")


def _ask_lines(question: str) -> str:
    """Lines typed until an empty one (or the end of input), joined."""
    console.print(f"[bold]{question}[/bold]")
    lines: list[str] = []
    while True:
        try:
            line = input()
        except (EOFError, KeyboardInterrupt):
            break
        if not line.strip():
            break
        lines.append(line)
    return "\n".join(lines).strip()


def _invalid(model: type[RecallIn] | type[NoteIn], **fields: str) -> str | None:
    try:
        model(**fields)
    except ValidationError as exc:
        message = str(exc.errors()[0].get("msg", "invalid"))
        return f"Not checked: {message.removeprefix('Value error, ')}."
    return None


def _print_recall(result: dict[str, Any]) -> None:
    lines = [f"[bold]{result['score']}/100[/bold] · {result['summary']}"]
    lines += [f"[green]✓[/green] “{c['claim']}”" for c in result["recalled"]]
    lines += [f"[red]✗[/red] “{c['claim']}”: {c['detail']}" for c in result["misremembered"]]
    lines += [f"[yellow]?[/yellow] “{c['claim']}”: they never said it" for c in result["invented"]]
    lines += [f"[dim]missed: {m['text']}[/dim]" for m in result["missed"][:3]]
    lines.append(f"tip: {result['tip']}")
    console.print(Panel("\n".join(lines), title="Recall check"))


def _print_note(feedback: dict[str, Any]) -> None:
    verdict = "[green]good[/green]" if feedback["good"] else "[yellow]not yet[/yellow]"
    lines = [f"note: {verdict}"]
    for label in ("specific", "thanks", "ask", "length"):
        part = feedback[label]
        lines.append(f"{label}: [bold]{part['value']}[/bold] · {part['comment']}")
        lines += [f"    [dim]“{span['text']}”[/dim]" for span in part.get("evidence", [])[:2]]
    rewrite = feedback["rewrite"]
    if rewrite["instead_of"]:
        lines.append(f"instead of: “{rewrite['instead_of']}”")
    lines.append(f"try: {rewrite['write']}  [dim]({rewrite['why']})[/dim]")
    console.print(Panel("\n".join(lines), title="Follow-up note"))
