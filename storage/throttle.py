"""Login throttling that holds under concurrency and across web processes, and that slows a
guesser without locking the account's owner out.

Failed logins are counted in `login_throttle` rows under three keys:

- `pair:<email> <ip>`: one account from one address (a person's own typos land here only);
- `account:<email>`: one account from addresses it never logged in from (a guesser spread
  over many addresses); an address the account logged in from within `known_for` is exempt,
  so the owner at their usual desk is never slowed by someone else's guessing;
- `address:<ip>`: every account from one address (spraying one password over many accounts);
  its limit is high, so a desk behind one NAT is not stopped by one person's typos.

A key may fail `limit` times within `window`; from then on every further attempt waits a
growing delay (`base_delay`, doubling per failure, at most `max_delay`) instead of locking the
account for a fixed time. `reserve` checks and records an attempt in one short transaction
that holds the rows' locks (`SELECT ... FOR UPDATE` on PostgreSQL, the write lock on SQLite)
and commits at once, on the caller's session (one connection per request, never two):
an attempt is counted BEFORE its password is checked, so 60 parallel guesses check at most the
limit, whichever web process they reach. `settle` takes a successful attempt back off the
counts. `unlock` (admin) clears an account's keys. Called by `postkamer.web.auth` and
`postkamer users unlock`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from storage.models import KnownLogin, LoginThrottle, utcnow


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failures allowed per key within `window` before each further attempt must wait."""

    per_pair: int = 5  # one account from one address
    per_account: int = 10  # one account from addresses it never logged in from
    per_address: int = 100  # all accounts from one address
    window: timedelta = timedelta(minutes=15)  # a key with no failure for this long is clean
    base_delay: timedelta = timedelta(seconds=1)  # the first wait past the limit; doubles
    max_delay: timedelta = timedelta(minutes=15)
    known_for: timedelta = timedelta(days=30)  # an address the account logged in from

    def delay(self, past_limit: int) -> timedelta:
        """The wait after the `past_limit`-th failure beyond the limit (0: the last free one)."""
        seconds = self.base_delay.total_seconds() * 2 ** min(past_limit, 40)
        return min(self.max_delay, timedelta(seconds=seconds))


@dataclass(frozen=True, slots=True)
class Reservation:
    """An attempt that may check its password: the keys it was counted under."""

    email: str
    ip: str
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Refusal:
    """An attempt refused without checking the password; try again after `retry_after`."""

    retry_after: timedelta
    key: str  # which limit: pair:..., account:..., address:...


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def pair_key(email: str, ip: str) -> str:
    return f"pair:{email} {ip}"


def account_key(email: str) -> str:
    return f"account:{email}"


def address_key(ip: str) -> str:
    return f"address:{ip}"


def _limit_of(key: str, limits: LoginLimits) -> int:
    if key.startswith("pair:"):
        return limits.per_pair
    if key.startswith("account:"):
        return limits.per_account
    return limits.per_address


def _lock_rows(session: Session, keys: Sequence[str], email: str) -> dict[str, LoginThrottle]:
    """Create missing rows and lock all of them for this transaction, in key order."""
    values = [
        {"key": k, "email": "" if k.startswith("address:") else email, "failures": 0}
        for k in sorted(keys)
    ]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(pg_insert(LoginThrottle).values(values).on_conflict_do_nothing())
    else:  # SQLite: this first write takes the database's write lock until the commit
        session.execute(sqlite_insert(LoginThrottle).values(values).on_conflict_do_nothing())
    rows = session.exec(
        select(LoginThrottle)
        .where(col(LoginThrottle.key).in_(list(keys)))
        .order_by(col(LoginThrottle.key))
        .with_for_update()
    ).all()
    return {r.key: r for r in rows}


def _is_known(session: Session, email: str, ip: str, now: datetime, limits: LoginLimits) -> bool:
    row = session.get(KnownLogin, (email, ip))
    last = _aware(row.last_at) if row is not None else None
    return last is not None and now - last <= limits.known_for


