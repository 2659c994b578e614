"""When a checkpoint temperature was recorded (staff may correct it for a few minutes), and what a code's
cached image was drawn from (an image is re-sent by file_id only while it would be drawn the same).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("temperature_at", sa.DateTime(timezone=True), nullable=True))
    # Images cached before this have no key: each is drawn once more, with the bilingual label.
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.drop_column("image_key")
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_column("temperature_at")
