"""Shared fixtures of the scheduled-work tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from postkamer import jobs


@pytest.fixture(autouse=True)
def _no_runtime_left() -> Iterator[None]:
    """A test that starts a scheduler leaves no job runtime behind for the next one."""
    yield
    jobs.set_runtime(None)
