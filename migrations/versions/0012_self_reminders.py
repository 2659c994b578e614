"""A person's own daily check-in reminder and evening warning; buttons on an outbox notice.

`users` gains the choice (None: by default while not green, "on" at a time of their own, "off"), the
time, and the last local day each kind was queued (the once-a-day claim). The reminder job walks the
people who chose a time through a partial index on them; those reminded by default through the
existing index of people not green. `notices` gains the inline keyboard sent with the text.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REMIND_ON = sa.text("remind_choice = 'on'")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_choice", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("remind_at", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("reminded_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("warned_on", sa.Date(), nullable=True))
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buttons", sa.JSON(), nullable=True))
    # Nobody has chosen yet: the index starts empty, so building it does not hold up writes to users.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            "ix_users_remind_on", ["id"], unique=False, postgresql_where=_REMIND_ON, sqlite_where=_REMIND_ON
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_remind_on")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("buttons")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("warned_on")
        batch_op.drop_column("reminded_on")
        batch_op.drop_column("remind_at")
        batch_op.drop_column("remind_choice")
