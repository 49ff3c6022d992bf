"""Storage faults (RELIABILITY.md items 29, 30), for real: another process holding the SQLite
write lock, the PostgreSQL server restarted under a running service, and the blob store's
disk filling up. Each time the service waits or retries, nothing is lost or stored twice,
and what could not be stored stays on the IMAP server until it can be."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from postkamer.service import BasicProcessor, run_forever, run_once
from storage.db import make_engine
from storage.ledger import StoredMail
from tests.faults.conftest import ledger_count
from tests.support import postgres as pg_support
from tests.support._proc import run_as
from tests.support.dovecot import Account
from tests.support.mail import make_mail, make_settings

HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
conn.execute(
    "INSERT INTO mailbox_state (name, folder, uidvalidity, last_uid, updated_at) "
    "VALUES ('other', 'INBOX', 1, 1, '2026-03-02 10:00:00')"
)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_sqlite_write_lock_held_by_another_process_is_waited_out(
    imap_account: Account, sqlite_url: str, sqlite_engine: Engine, tmp_path: Path
) -> None:
    imap_account.deliver(make_mail(i, tag="lock") for i in range(60))
    path = sqlite_url.removeprefix("sqlite:///")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, path, "3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        settings = make_settings(
            "unused://",
            tmp_path,
            host=imap_account.host,
            port=imap_account.port,
            username=imap_account.user,
            password=imap_account.password,
            batch_size=20,
        )
        started = time.monotonic()
        summary = run_once(settings, BasicProcessor(), engine=sqlite_engine)
        waited = time.monotonic() - started
    finally:
        assert holder.wait(30) == 0
    assert summary.stored == 60 and ledger_count(sqlite_engine) == (60, 60)
    assert waited >= 2.0  # it really had to wait for the other writer
    assert imap_account.count("INBOX") == 0


def _serve(
    settings_kwargs: dict[str, object], engine: Engine
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    settings = make_settings("unused://", **settings_kwargs)  # type: ignore[arg-type]
    thread = threading.Thread(
        target=run_forever, args=(settings, BasicProcessor(), stop, engine), daemon=True
    )
    thread.start()
    return thread, stop


def test_postgresql_restart_under_the_running_service(
    imap_account: Account, pg_server: pg_support.PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    engine = make_engine(pg_url)
    thread, stop = _serve(
        {
            "var": tmp_path,
            "host": imap_account.host,
            "port": imap_account.port,
            "username": imap_account.user,
            "password": imap_account.password,
            "batch_size": 20,
            "poll_seconds": 1,
        },
        engine,
    )
    try:
        imap_account.deliver(make_mail(i, tag="pgr") for i in range(100))
        _wait_for(lambda: ledger_count(engine)[0] == 100, 30, "the first 100 mails")
        data = pg_server.root / "data"
        run_as(
            "postgres",
            [
                pg_support._bin("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(pg_server.root / "log"),
                "-m",
                "fast",
                "-w",
                "restart",
            ],
        )
        imap_account.deliver(make_mail(i, tag="pgr") for i in range(100, 200))
        _wait_for(lambda: imap_account.count("INBOX") == 0, 60, "the mails after the restart")
        _wait_for(lambda: ledger_count(engine)[0] == 200, 10, "the ledger")
    finally:
        stop.set()
        thread.join(30)
        engine.dispose()
    engine = make_engine(pg_url)
    try:
        assert ledger_count(engine) == (200, 200)
    finally:
        engine.dispose()
    assert imap_account.count("Processed") == 200


class _KillSessionsOnBatch:
    """BasicProcessor that, on its `nth` batch, has the server terminate every session of the
    database (what a restart does to them), in the middle of the batch transaction."""

    def __init__(self, server: pg_support.PostgresServer, database: str, nth: int) -> None:
        self.server, self.database, self.nth = server, database, nth
        self.calls = 0
        self.inner = BasicProcessor()

    def __call__(self, session: Session, mails: list[StoredMail]) -> None:
        self.calls += 1
        if self.calls == self.nth:
            with psycopg.connect(
                host=self.server.host,
                port=self.server.port,
                user="postgres",
                dbname="postgres",
                autocommit=True,
            ) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.database,),
                )
        self.inner(session, mails)


def test_database_sessions_killed_mid_batch_run_once_retries(
    imap_account: Account, pg_server: pg_support.PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    imap_account.deliver(make_mail(i, tag="pgkill") for i in range(100))
    settings = make_settings(
        "unused://",
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
        batch_size=20,
    )
    processor = _KillSessionsOnBatch(pg_server, pg_url.rsplit("/", 1)[1], nth=3)
    engine = make_engine(pg_url)
    try:
        summary = run_once(settings, processor, engine=engine)
        assert summary.stored == 100 and summary.duplicates == 0
        assert ledger_count(engine) == (100, 100)
    finally:
        engine.dispose()
    assert processor.calls > 5  # the third batch was rolled back and done again
    assert imap_account.count("INBOX") == 0 and imap_account.count("Processed") == 100


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: the blob store's disk, easy to fill."""
    target = tmp_path / "small"
    target.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        import os

        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs: {proc.stderr}")
        pytest.skip(f"cannot mount a tmpfs (needs root): {proc.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def test_disk_full_while_writing_blobs_leaves_mail_on_the_server(
    imap_account: Account,
    sqlite_engine: Engine,
    small_disk: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blobs = small_disk / "blobs"
    filler = small_disk / "filler"
    with filler.open("wb") as fh:  # fill the disk
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    mails = [make_mail(i, tag="full", body="y" * 20_000) for i in range(20)]
    imap_account.deliver(mails)
    caplog.set_level(logging.ERROR, logger="postkamer.service")
    settings_kwargs: dict[str, object] = {
        "var": small_disk,  # blobs in <var>/blobs
        "host": imap_account.host,
        "port": imap_account.port,
        "username": imap_account.user,
        "password": imap_account.password,
        "poll_seconds": 1,
    }
    thread, stop = _serve(settings_kwargs, sqlite_engine)
    try:
        _wait_for(lambda: "batch failed" in caplog.text, 20, "the error in the log")
        assert "No space left on device" in caplog.text
        assert ledger_count(sqlite_engine) == (0, 0)  # the batch was rolled back
        assert imap_account.count("INBOX") == 20  # and its mails stay on the server
        assert [p for p in blobs.rglob(".tmp-*")] == []  # no half-written files left behind
        filler.unlink()  # space is back
        _wait_for(lambda: imap_account.count("INBOX") == 0, 30, "processing after the fix")
    finally:
        stop.set()
        thread.join(30)
    assert ledger_count(sqlite_engine) == (20, 20)
    assert sorted(imap_account.fetch_all("Processed")) == sorted(mails)
    shutil.rmtree(blobs)
