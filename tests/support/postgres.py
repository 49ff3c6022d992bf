"""A private PostgreSQL server for the tests: initdb into a temp dir, pg_ctl on a free port.

One server per test session; each test gets its own database (`create_database`), empty or
cloned from a migrated template so that tests do not pay for the migrations each time.
"""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.support._proc import chown, free_port, private_dir, remove_tree, run_as

PG_BIN = Path("/usr/lib/postgresql/15/bin")
_counter = itertools.count(1)


def available() -> bool:
    return (PG_BIN / "postgres").exists() or shutil.which("pg_ctl") is not None


def _bin(name: str) -> str:
    local = PG_BIN / name
    return str(local) if local.exists() else (shutil.which(name) or name)


@dataclass
class PostgresServer:
    root: Path
    port: int
    host: str = "127.0.0.1"
    user: str = "postgres"
    _templates: set[str] = field(default_factory=set)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        )

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """Create a database (a clone of `template`, if given) and return its SQLAlchemy URL."""
        name = name or f"t{next(_counter)}"
        sql = f'CREATE DATABASE "{name}"'
        if template:
            sql += f' TEMPLATE "{template}"'
        with self._admin() as conn:
            conn.execute(sql)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        run_as(
            "postgres",
            [_bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"],
        )
        remove_tree(self.root)


def start() -> PostgresServer:
    root = private_dir("pk-pg-")
    chown(root, "postgres")
    data = root / "data"
    run_as(
        "postgres",
        [
            _bin("initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
    )
    port = free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    run_as(
        "postgres",
        [_bin("pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"],
    )
    return PostgresServer(root=root, port=port)
