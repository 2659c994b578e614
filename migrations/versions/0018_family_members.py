"""Family members (issue 16): a holder that is not a Telegram account, managed by one that is.

A member is a row of `users` like anyone, so every table keyed by the person (declarations, check-ins,
assessments, codes, overrides, verifications, appeals) holds a member's rows through the same key;
`managed_by` names the account whose chat gets their messages, `relation` what they are to it. Both are
empty for every existing row: each of them is a Telegram account, as before.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("managed_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("relation", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_managed_by"), ["managed_by"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_users_managed_by_users"), "users", ["managed_by"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    # Members cannot be told apart from accounts without these columns: they go, with all their rows.
    op.execute("DELETE FROM users WHERE managed_by IS NOT NULL")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_managed_by_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_managed_by"))
        batch_op.drop_column("relation")
        batch_op.drop_column("managed_by")
