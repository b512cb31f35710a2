from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response, status

from app.api.deps import RuntimeDep, SessionDep, TenantDep
from app.api.schemas import ID_PATTERN
from app.services.personas import PersonaService

router = APIRouter(prefix="/v1/personas", tags=["personas"])
PersonaId = Annotated[str, Path(max_length=100, pattern=ID_PATTERN)]
PersonaBody = Annotated[
    dict[str, Any],
    Body(
        description="A persona (the fields of a persona YAML file, as JSON) or a Character "
        "Card V1/V2/V3 object."
    ),
]


@router.get("")
async def list_personas(
    runtime: RuntimeDep,
    session: SessionDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The built-in personas, then the caller's own by id, a page at a time (`total` counts
    them all)."""
    return await PersonaService(runtime, session).visible(tenant, limit=limit, offset=offset)


@router.get("/{persona_id}")
async def get_persona(
    persona_id: PersonaId, runtime: RuntimeDep, session: SessionDep, tenant: TenantDep
) -> dict[str, Any]:
    return await PersonaService(runtime, session).public(tenant, persona_id)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_persona(
    body: PersonaBody, runtime: RuntimeDep, session: SessionDep, tenant: TenantDep
) -> dict[str, Any]:
    return await PersonaService(runtime, session).create(tenant, body)


@router.put("/{persona_id}")
async def replace_persona(
    persona_id: PersonaId,
    body: PersonaBody,
    runtime: RuntimeDep,
    session: SessionDep,
    tenant: TenantDep,
) -> dict[str, Any]:
    return await PersonaService(runtime, session).replace(tenant, persona_id, body)


@router.delete("/{persona_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_persona(
    persona_id: PersonaId, runtime: RuntimeDep, session: SessionDep, tenant: TenantDep
) -> Response:
    await PersonaService(runtime, session).delete(tenant, persona_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
