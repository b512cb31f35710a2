"""A tenant's own personas arriving over the API: validated exactly like persona files.

The lead's routes (`POST/PUT /v1/personas`) call `parse_tenant_persona` with the request body;
it returns the persona and the authoring warnings, or raises a domain error the problem handler
already maps: InvalidInput (422) naming every bad field, Conflict (409) when the id is a
built-in persona's. The body is either a persona object (the YAML fields, as JSON) or a
Character Card V1/V2/V3 object, which is imported as `rapport persona import` would.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.errors import Conflict, InvalidInput
from app.personas.cards import CardError, card_to_persona
from app.personas.schema import Persona
from app.personas.validate import Problem, validate_data

SOURCE = "body"


@dataclass
class TenantPersona:
    persona: Persona
    warnings: list[str] = field(default_factory=list)


def is_card(body: Mapping[str, Any]) -> bool:
    spec = body.get("spec")
    return isinstance(spec, str) and spec.startswith("chara_card")


def parse_tenant_persona(
    body: Any, *, builtin_ids: Collection[str], persona_id: str | None = None
) -> TenantPersona:
    """Validate a request body into a persona owned by a tenant.

    `persona_id` is the id in the URL for PUT: the body must agree with it (or, for a card,
    takes it). Problems raise InvalidInput whose `errors` extra lists {"field", "message"}.
    """
    if not isinstance(body, Mapping):
        raise InvalidInput(
            "A persona is a JSON object.", errors=[_error("(top level)", "not an object")]
        )
    result = _from_card(body, persona_id) if is_card(body) else _from_fields(body)
    persona = result.persona
    if persona_id is not None and persona.id != persona_id:
        raise InvalidInput(
            f"Field 'id' is {persona.id!r} but the URL names {persona_id!r}.",
            errors=[_error("id", f"must be {persona_id!r}, the id in the URL")],
        )
    if persona.id in builtin_ids:
        raise Conflict(
            f"Persona id {persona.id!r} belongs to a built-in persona, which is read-only; "
            "choose another id.",
            errors=[_error("id", "is the id of a built-in persona")],
        )
    return result


def _from_fields(body: Mapping[str, Any]) -> TenantPersona:
    validation = validate_data(dict(body), SOURCE)
    if validation.errors or validation.persona is None:
        raise _invalid(validation.errors)
    return TenantPersona(validation.persona, [_text(p) for p in validation.warnings])


def _from_card(body: Mapping[str, Any], persona_id: str | None) -> TenantPersona:
    try:
        imported = card_to_persona(dict(body), persona_id=persona_id)
    except CardError as exc:
        raise InvalidInput(exc.detail, errors=[_error("(card)", exc.detail)]) from None
    return TenantPersona(imported.persona, imported.warnings)


def _invalid(errors: list[Problem]) -> InvalidInput:
    fields = ", ".join(p.field for p in errors)
    detail = "; ".join(f"{p.field}: {p.message}" for p in errors)
    return InvalidInput(
        f"Invalid persona ({fields}): {detail}",
        errors=[_error(p.field, p.message) for p in errors],
    )


def _error(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}


def _text(problem: Problem) -> str:
    return f"{problem.field}: {problem.message}"
