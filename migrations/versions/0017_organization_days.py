"""organization_days: each organization's check-ins per past day by colour, for /report's chart; and
city_days, everyone's, for /stats' chart.

Counted from check-ins, the chart's 14 days read every member's row of every day (575 ms at an
organization of 60,000, a sequential scan of all check-ins on PostgreSQL); these rows are written once a
day is over and read 13 at a time. Nothing is filled here: the first chart after the upgrade counts the
missing days once, as before, and stores them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organization_days",
        sa.Column("organization_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("green", sa.Integer(), nullable=False),
        sa.Column("yellow", sa.Integer(), nullable=False),
        sa.Column("red", sa.Integer(), nullable=False),
        sa.Column("no_code", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_days_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "day", name=op.f("pk_organization_days")),
    )
    op.create_table(
        "city_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("green", sa.Integer(), nullable=False),
        sa.Column("yellow", sa.Integer(), nullable=False),
        sa.Column("red", sa.Integer(), nullable=False),
        sa.Column("no_code", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_city_days")),
    )


def downgrade() -> None:
    op.drop_table("city_days")
    op.drop_table("organization_days")
