"""outbox indexes for the loop limits

`outbound.limits.count_recent` counts automatic replies to one address in the last day and to
anyone in the last hour before every automatic reply; without these it scanned the outbox.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_to_address_created_at", ["to_address", "created_at"], unique=False
        )
        batch_op.create_index("ix_outbox_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_created_at")
        batch_op.drop_index("ix_outbox_to_address_created_at")
