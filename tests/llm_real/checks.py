"""What every reply and every request must be, whatever the model wrote (see the suite's tests)."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from app.llm.template_tokens import CONTROL_TOKEN
from app.personas.schema import Persona
from tests.llm_real.harness import Record

# The reply gate stops reading the model once 900 characters are out; the sentence that crosses
# the mark is sent whole, so a reply may end up to one sentence past it.
REPLY_LIMIT = 900
SENTENCE_SLACK = 300
LABELS = ("User", "Assistant", "System", "Human", "You", "AI")


def reply_problems(reply: str, persona: Persona, learner: str | None = None) -> list[str]:
    """Why `reply` may not reach a learner: empty, over the length bound, a control token, a
    speaker's label."""
    problems = []
    if not reply.strip():
        problems.append("empty")
    if len(reply) > REPLY_LIMIT + SENTENCE_SLACK:
        problems.append(f"{len(reply)} characters")
    if CONTROL_TOKEN.search(reply) or "<|" in reply or "|>" in reply:
        problems.append("control token")
    names = {*LABELS, persona.name, persona.name.split()[0], *([learner] if learner else [])}
    label = re.compile(
        rf"(?:^|\n)\s*\**(?:{'|'.join(map(re.escape, sorted(names)))})\**\s*:", re.IGNORECASE
    )
    if label.search(reply):
        problems.append("speaker label")
    return problems


def request_problems(record: Record) -> list[str]:
    """Why a request the service sent is not bounded and clean."""
    body = record.body
    problems = []
    if not isinstance(body.get("max_tokens"), int):
        problems.append(f"{record.kind}: no max_tokens")
    for message in record.messages:
        content = message.get("content")
        text = content if isinstance(content, str) else json.dumps(content)
        if CONTROL_TOKEN.search(text or ""):
            problems.append(f"{record.kind}: control token in a {message.get('role')} message")
    roles = [m.get("role") for m in record.messages]
    # One system message first; with RAPPORT_LLM_DIRECTIONS=last the turn's directions follow
    # the conversation as a second one, last.
    inner = roles[1:-1] if record.kind == "persona" else roles[1:]
    if not roles or roles[0] != "system" or "system" in inner:
        problems.append(f"{record.kind}: system messages at {roles}")
    return problems


def sqlite_path(database_url: str) -> str | None:
    prefix = "sqlite+aiosqlite:///"
    return database_url[len(prefix) :] if database_url.startswith(prefix) else None


def unlocked_by_line(database_url: str, conversation_id: str) -> dict[str, list[str]] | None:
    """For each user line of a conversation, the hooks unlocked once it was said (None when the
    database is not a SQLite file this process can read)."""
    path = sqlite_path(database_url)
    if path is None:
        return None
    with sqlite3.connect(path) as db:
        rows = db.execute(
            'SELECT content, state FROM messages WHERE conversation_id = ? AND role = "user"',
            (conversation_id,),
        ).fetchall()
    return {content: list(json.loads(state)["unlocked_hooks"]) for content, state in rows}


def locked_hooks_in_prompts(
    records: list[Record], persona: Persona, unlocked: dict[str, list[str]]
) -> list[str]:
    """Hooks whose summary was in a persona prompt before the dialogue machine unlocked them."""
    leaks = []
    for record in records:
        if record.kind != "persona" or not record.system.startswith(f"You are {persona.name}"):
            continue
        users = [m for m in record.messages if m.get("role") == "user"]
        said = str(users[-1].get("content") or "") if users else ""
        opened = next((hooks for line, hooks in unlocked.items() if said.strip() in line), None)
        if opened is None:
            continue  # another conversation's request
        briefing = "\n".join(
            str(m.get("content") or "") for m in record.messages if m.get("role") == "system"
        )
        leaks += [
            f"{hook.id} before unlock (after {said[:40]!r})"
            for hook in persona.hooks
            if hook.id not in opened and hook.summary in briefing
        ]
    return leaks


def valid_feedback(feedback: dict[str, Any] | None) -> bool:
    if not isinstance(feedback, dict):
        return False
    score = feedback.get("score")
    return (
        isinstance(score, int)
        and 0 <= score <= 100
        and isinstance(feedback.get("moves"), list)
        and isinstance(feedback.get("genuine_interest"), bool)
        and isinstance(feedback.get("tip"), str | None)
    )
