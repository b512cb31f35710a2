from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Tenant:
    """Who is calling. Conversations belong to the key that created them (or to open mode).

    A publishable key is public, so with one the caller is a single visitor, known only by the
    tokens the request presents (see app/services/access.py); other kinds ignore them.
    """

    id: str
    kind: Literal["secret", "publishable", "open"]
    origins: tuple[str, ...] = ()
    conversation_token: str | None = None  # X-Rapport-Conversation-Token
    visitor_token: str | None = None  # X-Rapport-Visitor-Token

    @property
    def is_visitor(self) -> bool:
        return self.kind == "publishable"


OPEN_TENANT = Tenant(id="open", kind="open")
