"""The real servers the benchmarks talk to, started privately for one `bench.run`.

Dovecot comes from the test fixtures (`tests.support.dovecot`: own config, loopback port, one
account per measurement, maildir delivery by file). PostgreSQL is started here rather than
with the test fixture, because the tests turn fsync and synchronous commit off for speed; a
benchmark must measure the durable defaults, as SQLite's WAL + synchronous=NORMAL is measured.
The SMTP sink is aiosmtpd on a free port, counting what arrives.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import dovecot as dovecot_support
from tests.support._proc import chown, free_port, private_dir, remove_tree, run_as
from tests.support.postgres import PostgresServer

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _pg(name: str) -> str:
    local = PG_BIN / name
    return str(local) if local.exists() else (shutil.which(name) or name)


def postgres_available() -> bool:
    return (PG_BIN / "postgres").exists() or shutil.which("pg_ctl") is not None


@contextmanager
def dovecot() -> Iterator[dovecot_support.DovecotServer]:
    server = dovecot_support.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def postgres() -> Iterator[PostgresServer]:
    """PostgreSQL 15 with its default durability (fsync, synchronous_commit, full pages)."""
    root = private_dir("pk-bench-pg-")
    chown(root, "postgres")
    data = root / "data"
    run_as(
        "postgres",
        [_pg("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
         "--locale=C.UTF-8"],
    )
    port = free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=50"
    run_as(
        "postgres",
        [_pg("pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"],
    )
    server = PostgresServer(root=root, port=port)
    try:
        yield server
    finally:
        try:
            run_as("postgres", [_pg("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        finally:
            remove_tree(root)


@dataclass
class SinkHandler:
    """aiosmtpd handler that accepts everything and counts messages and bytes."""

    messages: int = 0
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages += 1
            self.bytes += len(envelope.content or b"")
        return "250 OK"


@dataclass
class SmtpSink:
    host: str
    port: int
    handler: SinkHandler


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpSink("127.0.0.1", port, handler)
    finally:
        controller.stop()
