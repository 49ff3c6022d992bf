"""Time as a value: everything that depends on "now" takes a `Clock` instead of asking the OS.

Production uses `SystemClock`; tests use `ManualClock` and move time forward with `advance()`
instead of sleeping. A clock is also callable (`clock()` == `clock.now()`), so it fits the
`Callable[[], datetime]` clocks that `outbound.sender` takes. Every `now()` is timezone-aware
(UTC for the system clock); convert to Europe/Brussels at the edge that needs local time
(`postkamer.sla`).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Something that tells the current time as an aware datetime."""

    def now(self) -> datetime: ...

    def __call__(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that stands still until a test moves it (`advance`, `set`). Thread-safe."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def __call__(self) -> datetime:
        return self.now()

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by `delta` (or `timedelta(**kwargs)`); time never goes backwards."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now = self._now + step
            return self._now

    def set(self, when: datetime) -> datetime:
        """Jump to `when` (not earlier than now)."""
        when = _aware(when)
        with self._lock:
            if when < self._now:
                raise ValueError("a clock does not go backwards")
            self._now = when
            return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


#: A clock fixed at one moment; `advance` still works when a test wants it to.
FrozenClock = ManualClock


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a clock needs an aware datetime (with a time zone)")
    return value
