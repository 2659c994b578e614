"""What an override decided, as a code (released, confirmed case, close contact, quarantine ordered, other).

The person is told the category in their own language; the administrator's text stays as their note.
Overrides set before this have only that text: they become "other", their text kept as the note.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL adds the column without rewriting the table.
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=24), server_default="other", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        batch_op.drop_column("category")
