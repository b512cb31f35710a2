"""relationship memory: which earlier conversation a conversation continues, and what is remembered

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("continues_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("memory", sa.JSON(), nullable=True))
    # A new conversation looks up the learner's latest one with the same persona.
    op.create_index(
        "ix_conversations_tenant_user_ref_persona",
        "conversations",
        ["tenant_id", "user_ref", "persona_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_tenant_user_ref_persona", table_name="conversations")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("memory")
        batch_op.drop_column("continues_id")
