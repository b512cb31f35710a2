"""Small factories for API tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

PROBLEM = "application/problem+json"

LISTENER_TO_RECRUITER = [
    "Hi Priya, I'm Alex. How did you end up in recruiting?",
    "A chemistry teacher! What made you decide to leave teaching?",
    "So it sounds like recruiting uses a lot of the same muscles as teaching. "
    "What do you miss most about the classroom?",
    "That click moment sounds wonderful. What does a typical day look like for you now?",
    "Calendar Tetris sounds exhausting. "
    "How do you keep it manageable on your own since the layoffs?",
    "That's a lot to carry. What kind of engineers are you hoping to find this year?",
    "Tell me more about why that matters so much for the nurses.",
    "It sounds like the work really means something to you. "
    "What would make this a good year for you?",
    "What do you look for in someone who would do well on that team?",
    "Thank you, this has been really helpful. Could we stay in touch?",
]

PITCHER_TO_RECRUITER = [
    "Hi, I'm a senior engineer with ten years of experience and I'm looking for a job.",
    "Here is my resume. I have led teams of twenty and shipped products used by millions.",
    "Can you refer me to your hiring manager today?",
    "I am the best candidate you will meet at this fair, I guarantee it.",
    "Just forward my CV to the engineering director please, I need an interview this week.",
    "My skills: Python, Go, Kubernetes, AWS, leadership, and I can start tomorrow.",
    "So can you get me an interview or not?",
    "I really need this job, please pass my resume along.",
]


async def start(
    client: httpx.AsyncClient, persona: str = "recruiter", **extra: Any
) -> dict[str, Any]:
    response = await client.post("/v1/conversations", json={"persona_id": persona, **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def say(client: httpx.AsyncClient, conversation_id: str, content: str) -> httpx.Response:
    return await client.post(
        f"/v1/conversations/{conversation_id}/turns", json={"content": content}
    )


async def transcript(client: httpx.AsyncClient, conversation_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def parse_sse(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    """Split a server-sent-event body into (event name, decoded JSON data) pairs."""
    events = []
    for block in raw.decode().replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events
