"""imported conversations and progress links (issue 19, parts 3 and 4)

A conversation is a practice one or an imported real one (scored from a transcript); a progress
link opens a learner's progress page, or a tenant's coach view, in a browser for a while.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="practice")
        )
        batch_op.add_column(sa.Column("import_details", sa.JSON(), nullable=True))
    op.create_table(
        "progress_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_ref", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_progress_links")),
    )
    op.create_index(
        op.f("ix_progress_links_expires_at"), "progress_links", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_progress_links_expires_at"), table_name="progress_links")
    op.drop_table("progress_links")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("import_details")
        batch_op.drop_column("source")
