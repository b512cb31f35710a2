"""The `rapport` command on a real database file: as a user runs it (a process of its own) where
the process matters (what is on stdout alone, exit codes, a fresh database, what the log says),
and in this process through typer's CliRunner, the same code, for the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PERSONAS = ["recruiter", "conference_stranger", "prospect"]

pytestmark = pytest.mark.slow  # a new interpreter per command: 1 to 5 s of CPU each


def rapport(*args: str, db: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RAPPORT_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "RAPPORT_ENGINE": "scripted",
        "COLUMNS": "120",
        "NO_COLOR": "1",
    }
    env.pop("RAPPORT_LLM_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def in_process(db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """`rapport ARGS` in this process: what a process runs, without the seconds of CPU that
    starting an interpreter and importing the app take."""
    from typer.testing import CliRunner

    from app.cli import app, register_subcommands
    from app.config import get_settings

    monkeypatch.setenv("RAPPORT_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("RAPPORT_ENGINE", "scripted")
    monkeypatch.delenv("RAPPORT_LLM_BASE_URL", raising=False)
    get_settings.cache_clear()
    register_subcommands()

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = CliRunner().invoke(app, list(args), input=stdin)
        failure = "" if result.exception is None else f"\n{result.exception!r}"
        return subprocess.CompletedProcess(
            ["rapport", *args], result.exit_code, result.stdout, result.stderr + failure
        )

    yield run
    get_settings.cache_clear()


def test_keys_create_prints_the_key_alone_on_its_last_line(db):
    assert rapport("db", "upgrade", db=db).returncode == 0
    done = rapport("keys", "create", "--name", "frontend", db=db)
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip().splitlines()[-1]
    assert key.startswith("rk_") and len(key) > 30
    listed = rapport("keys", "list", db=db).stdout
    assert "frontend" in listed and key not in listed


def test_keys_create_on_a_database_never_migrated_migrates_it_first(db):
    done = rapport("keys", "create", "--name", "first", db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("rk_")
    assert "alembic" not in done.stderr  # no migration log for a newcomer to read past
    assert "first" in rapport("keys", "list", db=db).stdout


def test_keys_create_on_an_unreachable_database_says_so_in_one_line(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    done = rapport("keys", "create", "--name", "x", db=blocked / "x.db")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "RAPPORT_DATABASE_URL" in done.stderr and "[]" not in done.stderr


def test_publishable_key_needs_an_origin(db):
    refused = rapport("keys", "create", "--name", "site", "--publishable", db=db)
    assert refused.returncode == 2 and "origin" in refused.stderr
    made = rapport(
        "keys",
        "create",
        "--name",
        "site",
        "--publishable",
        "--origin",
        "https://coach.example",
        db=db,
    )
    assert made.stdout.strip().splitlines()[-1].startswith("pk_")


def test_analyze_prints_one_feedback_object(in_process: Run):
    done = in_process(
        "analyze", "--partner", "I used to teach chemistry.", "What made you leave teaching?"
    )
    assert done.returncode == 0, done.stderr
    feedback = json.loads(done.stdout)
    assert feedback["genuine_interest"] is True
    assert "follow_up_question" in feedback["moves"]


def test_analyze_refuses_an_empty_message(in_process: Run):
    done = in_process("analyze", "   ")
    assert done.returncode == 2 and "empty" in done.stderr


def test_persona_graph_prints_mermaid(in_process: Run):
    done = in_process("persona", "graph", "recruiter")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("stateDiagram") and "discovery" in done.stdout


def test_persona_graph_names_an_unknown_persona(in_process: Run):
    done = in_process("persona", "graph", "dragon")
    assert done.returncode == 2 and "dragon" in done.stderr


@pytest.mark.parametrize("persona", PERSONAS)
def test_chat_holds_a_conversation_and_prints_the_scorecard(in_process: Run, persona: str):
    lines = [
        "Hi, I'm Alex. What brings you here today?",
        "That sounds interesting. How did you get into that?",
        "What has been the hardest part of it?",
        "/end",
    ]
    done = in_process("chat", "--persona", persona, stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("tip:") >= 3  # feedback after every turn
    assert "Scorecard" in out and "outcome" in out


def test_chat_refuses_an_over_long_message_as_the_api_does(db):  # a real process: its log too
    lines = ["x" * 2500, "What brings you here today?", "/end"]
    done = rapport("chat", db=db, stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert "Not sent: the message is 2,500 characters; the limit is 2,000" in done.stdout
    assert done.stdout.count("/100 ·") == 1  # feedback on the one message that was sent
    assert "alembic" not in done.stderr


def test_chat_as_a_learner_is_remembered_the_next_time(in_process: Run):
    lines = ["Hi, I'm Alex. How did you end up in recruiting?", "What made you switch?", "/end"]
    first = in_process("chat", "--as", "alex", stdin="\n".join(lines) + "\n")
    assert first.returncode == 0, first.stderr
    assert "remembers" not in first.stdout

    again = in_process("chat", "--as", "Alex", stdin="/end\n")
    assert again.returncode == 0, again.stderr
    assert "Priya Raman remembers your last conversation" in again.stdout
    assert "Alex" in again.stdout.split("remembers your last conversation", 1)[1]

    stranger = in_process("chat", stdin="/end\n")
    assert "remembers" not in stranger.stdout


def test_serve_leaves_x_forwarded_for_to_the_app(monkeypatch):
    # uvicorn's own proxy headers trust any loopback peer; the app trusts configured proxies only.
    import uvicorn
    from typer.testing import CliRunner

    from app.cli import app as cli_app

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setattr("app.db.upgrade_to_head", lambda url: None)
    result = CliRunner().invoke(cli_app, ["serve", "--host", "127.0.0.1"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False
