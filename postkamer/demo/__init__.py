"""The demo: a complete run of the pipeline on bundled mails and the embedded defaults.

`postkamer demo` builds `var/demo/` (SQLite database, blob store, a maildir of the bundled
mails), imports the demo contract registry, ingests the maildir through the same service and
processor as production, delivers the replies to `.eml` files, then answers two of them as
the customers would (a follow-up that completes a cancellation, and a confirmation by reply
with the one-time code of a confirmation request) and prints a line per mail.

The bundled mails carry the `Authentication-Results` header of the demo's mail server
(`DEMO_MX`), which the demo's settings believe (`[trust] authserv_ids`): most senders are
proven by DMARC; one registered contact's domain publishes no DMARC and signs nothing, so
their cancellation waits for the confirmation by reply, which the demo then sends; and one
mail is forged in a registered contact's name (the demo's MX says `dmarc=fail`, a relay's
own header claims a pass that nobody believes): it is flagged `possibly_forged` and only the
real contact gets the confirmation request, which nobody answers.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from sqlmodel import col, select

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
    TrustSettings,
)
from routing.registry import Registry
from storage.contracts import import_contracts
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import OutboxRow, Ticket

HERE = Path(__file__).resolve().parent
MAILS = HERE / "mails"
CONTRACTS = HERE / "contracts.csv"
DEMO_MX = "mx.contracts.example.com"  # the demo's own mail server, which the demo believes
_CODE = re.compile(r"^\s+([0-9A-Z]{4}-[0-9A-Z]{4})\s*$", re.MULTILINE)


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
        trust=TrustSettings(authserv_ids=[DEMO_MX]),
    )


def _verdict(sender: str, proven: bool) -> str:
    """The Authentication-Results the demo's MX stamps on a customer's mail."""
    domain = sender.rsplit("@", 1)[-1]
    if proven:
        return f"{DEMO_MX}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}"
    return f"{DEMO_MX}; dkim=none (message not signed); dmarc=none header.from={domain}"


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
        msg["Authentication-Results"] = _verdict(ticket.requester_email, proven=True)
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
    path = folder / "followup" / "14-attestation-destruction.eml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(msg))
    return path


def _confirmation_answer(folder: Path, settings: Settings) -> Path | None:
    """The registered contact of a cancellation awaiting confirmation (not the forged one)
    reads the confirmation request and replies with its code."""
    engine = make_engine(settings.database.url)
    with session_scope(engine) as session:
        waiting = session.exec(select(Ticket).order_by(col(Ticket.id))).all()
        ticket = next(
            (
                t
                for t in waiting
                if (t.policy or {}).get("outcome") == "awaiting_sender_confirmation"
                and "possibly_forged" not in (t.flags or [])
            ),
            None,
        )
        request = None
        if ticket is not None:
            request = session.exec(
                select(OutboxRow)
                .where(OutboxRow.ticket_id == ticket.id)
                .where(OutboxRow.template == "cancellation/awaiting_sender_confirmation")
            ).first()
        if ticket is None or request is None:
            engine.dispose()
            return None
        delivered = folder / "outbox"
        raw = next(
            (
                p.read_bytes()
                for p in sorted(delivered.glob("*.eml"))
                if request.message_id.encode() in p.read_bytes()
            ),
            request.raw,
        )
        asked = message_from_bytes(raw, policy=email_policy.default)
        body = asked.get_body(("plain",)) if isinstance(asked, EmailMessage) else None
        found = _CODE.search(body.get_content()) if body is not None else None
        if found is None:
            engine.dispose()
            return None
        contact = request.recipients[0]
        msg = EmailMessage()
        msg["Authentication-Results"] = _verdict(contact, proven=False)
        msg["From"] = f"{ticket.requester_name} <{contact}>"
        msg["To"] = "support@contracts.example.com"
        msg["Subject"] = f"RE: {asked['Subject']}"
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=contact.rsplit("@", 1)[-1])
        msg["In-Reply-To"] = request.message_id
        msg["References"] = request.message_id
        msg.set_content(
            f"Hello,\n\nYes, we confirm the termination. Code: {found.group(1)}\n\n"
            f"Kind regards,\n{ticket.requester_name}\n"
        )
    engine.dispose()
    path = folder / "followup" / "15-confirmation-with-code.eml"
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
    for answer_of in (_customer_answer, _confirmation_answer):
        answer = answer_of(folder, settings)
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
