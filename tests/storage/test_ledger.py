"""The ledger makes a re-delivery a no-op, keeps quarantine reasons and checkpoints."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from intake.sources.base import Checkpoint
from storage import ledger
from storage.db import session_scope
from storage.ledger import NewMail


def _mail(i: int, uid: int | None = None, uidvalidity: int | None = 7) -> NewMail:
    return NewMail(
        mailbox="support",
        sha256=f"{i:064x}",
        size=100 + i,
        source_ref=f"INBOX/{uid}",
        uidvalidity=uidvalidity if uid is not None else None,
        uid=uid,
    )


def test_batch_insert_reports_new_and_duplicates(engine: Engine) -> None:
    with session_scope(engine) as s:
        first = ledger.record_batch(s, [_mail(i, uid=i) for i in range(1, 301)])
    assert len(first.new) == 300 and first.duplicates == []
    assert len({ident for ident, _ in first.new}) == 300
    with session_scope(engine) as s:
        # same hashes under new UIDs (UIDVALIDITY reset), same UID with a new hash, a new mail,
        # and the same new mail twice within one batch
        again = [_mail(i, uid=1000 + i, uidvalidity=8) for i in range(1, 11)]
        again += [_mail(5000, uid=1), _mail(6000, uid=2000), _mail(6000, uid=2001)]
        second = ledger.record_batch(s, again)
    assert [m.sha256 for _, m in second.new] == [f"{6000:064x}"]
    assert len(second.duplicates) == 12
    with session_scope(engine) as s:
        assert ledger.count_by_state(s) == {"stored": 301}


def test_files_without_uid_dedup_by_hash_only(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert len(ledger.record_batch(s, [_mail(1), _mail(2)]).new) == 2
    with session_scope(engine) as s:
        result = ledger.record_batch(s, [_mail(1), _mail(3)])
    assert [m.sha256 for _, m in result.new] == [f"{3:064x}"]


def test_quarantine_list_and_processed(engine: Engine) -> None:
    with session_scope(engine) as s:
        rec = ledger.record_batch(
            s,
            [_mail(1), _mail(2), NewMail("support", f"{3:064x}", 9, quarantine_reason="oversize")],
        )
        ids = [ident for ident, _ in rec.new]
        ledger.mark_processed(s, ids[:1])
        ledger.quarantine(s, ids[1], "parse: boom")
    with session_scope(engine) as s:
        entries = ledger.list_quarantined(s)
        assert [(e.id, e.reason) for e in entries] == [
            (ids[1], "parse: boom"),
            (ids[2], "oversize"),
        ]
        assert ledger.is_oversize(entries[1]) and not ledger.is_oversize(entries[0])
        assert ledger.count_by_state(s) == {"processed": 1, "quarantined": 2}


def test_checkpoint_roundtrip(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert ledger.read_checkpoint(s, "support") is None
        ledger.write_checkpoint(s, "support", "INBOX", Checkpoint(4_000_000_000, 12))
    with session_scope(engine) as s:
        ledger.write_checkpoint(s, "support", "INBOX", Checkpoint(4_000_000_000, 40))
    with session_scope(engine) as s:
        assert ledger.read_checkpoint(s, "support") == Checkpoint(4_000_000_000, 40)
