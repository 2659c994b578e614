"""Handled update ids, and the indexes the retention purge and erasure delete and update through.

`handled_updates`: so a copy of an update re-delivered after a restart is recognised without Redis.
`verifications.at` and `broadcasts.finished_at`: the purge deletes checkpoint records and finished
reminder jobs by age. `audit_log.actor_id` and `subject_id`: erasure unlinks the person's entries.

On PostgreSQL the indexes on existing tables are built CONCURRENTLY, outside the migration's transaction,
so checks at gates and reminders go on while they are built.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: tuple[tuple[str, str, list[str]], ...] = (
    ("ix_verifications_at", "verifications", ["at"]),
    ("ix_broadcasts_finished_at", "broadcasts", ["finished_at"]),
    ("ix_audit_log_actor_id", "audit_log", ["actor_id"]),
    ("ix_audit_log_subject_id", "audit_log", ["subject_id"]),
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "handled_updates",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_handled_updates")),
    )
    op.create_index("ix_handled_updates_handled_at", "handled_updates", ["handled_at"])
    if _postgresql():
        with op.get_context().autocommit_block():
            for name, table, columns in INDEXES:
                # A build interrupted half-way leaves an invalid index under this name: start again.
                op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
                op.create_index(name, table, columns, postgresql_concurrently=True)
        return
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    if _postgresql():
        with op.get_context().autocommit_block():
            for name, table, _columns in reversed(INDEXES):
                op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
    else:
        for name, table, _columns in reversed(INDEXES):
            op.drop_index(name, table_name=table)
    op.drop_index("ix_handled_updates_handled_at", table_name="handled_updates")
    op.drop_table("handled_updates")
