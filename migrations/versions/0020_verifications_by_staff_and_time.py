"""verifications(staff_id, at) instead of verifications(staff_id): "today's checks" of one staff member.

The scanner shows each staff member how many codes they checked today. By staff_id alone the index finds
every check they ever made and filters by time afterwards, a read that grows with each day of their work;
with `at` beside it the count reads today's rows only. The composite index serves lookups by staff_id
alone as well, so the old one goes.

On PostgreSQL both run CONCURRENTLY, outside a transaction: a city's checkpoint log is large, and a
plain CREATE INDEX would block every checkpoint's INSERT while it builds.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 19:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _swap(create: tuple[str, list[str]], drop: str) -> None:
    name, columns = create
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(name, "verifications", columns, postgresql_concurrently=True, if_not_exists=True)
            op.drop_index(drop, table_name="verifications", postgresql_concurrently=True, if_exists=True)
    else:
        op.create_index(name, "verifications", columns)
        op.drop_index(drop, table_name="verifications")


def upgrade() -> None:
    _swap(("ix_verifications_staff_id_at", ["staff_id", "at"]), "ix_verifications_staff_id")


def downgrade() -> None:
    _swap(("ix_verifications_staff_id", ["staff_id"]), "ix_verifications_staff_id_at")
