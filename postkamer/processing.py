"""Processing: what happens to a stored mail inside the batch transaction.

`postkamer.service` hands over mails that already have raw bytes in the blob store and a ledger
row. Here each one is parsed, its sender proven or not (`intake.proof` with the settings'
`[trust]`), given its disposition, threaded, understood and routed with the same pure functions
`route --json` uses; a cancellation awaiting the sender's confirmation gets the confirmation
request and a follow-up may be that confirmation (`postkamer.confirmation`). Then it is
written: ticket, message, attachments, participants, audit events and the automatic reply in
the outbox, all in the caller's transaction. Which mail counts (DOMAIN.md 4a): a ticket is
judged only on its participants' `ticket` and `followup` mail (`Message.counts`); auto-replies
and delivery reports that name a ticket are stored on it as linked mail that adds no facts and
changes nothing, and only a proven sender's To/Cc become participants. A mail whose processing
raises is quarantined (savepoint per mail) and the batch goes on. Next stop: the service
commits, moves the mails on the server, and `outbound.sender` delivers the outbox.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from intake.disposition import (
    BounceFailure,
    bounce_failure,
    classify_disposition,
    no_auto_reply_reason,
)
from intake.dsn import untrusted_excerpt
from intake.extract import extract, mail_text
from intake.model import (
    Disposition,
    DispositionResult,
    Extraction,
    Intent,
    ParsedMail,
    SenderProof,
    evidence_from_json,
    evidence_to_json,
)
from intake.parse import ParseError, ParseLimits, parse_mail
from intake.proof import NO_TRUST, TrustConfig, sender_proof
from intake.safehtml import stored_html
from intake.threading import ThreadMatch, match_thread, people_added
from outbound.compose import ComposeError
from outbound.outbox import delivery_event
from outbound.replies import ReplyConfig, queue_decision_reply
from outbound.templates import PolicyParams, TemplateSet
from postkamer import confirmation
from postkamer.settings import Settings
from postkamer.ticketjobs import TicketJobRules, jobs_for_new_ticket, sync_ticket_jobs
from routing.config import RoutingConfig
from routing.decide import POSSIBLY_FORGED, combine_extractions, decide
from routing.model import RoutingDecision
from routing.registry import Registry
from routing.reloader import ConfigReloader
from storage import ledger, rows
from storage.blobs import BlobStore
from storage.contracts import load_registry
from storage.ledger import StoredMail
from storage.models import AttachmentRow, Event, Message, OutboxRow, Ticket
from storage.routing_versions import record_version
from storage.tickets import (
    DbThreadIndex,
    add_new_participants,
    add_participants,
    counted_extractions,
    new_ref,
)

log = logging.getLogger(__name__)
AWAITING = "awaiting_sender_confirmation"

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(slots=True)
class ProcessingContext:
    """What processing needs besides the mail: configs, templates, the blob store."""

    routing: RoutingConfig
    templates: TemplateSet
    replies: ReplyConfig
    blobs: BlobStore
    limits: ParseLimits
    own_domains: tuple[str, ...] = ()
    registry: Registry | None = None  # None: loaded from the database once per batch
    reloader: ConfigReloader | None = None  # picks up an edited routing config per batch
    results: list[ProcessedMail] = field(default_factory=list)
    ticket_jobs: TicketJobRules = field(default_factory=TicketJobRules.default)
    trust: TrustConfig = NO_TRUST  # [trust]: whose Authentication-Results prove a sender
    confirmation_days: int = 14  # how long a confirmation request's code is valid
    # mailbox name -> its default reply language (`[[mailboxes]] language`)
    mailbox_languages: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, hot_reload: bool = False) -> ProcessingContext:
        """Load configs and templates; with `hot_reload`, an edited routing config file is
        picked up before each batch (an invalid one is logged and the running one stays)."""
        config_path = _resolve(settings.routing.config)
        templates = TemplateSet.load(_resolve(settings.routing.templates))
        reloader = ConfigReloader(config_path, known_templates=set(templates.known_names()))
        routing = reloader.config
        policy = PolicyParams.from_mapping(routing.policy.model_dump())
        replies = ReplyConfig.from_settings(settings, policy=policy)
        limits = ParseLimits.from_settings(settings.limits)
        domains = {replies.domain.lower()}
        domains.update(a.rsplit("@", 1)[-1] for a in replies.own_addresses if "@" in a)
        return cls(
            routing=routing,
            templates=templates,
            replies=replies,
            blobs=BlobStore(settings.storage.blobs),
            limits=limits,
            own_domains=tuple(sorted(domains)),
            reloader=reloader if hot_reload else None,
            ticket_jobs=TicketJobRules.from_configs(settings.sla, settings.lifecycle),
            trust=settings.trust.config(),
            confirmation_days=settings.trust.confirmation_days,
            mailbox_languages={m.name: m.language for m in settings.mailboxes if m.language},
        )


def _resolve(path: Path) -> Path:
    """A relative config path that does not exist here is looked up in the source tree."""
    if path.is_absolute() or path.exists():
        return path
    candidate = REPO_ROOT / path
    return candidate if candidate.exists() else path


@dataclass(frozen=True, slots=True)
class ProcessedMail:
    """One line of the demo's and the CLI's report."""

    ledger_id: int
    source_ref: str
    disposition: str
    queue: str | None
    outcome: str | None
    ticket_ref: str | None
    reply_template: str | None
    message_id: str | None = None

    def log_fields(self) -> dict[str, Any]:
        """The mail's trace in a log record (`--log-json` prints them as fields)."""
        return {
            "ledger_id": self.ledger_id,
            "source": self.source_ref,
            "message_id": self.message_id,
            "disposition": self.disposition,
            "queue": self.queue,
            "outcome": self.outcome,
            "ticket": self.ticket_ref,
            "reply_template": self.reply_template,
        }


