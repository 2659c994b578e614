"""notices.about_id: the family member a notice is about, when it goes to their manager's chat (issue 16).

A member's notice is stored under the chat that receives it, their manager's; without the member beside
it, taking the notice back (a checkpoint's fever reading corrected before it was sent) looked under the
member's own id, found nothing, and the correction was sent after the mistake. Existing rows are left
empty: each is an account's own notice, or a member's already on its way within seconds.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("about_id")
