"""IMAP faults against the private Dovecot, injected on the wire by a TCP proxy (RELIABILITY.md
items 21, 22, 25, 26): a connection cut or gone silent during FETCH, a mail expunged by another
client between SEARCH and FETCH, a server without MOVE (and without UIDPLUS), and a process
killed after its commit but before its MOVE. In every case each mail is stored exactly once and
ends up where the settings say."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from postkamer.service import BasicProcessor, run_once
from tests.faults.conftest import ledger_count, proxied_settings
from tests.support import dovecot as dovecot_support
from tests.support._proc import missing
from tests.support.dovecot import Account
from tests.support.mail import make_mail, settings_dict, write_config
from tests.support.tcpproxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]
CHILD = (
    "import sys, postkamer.service as s; s.load_processor = lambda settings: s.BasicProcessor(); "
    "from postkamer.cli import main; sys.exit(main(sys.argv[1:]))"
)


def _expunge(account: Account, uids: list[int]) -> None:
    """Another IMAP client deletes and expunges `uids` (a person cleaning up the inbox)."""
    client = account.client()
    try:
        client.select_folder("INBOX")
        client.delete_messages(uids)
        client.uid_expunge(uids)
    finally:
        client.logout()


@pytest.mark.parametrize("step", [b"RFC822.SIZE", b"BODY.PEEK[]"])
def test_mail_expunged_between_search_and_fetch_is_skipped(
    imap_account: Account,
    imap_proxy: TcpProxy,
    sqlite_engine: Engine,
    tmp_path: Path,
    step: bytes,
) -> None:
    mails = [make_mail(i, tag="exp") for i in range(10)]
    imap_account.deliver(mails)
    # the other client acts after our SEARCH, right before the size (or body) FETCH reaches
    # the server; Dovecot answers `RFC822.SIZE 0` / `BODY[] NIL` for the vanished mails
    rule = imap_proxy.on(step, action="none", callback=lambda: _expunge(imap_account, [3, 5]))
    settings = proxied_settings("unused://", tmp_path, imap_account, imap_proxy)
    summary = run_once(settings, BasicProcessor(), engine=sqlite_engine, attempts=1)
    assert rule.fired.is_set()
    assert summary.to_json() == {"read": 8, "stored": 8, "duplicates": 0, "quarantined": 0}
    assert ledger_count(sqlite_engine) == (8, 8)
    assert imap_account.count("INBOX") == 0
    kept = [m for i, m in enumerate(mails) if i not in (2, 4)]  # UIDs 3 and 5
    assert imap_account.fetch_all("Processed") == kept


def test_connection_cut_during_fetch_reconnects_and_resumes(
    imap_account: Account, imap_proxy: TcpProxy, sqlite_engine: Engine, tmp_path: Path
) -> None:
    mails = [make_mail(i, tag="cut", body="x" * 2000) for i in range(300)]
    imap_account.deliver(mails)
    # the third body FETCH breaks off in the middle of the literals
    rule = imap_proxy.on(b"BODY.PEEK[]", nth=3, action="cut", direction="down", after_bytes=30000)
    settings = proxied_settings("unused://", tmp_path, imap_account, imap_proxy)
    started = time.monotonic()
    summary = run_once(settings, BasicProcessor(), engine=sqlite_engine)
    elapsed = time.monotonic() - started
    assert rule.fired.is_set() and imap_proxy.connections >= 2
    # resumed after the last committed batch: nothing read twice, nothing lost
    assert summary.to_json() == {"read": 300, "stored": 300, "duplicates": 0, "quarantined": 0}
    assert ledger_count(sqlite_engine) == (300, 300)
    assert imap_account.count("INBOX") == 0
    assert sorted(imap_account.fetch_all("Processed")) == sorted(mails)
    assert elapsed < 20


def test_silent_server_during_fetch_times_out_and_resumes(
    imap_account: Account, imap_proxy: TcpProxy, sqlite_engine: Engine, tmp_path: Path
) -> None:
    mails = [make_mail(i, tag="mute") for i in range(120)]
    imap_account.deliver(mails)
    # the server goes quiet in the middle of the second body FETCH: no FIN, no RST, nothing
    rule = imap_proxy.on(b"BODY.PEEK[]", nth=2, action="stall", direction="down", after_bytes=2000)
    settings = proxied_settings("unused://", tmp_path, imap_account, imap_proxy, timeout_seconds=1)
    started = time.monotonic()
    summary = run_once(settings, BasicProcessor(), engine=sqlite_engine)
    elapsed = time.monotonic() - started
    assert rule.fired.is_set() and imap_proxy.connections >= 2
    assert summary.to_json() == {"read": 120, "stored": 120, "duplicates": 0, "quarantined": 0}
    assert ledger_count(sqlite_engine) == (120, 120)
    assert imap_account.count("INBOX") == 0
    # the 1 s read timeout fired (without one, imapclient would wait forever)
    assert elapsed < 15


def test_killed_after_commit_before_move_refetch_is_a_noop(
    imap_account: Account, imap_proxy: TcpProxy, sqlite_url: str, tmp_path: Path
) -> None:
    mails = [make_mail(i, tag="k21") for i in range(120)]
    imap_account.deliver(mails)
    config = write_config(
        tmp_path / "postkamer.toml",
        settings_dict(
            sqlite_url,
            tmp_path,
            host=imap_proxy.host,
            port=imap_proxy.port,
            username=imap_account.user,
            password=imap_account.password,
            batch_size=50,
            timeout_seconds=30,
        ),
    )
    # the first MOVE never reaches the server; the process is killed while it waits
    rule = imap_proxy.on(b"UID MOVE", action="stall", forward_trigger=False)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "--config", str(config), "run", "--once"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert rule.fired.wait(30), "the child never sent its MOVE"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    from storage.db import make_engine

    engine = make_engine(sqlite_url)
    try:
        assert ledger_count(engine) == (50, 50)  # the first batch was committed
        assert imap_account.count("INBOX") == 120  # ... and not moved
        rerun = subprocess.run(
            [sys.executable, "-c", CHILD, "--config", str(config), "run", "--once", "--json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert rerun.returncode == 0, rerun.stderr
        result = json.loads(rerun.stdout.strip().splitlines()[-1])
        # the committed 50 are moved without being read again; only the other 70 are read
        assert (result["read"], result["stored"], result["duplicates"]) == (70, 70, 0)
        assert ledger_count(engine) == (120, 120)
    finally:
        engine.dispose()
    assert imap_account.count("INBOX") == 0
    assert sorted(imap_account.fetch_all("Processed")) == sorted(mails)


# --- a server without MOVE (and without UIDPLUS) ------------------------------------------------

BASE_CAPS = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ NAMESPACE CHILDREN"


@pytest.fixture(scope="module", params=["UIDPLUS", ""], ids=["uidplus", "plain"])
def limited_dovecot(request: pytest.FixtureRequest) -> Iterator[dovecot_support.DovecotServer]:
    """A second private Dovecot that hides MOVE (and UIDPLUS, for "plain")."""
    if not dovecot_support.available():
        missing("dovecot")
    caps = f"{BASE_CAPS} {request.param}".strip()
    original = dovecot_support.CONFIG
    dovecot_support.CONFIG = original + f"imap_capability = {caps}\n"
    try:
        server = dovecot_support.start()
    finally:
        dovecot_support.CONFIG = original
    try:
        yield server
    finally:
        server.stop()


def test_without_move_never_a_plain_expunge(
    limited_dovecot: dovecot_support.DovecotServer, sqlite_engine: Engine, tmp_path: Path
) -> None:
    account = limited_dovecot.add_account()
    mails = [make_mail(i, tag="nomove") for i in range(120)]
    account.deliver(mails)
    client = account.client()
    caps = {bytes(c).upper() for c in client.capabilities()}
    client.logout()
    assert b"MOVE" not in caps
    uidplus = b"UIDPLUS" in caps
    with TcpProxy(account.host, account.port) as proxy:
        settings = proxied_settings("unused://", tmp_path, account, proxy)
        first = run_once(settings, BasicProcessor(), engine=sqlite_engine)
        assert first.stored == 120
        # a restart reconnects and looks for committed mails still in the folder: the
        # \Deleted ones are done already and must not be copied again
        again = run_once(settings, BasicProcessor(), engine=sqlite_engine)
        assert again.read == 0
        commands = [c.split(b" ", 1)[1].upper() for c in proxy.sent_commands() if b" " in c]
    assert ledger_count(sqlite_engine) == (120, 120)
    assert sorted(account.fetch_all("Processed")) == sorted(mails)  # copied once each
    expunges = [c for c in commands if b"EXPUNGE" in c]
    assert all(c.startswith(b"UID EXPUNGE ") for c in expunges), expunges
    assert not any(c.startswith((b"MOVE", b"UID MOVE")) for c in commands)
    client = account.client()
    try:
        client.select_folder("INBOX", readonly=True)
        left = client.search("ALL")
        deleted = client.search("DELETED")
    finally:
        client.logout()
    if uidplus:  # COPY + \Deleted + UID EXPUNGE of exactly our mails
        assert expunges and left == []
    else:  # no way to expunge only ours: flagged \Deleted and left for the owner's client
        assert expunges == [] and len(left) == 120 and sorted(deleted) == sorted(left)
