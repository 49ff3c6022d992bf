"""The demo: a complete run of the pipeline on bundled mails and the embedded defaults.

`postkamer demo` builds `var/demo/` (SQLite database, blob store, a maildir of the bundled
mails), imports the demo contract registry, ingests the maildir through the same service and
processor as production, delivers the replies to `.eml` files, then answers one of them as
the customer would (a follow-up that completes a cancellation) and prints a line per mail.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from sqlmodel import select

from outbound.sender import deliver_due
from outbound.transport import transport_from_settings
from postkamer.processing import ProcessedMail, ProcessingContext, Processor, processed_lines
from postkamer.service import ingest_paths
from postkamer.settings import (
    DatabaseSettings,
    OutboundSettings,
    RoutingSettings,
    Settings,
    StorageSettings,
)
from routing.registry import Registry
from storage.contracts import import_contracts
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import OutboxRow, Ticket

HERE = Path(__file__).resolve().parent
MAILS = HERE / "mails"
CONTRACTS = HERE / "contracts.csv"


@dataclass(frozen=True, slots=True)
class DemoResult:
    folder: Path
    settings: Settings
    results: list[ProcessedMail]
    replies: int


def demo_settings(folder: Path) -> Settings:
    return Settings(
        database=DatabaseSettings(url=f"sqlite:///{folder / 'postkamer.db'}"),
        storage=StorageSettings(blobs=folder / "blobs"),
        outbound=OutboundSettings(folder=folder / "outbox"),
        routing=RoutingSettings(),
    )


def _write_maildir(folder: Path, sources: list[Path]) -> Path:
    maildir = folder / "maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for src in sources:
        target = maildir / "new" / src.stem
        shutil.copyfile(src, target)
    return maildir


def _customer_answer(folder: Path, settings: Settings) -> Path | None:
    """The customer of the waiting cancellation sends the destruction certificate."""
    engine = make_engine(settings.database.url)
    with session_scope(engine) as session:
        waiting = session.exec(select(Ticket).where(Ticket.status == "waiting_on_customer")).all()
        ticket = next(
            (
                t
                for t in waiting
                if (t.policy or {}).get("outcome") == "needs_destruction_confirmation"
            ),
            None,
        )
        if ticket is None:
            return None
        reply = session.exec(select(OutboxRow).where(OutboxRow.ticket_id == ticket.id)).first()
        if reply is None:
            return None
        msg = EmailMessage()
        msg["From"] = f"{ticket.requester_name} <{ticket.requester_email}>"
        msg["To"] = "support@contracts.example.com"
        msg["Subject"] = f"RE: {ticket.subject} [{ticket.ref}]"
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=ticket.requester_email.rsplit("@", 1)[-1])
        msg["In-Reply-To"] = reply.message_id
        msg["References"] = reply.message_id
        msg.set_content(
            "Bonjour,\n\nVeuillez trouver ci-joint l'attestation de destruction de toutes les "
            "copies du logiciel.\n\nCordialement,\n" + ticket.requester_name + "\n"
        )
        msg.add_attachment(
            b"Attestation de destruction: toutes les copies du logiciel ont ete detruites.\n",
            maintype="text",
            subtype="plain",
            filename="attestation-de-destruction.txt",
        )
    engine.dispose()
    path = folder / "followup" / "13-attestation-destruction.eml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(msg))
    return path


def run_demo(folder: Path) -> DemoResult:
    """Build the demo folder from scratch and process everything. Returns what happened."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    settings = demo_settings(folder)
    engine = make_engine(settings.database.url)
    upgrade(engine)
    with session_scope(engine) as session:
        import_contracts(session, Registry.from_csv(CONTRACTS).values())
    engine.dispose()

    context = ProcessingContext.from_settings(settings)
    maildir = _write_maildir(folder, sorted(MAILS.glob("*.eml")))
    ingest_paths(settings, [maildir], Processor(context))
    transport = transport_from_settings(settings)
    engine = make_engine(settings.database.url)
    sent = deliver_due(engine, transport).sent
    answer = _customer_answer(folder, settings)
    if answer is not None:
        ingest_paths(settings, [answer], Processor(context))
        sent += deliver_due(engine, transport).sent
    engine.dispose()
    return DemoResult(folder, settings, list(context.results), sent)


def print_report(result: DemoResult) -> None:
    print(f"{'mail':<44} {'disposition':<11} {'queue':<13} {'outcome':<32} ticket")
    for line in processed_lines(result.results):
        print(line)
    print()
    print(
        f"{len(result.results)} mails processed, {result.replies} replies written to "
        f"{result.settings.outbound.folder}/"
    )
    print(f"database: {result.settings.database.url}")
