"""`postkamer reconcile` against the private Dovecot: mails ingested by `run --once` are found in
the processed folder; new mails in the INBOX are pending; a mail that reached the processed
folder without being imported, or whose ledger row was lost (a database restore), is missing.
Nothing on the server changes. Plus the pure matching rules."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import col, select

from postkamer.cli import main
from postkamer.commands.reconcile import (
    FolderListing,
    LedgerIndex,
    ServerMail,
    normalize_message_id,
    reconcile,
)
from postkamer.service import BasicProcessor, run_once
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import LedgerEntry, Message
from tests.support.dovecot import Account
from tests.support.mail import make_mail, settings_dict, write_config


def _no_message_id(i: int) -> bytes:
    return b"".join(
        line + b"\r\n"
        for line in make_mail(i, tag="bare").split(b"\r\n")
        if b"Message-ID" not in line
    )


def test_reconcile_reports_pending_and_missing_mail(imap_account: Account, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'pk.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    data = settings_dict(
        db_url,
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
    )
    config = write_config(tmp_path / "postkamer.toml", data)
    imap_account.deliver([*(make_mail(i, tag="rc") for i in range(5)), _no_message_id(5)])
    from postkamer.settings import load_settings

    summary = run_once(load_settings(config), BasicProcessor(), engine=engine)
    assert summary.stored == 6 and imap_account.count("Processed") == 6

    imap_account.deliver([make_mail(10, tag="new"), make_mail(11, tag="new")])  # not polled yet
    imap_account.append([make_mail(20, tag="stray")], folder="Processed")  # never imported
    with session_scope(engine) as s:  # a restore lost the ledger row of mail rc-3
        lost = s.exec(select(Message).where(Message.message_id == "<rc-3@example.org>")).one()
        s.execute(delete(Message).where(col(Message.id) == lost.id))
        s.execute(delete(LedgerEntry).where(col(LedgerEntry.id) == lost.ledger_id))
    engine.dispose()

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["--config", str(config), "reconcile", "--json"])
    assert code == 1, out.getvalue()
    (report,) = json.loads(out.getvalue())["mailboxes"]
    assert report["error"] is None
    assert report["folders"] == {"INBOX": 2, "Processed": 7}
    assert report["imported"] == 5  # four by Message-ID, the one without one by date and size
    assert sorted(m["message_id"] for m in report["pending"]) == [
        "<new-10@example.org>",
        "<new-11@example.org>",
    ]
    assert {m["folder"] for m in report["pending"]} == {"INBOX"}
    assert sorted(m["message_id"] for m in report["missing"]) == [
        "<rc-3@example.org>",
        "<stray-20@example.org>",
    ]
    assert all(m["folder"] == "Processed" and m["size"] > 0 for m in report["missing"])
    # read-only: the new mails are still unseen in the INBOX and were not moved
    assert imap_account.count("INBOX") == 2 and imap_account.count("Processed") == 7
    client = imap_account.client()
    client.select_folder("INBOX", readonly=True)
    assert len(client.search("UNSEEN")) == 2
    client.logout()

    text = io.StringIO()
    with redirect_stdout(text):
        assert main(["--config", str(config), "reconcile"]) == 1
    assert "support: INBOX 2, Processed 7; imported 5, pending 2, missing 2" in text.getvalue()
    assert (
        "missing: Processed UID" in text.getvalue() and "<stray-20@example.org>" in text.getvalue()
    )


def test_unreadable_mailbox_is_reported(tmp_path: Path) -> None:
    data = settings_dict(
        f"sqlite:///{tmp_path / 'pk.db'}",
        tmp_path,
        host="127.0.0.1",
        port=1,
        username="x",
        password="y",
        timeout_seconds=2,
    )
    config = write_config(tmp_path / "postkamer.toml", data)
    upgrade(f"sqlite:///{tmp_path / 'pk.db'}")
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--config", str(config), "reconcile"]) == 2
    assert out.getvalue().startswith("support: cannot read the mailbox:")
    with redirect_stdout(io.StringIO()):
        assert main(["--config", str(config), "reconcile", "--mailbox", "nope"]) == 2


def test_matching_rules() -> None:
    when = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    index = LedgerIndex(
        uids={(7, 1)},
        message_ids={"<a@x>"},
        date_sizes={(int(when.timestamp()), 300)},
        hashes={"h4"},
        checkpoint_uidvalidity=7,
        checkpoint_uid=4,
    )
    inbox = FolderListing(
        "INBOX",
        7,
        [
            ServerMail("INBOX", 1, None, 10, None),  # by UID
            ServerMail("INBOX", 3, None, 10, None),  # at the checkpoint, unknown: missing
            ServerMail("INBOX", 4, None, 10, None),  # by hash
            ServerMail("INBOX", 5, None, 10, None),  # above the checkpoint: pending
        ],
    )
    done = FolderListing(
        "Done",
        9,
        [
            ServerMail("Done", 1, "<a@x>", 10, None),  # by Message-ID
            ServerMail("Done", 2, None, 300, when),  # by date and size
            ServerMail("Done", 3, "<b@x>", 10, when),  # nothing: missing
        ],
    )
    asked: list[tuple[str, list[int]]] = []

    def hashes(folder: str, uids: list[int]) -> dict[int, str]:
        asked.append((folder, uids))
        return {4: "h4"} if folder == "INBOX" else {}

    r = reconcile("support", [inbox, done], index, "INBOX", hashes)
    assert r.imported == 4
    assert [(m.folder, m.uid) for m in r.pending] == [("INBOX", 5)]
    assert [(m.folder, m.uid) for m in r.missing] == [("INBOX", 3), ("Done", 3)]
    assert asked == [("INBOX", [3, 4, 5]), ("Done", [3])]  # only the unmatched are fetched
    # a new UIDVALIDITY: the poller rescans, so the unmatched INBOX mails are pending
    reset = reconcile("support", [FolderListing("INBOX", 8, inbox.mails)], index, "INBOX", hashes)
    assert len(reset.pending) == 3 and reset.missing == []
    assert normalize_message_id(" <a@x> (comment)") == "<a@x>"
    assert normalize_message_id("a@x") == "<a@x>"
    assert normalize_message_id("") is None
