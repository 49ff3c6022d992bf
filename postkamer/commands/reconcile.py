"""`postkamer reconcile [--mailbox NAME] [--json]`: is every mail on the IMAP server in the ledger?

For each configured mailbox, the mails in its folder and its processed folder are listed (UID,
Message-ID, size, INTERNALDATE; read-only, nothing is flagged or moved) and looked up in the
ledger of that mailbox: by UID in the folder (same UIDVALIDITY), else by Message-ID (of the
stored messages), else by INTERNALDATE and size (only against ledger rows without a Message-ID,
such as an oversize mail kept as headers), else by the sha256 of the whole mail (fetched only
for what is still unmatched). What stays unmatched is reported:

- `pending`: in the folder above the committed checkpoint; the next poll takes it;
- `missing`: in the processed folder, or in the folder at or below the checkpoint, and never
  imported (e.g. after a database restore, or mail moved there by another client).

Ledger rows whose mail is no longer on the server are fine (deleted or archived by people)
and not reported. Exit 1 when anything is missing, so a cron job or a check can alert; 2 when
a mailbox could not be read. The connection and login are the IMAP source's own
(`intake.sources.imap.ImapSource`), so TLS, passwords and OAuth2 work the same way.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from postkamer.settings import MailboxSettings, Settings

SettingsLoader = Callable[[], Settings]
_CHUNK = 500
_MSGID = re.compile(r"<[^<>\s]+>")
_HEADER = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"


@dataclass(frozen=True, slots=True)
class ServerMail:
    folder: str
    uid: int
    message_id: str | None
    size: int
    internaldate: datetime | None


@dataclass(frozen=True, slots=True)
class FolderListing:
    folder: str
    uidvalidity: int | None
    mails: list[ServerMail]


@dataclass(slots=True)
class LedgerIndex:
    """What the ledger holds for one mailbox, as sets to look mails up in."""

    uids: set[tuple[int | None, int]] = field(default_factory=set)  # (uidvalidity, uid)
    message_ids: set[str] = field(default_factory=set)
    # (unix seconds, size) of rows without a known Message-ID: mails sent in one second often
    # share a size, so this only stands in where nothing better exists
    date_sizes: set[tuple[int, int]] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)
    checkpoint_uidvalidity: int | None = None
    checkpoint_uid: int = 0


@dataclass(frozen=True, slots=True)
class Unmatched:
    folder: str
    uid: int
    message_id: str | None
    size: int
    internaldate: str | None

    @classmethod
    def of(cls, mail: ServerMail) -> Unmatched:
        when = mail.internaldate.isoformat() if mail.internaldate else None
        return cls(mail.folder, mail.uid, mail.message_id, mail.size, when)


@dataclass(slots=True)
class MailboxReport:
    mailbox: str
    folders: dict[str, int] = field(default_factory=dict)  # folder -> mails on the server
    imported: int = 0
    pending: list[Unmatched] = field(default_factory=list)
    missing: list[Unmatched] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- pure: matching ---------------------------------------------------------------------------


def normalize_message_id(value: str | None) -> str | None:
    if not value:
        return None
    found = _MSGID.search(value)
    if found:
        return found.group()
    bare = value.strip()
    return f"<{bare}>" if bare and " " not in bare else None


def _date_size(mail: ServerMail) -> tuple[int, int] | None:
    if mail.internaldate is None:
        return None
    return int(mail.internaldate.timestamp()), mail.size


def cheap_match(mail: ServerMail, index: LedgerIndex, uidvalidity: int | None, inbox: bool) -> bool:
    """Matched without fetching the mail: UID (in the folder the poller reads), Message-ID,
    or INTERNALDATE + size (an oversize mail's ledger row has no Message)."""
    if inbox and (uidvalidity, mail.uid) in index.uids:
        return True
    if mail.message_id is not None and mail.message_id in index.message_ids:
        return True
    key = _date_size(mail)
    return key is not None and key in index.date_sizes


def classify(mail: ServerMail, index: LedgerIndex, uidvalidity: int | None, inbox: bool) -> str:
    """`pending` or `missing` for a mail that matched nothing: in the folder the poller reads,
    above its checkpoint (or under a new UIDVALIDITY, which it rescans) is pending."""
    if inbox and (index.checkpoint_uidvalidity != uidvalidity or mail.uid > index.checkpoint_uid):
        return "pending"
    return "missing"


def reconcile(
    mailbox: str,
    listings: Sequence[FolderListing],
    index: LedgerIndex,
    inbox_folder: str,
    fetch_hashes: Callable[[str, list[int]], dict[int, str]],
) -> MailboxReport:
    report = MailboxReport(mailbox)
    for listing in listings:
        inbox = listing.folder == inbox_folder
        report.folders[listing.folder] = len(listing.mails)
        left = [m for m in listing.mails if not cheap_match(m, index, listing.uidvalidity, inbox)]
        report.imported += len(listing.mails) - len(left)
        hashes = fetch_hashes(listing.folder, [m.uid for m in left]) if left else {}
        for mail in left:
            if hashes.get(mail.uid) in index.hashes:
                report.imported += 1
            elif classify(mail, index, listing.uidvalidity, inbox) == "pending":
                report.pending.append(Unmatched.of(mail))
            else:
                report.missing.append(Unmatched.of(mail))
    return report


# --- I/O: the ledger ---------------------------------------------------------------------------


def ledger_index(engine: Any, mailbox: str) -> LedgerIndex:
    from sqlalchemy import select as sa_select
    from sqlmodel import Session, col, select

    from storage.models import LedgerEntry, MailboxState, Message

    index = LedgerIndex()
    with Session(engine) as session:
        rows = session.execute(
            sa_select(
                col(LedgerEntry.uidvalidity),
                col(LedgerEntry.uid),
                col(LedgerEntry.sha256),
                col(LedgerEntry.internaldate),
                col(LedgerEntry.size),
                col(Message.message_id),
            )
            .outerjoin(Message, col(Message.ledger_id) == col(LedgerEntry.id))
            .where(col(LedgerEntry.mailbox) == mailbox)
        )
        for uidvalidity, uid, sha256, internaldate, size, message_id in rows:
            if uid is not None:
                index.uids.add((uidvalidity, int(uid)))
            index.hashes.add(sha256)
            if message_id:
                index.message_ids.add(str(message_id))
            elif internaldate is not None:  # no Message-ID to go by (or no Message at all)
                index.date_sizes.add((int(_aware(internaldate).timestamp()), int(size)))
        state = session.exec(select(MailboxState).where(MailboxState.name == mailbox)).first()
        if state is not None:
            index.checkpoint_uidvalidity = state.uidvalidity
            index.checkpoint_uid = state.last_uid
    return index


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- I/O: the IMAP server (read-only) -------------------------------------------------------------


def _chunks(items: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start : start + _CHUNK])


