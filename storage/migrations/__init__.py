"""Alembic migrations of the Postkamer schema; run them with `storage.migrate.upgrade`."""
