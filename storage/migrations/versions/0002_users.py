"""web app users, login sessions and login attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("app_user"):
        op.create_table(
            "app_user",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column("queues", sa.JSON(), nullable=True),
            sa.Column("language", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("app_user", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_app_user_email"), ["email"], unique=True)
    if _missing("login_attempt"):
        op.create_table(
            "login_attempt",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
            sa.Column("success", sa.Boolean(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("login_attempt", schema=None) as batch_op:
            batch_op.create_index("ix_login_attempt_email_at", ["email", "at"], unique=False)
            batch_op.create_index("ix_login_attempt_ip_at", ["ip", "at"], unique=False)
    if _missing("web_session"):
        op.create_table(
            "web_session",
            sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("csrf_token", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
            sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
            sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
            sa.PrimaryKeyConstraint("token_hash"),
        )
        with op.batch_alter_table("web_session", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_web_session_expires_at"), ["expires_at"], unique=False
            )
            batch_op.create_index(batch_op.f("ix_web_session_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("web_session")
    op.drop_table("login_attempt")
    op.drop_table("app_user")
