"""`postkamer ingest` of files, maildirs and mbox files; a processor failure quarantines only
the failing mail; `quarantine list|retry` and `stats` (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from postkamer.service import BasicProcessor, ingest_paths
from postkamer.settings import Settings
from storage.ledger import StoredMail
from storage.models import Message
from tests.service.test_crash_recovery import run_cli
from tests.support.mail import make_mail, make_settings, settings_dict, write_config


def _messages(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.execute(select(func.count()).select_from(Message)).scalar_one())


def _layout(root: Path) -> list[Path]:
    """One .eml, a directory tree of files, a maildir and an mbox: 2 + 3 + 2 + 3 mails."""
    root.mkdir()
    (root / "single.eml").write_bytes(make_mail(1, tag="f"))
    (root / "crlf-free.eml").write_bytes(make_mail(2, tag="f").replace(b"\r\n", b"\n"))
    tree = root / "tree" / "deeper"
    tree.mkdir(parents=True)
    (root / "tree" / "a.eml").write_bytes(make_mail(3, tag="f"))
    (tree / "b.eml").write_bytes(make_mail(4, tag="f"))
    (tree / "c").write_bytes(make_mail(5, tag="f"))
    (tree / ".hidden").write_bytes(b"not a mail")
    md = mailbox.Maildir(root / "maildir")
    md.add(make_mail(6, tag="f"))
    md.add(make_mail(7, tag="f"))
    (root / "maildir" / "tmp" / "partial").write_bytes(b"half a delivery")
    box = mailbox.mbox(root / "archive.mbox")
    for i in (8, 9, 10):
        box.add(make_mail(i, tag="f"))
    box.flush()
    return [
        root / "single.eml",
        root / "crlf-free.eml",
        root / "tree",
        root / "maildir",
        root / "archive.mbox",
    ]


def test_ingest_files_maildir_mbox_and_reingest_is_a_noop(engine: Engine, tmp_path: Path) -> None:
    paths = _layout(tmp_path / "in")
    settings = make_settings("unused://", tmp_path)
    first = ingest_paths(settings, paths, BasicProcessor(), engine=engine)
    assert first.to_json() == {"read": 10, "stored": 10, "duplicates": 0, "quarantined": 0}
    again = ingest_paths(settings, paths, BasicProcessor(), engine=engine)
    assert again.to_json() == {"read": 10, "stored": 0, "duplicates": 10, "quarantined": 0}
    assert _messages(engine) == 10
    with Session(engine) as s:
        subjects = set(s.execute(select(Message.subject)).scalars())  # type: ignore[call-overload]
    assert subjects == {f"Question f-{i}" for i in range(1, 11)}


def test_oversize_file_is_quarantined_with_its_headers(engine: Engine, tmp_path: Path) -> None:
    big = tmp_path / "big.eml"
    big.write_bytes(make_mail(1, body="y" * 300_000, tag="bigfile"))
    settings = make_settings("unused://", tmp_path)
    settings.limits.max_message_bytes = 100_000
    summary = ingest_paths(settings, [big, tmp_path / "big.eml"], BasicProcessor(), engine=engine)
    assert summary.to_json() == {"read": 2, "stored": 0, "duplicates": 1, "quarantined": 1}


class FailsOnSubject:
    """A processor that breaks on one mail, the way a bug in a stage would."""

    def __init__(self, bad: str) -> None:
        self.bad = bad
        self.inner = BasicProcessor()

    def __call__(self, session: Session, mails: list[StoredMail]) -> None:
        for mail in mails:
            if self.bad.encode() in mail.data:
                raise ValueError(f"cannot handle {self.bad}")
        self.inner(session, mails)


def test_failing_mail_is_quarantined_and_the_batch_goes_on(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(20):
        (folder / f"{i:02}.eml").write_bytes(make_mail(i, tag="q"))
    settings = make_settings("unused://", tmp_path)
    summary = ingest_paths(settings, [folder], FailsOnSubject("Question q-7\r"), engine=engine)
    assert summary.to_json() == {"read": 20, "stored": 19, "duplicates": 0, "quarantined": 1}
    assert _messages(engine) == 19
    from postkamer.service import retry_quarantined
    from storage import ledger
    from storage.blobs import BlobStore
    from storage.db import session_scope

    with session_scope(engine) as s:
        [entry] = ledger.list_quarantined(s)
        assert entry.reason == "processing failed: ValueError: cannot handle Question q-7\r"
        assert entry.id is not None
        ident = entry.id
    blobs = BlobStore(settings.storage.blobs)
    [still] = retry_quarantined(engine, blobs, FailsOnSubject("Question q-7\r"), [ident])
    assert not still.ok
    [fixed] = retry_quarantined(engine, blobs, BasicProcessor(), [ident])
    assert fixed.ok and _messages(engine) == 20
    with session_scope(engine) as s:
        assert ledger.list_quarantined(s) == []
        assert ledger.count_by_state(s) == {"processed": 20}


def test_cli_ingest_stats_quarantine(migrated_db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.eml").write_bytes(make_mail(i, tag="cli"))
    (folder / "huge.eml").write_bytes(make_mail(9, body="z" * 200_000, tag="cli"))
    data = settings_dict(migrated_db_url, tmp_path)
    data["limits"] = {"max_message_bytes": 100_000}
    config = write_config(tmp_path / "postkamer.toml", data)
    out = run_cli(config, "ingest", "--json", str(folder))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"read": 6, "stored": 5, "duplicates": 0, "quarantined": 1}
    out = run_cli(config, "ingest", "--json", str(folder))
    assert json.loads(out.stdout) == {"read": 6, "stored": 0, "duplicates": 6, "quarantined": 0}
    stats = json.loads(run_cli(config, "stats", "--json").stdout)
    assert (stats["messages"], stats["tickets"], stats["quarantined"]) == (5, 5, 1)
    assert stats["replies"] == 5  # one acknowledgement per ticket, queued
    listed = json.loads(run_cli(config, "quarantine", "list", "--json").stdout)
    assert [(e["ref"], e["retryable"]) for e in listed] == [(str(folder / "huge.eml"), False)]
    retry = run_cli(config, "quarantine", "retry", "--all", "--json")
    assert retry.returncode == 1
    assert json.loads(retry.stdout)[0]["ok"] is False
    missing = run_cli(config, "ingest", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_every_corpus_file_ingests(corpus_dir: Path, tmp_path: Path) -> None:
    """Real-world odd mails (binary .msg, header-less bodies, odd charsets) go through
    intake: each is stored or quarantined, never an unhandled exception, and the counts add
    up. (Uses the basic processor; the full processor's corpus test belongs to it.)"""
    if not corpus_dir.is_dir():
        pytest.fail(f"corpus not found at {corpus_dir}")
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file())
    settings = Settings(**settings_dict(f"sqlite:///{tmp_path}/db.sqlite", tmp_path))
    summary = ingest_paths(settings, files, BasicProcessor())
    assert summary.read >= len(files)  # mbox-style files may hold several mails
    assert summary.read == summary.stored + summary.duplicates + summary.quarantined
    assert summary.stored > 0


def test_json_logs_trace_each_mail_with_its_ids(migrated_db_url: str, tmp_path: Path) -> None:
    """`--log-json`: every stderr line is one JSON object; each processed mail has a line with
    its Message-ID, disposition, queue and ticket reference, so an operator can follow one
    mail from the log."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "question.eml").write_bytes(make_mail(1, tag="log"))
    config = write_config(tmp_path / "postkamer.toml", settings_dict(migrated_db_url, tmp_path))
    out = run_cli(config, "--log-json", "ingest", "--json", str(folder))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stderr.splitlines() if line.strip()]
    traced = [r for r in lines if r.get("message_id") == "<log-1@example.org>"]
    assert len(traced) == 1, lines
    [record] = traced
    assert record["level"] == "info" and record["logger"] == "postkamer.processing"
    assert record["disposition"] == "ticket" and record["queue"] == "general"
    assert str(record["ticket"]).startswith("PK-") and record["ticket"] in record["msg"]
    assert record["source"] == str(folder / "question.eml") and record["ledger_id"] >= 1
