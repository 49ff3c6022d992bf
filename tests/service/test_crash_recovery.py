"""Exactly-once intake when the process is killed (SIGKILL) at random moments: after the
restarts every one of 1,000 mails is stored exactly once and moved to the processed folder.
Runs `postkamer run --once` as a child process, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from storage.db import make_engine
from storage.models import LedgerEntry, Message, OutboxRow, Ticket
from tests.support.dovecot import Account
from tests.support.mail import make_mail, settings_dict, write_config

REPO = Path(__file__).resolve().parents[2]
# The child runs the real CLI; the basic processor is switched in so that this test is about
# the intake guarantees only (the full processor has its own tests).
CHILD = "import sys; from postkamer.cli import main; sys.exit(main(sys.argv[1:]))"
N = 1000


def run_cli(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, "--config", str(config), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_sigkill_during_run_once_loses_and_duplicates_nothing(
    imap_account: Account, migrated_db_url: str, tmp_path: Path
) -> None:
    mails = [make_mail(i, tag="kill") for i in range(N)]
    imap_account.deliver(mails)
    config = write_config(
        tmp_path / "postkamer.toml",
        settings_dict(
            migrated_db_url,
            tmp_path,
            host=imap_account.host,
            port=imap_account.port,
            username=imap_account.user,
            password=imap_account.password,
            batch_size=50,
        ),
    )
    seed = int(os.environ.get("PK_KILL_SEED", time.time()))
    rng = random.Random(seed)
    kills = 0
    for _ in range(6):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, "--config", str(config), "run", "--once"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.8, 2.5))
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            kills += 1
        child.wait()
    final = run_cli(config, "run", "--once", "--json")
    assert final.returncode == 0, final.stderr
    assert kills >= 2, f"seed {seed}: the child finished before it could be killed"

    engine = make_engine(migrated_db_url)
    try:
        with Session(engine) as s:
            rows = s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
            messages = s.execute(
                select(func.count()).select_from(Message).where(col(Message.direction) == "in")
            ).scalar_one()
            tickets = s.execute(select(func.count()).select_from(Ticket)).scalar_one()
            replies = s.execute(
                select(func.count(), func.count(func.distinct(col(OutboxRow.message_id))))
            ).one()
            linked = s.execute(
                select(func.count(func.distinct(col(Message.ledger_id))))
            ).scalar_one()
            states = dict(
                s.execute(
                    select(col(LedgerEntry.state), func.count()).group_by(col(LedgerEntry.state))
                ).all()
            )
    finally:
        engine.dispose()
    assert (rows, messages, linked) == (N, N, N), f"seed {seed}"
    assert tickets == N, f"seed {seed}: one ticket per mail"
    assert tuple(replies) == (N, N), f"seed {seed}: one acknowledgement per ticket, none twice"
    assert states == {"processed": N}
    assert imap_account.count("INBOX") == 0, f"seed {seed}: mails left unmoved"
    moved = imap_account.fetch_all("Processed")
    assert len(moved) == N and set(moved) == set(mails), f"seed {seed}"
