"""Coordination of several `postkamer run` processes that share one PostgreSQL database.

Mailbox poller lock: only one process at a time drains a mailbox. On PostgreSQL that process
holds a session-level advisory lock for the mailbox (`pg_try_advisory_lock(ns, key)`) on a
connection of its own; the lock lives exactly as long as that session, so a process that dies
(or loses its database connection) loses the lock, and another process, retrying every few
seconds, takes the mailbox over. On SQLite there is one process: the lock is always held.

Worker presence: each process also holds an advisory lock for its own worker id while it
runs. Outbox rows it claims carry that id (`outbound.outbox.set_claim_owner`), so the other
processes can tell at once that the claimer is gone and recover its `sending` rows as
`unknown` (`outbound.outbox.recover_orphaned`) instead of waiting for the lease to pass.

Users: `postkamer.service._mailbox_loop` (drains only while `MailboxLock.ensure()` is true)
and `postkamer.service.run_forever` (one `WorkerPresence` per process).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from storage.db import is_postgresql

log = logging.getLogger(__name__)

MAILBOX_NAMESPACE = 0x706B4D42  # "pkMB": first key of the mailbox poller locks
WORKER_NAMESPACE = 0x706B574B  # "pkWK": first key of the worker presence locks
_INT32 = 2**31


def _int32(value: int) -> int:
    """An unsigned 32-bit value as the signed int4 PostgreSQL's lock functions take."""
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= _INT32 else value


def mailbox_key(name: str) -> int:
    """The stable second lock key of mailbox `name` (same in every process and release)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
    return _int32(int.from_bytes(digest, "big"))


def _own_connection(engine: Engine) -> Connection:
    """A connection outside the pool in autocommit mode: its session is the lock's life."""
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    conn.detach()  # closing it really ends the session (and so releases its locks)
    return conn


def _close(conn: Connection | None) -> None:
    if conn is None:
        return
    try:
        conn.close()
    except Exception:  # a connection that is already broken
        log.debug("closing a lock connection failed", exc_info=True)


class SessionLock:
    """One session-level advisory lock `(namespace, key)` held on a dedicated connection."""

    def __init__(self, engine: Engine, namespace: int, key: int, label: str) -> None:
        self.engine = engine
        self.namespace = _int32(namespace)
        self.key = _int32(key)
        self.label = label
        self._conn: Connection | None = None
        self._postgresql = is_postgresql(engine)

    @property
    def held(self) -> bool:
        return not self._postgresql or self._conn is not None

    def ensure(self) -> bool:
        """True while this process holds the lock: checks that the lock's session is alive
        (a broken connection means the lock is lost) and otherwise tries to take it."""
        if not self._postgresql:
            return True
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except DBAPIError:
                log.warning(
                    "%s: lock connection lost; the lock may be someone else's now", self.label
                )
                _close(self._conn)
                self._conn = None
        return self._try()

    def _try(self) -> bool:
        conn: Connection | None = None
        try:
            conn = _own_connection(self.engine)
            got = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(:ns, :key)"),
                    {"ns": self.namespace, "key": self.key},
                ).scalar()
            )
        except DBAPIError as exc:
            log.warning("%s: cannot reach the database to take the lock: %s", self.label, exc)
            _close(conn)
            return False
        if not got:
            _close(conn)
            return False
        self._conn = conn
        log.info("%s: lock taken (pid %d)", self.label, os.getpid())
        return True

    def release(self) -> None:
        """Give the lock up (closing its session releases it even if the unlock fails)."""
        conn, self._conn = self._conn, None
        _close(conn)


class MailboxLock(SessionLock):
    """Only the holder drains mailbox `name`; see the module docstring."""

    def __init__(self, engine: Engine, name: str, retry_seconds: float = 5.0) -> None:
        super().__init__(engine, MAILBOX_NAMESPACE, mailbox_key(name), f"mailbox {name} poller")
        self.name = name
        self.retry_seconds = retry_seconds


class WorkerPresence(SessionLock):
    """This process's presence: held while it runs, its id is the owner of its outbox claims."""

    def __init__(self, engine: Engine, worker_id: int | None = None) -> None:
        ident = worker_id if worker_id is not None else secrets.randbits(31)
        super().__init__(engine, WORKER_NAMESPACE, ident, f"worker {ident}")
        self.worker_id = ident

    @property
    def owner(self) -> str:
        """How this worker is written into the outbox rows it claims."""
        return f"w{self.worker_id}"


def owner_alive(engine: Engine, owner: str) -> bool:
    """Whether the worker that wrote `owner` (`WorkerPresence.owner`) still runs.

    On PostgreSQL: its presence lock is still held by some session (a transaction-scoped try
    on it fails). Unknown owners and SQLite count as alive: only the lease applies then."""
    if not is_postgresql(engine) or not owner.startswith("w") or not owner[1:].isdigit():
        return True
    params: dict[str, Any] = {"ns": _int32(WORKER_NAMESPACE), "key": _int32(int(owner[1:]))}
    with engine.connect() as conn:
        free = bool(
            conn.execute(text("SELECT pg_try_advisory_xact_lock(:ns, :key)"), params).scalar()
        )
        conn.rollback()  # ends the transaction and with it the lock just taken
    return not free