class Processor:
    """The processor `postkamer.service` calls with each batch, inside its transaction."""

    def __init__(self, context: ProcessingContext, now: datetime | None = None) -> None:
        self.context = context
        self._now = now

    def now(self) -> datetime:
        return self._now or datetime.now(UTC)

    def __call__(self, session: Session, mails: list[StoredMail]) -> None:
        reloader = self.context.reloader
        if reloader is not None:
            changed = reloader.poll()
            if changed is not None:
                self.context.routing = changed
                record_version(
                    session,
                    reloader.path.read_text(encoding="utf-8"),
                    "file",
                    "picked up by the running service",
                )
        registry = self.context.registry
        if registry is None:
            registry = load_registry(session)
        for mail in mails:
            savepoint = session.begin_nested()
            try:
                result = process_mail(session, mail, self.context, registry, self.now())
                savepoint.commit()
            except ParseError as exc:
                savepoint.rollback()
                ledger.quarantine(session, mail.ledger_id, f"unparseable: {exc}")
                result = ProcessedMail(
                    mail.ledger_id, mail.source_ref, "quarantine", None, None, None, None
                )
            except Exception as exc:  # any bug: keep the mail, say why, go on
                savepoint.rollback()
                log.exception("processing failed for ledger %s", mail.ledger_id)
                ledger.quarantine(
                    session, mail.ledger_id, f"internal error: {type(exc).__name__}: {exc}"
                )
                result = ProcessedMail(
                    mail.ledger_id, mail.source_ref, "quarantine", None, None, None, None
                )
            self.context.results.append(result)
            log.info(
                "mail %s: %s%s%s",
                result.source_ref,
                result.disposition,
                f" -> {result.queue}" if result.queue else "",
                f" ({result.ticket_ref})" if result.ticket_ref else "",
                extra=result.log_fields(),
            )


def default_processor(settings: Settings, hot_reload: bool = True) -> Processor:
    """The production processor for `postkamer.service` (used by `run` and `ingest`)."""
    return Processor(ProcessingContext.from_settings(settings, hot_reload=hot_reload))


def received_at(mail: StoredMail, parsed: ParsedMail) -> datetime:
    """IMAP INTERNALDATE; for a file, its Date header; else now."""
    if mail.internaldate is not None:
        return mail.internaldate
    if parsed.date is not None:
        return parsed.date
    return datetime.now(UTC)


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    data = asdict(extraction)
    data["found"] = evidence_to_json(extraction.found)
    data["requested_end_date"] = (
        extraction.requested_end_date.isoformat() if extraction.requested_end_date else None
    )
    return data


