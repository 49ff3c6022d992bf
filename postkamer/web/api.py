"""The JSON API under `/api/`: the same reads and changes as the pages, for scripts and tools.

Authentication is the session cookie; every change also needs the `X-CSRF-Token` header whose
value `GET /api/me` returns. FastAPI publishes the description at `/api/openapi.json`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from postkamer.web import actions, queries
from postkamer.web.access import require_queue, require_ticket
from postkamer.web.auth import Actor, Db, Me, config
from postkamer.web.config import STATUSES
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


class TicketList(BaseModel):
    tickets: list[TicketSummary]
    total: int
    page: int
    pages: int


class MessageOut(BaseModel):
    direction: str
    from_email: str
    from_name: str
    subject: str
    received: datetime | None
    new_text: str
    quoted: str
    attachments: list[dict[str, Any]]
    explanation: list[str]


class EventOut(BaseModel):
    kind: str
    actor: str
    at: datetime
    data: dict[str, Any]


class TicketOut(TicketSummary):
    flags: list[str]
    policy: dict[str, Any] | None
    language: str
    contracts: list[dict[str, Any]]
    facts: dict[str, Any]
    explanation: list[str]
    messages: list[MessageOut]
    events: list[EventOut]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=actions.MAX_NOTE)


class StatusIn(BaseModel):
    status: str = Field(description=" | ".join(STATUSES))


class MoveIn(BaseModel):
    queue: str
    reason: str = Field(min_length=1, max_length=actions.MAX_NOTE)


def _summary(t: Ticket) -> TicketSummary:
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
    )


def _detail(db: Db, t: Ticket) -> TicketOut:
    d = queries.ticket_detail(db, t)
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
        explanation=d.explanation,
        messages=[
            MessageOut(
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
            )
            for m in d.messages
        ],
        events=[EventOut(kind=e.kind, actor=e.actor, at=e.at, data=e.data) for e in d.events],
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
    visible = principal.visible_queues(config(request).queues)
    return [QueueOut(queue=c.queue, counts=c.counts) for c in queries.queue_counts(db, visible)]


@router.get("/tickets")
def tickets(
    request: Request,
    db: Db,
    principal: Me,
    queue: str,
    status: str | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(pattern="^(created|-created|priority)$")] = "-created",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> TicketList:
    require_queue(principal, queue)
    f = queries.TicketFilter(queue=queue, status=status, text=q, sort=sort, page=page)
    result = queries.list_tickets(db, f, config(request).page_size)
    return TicketList(
        tickets=[_summary(t) for t in result.tickets],
        total=result.total,
        page=result.page,
        pages=result.pages,
    )


@router.get("/tickets/{ref}")
def ticket(db: Db, principal: Me, ref: str) -> TicketOut:
    return _detail(db, require_ticket(db, principal, ref))


@router.post("/tickets/{ref}/notes", status_code=201)
def note(db: Db, principal: Actor, ref: str, body: NoteIn) -> TicketOut:
    t = require_ticket(db, principal, ref)
    _apply(db, lambda: actions.add_note(db, t, principal, body.text))
    db.flush()
    return _detail(db, t)


@router.post("/tickets/{ref}/status")
def status(db: Db, principal: Actor, ref: str, body: StatusIn) -> TicketOut:
    t = require_ticket(db, principal, ref)
    _apply(db, lambda: actions.set_status(db, t, principal, body.status))
    db.flush()
    return _detail(db, t)


@router.post("/tickets/{ref}/move")
def move(request: Request, db: Db, principal: Actor, ref: str, body: MoveIn) -> TicketSummary:
    t = require_ticket(db, principal, ref)
    _apply(
        db, lambda: actions.move(db, t, principal, body.queue, body.reason, config(request).queues)
    )
    return _summary(t)