def reserve(
    session: Session, email: str, ip: str, limits: LoginLimits, now: datetime | None = None
) -> Reservation | Refusal:
    """Check the limits and count this attempt, atomically, and COMMIT the session (so the
    locks are held only this long; anything else pending in it is committed too). A
    Reservation may check the password (then call `settle`); a Refusal must not."""
    now = now or utcnow()
    outcome = _reserve(session, email, ip, limits, now)
    session.commit()
    return outcome


def _reserve(
    session: Session, email: str, ip: str, limits: LoginLimits, now: datetime
) -> Reservation | Refusal:
    keys = [pair_key(email, ip), address_key(ip), account_key(email)]
    rows = _lock_rows(session, keys, email)
    if _is_known(session, email, ip, now, limits):
        keys.remove(account_key(email))
    wait: tuple[timedelta, str] | None = None
    for key in keys:
        row = rows[key]
        if now - (_aware(row.last_at) or now) > limits.window:
            row.failures, row.blocked_until = 0, None
        until = _aware(row.blocked_until)
        if until is not None and until > now and (wait is None or until - now > wait[0]):
            wait = (until - now, key)
    if wait is not None:
        return Refusal(wait[0], wait[1])
    for key in keys:
        row = rows[key]
        row.failures += 1
        row.last_at = now
        limit = _limit_of(key, limits)
        if row.failures >= limit:
            row.blocked_until = now + limits.delay(row.failures - limit)
        session.add(row)
    return Reservation(email, ip, tuple(keys))


def settle(
    session: Session,
    reservation: Reservation,
    success: bool,
    limits: LoginLimits,
    now: datetime | None = None,
) -> None:
    """After the password check: a failure stays counted; a success clears the account's key
    for this address, takes itself back off the other keys, makes the address known, and
    commits the session."""
    if not success:
        return
    now = now or utcnow()
    email, ip = reservation.email, reservation.ip
    _settle(session, reservation, limits, now, email, ip)
    session.commit()


def _settle(
    session: Session,
    reservation: Reservation,
    limits: LoginLimits,
    now: datetime,
    email: str,
    ip: str,
) -> None:
    rows = _lock_rows(session, reservation.keys, email)
    for key in reservation.keys:
        row = rows[key]
        if key.startswith("pair:"):
            row.failures, row.blocked_until = 0, None
        else:  # a burst of good logins at 9:00 must not leave a desk's address waiting
            row.failures = max(0, row.failures - 1)
            if row.failures < _limit_of(key, limits):
                row.blocked_until = None
        session.add(row)
    known = session.get(KnownLogin, (email, ip))
    if known is None:
        session.add(KnownLogin(email=email, ip=ip, last_at=now))
    else:
        known.last_at = now
        session.add(known)


@dataclass(frozen=True, slots=True)
class Slowed:
    """An account whose logins must wait (from some address, or from unknown ones)."""

    email: str
    key: str
    failures: int
    until: datetime


def slowed_accounts(session: Session, now: datetime | None = None) -> list[Slowed]:
    """Accounts that are waiting out a delay right now, for the admin page."""
    now = now or utcnow()
    rows = session.exec(
        select(LoginThrottle).where(
            col(LoginThrottle.email) != "", col(LoginThrottle.blocked_until).is_not(None)
        )
    ).all()
    out = []
    for row in rows:
        until = _aware(row.blocked_until)
        if until is not None and until > now:
            out.append(Slowed(row.email, row.key, row.failures, until))
    return sorted(out, key=lambda s: (s.email, s.key))


def unlock(session: Session, email: str) -> int:
    """Forget every failure counted against the account (admin); how many keys it had."""
    result = session.execute(delete(LoginThrottle).where(col(LoginThrottle.email) == email))
    return int(getattr(result, "rowcount", 0) or 0)


def prune(session: Session, limits: LoginLimits, now: datetime | None = None) -> None:
    """Forget clean keys (no failure within the window and no wait left) and old addresses."""
    now = now or utcnow()
    session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.last_at) < now - max(limits.window, limits.max_delay),
        )
    )
    session.execute(delete(KnownLogin).where(col(KnownLogin.last_at) < now - limits.known_for))
