"""sender confirmation: the one-time code a registered contact replies with

A cancellation whose sender is not proven waits for the contract's registered contact to
confirm it by reply (DOMAIN.md 4a). `sender_confirmation` keeps each request: the ticket, the
contact it went to, the request's Message-ID the reply must name, an argon2 hash of the code,
its expiry, and what became of it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sender_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("contract_number", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("request_message_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("confirmed_by_message_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sender_confirmation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sender_confirmation_ticket_id"), ["ticket_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sender_confirmation_request_message_id"),
            ["request_message_id"],
            unique=True,
        )
        batch_op.create_index(batch_op.f("ix_sender_confirmation_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sender_confirmation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sender_confirmation_state"))
        batch_op.drop_index(batch_op.f("ix_sender_confirmation_request_message_id"))
        batch_op.drop_index(batch_op.f("ix_sender_confirmation_ticket_id"))
    op.drop_table("sender_confirmation")
