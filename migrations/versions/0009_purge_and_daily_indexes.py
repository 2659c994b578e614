"""Indexes for the daily job, the retention purge and deleting a person, at a city's size.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00

The daily job finds the people not green through a partial index instead of the newest assessment of
everyone. The purge deletes by time (reported_at, declared_at, assessed_at), and every row it deletes
is referenced through a foreign key (checkins.declaration_id, assessments.declaration_id,
codes.assessment_id) whose ON DELETE action scanned the whole referencing table once per deleted row
without an index; deleting a person cascades into broadcast_recipients, and deleting an organization
into roles and broadcasts, the same way.

On PostgreSQL the indexes are built CONCURRENTLY, outside the migration's transaction, so writes to
these tables (check-ins, say) go on while they are built.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, columns, partial index condition)
INDEXES: tuple[tuple[str, str, list[str], str | None], ...] = (
    ("ix_users_not_green", "users", ["id"], "colour <> 'green'"),
    ("ix_declarations_declared_at", "declarations", ["declared_at"], None),
    ("ix_checkins_reported_at", "checkins", ["reported_at"], None),
    ("ix_checkins_declaration_id", "checkins", ["declaration_id"], "declaration_id IS NOT NULL"),
    ("ix_assessments_assessed_at", "assessments", ["assessed_at"], None),
    ("ix_assessments_declaration_id", "assessments", ["declaration_id"], "declaration_id IS NOT NULL"),
    ("ix_assessments_untold", "assessments", ["id"], "notified_at IS NULL"),
    ("ix_codes_assessment_id", "codes", ["assessment_id"], None),
    ("ix_broadcast_recipients_user_id", "broadcast_recipients", ["user_id"], None),
    ("ix_roles_organization_id", "roles", ["organization_id"], None),
    ("ix_broadcasts_organization_id", "broadcasts", ["organization_id"], None),
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgresql():
        with op.get_context().autocommit_block():
            for name, table, columns, where in INDEXES:
                # A build interrupted half-way leaves an invalid index under this name: start again.
                op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
                op.create_index(
                    name,
                    table,
                    columns,
                    postgresql_concurrently=True,
                    postgresql_where=sa.text(where) if where else None,
                )
        return
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, sqlite_where=sa.text(where) if where else None)


def downgrade() -> None:
    if _postgresql():
        with op.get_context().autocommit_block():
            for name, table, _columns, _where in reversed(INDEXES):
                op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        return
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
