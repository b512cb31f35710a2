"""API keys: creation (shown once), authentication by hash, revocation."""

from __future__ import annotations

import hashlib
import ipaddress
import re
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


_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_ORIGIN = 300


def normalise_origin(origin: str, *, configured: bool = False) -> str:
    """`scheme://host[:port]`, lower-case, without a default port; anything else is refused.

    An `Origin` header is exactly that. A path, query, fragment or userinfo means the value was
    not written by a browser, and accepting it would let one key be cached under endless
    spellings of one site. `configured` (an operator's `--origin`) forgives a trailing slash.
    """
    candidate = origin.strip() if configured else origin
    if configured and candidate.endswith("/") and candidate.count("/") == 3:
        candidate = candidate[:-1]
    try:
        return _normalised(candidate)
    except ValueError:
        raise InvalidInput(
            f"{origin[:100]!r} is not an origin like https://coach.example"
        ) from None


def _normalised(origin: str) -> str:
    if len(origin) > _MAX_ORIGIN or not origin.isascii() or not origin.isprintable():
        raise ValueError(origin)
    parts = urlsplit(origin)
    if parts.scheme.lower() not in _DEFAULT_PORTS or "@" in parts.netloc:
        raise ValueError(origin)
    if parts.path or parts.query or parts.fragment or origin.endswith(("?", "#")):
        raise ValueError(origin)
    host, port, scheme = parts.hostname or "", parts.port, parts.scheme.lower()
    if ":" in host:
        ipaddress.IPv6Address(host)  # raises ValueError for anything else
        host = f"[{host}]"
    elif not _HOST.match(host):
        raise ValueError(origin)
    if parts.netloc.lower() not in {host, f"{host}:{port}"}:  # "host:", "host:+80", "host:080"
        raise ValueError(origin)
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


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
        allowed = [normalise_origin(o, configured=True) for o in origins or []]
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

    async def lookup(self, plain: str) -> Tenant | None:
        """The active key's tenant, or None for an unknown or revoked key."""
        record = await self.repo.by_hash(hash_key(plain))
        if record is None:
            return None
        return Tenant(id=record.id, kind=record.kind, origins=_stored_origins(record))  # type: ignore[arg-type]

    async def authenticate(self, plain: str, origin: str | None) -> Tenant:
        tenant = await self.lookup(plain)
        if tenant is None:
            raise Unauthorized("The API key is not valid (unknown or revoked).")
        check_origin(tenant, origin)
        return tenant


def _stored_origins(record: ApiKey) -> tuple[str, ...]:
    # Keys made before origins were normalised may hold e.g. an explicit default port.
    out = []
    for origin in record.origins:
        try:
            out.append(normalise_origin(origin, configured=True))
        except InvalidInput:
            continue
    return tuple(out)


def check_origin(tenant: Tenant, origin: str | None) -> None:
    """A publishable key answers only on its own origins; other keys ignore the header."""
    if tenant.kind != "publishable":
        return
    if origin is None:
        raise Forbidden(
            "A publishable key works only from a browser page on its allowed origins.",
            code="origin_not_allowed",
        )
    try:
        allowed = normalise_origin(origin) in tenant.origins
    except InvalidInput:
        allowed = False
    if not allowed:
        raise Forbidden(
            f"This key may not be used from {origin[:100]!r}; it is allowed only on "
            f"{', '.join(tenant.origins)}.",
            code="origin_not_allowed",
        )
