"""HR's member lists in name order by keyset: users.name_key and an index (organization_id, name_key, id).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:45:00

A page of 20 names, a report's counts and a CSV file of one organization read this index's range for the
organization, in list order, instead of every member and every check-in. name_key is display_name
stripped and lowered (bot.db.repositories.declarations.name_key writes it from then on); blank names get
None and are listed last. On PostgreSQL the index is built CONCURRENTLY: users is read and written by every
check-in, and a plain CREATE INDEX would block them for as long as it takes at a city's size.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_users_organization_id_name_key_id"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=100), nullable=True))
    op.execute(
        "UPDATE users SET name_key = NULLIF(substr(lower(trim(display_name)), 1, 100), '') "
        "WHERE display_name IS NOT NULL"
    )
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                INDEX, "users", ["organization_id", "name_key", "id"], unique=False, postgresql_concurrently=True
            )
    else:
        op.create_index(INDEX, "users", ["organization_id", "name_key", "id"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.drop_index(INDEX, table_name="users", postgresql_concurrently=True)
    else:
        op.drop_index(INDEX, table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("name_key")
