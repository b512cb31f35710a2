"""The `rapport` command: serve, db, keys, chat, analyze, persona, eval."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from app.config import get_settings

app = typer.Typer(
    help="Rapport: practise networking conversations that reward genuine interest.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(
    help="API keys (stored hashed; a new key is printed once).", no_args_is_help=True
)
persona_app = typer.Typer(help="Personas.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(persona_app, name="persona")
err = Console(stderr=True, soft_wrap=True)  # a path or a key is never broken across lines


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    timeout_keep_alive: Annotated[
        int, typer.Option(help="Seconds an idle connection is kept; outlive the load balancer's.")
    ] = 5,
) -> None:
    """Run migrations to head, then serve the API."""
    import uvicorn

    from app.db import upgrade_to_head

    settings = get_settings()
    try:
        settings.check_bind(host)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    upgrade_to_head(settings.database_url)
    os.environ["RAPPORT_HOST"] = host  # the workers' create_app checks the bind address too
    err.print(
        f"Rapport on http://{host}:{port}  engine={settings.resolved_engine} "
        f"auth={settings.auth}\n  try: http://{host}:{port}/demo  ·  API docs: "
        f"http://{host}:{port}/docs  ·  practise in a terminal: rapport chat --persona recruiter"
    )
    if settings.auth == "keys":
        err.print("  every /v1 call needs a key: rapport keys create --name NAME")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        timeout_keep_alive=timeout_keep_alive,
        # uvicorn would otherwise take X-Forwarded-For from any loopback peer as the client; the
        # app reads it itself, from RAPPORT_TRUSTED_PROXIES only (app/api/ratelimit.py).
        proxy_headers=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Alembic upgrade to head."""
    from app.db import upgrade_to_head

    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # 7 lines of noise
    upgrade_to_head(get_settings().database_url)
    err.print("database is at head")


def _schema_at_head() -> None:
    """Bring the schema to head before a command that uses tables, as `serve` and `chat` do: a
    fresh clone's first `rapport keys create` should make its key, not fail on a missing table."""
    from app.db import upgrade_to_head

    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        upgrade_to_head(get_settings().database_url)
    except Exception as exc:
        _fail(exc, "could not migrate the database (check RAPPORT_DATABASE_URL)")


