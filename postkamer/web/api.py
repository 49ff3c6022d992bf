"""The JSON API under `/api/`: the same reads and changes as the pages, for scripts and tools.

Authentication is the session cookie; every change also needs the `X-CSRF-Token` header whose
value `GET /api/me` returns. FastAPI publishes the description at `/api/openapi.json`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from postkamer.web import actions, merge, presence, queries
from postkamer.web.access import MAX_ID, Principal, require_queue, require_ticket, visible_refs
from postkamer.web.auth import Actor, Db, Me, config
from postkamer.web.config import STATUSES
from postkamer.web.due import Due
from storage.models import Ticket

router = APIRouter(prefix="/api", tags=["api"])


class MeOut(BaseModel):
    email: str
    role: str
    queues: list[str]
    csrf_token: str = Field(description="send as X-CSRF-Token on every POST")


class QueueOut(BaseModel):
    queue: str
    counts: dict[str, int]
    due_soon: int = Field(description="first response due soon (past the warning share)")
    breached: int = Field(description="first response overdue")


class TicketSummary(BaseModel):
    ref: str
    queue: str
    status: str
    priority: str
    subject: str
    requester_email: str
    requester_name: str
    contract_numbers: list[str]
    tags: list[str]
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None = Field(default=None, description="first response due (clock runs)")
    due_state: str | None = Field(default=None, description="ok | due_soon | breached")


class TicketList(BaseModel):
    tickets: list[TicketSummary]
    total: int
    page: int
    pages: int


class MessageOut(BaseModel):
    id: int | None = None
    direction: str
    from_email: str
    from_name: str
    subject: str
    received: datetime | None
    new_text: str
    quoted: str
    attachments: list[dict[str, Any]]
    explanation: list[str]
    sender_proof: dict[str, Any] | None = Field(
        default=None,
        description="incoming mail: how the sender was proven or why not "
        "(status proven | unproven | failed, method dmarc | dkim | confirmation | null, reasons)",
    )
    # why the mail is only linked to the ticket and adds no facts (auto_reply, bounce, bulk,
    # not_participant); null for mail that counts and for our own
    linked: str | None = None
    untrusted: bool = False


class EventOut(BaseModel):
    kind: str
    actor: str
    at: datetime
    data: dict[str, Any]


class ScheduledOut(BaseModel):
    kind: str  # reminder | autoclose | termination
    at: datetime


class TicketOut(TicketSummary):
    flags: list[str]
    policy: dict[str, Any] | None
    language: str
    contracts: list[dict[str, Any]]
    facts: dict[str, Any]
    # per fact, where it was read and the candidates dropped with why (DOMAIN.md section 6)
    evidence: dict[str, list[dict[str, Any]]] = {}
    explanation: list[str]
    messages: list[MessageOut]
    events: list[EventOut]
    scheduled: list[ScheduledOut] = []  # upcoming reminder, automatic close, termination


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=actions.MAX_NOTE)


class StatusIn(BaseModel):
    status: str = Field(description=" | ".join(STATUSES))


class MoveIn(BaseModel):
    queue: str
    reason: str = Field(min_length=1, max_length=actions.MAX_NOTE)


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=actions.MAX_NOTE)


class MergeIn(BaseModel):
    into: str = Field(min_length=1, max_length=40, description="ref of the ticket that stays")


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=actions.MAX_NOTE)
    then_status: str = Field(default="waiting_on_customer", description=" | ".join(STATUSES))
    seen_message_id: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ID,
        description="newest message id the writer saw (`latest_message_id`); newer ones: 409",
    )
    confirm: bool = Field(default=False, description="send even if messages were added")


class PresenceIn(BaseModel):
    activity: str = Field(default="viewing", pattern="^(viewing|replying)$")


class SeenOut(BaseModel):
    email: str
    activity: str
    seconds_ago: int


class PresenceOut(BaseModel):
    others: list[SeenOut]
    latest_message_id: int


def _summary(t: Ticket, due: Due | None = None) -> TicketSummary:
    return TicketSummary(
        ref=t.ref,
        queue=t.queue,
        status=t.status,
        priority=t.priority,
        subject=t.subject,
        requester_email=t.requester_email,
        requester_name=t.requester_name,
        contract_numbers=list(t.contract_numbers or []),
        tags=list(t.tags or []),
        assignee=t.assignee,
        created_at=t.created_at,
        updated_at=t.updated_at,
        due_at=due.at if due else None,
        due_state=due.state if due else None,
    )


def _event_out(e: Any, visible: set[str]) -> EventOut:
    """An event as the API shows it: a merge with a ticket the user may not see names no ref."""
    data = dict(e.data or {})
    if e.kind in queries.MERGE_EVENTS:
        for key in ("source", "target"):
            if key in data and data[key] not in visible:
                data[key] = None
    return EventOut(kind=e.kind, actor=e.actor, at=e.at, data=data)


def _detail(db: Db, t: Ticket, principal: Principal) -> TicketOut:
    d = queries.ticket_detail(db, t, backfill=False)  # the API returns no HTML
    visible = visible_refs(db, principal, queries.merge_refs(d.events))
    return TicketOut(
        **_summary(t).model_dump(),
        flags=list(t.flags or []),
        policy=t.policy,
        language=t.language,
        contracts=[
            {
                "number": c.number,
                "known": c.contract is not None,
                "kind": c.contract.kind if c.contract else None,
                "scope": c.contract.scope if c.contract else None,
                "customer": c.contract.customer if c.contract else None,
                "start_date": c.contract.start_date.isoformat() if c.contract else None,
            }
            for c in d.contracts
        ],
        facts=d.facts,
        evidence=d.evidence,
        explanation=d.explanation,
        messages=[
            MessageOut(
                id=m.message.id,
                direction=m.message.direction,
                from_email=m.message.from_email,
                from_name=m.message.from_name,
                subject=m.message.subject,
                received=m.message.received,
                new_text=m.shown_text,
                quoted=m.quoted,
                attachments=[
                    {
                        "id": a.id,
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "size": a.size,
                        "url": f"/attachments/{a.id}",
                    }
                    for a in m.attachments
                ],
                explanation=m.explanation,
                sender_proof=m.proof,
                linked=m.linked,
                untrusted=m.untrusted,
            )
            for m in d.messages
        ],
        events=[_event_out(e, visible) for e in d.events],
        scheduled=[
            ScheduledOut(kind=kind, at=at)
            for kind, at in actions.scheduled_jobs(db, t.id if t.id is not None else -1)
        ],
    )


def _apply(db: Db, change: Any) -> None:
    try:
        change()
    except actions.ActionError as exc:
        db.rollback()
        raise HTTPException(status_code=422, detail=exc.key) from None


@router.get("/me")
def me(principal: Me) -> MeOut:
    return MeOut(
        email=principal.email,
        role=principal.role,
        queues=sorted(principal.queues),
        csrf_token=principal.csrf_token,
    )


@router.get("/queues")
def queues(request: Request, db: Db, principal: Me) -> list[QueueOut]:
    cfg = config(request)
    visible = principal.visible_queues(cfg.queues)
    return [
        QueueOut(queue=c.queue, counts=c.counts, due_soon=c.due_soon, breached=c.breached)
        for c in queries.queue_counts(db, visible, cfg.due, cfg.clock())
    ]


@router.get("/tickets")
def tickets(
    request: Request,
    db: Db,
    principal: Me,
    queue: str,
    status: str | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(pattern="^(created|-created|priority|due)$")] = "-created",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> TicketList:
    require_queue(principal, queue)
    f = queries.TicketFilter(queue=queue, status=status, text=q, sort=sort, page=page)
    cfg = config(request)
    result = queries.list_tickets(db, f, cfg.page_size)
    due = queries.due_of(db, result.tickets, cfg.due, cfg.clock())
    return TicketList(
        tickets=[_summary(t, due.get(t.id or -1)) for t in result.tickets],
        total=result.total,
        page=result.page,
        pages=result.pages,
    )


@router.get("/tickets/{ref}")
def ticket(db: Db, principal: Me, ref: str) -> TicketOut:
    return _detail(db, require_ticket(db, principal, ref), principal)


@router.post("/tickets/{ref}/notes", status_code=201)
def note(db: Db, principal: Actor, ref: str, body: NoteIn) -> TicketOut:
    t = require_ticket(db, principal, ref)
    _apply(db, lambda: actions.add_note(db, t, principal, body.text))
    db.flush()
    return _detail(db, t, principal)


@router.post("/tickets/{ref}/status")
def status(db: Db, principal: Actor, ref: str, body: StatusIn) -> TicketOut:
    t = require_ticket(db, principal, ref)
    _apply(db, lambda: actions.set_status(db, t, principal, body.status))
    db.flush()
    return _detail(db, t, principal)


@router.post("/tickets/{ref}/withdraw")
def withdraw(db: Db, principal: Actor, ref: str, body: WithdrawIn) -> TicketOut:
    """The customer took the request back: closed, and its termination will not take effect."""
    t = require_ticket(db, principal, ref)
    _apply(db, lambda: actions.withdraw(db, t, principal, body.reason))
    db.flush()
    return _detail(db, t, principal)


@router.post("/tickets/{ref}/merge")
def merge_ticket(db: Db, principal: Actor, ref: str, body: MergeIn) -> TicketSummary:
    """Merge ticket `ref` (the duplicate) into `into`; the user must see both queues."""
    duplicate = require_ticket(db, principal, ref)
    keeper = require_ticket(db, principal, body.into.strip().upper())
    _apply(db, lambda: merge.merge(db, duplicate, keeper, principal))
    return _summary(keeper)


@router.post("/tickets/{ref}/replies", status_code=201)
def reply(request: Request, db: Db, principal: Actor, ref: str, body: ReplyIn) -> TicketOut:
    """Queue a reply; 409 with the added messages when the ticket changed after
    `seen_message_id` (send again with `confirm` to send anyway)."""
    t = require_ticket(db, principal, ref)
    assert t.id is not None
    if body.seen_message_id is not None and not body.confirm:
        changed = presence.changes_since(db, t.id, body.seen_message_id)
        if changed:
            raise HTTPException(
                status_code=409,
                detail={
                    "error": "conflict",
                    "latest_message_id": presence.latest_message_id(db, t.id),
                    "changes": [
                        {
                            "id": m.id,
                            "direction": m.direction,
                            "from_email": m.from_email,
                            "received": (m.received or m.created_at).isoformat(),
                            "text": (m.new_text or m.text)[:500],
                        }
                        for m in changed
                    ],
                },
            )
    cfg = config(request)
    _apply(db, lambda: actions.reply(db, t, principal, body.text, cfg, body.then_status))
    db.flush()
    return _detail(db, t, principal)


@router.post("/tickets/{ref}/presence")
def report_presence(
    request: Request, db: Db, principal: Actor, ref: str, body: PresenceIn
) -> PresenceOut:
    """Say "I am on this ticket" (the page calls it every ~10 s); answers who else is, and the
    newest message id (the page warns when it grew since the page was loaded)."""
    t = require_ticket(db, principal, ref)
    assert t.id is not None
    cfg = config(request)
    now = cfg.clock()
    presence.touch(db, t.id, principal.email, body.activity, now)
    seen = presence.others(db, t.id, principal.email, now, cfg.presence_seconds)
    return PresenceOut(
        others=[
            SeenOut(email=x.email, activity=x.activity, seconds_ago=x.seconds_ago) for x in seen
        ],
        latest_message_id=presence.latest_message_id(db, t.id),
    )


@router.post("/tickets/{ref}/move")
def move(request: Request, db: Db, principal: Actor, ref: str, body: MoveIn) -> TicketSummary:
    t = require_ticket(db, principal, ref)
    _apply(
        db, lambda: actions.move(db, t, principal, body.queue, body.reason, config(request).queues)
    )
    return _summary(t)
