"""`postkamer run` as an operator starts it: a mail that arrives is answered within seconds,
the scheduler keeps its jobs in the database, and SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import inspect, text

from storage.db import make_engine
from tests.outbound.conftest import free_port
from tests.support.dovecot import Account
from tests.support.mail import make_mail, settings_dict, write_config

REPO = Path(__file__).resolve().parents[2]


def _wait(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_run_answers_new_mail_and_stops_on_sigterm(
    imap_account: Account, migrated_db_url: str, tmp_path: Path
) -> None:
    data = settings_dict(
        migrated_db_url,
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
    )
    metrics_port = free_port()
    data["metrics"] = {"listen": f"127.0.0.1:{metrics_port}"}
    config = write_config(tmp_path / "postkamer.toml", data)
    outbox = tmp_path / "outbox"
    child = subprocess.Popen(
        [sys.executable, "-m", "postkamer.cli", "--config", str(config), "run"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)
        imap_account.append([make_mail(1, tag="live")])
        assert _wait(lambda: outbox.exists() and any(outbox.glob("*.eml")), 20), (
            "no reply delivered while `run` was serving"
        )
        [reply] = list(outbox.glob("*.eml"))
        assert b"customer1@example.org" in reply.read_bytes()
        assert _wait(lambda: imap_account.count("Processed") == 1, 10)
        scraped = urllib.request.urlopen(
            f"http://127.0.0.1:{metrics_port}/metrics", timeout=5
        ).read().decode()
        assert 'postkamer_mails_stored_total{mailbox="support"} 1.0' in scraped
        assert 'postkamer_replies_total{result="sent"} 1.0' in scraped
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            _out, err = child.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            raise
    assert child.returncode == 0, err[-2000:]
    engine = make_engine(migrated_db_url)
    try:
        assert "apscheduler_jobs" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            ids = {r[0] for r in conn.execute(text("SELECT id FROM apscheduler_jobs"))}
        assert {"tick:sla", "tick:outbox", "tick:reconcile"} <= ids
    finally:
        engine.dispose()