def extraction_from_json(data: Mapping[str, Any]) -> Extraction:
    end = data.get("requested_end_date")
    return Extraction(
        language=str(data.get("language", "nl")),
        contract_numbers=tuple(data.get("contract_numbers", ())),
        destruction_confirmation=bool(data.get("destruction_confirmation")),
        machine_out_of_use=bool(data.get("machine_out_of_use")),
        requested_end_date=date.fromisoformat(end) if end else None,
        breach_claimed=bool(data.get("breach_claimed")),
        phone=data.get("phone"),
        kind_hints=tuple(data.get("kind_hints", ())),
        evidence=tuple(data.get("evidence", ())),
        certificate_unreadable=bool(data.get("certificate_unreadable")),
        found=evidence_from_json(data.get("found")),
        language_known=bool(data.get("language_known", True)),
        intent=Intent.from_json(data.get("intent")),
    )


def process_mail(
    session: Session,
    mail: StoredMail,
    ctx: ProcessingContext,
    registry: Registry,
    now: datetime,
) -> ProcessedMail:
    """Understand one stored mail and write what follows from it. Raises ParseError."""
    parsed = parse_mail(mail.data, ctx.limits)
    disposition = classify_disposition(
        parsed, own_domains=ctx.own_domains, own_message_id_domain=ctx.replies.domain
    )
    text = mail_text(parsed)
    extraction = extract(text, registry, ctx.routing.extraction)
    received = received_at(mail, parsed)
    proof = sender_proof(parsed, ctx.trust, mail.data)
    index = DbThreadIndex(session, registry)
    thread = match_thread(parsed, index)
    sender = parsed.from_.email if parsed.from_ is not None else ""

    message: dict[str, Any] = {
        "ledger_id": mail.ledger_id,
        "direction": "in",
        "message_id": parsed.message_id,
        "in_reply_to": list(parsed.in_reply_to),
        "references": list(parsed.references),
        "subject": parsed.subject,
        "from_name": parsed.from_.name if parsed.from_ is not None else "",
        "from_email": sender,
        "to": [a.email for a in parsed.to],
        "cc": [a.email for a in parsed.cc],
        "date": parsed.date,
        "received": received,
        "disposition": disposition.disposition.value,
        "counts": False,  # set where the mail is a ticket or a participant's follow-up
        "language": extraction.language,
        "text": parsed.text,
        "new_text": text.new_text,
        "html": parsed.html,
        **stored_html(parsed.html),  # sanitized once, here; pages never sanitize
        "extraction": extraction_to_json(extraction),
        "defects": list(parsed.defects),
    }

    disp = disposition.disposition
    ticket: Ticket | None = None
    if disp in (Disposition.AUTO_REPLY, Disposition.BOUNCE):
        # linked for the record only: whoever sent it, it adds no facts and changes nothing
        decision = decide(
            parsed,
            disposition,
            extraction,
            registry=registry,
            config=ctx.routing,
            received=received,
            mailbox=mail.mailbox,
            text=text,
            sender_proof=proof,
            default_language=ctx.mailbox_languages.get(mail.mailbox),
        )
        if thread is not None:
            ticket = session.get(Ticket, thread.ticket_id)
        elif parsed.returned_message_id is not None:  # a read receipt names our reply
            ticket = index.ticket_for_message_ids([parsed.returned_message_id])
        details: dict[str, Any] = {"message_id": parsed.message_id, "from": sender}
        if disp is Disposition.BOUNCE:
            bounced = _record_bounce(session, parsed, now)
            ticket = bounced.ticket or ticket
            details.update(bounced.details)
        _store_message(session, message, decision, ticket, parsed, ctx)
        if ticket is not None:
            _event(session, ticket.id, disp.value, now, details)
        return ProcessedMail(
            mail.ledger_id,
            mail.source_ref,
            disp.value,
            None,
            None,
            ticket.ref if ticket else None,
            None,
            parsed.message_id,
        )

    if thread is not None and thread.is_participant and disp is Disposition.TICKET:
        return _followup(
            session,
            mail,
            parsed,
            disposition,
            extraction,
            text,
            thread,
            message,
            ctx,
            registry,
            received,
            now,
            proof,
        )

    decision = decide(
        parsed,
        disposition,
        extraction,
        registry=registry,
        config=ctx.routing,
        received=received,
        thread=thread,
        mailbox=mail.mailbox,
        text=text,
        sender_proof=proof,
        default_language=ctx.mailbox_languages.get(mail.mailbox),
    )
    new = _new_ticket(
        session,
        parsed,
        decision,
        thread,
        now,
        people_added(parsed, proven=decision.sender_proof.proven, own=_own(ctx)),
    )
    jobs_for_new_ticket(
        session,
        new.id,
        decision.status,
        decision.policy.to_json() if decision.policy else None,
        now,
        ctx.ticket_jobs,
    )
    message["counts"] = disp is Disposition.TICKET  # bulk mail never adds facts
    _store_message(session, message, decision, new, parsed, ctx)
    _event(
        session,
        new.id,
        "created",
        now,
        {
            "queue": decision.queue,
            "disposition": decision.disposition,
            "outcome": decision.policy.outcome if decision.policy else None,
            "flags": list(decision.flags),
            "status": decision.status,
        },
    )
    if disp is Disposition.TICKET and not _reply_withheld(session, parsed, new, decision, now):
        if _awaits_confirmation(decision):
            _request_confirmation(session, ctx, new, message, decision, now, registry, sender)
        else:
            _queue_reply(session, ctx, new, message, decision, now, registry)
    return ProcessedMail(
        mail.ledger_id,
        mail.source_ref,
        decision.disposition,
        decision.queue,
        decision.policy.outcome if decision.policy else None,
        new.ref,
        decision.reply_template,
        parsed.message_id,
    )


