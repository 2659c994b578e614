"""Daily check-ins, status changes over time, and the way to green on the code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 08:06:35.054376
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", AutoId, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("temperature_c", sa.Float(), nullable=False),
        sa.Column("symptoms", sa.JSON(), nullable=False),
        sa.Column("declaration_id", AutoId, nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_checkins_declaration_id_declarations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_checkins_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_checkins_user_id")),
    )
    # Earlier rows were made by declarations and shown at once: nobody is to be told of them again.
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cause", sa.String(length=16), nullable=False, server_default="declaration"))
        batch_op.add_column(sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("declaration_id", existing_type=AutoId, nullable=True)
        batch_op.drop_constraint("fk_assessments_declaration_id_declarations", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_assessments_declaration_id_declarations",
            "declarations",
            ["declaration_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute("UPDATE assessments SET notified_at = assessed_at")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.alter_column("cause", existing_type=sa.String(length=16), server_default=None)

    # A code is derived data, renewed when next shown: dropping the old ones spares inventing their status.
    op.execute("DELETE FROM codes")
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.JSON(), nullable=False))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_evaluated_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("status_evaluated_on")
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.drop_column("status")
    # Status changes made by check-ins or by time have no declaration; 0001 cannot hold them.
    op.execute("DELETE FROM assessments WHERE declaration_id IS NULL")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint("fk_assessments_declaration_id_declarations", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_assessments_declaration_id_declarations",
            "declarations",
            ["declaration_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.alter_column("declaration_id", existing_type=AutoId, nullable=False)
        batch_op.drop_column("notified_at")
        batch_op.drop_column("cause")
    op.drop_table("checkins")
