"""The schema comes from the Alembic revisions, and matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import make_engine
from storage.migrate import current, head, upgrade


def test_upgrade_on_empty_database_yields_the_model_tables(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current(engine) is None
        upgrade(engine)
        upgrade(engine)  # a second run is a no-op
        assert current(engine) == head()
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        # the revisions describe the models exactly: a model change without a revision fails here
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_upgrade_accepts_a_url(db_url: str) -> None:
    upgrade(db_url)
    assert current(db_url) == head()


def test_engine_fixture_is_migrated(engine: object) -> None:
    assert current(engine) == head()  # type: ignore[arg-type]


def test_existing_mail_counts_only_when_it_is_a_ticket_or_a_followup(db_url: str) -> None:
    """Revision 0008 marks the mail already stored: incoming `ticket` and `followup` mail
    counts toward its ticket, auto-replies, bounces, bulk mail and our replies do not."""
    from sqlalchemy import text

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0007")
        rows = [("in", "ticket"), ("in", "followup"), ("in", "auto_reply"), ("in", "bounce")]
        rows += [("in", "bulk"), ("out", "reply")]
        with engine.begin() as conn:
            for direction, disposition in rows:
                conn.execute(
                    text(
                        "INSERT INTO message (direction, from_name, from_email, disposition,"
                        " created_at) VALUES (:d, '', '', :p, CURRENT_TIMESTAMP)"
                    ),
                    {"d": direction, "p": disposition},
                )
        upgrade(engine)
        with engine.connect() as conn:
            found = conn.execute(text("SELECT disposition, counts FROM message")).all()
        assert {str(row[0]): bool(row[1]) for row in found} == {
            "ticket": True,
            "followup": True,
            "auto_reply": False,
            "bounce": False,
            "bulk": False,
            "reply": False,
        }
    finally:
        engine.dispose()
