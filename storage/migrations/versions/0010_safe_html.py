"""the sanitized HTML body is stored with the message (sanitized once, at intake)

Messages stored before get theirs the first time their ticket page is shown
(`postkamer.web.queries.ticket_detail`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("safe_html", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("html_blocked", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("html_withheld", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("html_withheld")
        batch_op.drop_column("html_blocked")
        batch_op.drop_column("safe_html")
