"""A simulated user for `simulate:` scripts: an LLM that plays the user from prompts/.

The template (prompts/user_simulator.j2) describes who the user is; the conversation is passed
with the roles swapped, so the model's own lines are the user's and the persona is its partner.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from app.config import Settings
from app.evals.runner import SimulatorError
from app.evals.scripts import Script
from app.llm.client import CallOptions, LLMClient

TEMPLATE = "user_simulator.j2"
MAX_CHARS = 2000  # the API's message limit
# Models like to label or quote their line ("You: ...", "\"...\""); the API wants the words only.
QUOTE_PAIRS = {('"', '"'), ("'", "'"), ("“", "”"), ("‘", "’")}
_LABEL_RE = re.compile(r"^\s*(?:user|you|me)\s*:\s*", re.IGNORECASE)


def clean_line(text: str) -> str:
    line = _LABEL_RE.sub("", text.strip())
    if len(line) >= 2 and (line[0], line[-1]) in QUOTE_PAIRS:
        line = line[1:-1].strip()
    return line.strip()[:MAX_CHARS].strip()


class LLMUserSimulator:
    def __init__(self, client: LLMClient, prompts_dir: Path) -> None:
        self.client = client
        self.env = Environment(
            loader=FileSystemLoader(prompts_dir), undefined=StrictUndefined, autoescape=False
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMUserSimulator:
        return cls(LLMClient.from_settings(settings), settings.prompts_dir)

    async def aclose(self) -> None:
        await self.client.aclose()

    def messages(
        self, script: Script, persona: dict[str, Any], transcript: list[dict[str, Any]]
    ) -> list[BaseMessage]:
        assert script.simulate is not None
        turn = 1 + sum(m["role"] == "user" for m in transcript)
        system = self.env.get_template(TEMPLATE).render(
            partner=_PartnerView(persona), simulate=script.simulate, turn=turn
        )
        chat: list[BaseMessage] = [SystemMessage(system)]
        for m in transcript:
            cls = AIMessage if m["role"] == "user" else HumanMessage
            chat.append(cls(m["content"]))
        return chat

    def options(self, persona: dict[str, Any]) -> CallOptions:
        """One line of the user's: a new line labelled with a speaker is the model going on to
        write the persona's answer, or a second line of its own."""
        partner = str(persona.get("name") or "Partner").split()[0]
        return CallOptions(
            stop=tuple(f"\n{label}:" for label in (partner, "User", "You", "Me")),
            max_tokens=self.client.budgets.simulator_max_tokens,
        )

    async def next_line(
        self, script: Script, persona: dict[str, Any], transcript: list[dict[str, Any]]
    ) -> str:
        completion = await self.client.complete(
            self.messages(script, persona, transcript), options=self.options(persona)
        )
        line = clean_line(completion.text)
        if not line:
            raise SimulatorError("the simulated user answered with an empty line")
        return line


class _PartnerView:
    """The persona's public fields for the template; absent fields read as empty."""

    def __init__(self, persona: dict[str, Any]) -> None:
        self._persona = persona

    def __getattr__(self, name: str) -> Any:
        return self._persona.get(name) or ""
