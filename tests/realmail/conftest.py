"""The hostile-input tests' pipeline (real service and processor on a fresh SQLite or
PostgreSQL database with the sample contracts), shared with the real-world mail tests."""

from tests.hostile.conftest import hostile_settings, pipeline, sample_registry

__all__ = ["hostile_settings", "pipeline", "sample_registry"]
