"""tenant persona listing: the public fields beside the body, so a listing reads no bodies

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLIC = ("id", "name", "role", "company", "summary", "scenario")

personas = sa.table(
    "tenant_personas",
    sa.column("tenant_id", sa.String),
    sa.column("persona_id", sa.String),
    sa.column("body", sa.JSON),
    sa.column("listing", sa.JSON),
)


def listing_of(body: dict[str, Any]) -> dict[str, Any]:
    """Persona.public() of a stored body (a validated persona dump)."""
    return {**{k: body.get(k) for k in PUBLIC}, "difficulties": list(body.get("difficulties", {}))}


def upgrade() -> None:
    with op.batch_alter_table("tenant_personas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listing", sa.JSON(), nullable=True))
    connection = op.get_bind()
    keys = connection.execute(sa.select(personas.c.tenant_id, personas.c.persona_id)).all()
    for tenant_id, persona_id in keys:  # one body at a time: they may be large
        where = (personas.c.tenant_id == tenant_id) & (personas.c.persona_id == persona_id)
        body = connection.execute(sa.select(personas.c.body).where(where)).scalar_one()
        connection.execute(personas.update().where(where).values(listing=listing_of(body)))
    with op.batch_alter_table("tenant_personas", schema=None) as batch_op:
        batch_op.alter_column("listing", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("tenant_personas", schema=None) as batch_op:
        batch_op.drop_column("listing")
