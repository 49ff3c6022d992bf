"""Read-only views over stored tickets: queue counts, a filtered and paged ticket list, and
everything the ticket page shows. Pure database reads; the pages and the API share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, func, or_, update
from sqlalchemy.orm import defer
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from intake.model import evidence_from_json, evidence_to_json
from intake.safehtml import SafeHtml, inert_links, stored_html
from postkamer.web.config import PRIORITIES, STATUSES
from postkamer.web.due import CLOCK_STATES, Due, DueRules, clock_running
from postkamer.web.sanitize import split_quoted
from routing.registry import normalize_number
from storage.models import AttachmentRow, ContractRow, Event, Message, OutboxRow, Ticket

COUNTED = ("new", "open", "waiting_on_customer")
SORTS = ("created", "-created", "priority", "due")


@dataclass(frozen=True, slots=True)
class QueueCounts:
    queue: str
    counts: dict[str, int]
    due_soon: int = 0  # first-response clock past the warning share of its target
    breached: int = 0  # first-response clock past its due moment

    @property
    def total_active(self) -> int:
        return sum(self.counts.values())


def queue_counts(
    session: Session,
    queues: list[str],
    rules: DueRules | None = None,
    now: datetime | None = None,
) -> list[QueueCounts]:
    """Per queue, how many tickets are new, open and waiting on the customer; with `rules`
    and `now`, also how many first responses are due soon and how many are breached."""
    rows = session.exec(
        select(Ticket.queue, Ticket.status, func.count())
        .where(col(Ticket.queue).in_(queues), col(Ticket.status).in_(COUNTED))
        .group_by(Ticket.queue, Ticket.status)
    ).all()
    table: dict[str, dict[str, int]] = {q: dict.fromkeys(COUNTED, 0) for q in queues}
    for queue, status, count in rows:
        table[queue][status] = count
    result = []
    for q in queues:
        soon = breached = 0
        if rules is not None and now is not None:
            cut = rules.cutoffs(q, now)
            breached_at = col(Ticket.created_at) <= cut.breached
            row = session.exec(
                select(
                    func.count(),
                    func.coalesce(func.sum(case((breached_at, 1), else_=0)), 0),
                ).where(
                    col(Ticket.queue) == q,
                    clock_running(),
                    col(Ticket.created_at) <= cut.warning,
                )
            ).one()
            breached = int(row[1])
            soon = int(row[0]) - breached
        result.append(QueueCounts(q, table[q], soon, breached))
    return result


@dataclass(frozen=True, slots=True)
class TicketFilter:
    queue: str
    status: str | None = None  # one of STATUSES, or None for all
    text: str = ""  # requester address or name, contract number, subject
    sort: str = "-created"
    page: int = 1


@dataclass(frozen=True, slots=True)
class TicketPage:
    tickets: list[Ticket]
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(f: TicketFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [col(Ticket.queue) == f.queue]
    if f.status in STATUSES:
        where.append(col(Ticket.status) == f.status)
    text = f.text.strip()
    if text:
        pattern = _like(text.lower())
        alternatives = [
            func.lower(col(Ticket.requester_email)).like(pattern, escape="\\"),
            func.lower(col(Ticket.requester_name)).like(pattern, escape="\\"),
            func.lower(col(Ticket.subject)).like(pattern, escape="\\"),
            func.lower(col(Ticket.ref)).like(pattern, escape="\\"),
        ]
        number = normalize_number(text)
        if number:
            alternatives.append(
                cast(col(Ticket.contract_numbers), String).like(_like(number), escape="\\")
            )
        where.append(or_(*alternatives))
    return where


def _order(sort: str) -> list[Any]:
    rank = case(
        {p: i for i, p in enumerate(PRIORITIES)}, value=col(Ticket.priority), else_=len(PRIORITIES)
    )
    if sort == "due":  # running first-response clocks first, soonest due first (see due.py)
        running = case((clock_running(), 0), else_=1)
        return [running, col(Ticket.created_at), col(Ticket.id)]
    if sort == "priority":
        return [rank, col(Ticket.created_at).desc(), col(Ticket.id).desc()]
    if sort == "created":
        return [col(Ticket.created_at), col(Ticket.id)]
    return [col(Ticket.created_at).desc(), col(Ticket.id).desc()]


def list_tickets(session: Session, f: TicketFilter, page_size: int) -> TicketPage:
    where = _conditions(f)
    total = session.exec(select(func.count()).select_from(Ticket).where(*where)).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, f.page), pages)
    tickets = session.exec(
        select(Ticket)
        .where(*where)
        .order_by(*_order(f.sort))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return TicketPage(list(tickets), total, page, pages)


def due_of(
    session: Session, tickets: list[Ticket], rules: DueRules, now: datetime
) -> dict[int, Due]:
    """The first-response due moment and state of each listed ticket whose clock runs."""
    running = [t for t in tickets if t.id is not None and t.status in CLOCK_STATES]
    ids = [t.id for t in running if t.id is not None]
    if not ids:
        return {}
    replied = set(
        session.exec(
            select(OutboxRow.ticket_id).where(
                col(OutboxRow.ticket_id).in_(ids), col(OutboxRow.automatic).is_(False)
            )
        )
    )
    found: dict[int, Due] = {}
    for t in running:
        if t.id is not None and t.id not in replied:
            found[t.id] = Due(
                rules.state(t.queue, t.created_at, now), rules.due(t.queue, t.created_at)
            )
    return found


def all_tickets(session: Session, f: TicketFilter, limit: int = 50_000) -> list[Ticket]:
    """Every ticket matching the filter (for CSV export), bounded."""
    return list(
        session.exec(select(Ticket).where(*_conditions(f)).order_by(*_order(f.sort)).limit(limit))
    )


@dataclass(frozen=True, slots=True)
class MessageView:
    message: Message
    shown_text: str
    quoted: str
    html: SafeHtml | None
    attachments: list[AttachmentRow]
    explanation: list[str]
    # how the sender of an incoming mail was proven, or why not (DOMAIN.md 4a): `status`,
    # `method`, `reasons` as the decision stored them; None for our own mail and older rows
    proof: dict[str, Any] | None = None
    # why an incoming mail is only linked to the ticket and adds no facts (DOMAIN.md 4a):
    # auto_reply | bounce | bulk | not_participant; None for mail that counts, and ours
    linked: str | None = None
    untrusted: bool = False  # links shown inert, attachments with a warning


def sender_proof_of(message: Message) -> dict[str, Any] | None:
    """The stored sender proof of an incoming mail."""
    if message.direction != "in":
        return None
    found = (message.decision or {}).get("sender_proof")
    if not isinstance(found, dict) or found.get("status") not in ("proven", "unproven", "failed"):
        return None
    reasons = found.get("reasons")
    return {
        "status": str(found["status"]),
        "method": found.get("method"),
        "reasons": [str(r) for r in reasons] if isinstance(reasons, list) else [],
    }


def linked_reason(message: Message) -> str | None:
    """Why an incoming mail does not count toward its ticket, or None when it does."""
    if message.direction != "in" or message.counts:
        return None
    if message.disposition in ("auto_reply", "bounce", "bulk"):
        return message.disposition
    return "not_participant"


@dataclass(frozen=True, slots=True)
class ContractFact:
    number: str
    contract: ContractRow | None


@dataclass(frozen=True, slots=True)
class TicketDetail:
    ticket: Ticket
    messages: list[MessageView]
    contracts: list[ContractFact]
    facts: dict[str, Any]  # simple values of the newest extraction of mail that counts
    explanation: list[str]  # the newest routing decision's explanation (mail that counts)
    decision: dict[str, Any]
    events: list[Event]
    linked: Ticket | None = None
    # per fact, where it was read and which candidates were dropped (DOMAIN.md section 6)
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def found(self, fact: str, value: object = None) -> list[dict[str, Any]]:
        """Where `fact` was read (only for `value` when given), without dropped candidates."""
        return [
            e
            for e in self.evidence.get(fact, [])
            if not e.get("dropped") and (value is None or e.get("value") == value)
        ]

    def not_taken(self, fact: str) -> list[dict[str, Any]]:
        """The candidates for `fact` that were dropped, with why."""
        return [e for e in self.evidence.get(fact, []) if e.get("dropped")]


def fact_evidence(inbound: list[Message]) -> dict[str, list[dict[str, Any]]]:
    """Where the facts on the ticket page were read, as `evidence_to_json` items per fact:
    the newest counting mail's (its facts are the ones shown), and for contract numbers every
    counting mail's, oldest first (the ticket's numbers add up over its mails). Pass only the
    mail that counts toward the ticket: linked mail adds no facts, so no evidence either."""
    out: dict[str, list[dict[str, Any]]] = {}
    for m in inbound:
        stored = (m.extraction or {}).get("found")
        for fact, items in evidence_to_json(evidence_from_json(stored)).items():
            if fact != "contract_numbers" and m is not inbound[-1]:
                continue
            kept = out.setdefault(fact, [])
            kept.extend(item for item in items if item not in kept)
    return out


_FACT_KEYS = (
    "language",
    "destruction_confirmation",
    "machine_out_of_use",
    "requested_end_date",
    "breach_claimed",
    "phone",
)


def sanitize_stored(session: Session, ticket_id: int | None) -> int:
    """Sanitize and store, once, the HTML of the ticket's messages stored before intake did it
    (`intake.safehtml.stored_html`); how many there were. Later views read what is stored."""
    legacy = session.exec(
        select(Message.id, Message.html).where(
            col(Message.ticket_id) == ticket_id,
            col(Message.html).is_not(None),
            col(Message.html) != "",
            col(Message.safe_html).is_(None),
            col(Message.html_withheld).is_(None),
        )
    ).all()
    for message_id, raw in legacy:
        session.execute(
            update(Message).where(col(Message.id) == message_id).values(**stored_html(raw))
        )
    return len(legacy)


def _html_view(m: Message, links: bool = True) -> SafeHtml | None:
    """The HTML body as stored at intake; `links=False` (mail only linked to the ticket, or
    from an unverified sender) shows its links as text that is not clickable."""
    if m.html_withheld:
        return SafeHtml("", 0, m.html_withheld)
    if m.safe_html:
        return SafeHtml(m.safe_html if links else inert_links(m.safe_html), m.html_blocked)
    return None


def ticket_detail(session: Session, ticket: Ticket, backfill: bool = True) -> TicketDetail:
    """Everything the ticket page shows. HTML bodies come as stored at intake; with
    `backfill`, a message stored before that is sanitized and stored first (once)."""
    if backfill and sanitize_stored(session, ticket.id):
        session.expire_all()
    messages = list(
        session.exec(
            select(Message)
            .options(defer(Message.html))  # type: ignore[arg-type]
            .where(Message.ticket_id == ticket.id)
            .order_by(col(Message.received), col(Message.created_at), col(Message.id))
        )
    )
    ids = [m.id for m in messages if m.id is not None]
    attachments: dict[int, list[AttachmentRow]] = {}
    if ids:
        for a in session.exec(
            select(AttachmentRow)
            .where(col(AttachmentRow.message_pk).in_(ids))
            .order_by(col(AttachmentRow.id))
        ):
            attachments.setdefault(a.message_pk, []).append(a)
    views = []
    stranger = "sender_unverified" in (ticket.flags or [])
    for m in messages:
        shown, quoted = split_quoted(m.text, m.new_text)
        why = linked_reason(m)
        untrusted = m.direction == "in" and (why is not None or stranger)
        views.append(
            MessageView(
                message=m,
                shown_text=shown,
                quoted=quoted,
                html=_html_view(m, links=not untrusted),
                attachments=attachments.get(m.id or -1, []),
                explanation=[str(x) for x in (m.decision or {}).get("explanation") or []],
                proof=sender_proof_of(m),
                linked=why,
                untrusted=untrusted,
            )
        )
    # facts and the routing explanation come from mail that counts, never from linked mail
    inbound = [m for m in messages if m.direction == "in"]
    counting = [m for m in inbound if m.counts]
    newest = counting[-1] if counting else None
    extraction = (newest.extraction if newest else None) or {}
    facts = {k: extraction[k] for k in _FACT_KEYS if extraction.get(k) not in (None, "", [])}
    evidence = fact_evidence(counting)
    explained = newest or (inbound[-1] if inbound else None)
    decision = (explained.decision if explained else None) or {}
    numbers = list(ticket.contract_numbers or [])
    registry = {
        row.number: row
        for row in session.exec(select(ContractRow).where(col(ContractRow.number).in_(numbers)))
    }
    events = list(
        session.exec(
            select(Event).where(Event.ticket_id == ticket.id).order_by(col(Event.at), col(Event.id))
        )
    )
    linked = session.get(Ticket, ticket.linked_ticket_id) if ticket.linked_ticket_id else None
    return TicketDetail(
        ticket=ticket,
        messages=views,
        contracts=[ContractFact(n, registry.get(n)) for n in numbers],
        facts=facts,
        explanation=[str(x) for x in decision.get("explanation") or []],
        decision=decision,
        events=events,
        linked=linked,
        evidence=evidence,
    )


MERGE_EVENTS = ("merged", "merged_into")  # their data names the other ticket's ref


def merge_refs(events: list[Event]) -> set[str]:
    """The refs of other tickets that merge events name."""
    found = set()
    for e in events:
        if e.kind in MERGE_EVENTS:
            other = (e.data or {}).get("source") or (e.data or {}).get("target")
            if isinstance(other, str) and other:
                found.add(other)
    return found


ALERT_KINDS = (
    "loop_limit",
    "delivery_failed",
    "delivery_unknown",
    "credential_expiring",  # postkamer.credential_alerts: no ticket, supervisors only
    "credential_failing",
)


@dataclass(frozen=True, slots=True)
class Alert:
    """Something a person must look at: a loop breaker tripped, a reply that bounced or whose
    delivery is uncertain."""

    at: datetime
    kind: str
    ticket_ref: str | None
    queue: str | None
    detail: str
    quoted: str = ""  # someone else's words (a delivery report's text): shown as unverified


def alerts(
    session: Session, queues: list[str], sees_all: bool, since: datetime, limit: int = 20
) -> list[Alert]:
    """Recent alerts, newest first: for supervisors all, for owners those of their queues."""
    stmt = (
        select(Event, Ticket.ref, Ticket.queue)
        .join(Ticket, col(Ticket.id) == col(Event.ticket_id), isouter=True)
        .where(col(Event.kind).in_(ALERT_KINDS), col(Event.at) >= since)
        .order_by(col(Event.at).desc(), col(Event.id).desc())
        .limit(limit)
    )
    if not sees_all:
        stmt = stmt.where(col(Ticket.queue).in_(queues))
    out = []
    for event, ref, queue in session.exec(stmt).all():
        data = event.data or {}
        detail = str(
            data.get("reason") or data.get("error") or data.get("recipient") or ""
        )
        quoted = str(data.get("report") or "")
        out.append(Alert(event.at, event.kind, ref, queue, detail[:300], quoted[:300]))
    return out