def _followup(
    session: Session,
    mail: StoredMail,
    parsed: ParsedMail,
    disposition: DispositionResult,
    extraction: Extraction,
    text: Any,
    thread: ThreadMatch,
    message: dict[str, Any],
    ctx: ProcessingContext,
    registry: Registry,
    received: datetime,
    now: datetime,
    proof: SenderProof,
) -> ProcessedMail:
    """A participant's reply: append, re-judge the ticket as a whole, reopen if needed.

    The ticket is judged on the mail that counts toward it (its participants' `ticket` and
    `followup` mail) plus this one; linked auto-replies and delivery reports are left out."""
    ticket = session.get(Ticket, thread.ticket_id)
    assert ticket is not None and ticket.id is not None
    proof = _followup_proof(session, ticket, parsed, text.new_text, proof, now)
    history = [extraction_from_json(e) for e in counted_extractions(session, ticket.id)]
    combined = combine_extractions([*history, extraction])
    followup = DispositionResult(
        Disposition.FOLLOWUP, (*disposition.reasons, f"reply to ticket {ticket.ref} ({thread.how})")
    )
    decision = decide(
        parsed,
        followup,
        combined,
        registry=registry,
        config=ctx.routing,
        received=received,
        thread=thread,
        mailbox=mail.mailbox,
        text=text,
        ticket_queue=ticket.queue,
        sender_proof=proof,
        default_language=ctx.mailbox_languages.get(mail.mailbox),
    )
    message["disposition"] = Disposition.FOLLOWUP.value
    message["counts"] = True
    _store_message(session, message, decision, ticket, parsed, ctx)
    previous_outcome = (ticket.policy or {}).get("outcome")
    new_outcome = decision.policy.outcome if decision.policy else None
    old_status = ticket.status
    ticket.contract_numbers = list(decision.contract_numbers)
    if decision.policy is not None:
        ticket.policy = decision.policy.to_json()
    if new_outcome != previous_outcome and decision.policy is not None:
        ticket.status = decision.status
    elif ticket.status in ("waiting_on_customer", "resolved", "closed"):
        ticket.status = "open"
    ticket.updated_at = now
    session.add(ticket)
    joined = people_added(parsed, proven=decision.sender_proof.proven, own=_own(ctx))
    add_participants(session, ticket.id, joined)
    _event(
        session,
        ticket.id,
        "followup",
        now,
        {
            "message_id": parsed.message_id,
            "from": message["from_email"],
            "matched": thread.how,
            "status": [old_status, ticket.status],
            "outcome": [previous_outcome, new_outcome],
            "sender_proof": decision.sender_proof.status,
            "participants_added": joined,
        },
    )
    sync_ticket_jobs(session, ticket, ctx.ticket_jobs)
    asks = _awaits_confirmation(decision) and (
        new_outcome != previous_outcome
        or not confirmation.has_open_request(session, ticket.id, now)
    )
    if asks and not _reply_withheld(session, parsed, ticket, decision, now):
        _request_confirmation(
            session, ctx, ticket, message, decision, now, registry, message["from_email"]
        )
    elif (
        new_outcome is not None
        and new_outcome != previous_outcome
        and not _reply_withheld(session, parsed, ticket, decision, now)
    ):
        _queue_reply(session, ctx, ticket, message, decision, now, registry)
    return ProcessedMail(
        mail.ledger_id,
        mail.source_ref,
        "followup",
        ticket.queue,
        new_outcome,
        ticket.ref,
        decision.reply_template if new_outcome != previous_outcome else None,
        parsed.message_id,
    )


