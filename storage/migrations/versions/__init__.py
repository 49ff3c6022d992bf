"""Alembic revisions, one file each, applied in order by `storage.migrate.upgrade`."""