def list_folder(client: Any, folder: str) -> FolderListing:
    if not client.folder_exists(folder):
        return FolderListing(folder, None, [])
    info = client.select_folder(folder, readonly=True)
    uidvalidity = int(info[b"UIDVALIDITY"])
    uids = sorted(int(u) for u in client.search("ALL"))
    mails: list[ServerMail] = []
    for chunk in _chunks(uids):
        data = client.fetch(
            chunk, [b"RFC822.SIZE", b"INTERNALDATE", b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
        )
        for uid in chunk:
            item = data.get(uid)
            if item is None:  # expunged meanwhile
                continue
            header = bytes(item.get(_HEADER) or b"")
            parsed = email.message_from_bytes(header, policy=email.policy.compat32)
            when = item.get(b"INTERNALDATE")
            mails.append(
                ServerMail(
                    folder=folder,
                    uid=uid,
                    message_id=normalize_message_id(parsed.get("Message-ID")),
                    size=int(item.get(b"RFC822.SIZE") or 0),
                    internaldate=_aware(when) if isinstance(when, datetime) else None,
                )
            )
    return FolderListing(folder, uidvalidity, mails)


def hash_mails(client: Any, folder: str, uids: list[int]) -> dict[int, str]:
    client.select_folder(folder, readonly=True)
    found: dict[int, str] = {}
    for uid in uids:  # one at a time: these are few, and may be large
        data = client.fetch([uid], [b"BODY.PEEK[]"]).get(uid)
        if data is not None and b"BODY[]" in data:
            found[uid] = hashlib.sha256(bytes(data[b"BODY[]"])).hexdigest()
    return found


def check_mailbox(settings: Settings, mailbox: MailboxSettings, engine: Any) -> MailboxReport:
    from intake.sources.base import SourceUnavailable
    from intake.sources.imap import ImapSource

    index = ledger_index(engine, mailbox.name)
    source = ImapSource(mailbox, settings.limits.max_message_bytes)
    folders = [mailbox.folder] + ([mailbox.processed_folder] if mailbox.processed_folder else [])

    def work(client: Any) -> MailboxReport:
        client.normalise_times = False
        listings = [list_folder(client, f) for f in folders]
        return reconcile(
            mailbox.name,
            listings,
            index,
            mailbox.folder,
            lambda folder, uids: hash_mails(client, folder, uids),
        )

    try:
        # the source's own connect and login (TLS, password or OAuth2, timeouts)
        return source._guard(work)
    except SourceUnavailable as exc:
        return MailboxReport(mailbox.name, error=str(exc))
    finally:
        source.close()


# --- CLI ----------------------------------------------------------------------------------------


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "reconcile",
        help="report mail on the IMAP server that never reached the ledger",
        description=(
            "Compare each mailbox's folder and processed folder with the ledger (read-only). "
            "Exit 1 when a mail is missing, 2 when a mailbox could not be read."
        ),
    )
    parser.add_argument("--mailbox", action="append", metavar="NAME", help="only this mailbox")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(func=run)


def _text(reports: Iterable[MailboxReport]) -> str:
    lines: list[str] = []
    for r in reports:
        if r.error:
            lines.append(f"{r.mailbox}: cannot read the mailbox: {r.error}")
            continue
        on_server = ", ".join(f"{folder} {n}" for folder, n in r.folders.items())
        lines.append(
            f"{r.mailbox}: {on_server}; imported {r.imported}, pending {len(r.pending)}, "
            f"missing {len(r.missing)}"
        )
        for kind, items in (("missing", r.missing), ("pending", r.pending)):
            for m in items:
                lines.append(
                    f"  {kind}: {m.folder} UID {m.uid} {m.message_id or '(no Message-ID)'} "
                    f"{m.size} bytes {m.internaldate or ''}".rstrip()
                )
    return "\n".join(lines)


def run(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    from storage.db import make_engine

    settings = settings_loader()
    wanted = set(args.mailbox or [])
    boxes = [m for m in settings.mailboxes if not wanted or m.name in wanted]
    unknown = wanted - {m.name for m in settings.mailboxes}
    if unknown:
        print(f"postkamer reconcile: no such mailbox: {', '.join(sorted(unknown))}")
        return 2
    engine = make_engine(settings.database.url)
    try:
        reports = [check_mailbox(settings, m, engine) for m in boxes]
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps({"mailboxes": [r.to_json() for r in reports]}, sort_keys=True))
    else:
        print(_text(reports) or "no mailboxes configured")
    if any(r.error for r in reports):
        return 2
    return 1 if any(r.missing for r in reports) else 0
