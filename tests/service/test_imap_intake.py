"""Intake from a real IMAP server (private Dovecot), on SQLite and PostgreSQL: mails are
stored once, moved only after the commit, deduplicated across a UIDVALIDITY reset, and an
oversize mail is quarantined from its headers alone."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from postkamer.service import BasicProcessor, run_once
from storage import ledger
from storage.db import session_scope
from storage.models import LedgerEntry, Message
from tests.support.dovecot import Account
from tests.support.mail import make_mail, make_settings


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_run_once_stores_each_mail_once_and_moves_it(
    imap_account: Account, engine: Engine, tmp_path: Path
) -> None:
    imap_account.deliver(make_mail(i) for i in range(250))
    settings = make_settings(
        "unused://",
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
        batch_size=100,
    )
    first = run_once(settings, BasicProcessor(), engine=engine)
    assert first.to_json() == {"read": 250, "stored": 250, "duplicates": 0, "quarantined": 0}
    assert imap_account.count("INBOX") == 0
    assert imap_account.count("Processed") == 250
    assert _count(engine, Message) == 250
    with session_scope(engine) as s:
        subjects = set(s.execute(select(col(Message.subject))).scalars())
        cp = ledger.read_checkpoint(s, "support")
    assert subjects == {f"Question t-{i}" for i in range(250)}
    assert cp is not None and cp.uidvalidity == imap_account.uidvalidity() and cp.last_uid == 250
    # nothing new: nothing read; a new mail: only that one
    assert run_once(settings, BasicProcessor(), engine=engine).read == 0
    imap_account.deliver([make_mail(999)])
    assert run_once(settings, BasicProcessor(), engine=engine).stored == 1
    assert _count(engine, Message) == 251


def test_flag_only_mode_and_uidvalidity_reset(
    imap_account: Account, engine: Engine, tmp_path: Path
) -> None:
    mails = [make_mail(i, tag="uv") for i in range(40)]
    imap_account.deliver(mails)
    settings = make_settings(
        "unused://",
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
        processed_folder="",
    )
    assert run_once(settings, BasicProcessor(), engine=engine).stored == 40
    client = imap_account.client()
    client.select_folder("INBOX", readonly=True)
    assert len(client.search("UNSEEN")) == 0 and len(client.search("ALL")) == 40
    client.logout()
    # the server loses its index: same mails, new UIDVALIDITY, plus one genuinely new mail
    imap_account.recreate_inbox([*mails, make_mail(40, tag="uv")])
    again = run_once(settings, BasicProcessor(), engine=engine)
    assert again.to_json() == {"read": 41, "stored": 1, "duplicates": 40, "quarantined": 0}
    assert _count(engine, Message) == 41
    with session_scope(engine) as s:
        assert ledger.read_checkpoint(s, "support").uidvalidity == imap_account.uidvalidity()  # type: ignore[union-attr]


def test_oversize_mail_is_quarantined_from_its_headers(
    imap_account: Account, engine: Engine, tmp_path: Path
) -> None:
    huge = make_mail(1, body="x" * (3 * 1024 * 1024), tag="huge")
    imap_account.deliver([make_mail(0, tag="small"), huge])
    settings = make_settings(
        "unused://",
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
    )
    settings.limits.max_message_bytes = 1024 * 1024
    summary = run_once(settings, BasicProcessor(), engine=engine)
    assert summary.to_json() == {"read": 2, "stored": 1, "duplicates": 0, "quarantined": 1}
    with session_scope(engine) as s:
        [entry] = ledger.list_quarantined(s)
        assert entry.reason is not None and entry.reason.startswith("oversize")
        assert entry.size == len(huge)
        raw = (tmp_path / "blobs").rglob(entry.sha256)
        kept = next(raw).read_bytes()
    assert kept.startswith(b"From: Customer 1") and len(kept) < 1024
    assert imap_account.count("Processed") == 2
    assert _count(engine, LedgerEntry) == 2