def _awaits_confirmation(decision: RoutingDecision) -> bool:
    return decision.policy is not None and decision.policy.outcome == AWAITING


def _followup_proof(
    session: Session,
    ticket: Ticket,
    parsed: ParsedMail,
    new_text: str,
    proof: SenderProof,
    now: datetime,
) -> SenderProof:
    """The proof a follow-up is judged with: a confirmation by reply to the ticket's open
    request (`postkamer.confirmation`), else the mail's own. A cancellation accepted on a
    proven sender stays accepted: an unproven follow-up (a thank-you, or a forgery) does not
    turn it back into a confirmation request. A mail a believed server calls forged flags
    the ticket."""
    assert ticket.id is not None
    if proof.status == "failed" and POSSIBLY_FORGED not in (ticket.flags or []):
        ticket.flags = [*(ticket.flags or []), POSSIBLY_FORGED]
        session.add(ticket)
    judged = confirmation.judge_reply(session, ticket.id, parsed, new_text, now)
    if judged is not None and judged.proof is not None:
        return judged.proof
    if not proof.proven and (ticket.policy or {}).get("outcome") == "accepted":
        earlier = _earlier_proof(session, ticket.id)
        if earlier is not None:
            return earlier
    return proof


def _earlier_proof(session: Session, ticket_id: int) -> SenderProof | None:
    """The proof the ticket's latest proven inbound mail carried, said to be an earlier one."""
    decisions = session.exec(
        select(Message.decision)
        .where(Message.ticket_id == ticket_id)
        .where(Message.direction == "in")
        .order_by(col(Message.id).desc())
    ).all()
    for decision in decisions:
        found = (decision or {}).get("sender_proof") or {}
        if found.get("status") == "proven":
            method = found.get("method")
            return SenderProof(
                "proven",
                str(method) if method else None,
                (
                    f"the request was accepted on a sender proven earlier ({method}); this "
                    "follow-up's own proof does not undo it",
                ),
            )
    return None


def _request_confirmation(
    session: Session,
    ctx: ProcessingContext,
    ticket: Ticket | NewTicket,
    message: Mapping[str, Any],
    decision: RoutingDecision,
    now: datetime,
    registry: Registry,
    sender: str,
) -> None:
    """The confirmation request to the registered contact instead of the acceptance."""
    number = decision.policy.contract_number if decision.policy else None
    try:
        confirmation.request_confirmation(
            session,
            templates=ctx.templates,
            replies=ctx.replies,
            ticket=ticket,
            inbound=Inbound(
                subject=message["subject"],
                message_id=message["message_id"],
                references=message["references"],
            ),
            decision=decision,
            sender=sender,
            registry=registry,
            display_number=_display(registry)(number) if number else None,
            valid_days=ctx.confirmation_days,
            now=now,
        )
    except ComposeError as exc:
        _event(
            session,
            ticket.id,
            "reply_suppressed",
            now,
            {"reason": f"unusable address: {exc}", "template": decision.reply_template},
        )


