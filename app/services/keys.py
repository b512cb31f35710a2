"""API keys: creation (shown once), authentication by hash, revocation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.errors import Forbidden, InvalidInput, Unauthorized
from app.models import ApiKey
from app.repositories import KeyRepository
from app.services.tenancy import Tenant

PREFIXES = {"secret": "rk_", "publishable": "pk_"}


def hash_key(plain: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is enough; a slow KDF would only cost
    # latency on every request without making a random 43-character token any harder to guess.
    return hashlib.sha256(plain.encode()).hexdigest()


def normalise_origin(origin: str) -> str:
    parts = urlsplit(origin.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise InvalidInput(f"{origin!r} is not an origin like https://coach.example")
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True)
class NewKey:
    record: ApiKey
    plain: str


class KeyService:
    def __init__(self, repo: KeyRepository) -> None:
        self.repo = repo

    async def create(
        self, name: str, *, publishable: bool = False, origins: list[str] | None = None
    ) -> NewKey:
        kind = "publishable" if publishable else "secret"
        allowed = [normalise_origin(o) for o in origins or []]
        if publishable and not allowed:
            raise InvalidInput("A publishable key needs at least one --origin it may be used from.")
        plain = PREFIXES[kind] + secrets.token_urlsafe(32)
        record = ApiKey(
            id=secrets.token_hex(8),
            name=name,
            kind=kind,
            prefix=plain[:10],
            key_hash=hash_key(plain),
            origins=allowed,
        )
        await self.repo.add(record)
        return NewKey(record, plain)

    async def authenticate(self, plain: str, origin: str | None) -> Tenant:
        record = await self.repo.by_hash(hash_key(plain))
        if record is None:
            raise Unauthorized("The API key is not valid (unknown or revoked).")
        if record.kind == "publishable":
            _check_origin(record, origin)
        return Tenant(id=record.id, kind=record.kind, origins=tuple(record.origins))  # type: ignore[arg-type]


def _check_origin(record: ApiKey, origin: str | None) -> None:
    if origin is None:
        raise Forbidden(
            "A publishable key works only from a browser page on its allowed origins.",
            code="origin_not_allowed",
        )
    try:
        normalised = normalise_origin(origin)
    except InvalidInput:
        normalised = origin
    if normalised not in record.origins:
        raise Forbidden(
            f"This key may not be used from {origin}; it is allowed only on "
            f"{', '.join(record.origins)}.",
            code="origin_not_allowed",
        )
