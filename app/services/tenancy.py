from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Tenant:
    """Who is calling. Conversations belong to the key that created them (or to open mode)."""

    id: str
    kind: Literal["secret", "publishable", "open"]
    origins: tuple[str, ...] = ()


OPEN_TENANT = Tenant(id="open", kind="open")