def _queue_reply(
    session: Session,
    ctx: ProcessingContext,
    ticket: Ticket | NewTicket,
    message: Mapping[str, Any],
    decision: RoutingDecision,
    now: datetime,
    registry: Registry,
) -> None:
    """The decision's automatic reply; an address we cannot write to (e.g. a non-ASCII local
    part) withholds the reply with a `reply_suppressed` event instead of losing the ticket."""
    try:
        queue_decision_reply(
            session,
            ctx.templates,
            ctx.replies,
            ticket=ticket,
            inbound=Inbound(
                subject=message["subject"],
                message_id=message["message_id"],
                references=message["references"],
            ),
            decision=decision,
            now=now,
            display_number=_display(registry),
            load_row=False,
        )
    except ComposeError as exc:
        _event(
            session,
            ticket.id,
            "reply_suppressed",
            now,
            {"reason": f"unusable address: {exc}", "template": decision.reply_template},
        )


def _reply_withheld(
    session: Session,
    parsed: ParsedMail,
    ticket: Ticket | NewTicket,
    decision: RoutingDecision,
    now: datetime,
) -> bool:
    """True, with a `reply_suppressed` event, when the mail's headers forbid an automatic
    reply (`X-Auto-Response-Suppress`, `X-Loop`, empty Return-Path)."""
    reason = no_auto_reply_reason(parsed)
    if reason is None or not decision.reply_template:
        return False
    _event(
        session,
        ticket.id,
        "reply_suppressed",
        now,
        {"reason": reason, "template": decision.reply_template},
    )
    return True


def _display(registry: Registry) -> Callable[[str], str]:
    """The registry's spelling of a contract number, for replies."""

    def show(number: str) -> str:
        contract = registry.lookup(number)
        return contract.display_number if contract is not None else number

    return show


def _own(ctx: ProcessingContext) -> frozenset[str]:
    """Our own addresses and domains: never participants of a ticket."""
    return frozenset(d.lower() for d in ctx.own_domains) | {
        a.lower() for a in ctx.replies.own_addresses
    }


@dataclass(frozen=True, slots=True)
class NewTicket:
    """A ticket just inserted in this transaction: what the rest of its mail's processing and
    its reply need (`outbound.replies.TicketFacts`), without loading it back."""

    id: int
    ref: str
    queue: str
    subject: str
    requester_email: str
    requester_name: str
    language: str
    flags: list[str]


@dataclass(frozen=True, slots=True)
class Inbound:
    """The customer's mail a reply answers (`outbound.replies.InboundFacts`)."""

    subject: str
    message_id: str | None
    references: list[str]


def _event(
    session: Session, ticket_id: int | None, kind: str, now: datetime, data: dict[str, Any]
) -> None:
    session.flush()  # pending ORM changes (a follow-up's ticket) first, in the order made
    rows.insert_one(session, Event, ticket_id=ticket_id, kind=kind, at=now, data=data)


def _new_ticket(
    session: Session,
    parsed: ParsedMail,
    decision: RoutingDecision,
    thread: ThreadMatch | None,
    now: datetime,
    copied: Sequence[str] = (),
) -> NewTicket:
    """Insert the ticket, its requester as its first participant and the people `copied` (a
    proven requester's To/Cc) after them."""
    requester = parsed.from_
    values: dict[str, Any] = {
        "ref": new_ref(session),
        "queue": decision.queue or "general",
        "status": decision.status,
        "priority": decision.priority,
        "subject": parsed.subject,
        "requester_email": requester.email if requester else "",
        "requester_name": requester.name if requester else "",
        "language": decision.language,
        "contract_numbers": list(decision.contract_numbers),
        "tags": list(decision.tags) + (["bulk"] if decision.disposition == "bulk" else []),
        "flags": list(decision.flags),
        "policy": decision.policy.to_json() if decision.policy else None,
        "linked_ticket_id": thread.ticket_id if thread is not None else None,
        "created_at": now,
        "updated_at": now,
    }
    ticket_id = rows.insert_one(session, Ticket, **values)
    if requester is not None:
        add_new_participants(session, ticket_id, [requester.email], role="requester")
    others = [a for a in copied if requester is None or a != requester.email.lower()]
    add_new_participants(session, ticket_id, others, role="cc")
    return NewTicket(
        id=ticket_id,
        ref=values["ref"],
        queue=values["queue"],
        subject=values["subject"],
        requester_email=values["requester_email"],
        requester_name=values["requester_name"],
        language=values["language"],
        flags=values["flags"],
    )