def _fail(exc: Exception, what: str) -> NoReturn:
    """One line on stderr, exit 2. A database error's `detail` is an empty list, and its message
    runs over lines (the SQL, a link): only its first line is shown."""
    from app.errors import RapportError

    if isinstance(exc, RapportError):
        err.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(2) from exc
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    hint = ""
    if "no such table" in first or "does not exist" in first:
        hint = "; run `rapport db upgrade` first"
    err.print(f"[red]{what}: {first}{hint}[/red]")
    raise typer.Exit(2) from exc


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who the key is for.")],
    publishable: Annotated[bool, typer.Option(help="A pk_ key for the browser widget.")] = False,
    origin: Annotated[
        list[str] | None, typer.Option(help="Allowed page origin (repeatable).")
    ] = None,
) -> None:
    """Create a key and print it once, alone on the last line."""
    from app.services.admin import create_key

    _schema_at_head()
    try:
        new = asyncio.run(create_key(get_settings(), name, publishable, origin or []))
    except Exception as exc:
        _fail(exc, "could not create the key")
    err.print(
        f"created {new.record.kind} key {new.record.id} ({new.record.name}); "
        "store it now: it is not shown again"
    )
    print(new.plain)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (prefix, kind, origins; never the key)."""
    from app.services.admin import list_keys

    _schema_at_head()
    try:
        keys = asyncio.run(list_keys(get_settings()))
    except Exception as exc:
        _fail(exc, "could not list the keys")
    for key in keys:
        state = "revoked" if key.revoked_at else "active"
        print(f"{key.id}\t{key.prefix}…\t{key.kind}\t{state}\t{key.name}\t{','.join(key.origins)}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="Key id or its prefix.")]) -> None:
    """Revoke a key: it stops working at once (within 5 s on running workers)."""
    from app.services.admin import revoke_key

    _schema_at_head()
    try:
        revoked = asyncio.run(revoke_key(get_settings(), key_id))
    except Exception as exc:
        _fail(exc, "could not revoke the key")
    if revoked == 0:
        err.print(f"[red]no active key {key_id!r}[/red]")
        raise typer.Exit(1)
    err.print(f"revoked {key_id}")


@app.command()
def analyze(
    message: Annotated[str, typer.Argument(help="The user's message.")],
    partner: Annotated[str | None, typer.Option(help="What the partner just said.")] = None,
) -> None:
    """Print one feedback object as JSON (the same object the turn endpoint returns)."""
    from app.api.schemas import AnalyzeIn
    from app.services.analysis import analyze_request

    try:
        body = AnalyzeIn(message=message, partner_said=partner)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    feedback = analyze_request(body.message, body.partner_said)
    print(json.dumps(feedback.model_dump(mode="json"), indent=2, ensure_ascii=False))


@app.command()
def note(
    text: Annotated[str, typer.Argument(help="The follow-up note, or - to read it from stdin.")],
    revealed: Annotated[
        list[str], typer.Option("--revealed", help="Something they said (repeat the option).")
    ],
    offered: Annotated[str | None, typer.Option(help="What they offered at the end.")] = None,
    ended: Annotated[str, typer.Option(help="warm, neutral or cool.")] = "neutral",
    channel: Annotated[str, typer.Option(help="email or linkedin.")] = "email",
    partner: Annotated[str | None, typer.Option(help="Who they are.")] = None,
) -> None:
    """Print the follow-up note coach's feedback as JSON (POST /v1/notes/analyze's object)."""
    from pydantic import ValidationError

    from app.api.followup_schemas import NoteAnalyzeIn
    from app.services.followups import analyze_note

    fields = {"note": sys.stdin.read() if text == "-" else text, "revealed": revealed}
    fields |= {"offered": offered, "ended": ended, "channel": channel, "partner": partner}
    try:
        body = NoteAnalyzeIn.model_validate(fields)
    except ValidationError as exc:
        for problem in exc.errors():
            where = ".".join(str(p) for p in problem["loc"])
            err.print(f"[red]{where}: {problem['msg']}[/red]")
        raise typer.Exit(2) from exc
    feedback = analyze_note(
        body.note,
        revealed_lines=body.revealed,
        offered_item=body.offered,
        ended=body.ended,
        channel=body.channel,
        partner=body.partner,
    )
    print(json.dumps(feedback, indent=2, ensure_ascii=False))


@persona_app.command("graph")
def persona_graph(persona_id: Annotated[str, typer.Argument(help="Persona id.")]) -> None:
    """Print the dialogue state machine for a persona as a Mermaid diagram."""
    from app.dialogue.graph import mermaid
    from app.errors import NotFound
    from app.personas.registry import load_personas

    try:
        persona = load_personas(get_settings().personas_dir).get(persona_id)
    except NotFound as exc:
        err.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(2) from exc
    print(mermaid(persona))


@persona_app.command("list")
def persona_list() -> None:
    """List the built-in personas."""
    from app.personas.registry import load_personas

    for persona in load_personas(get_settings().personas_dir).all():
        print(f"{persona.id}\t{persona.name}\t{persona.role}")


@persona_app.command("index")
def persona_index() -> None:
    """Embed the built-in personas' questions and lines into the encoder's disk cache now
    (RAPPORT_CACHE_DIR; once per machine, about 2 minutes of CPU), so that servers start fast.
    With the cache current it only reads it: about a second."""
    import time

    from app.dialogue.understand import index_texts
    from app.nlp.encoder import encode_cached
    from app.personas.registry import load_personas

    started = time.perf_counter()
    personas = load_personas(get_settings().personas_dir).all()
    for persona in personas:
        encode_cached(index_texts(persona))
    err.print(f"indexed {len(personas)} personas in {time.perf_counter() - started:.1f} s")


@app.command()
def chat(
    persona: Annotated[str, typer.Option(help="Persona id (rapport persona list).")] = "recruiter",
    difficulty: Annotated[str | None, typer.Option(help="easy, normal or hard.")] = None,
    learner: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Who you are (e.g. alex): the persona remembers your last conversation with it.",
        ),
    ] = None,
) -> None:
    """Practise in the terminal, with feedback after every turn."""
    from app.chat import run_chat

    logging.getLogger("alembic").setLevel(logging.WARNING)  # it migrates; the log is not for you
    sys.exit(asyncio.run(run_chat(get_settings(), persona, difficulty, learner)))


@app.command()
def score(
    file: Annotated[
        str, typer.Argument(help="Transcript: 'Name: line' text, .vtt, .srt or .json; - for stdin.")
    ],
    me: Annotated[str, typer.Option("--me", help="Your name as the transcript writes it.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="text, vtt, srt or json (default: from the file)."),
    ] = None,
    outcome: Annotated[
        str | None, typer.Option(help="How it ended: warm_close, neutral_close or walked_away.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The API's JSON answer.")] = False,
) -> None:
    """Score a real conversation from its transcript: feedback per turn and the report."""
    from app.transcripts.cli import run

    if fmt not in (None, "text", "vtt", "srt", "json"):
        err.print(f"[red]--format is text, vtt, srt or json, not {fmt!r}[/red]")
        raise typer.Exit(2)
    if outcome not in (None, "warm_close", "neutral_close", "walked_away"):
        err.print(
            f"[red]--outcome is warm_close, neutral_close or walked_away, not {outcome!r}[/red]"
        )
        raise typer.Exit(2)
    raise typer.Exit(run(file, me, fmt, outcome, as_json))  # type: ignore[arg-type]


def register_subcommands() -> None:
    """Add `rapport eval` and the persona authoring commands (idempotent)."""
    from app.evals.cli import register as register_evals
    from app.personas.cli import register as register_persona_authoring

    register_evals(app)
    register_persona_authoring(app)


# Commands defined in this file. Importing the evaluation and persona authoring commands pulls
# in the dialogue engine and the runner: 0.7 s of CPU that `rapport keys create` or `serve` does
# not need (1.8 s -> 1.1 s for keys create), so they are registered only for the other commands
# and for the full --help.
_OWN_COMMANDS = frozenset({"serve", "db", "keys", "analyze", "note", "chat", "score"})


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in _OWN_COMMANDS:
        register_subcommands()
    app(args=args, prog_name="rapport")


if __name__ == "__main__":
    main()
