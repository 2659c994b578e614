"""The person's current colour, name and last check-in day on their own row, filled from the histories.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:40:00

Jobs and HR's pages read these instead of the newest row of each history per person, which grows with
people × days. The backfill is one statement per column, each a correlated lookup on an existing
(user_id, …) index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("colour", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("display_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("last_checkin_on", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        name = "(d.answers::json ->> 'full_name')"
    else:
        name = "json_extract(d.answers, '$.full_name')"
    op.execute(
        "UPDATE users SET colour = (SELECT a.colour FROM assessments a WHERE a.user_id = users.id "
        "ORDER BY a.id DESC LIMIT 1)"
    )
    op.execute(
        f"UPDATE users SET display_name = (SELECT substr({name}, 1, 100) FROM declarations d "
        "WHERE d.user_id = users.id ORDER BY d.id DESC LIMIT 1)"
    )
    op.execute("UPDATE users SET last_checkin_on = (SELECT max(c.day) FROM checkins c WHERE c.user_id = users.id)")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_checkin_on")
        batch_op.drop_column("display_name")
        batch_op.drop_column("colour")