def _store_message(
    session: Session,
    message: dict[str, Any],
    decision: RoutingDecision,
    ticket: Ticket | NewTicket | None,
    parsed: ParsedMail,
    ctx: ProcessingContext,
) -> None:
    """Insert the mail's `Message` row and its attachments (contents to the blob store)."""
    session.flush()  # a follow-up's ticket change goes before its message, as before
    message_pk = rows.insert_one(
        session,
        Message,
        **message,
        ticket_id=ticket.id if ticket is not None else None,
        decision=decision.to_json(),
    )
    for att in parsed.attachments:
        if att.data is not None:
            ctx.blobs.put(att.data)
    rows.insert_many(
        session,
        AttachmentRow,
        [
            {
                "message_pk": message_pk,
                "filename": att.filename,
                "content_type": att.content_type,
                "sniffed_type": att.sniffed_type,
                "size": att.size,
                "sha256": att.sha256 if att.data is not None else "",
                "text": att.text,
                "text_error": att.text_error,
                "inline": att.inline,
            }
            for att in parsed.attachments
        ],
    )


@dataclass(frozen=True, slots=True)
class BounceRecord:
    """What a delivery report did: the ticket of the reply it names (to link it to) and what
    the `bounce` event on that ticket says about it."""

    ticket: Ticket | None
    details: dict[str, Any]


_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")


def _record_bounce(session: Session, parsed: ParsedMail, now: datetime) -> BounceRecord:
    """Mark one of our replies failed when the report names both its Message-ID and one of
    its recipients (DOMAIN.md 4a); otherwise the report is only linked to that reply's ticket.
    Our own words (`reason`, the outbox row's `last_error`) are built from what we know; the
    report's free text goes only into the event's `report`, cleaned and capped, to be shown
    as the remote server's unverified words."""
    failure = bounce_failure(parsed)
    if failure is None:
        return BounceRecord(None, {"marked_failed": None})
    row = session.exec(select(OutboxRow).where(OutboxRow.message_id == failure.message_id)).first()
    if row is None:
        return BounceRecord(None, {"marked_failed": None})
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id is not None else None
    ours = [r.lower() for r in row.recipients]
    matched = next((r for r in failure.recipients if r in ours), None)
    report = _report_text(failure)
    if matched is None:
        return BounceRecord(
            ticket,
            {
                "marked_failed": None,
                "reply": row.message_id,
                "reason": "the report names none of the reply's recipients: reply left as it was",
                "report": report,
            },
        )
    block = next(
        b for b in failure.reports if b.recipient.strip().strip("<>").strip().lower() == matched
    )
    status = block.status if _STATUS.match(block.status) else ""
    reason = f"delivery report: delivery to {matched} failed" + (f" ({status})" if status else "")
    row.state = "failed"
    row.last_error = reason
    session.add(row)
    delivery_event(session, row, "delivery_failed", now, reason=reason, report=report)
    return BounceRecord(ticket, {"marked_failed": row.message_id, "reason": reason})


def _report_text(failure: BounceFailure) -> str:
    """The report's own words (recipients, status, diagnostic), as an untrusted excerpt."""
    return untrusted_excerpt(
        "; ".join(f"{r.recipient} {r.status} {r.diagnostic}".strip() for r in failure.reports)
    )


def processed_lines(results: Sequence[ProcessedMail]) -> list[str]:
    """One human line per mail: file, disposition, queue, outcome."""
    return [
        f"{Path(r.source_ref).name:<44} {r.disposition:<11} {r.queue or '-':<13} "
        f"{r.outcome or '-':<32} {r.ticket_ref or ''}"
        for r in results
    ]
