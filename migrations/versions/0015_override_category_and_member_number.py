"""What an override decided, as a code; and a member number per organization for HR's CSV.

An override's category (released, confirmed case, close contact, quarantine ordered, other) is told to the
person in their own language; the administrator's text stays as their note. Overrides set before this
have only that text: they become "other", their text kept as the note.

Members are numbered in each organization in the order of their Telegram ids (nothing stored says when
they joined); whoever joins from now on takes the organization's next number.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL adds the column without rewriting the table.
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=24), server_default="other", nullable=False))
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_member_number", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_number", sa.Integer(), nullable=True))
    # One pass with a window function (PostgreSQL, SQLite 3.33+), not a count per member: an organization
    # of 60,000 would otherwise cost 60,000 index scans.
    op.execute(
        "UPDATE users SET member_number = numbered.number FROM ("
        "SELECT id, ROW_NUMBER() OVER (PARTITION BY organization_id ORDER BY id) AS number "
        "FROM users WHERE organization_id IS NOT NULL"
        ") AS numbered WHERE users.id = numbered.id"
    )
    op.execute(
        "UPDATE organizations SET last_member_number = COALESCE("
        "(SELECT MAX(member_number) FROM users WHERE users.organization_id = organizations.id), 0)"
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("member_number")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("last_member_number")
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        batch_op.drop_column("category")
