"""One account per @username (a partial unique index), and when /mydata last built a person's export.

Before the index, a name held by several rows is cleared from all of them: nothing stored says which
holder is current (a renamed account keeps its old name until it writes again), and a wrong guess would
let `/grant @name` reach the wrong person. The current holder gets the name back with their next message.

On PostgreSQL the index is built CONCURRENTLY, so `users` stays writable while it is built.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("username IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_requested_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE users SET username = NULL WHERE username IN "
        "(SELECT username FROM users WHERE username IS NOT NULL GROUP BY username HAVING COUNT(*) > 1)"
    )
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_users_username")
            op.execute(
                "CREATE UNIQUE INDEX CONCURRENTLY ix_users_username ON users (username) WHERE username IS NOT NULL"
            )
        return
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_username")
        batch_op.create_index("ix_users_username", ["username"], unique=True, sqlite_where=_WHERE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_users_username")
            op.execute("CREATE INDEX CONCURRENTLY ix_users_username ON users (username)")
    else:
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.drop_index("ix_users_username")
            batch_op.create_index("ix_users_username", ["username"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("data_requested_at")
