from typing import Any

from fastapi import APIRouter

from app.api.deps import RuntimeDep, TenantDep

router = APIRouter(prefix="/v1/personas", tags=["personas"])


@router.get("")
async def list_personas(runtime: RuntimeDep, _: TenantDep) -> dict[str, Any]:
    return {"personas": [p.public() for p in runtime.personas.all()]}


@router.get("/{persona_id}")
async def get_persona(persona_id: str, runtime: RuntimeDep, _: TenantDep) -> dict[str, Any]:
    return runtime.personas.get(persona_id).public()
