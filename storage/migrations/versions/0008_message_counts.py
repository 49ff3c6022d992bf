"""which mail counts: message.counts

A ticket is judged only on the `ticket` and `followup` mail of its participants (DOMAIN.md
4a); auto-replies, delivery reports and bulk mail are stored on it for the record but never
add facts. Existing incoming mail of those two dispositions counts, everything else does not.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("counts", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE message SET counts = TRUE"
        " WHERE direction = 'in' AND disposition IN ('ticket', 'followup')"
    )


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("counts")
