"""Appeals: a person contests a reason for their colour, and a reviewer decides.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("state = 'open'")


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(length=255), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("decision_text", sa.Text(), nullable=True),
        sa.Column("grant_ends_on", sa.Date(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_appeals_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appeals_open_user_id", ["user_id"], unique=True, postgresql_where=_OPEN, sqlite_where=_OPEN
        )
        batch_op.create_index(
            "ix_appeals_open_due_at", ["due_at", "id"], unique=False, postgresql_where=_OPEN, sqlite_where=_OPEN
        )
        batch_op.create_index("ix_appeals_user_id_id", ["user_id", "id"], unique=False)
        batch_op.create_index("ix_appeals_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_created_at")
        batch_op.drop_index("ix_appeals_user_id_id")
        batch_op.drop_index("ix_appeals_open_due_at")
        batch_op.drop_index("ix_appeals_open_user_id")
    op.drop_table("appeals")
