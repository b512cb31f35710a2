"""What a publishable key may do: act for one visitor, on the conversations it holds tokens for.

A `pk_` key is in every embedding page's source and any client can forge an `Origin`, so the key
alone proves nothing about who is calling. Creating a conversation with it returns a conversation
token, which every later call on that conversation must present; the first conversation also
returns a visitor token, which later ones send back to continue as the same learner. Only hashes
of either are stored: the conversation's `token_hash`, and its `user_ref` derived from the
visitor token, so that relationship memory keys on a learner nobody can claim by name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from app.errors import Forbidden, NotFound
from app.models import Conversation
from app.repositories import ConversationRepository
from app.services.tenancy import Tenant

CONVERSATION_PREFIX, VISITOR_PREFIX = "ct_", "vt_"
LEARNER_PREFIX = "visitor:"  # a user_ref derived from a visitor token, never chosen by a client
_TOKEN = re.compile(r"^(ct|vt)_[A-Za-z0-9_-]{43}$")


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # 256 random bits: a fast hash is enough (as for keys), and the stored value cannot be
    # turned back into a token that works.
    return hashlib.sha256(token.encode()).hexdigest()


def presented(value: str | None, prefix: str) -> str | None:
    """A token header's value if it has a token's shape, else None (as if it were absent)."""
    if value is None or not value.startswith(prefix) or not _TOKEN.match(value):
        return None
    return value


def learner_ref(visitor_token: str) -> str:
    return LEARNER_PREFIX + hash_token(visitor_token)


@dataclass(frozen=True, slots=True)
class Grant:
    """Who a new conversation belongs to, and the tokens its creator gets back (once)."""

    user_ref: str | None
    token_hash: str | None = None
    token: str | None = None
    visitor_token: str | None = None

    def secrets(self) -> dict[str, Any]:
        if self.token is None:
            return {}
        return {"token": self.token, "visitor_token": self.visitor_token}


async def grant_for(repo: ConversationRepository, tenant: Tenant, user_ref: str | None) -> Grant:
    """Secret keys name their learners; a visitor is the one its visitor token says, or new."""
    if not tenant.is_visitor:
        return Grant(user_ref)
    if user_ref is not None:
        raise Forbidden(
            "A publishable key cannot choose user_ref; send the visitor_token from an earlier "
            "conversation as X-Rapport-Visitor-Token to continue as the same learner.",
            code="secret_key_required",
        )
    visitor = tenant.visitor_token
    # A token this tenant never issued starts a new learner rather than naming one at will.
    if visitor is None or not await repo.has_learner(tenant.id, learner_ref(visitor)):
        visitor = new_token(VISITOR_PREFIX)
    token = new_token(CONVERSATION_PREFIX)
    return Grant(learner_ref(visitor), hash_token(token), token, visitor)


async def owned(
    repo: ConversationRepository,
    tenant: Tenant,
    conversation_id: str,
    *,
    with_messages: bool = True,
) -> Conversation:
    """The conversation if this caller may act on it; otherwise missing (404), never forbidden."""
    conversation = await repo.get(tenant.id, conversation_id, with_messages=with_messages)
    if tenant.is_visitor and not _holds_token(tenant, conversation):
        raise NotFound(f"No conversation {conversation_id!r} for this key.")
    return conversation


def _holds_token(tenant: Tenant, conversation: Conversation) -> bool:
    expected = conversation.token_hash
    offered = tenant.conversation_token
    if expected is None or offered is None:
        return False
    return hmac.compare_digest(hash_token(offered), expected)


def refuse_visitors(tenant: Tenant, what: str) -> None:
    if tenant.is_visitor:
        raise Forbidden(
            f"A publishable key cannot {what}; that needs a secret (rk_) key on a server.",
            code="secret_key_required",
        )


def for_caller(tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    """A visitor is not shown the learner reference derived from its token."""
    if tenant.is_visitor and "user_ref" in body:
        return {**body, "user_ref": None}
    return body
