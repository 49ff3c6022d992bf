"""The HTML pages: queue overview, ticket list per queue, the ticket page with its forms, CSV
export and attachment downloads. Every route checks the session (and the CSRF token for forms)
and the user's queues before it reads or changes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from postkamer.web import actions, merge, presence, queries
from postkamer.web.access import (
    Principal,
    RowId,
    find_ticket,
    parse_id,
    require_attachment,
    require_queue,
    require_ticket,
    visible_refs,
)
from postkamer.web.auth import Actor, Db, Me, config
from postkamer.web.config import LANGUAGES, PRIORITIES, STATUSES
from postkamer.web.export import tickets_csv
from postkamer.web.sanitize import content_disposition
from postkamer.web.templating import render
from storage.models import Message, Ticket
from storage.tickets import merged_into

router = APIRouter(include_in_schema=False)
# The notices a page shows come from these fixed codes only: `?done=` or `?error=` in a link
# someone sent cannot put other text on the page.
DONE = frozenset(
    {"note", "status", "priority", "tags", "assigned", "moved", "reply", "withdrawn", "merged"}
)
QUEUE_DONE = frozenset({"moved"})


def known_queues(request: Request) -> tuple[str, ...]:
    return config(request).queues


def _filter(queue: str, status: str | None, q: str, sort: str, page: int) -> queries.TicketFilter:
    return queries.TicketFilter(
        queue=queue,
        status=status if status in STATUSES else None,
        text=q[:200],
        sort=sort if sort in queries.SORTS else "-created",
        page=page,
    )


ALERT_WINDOW = timedelta(days=7)  # how far back the overview lists alerts


@router.get("/")
def overview(request: Request, db: Db, me: Me) -> Response:
    queues = me.visible_queues(known_queues(request))
    cfg = config(request)
    return render(
        request,
        me,
        "overview.html",
        counts=queries.queue_counts(db, queues, cfg.due, cfg.clock()),
        counted=queries.COUNTED,
        alerts=queries.alerts(db, queues, me.sees_all, cfg.clock() - ALERT_WINDOW),
    )


@router.get("/queues/{queue}")
def queue_page(
    request: Request,
    db: Db,
    me: Me,
    queue: str,
    status: str | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: str = "-created",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: str | None = None,
) -> Response:
    require_queue(me, queue)
    f = _filter(queue, status, q, sort, page)
    cfg = config(request)
    result = queries.list_tickets(db, f, cfg.page_size)
    due = queries.due_of(db, result.tickets, cfg.due, cfg.clock())

    def page_url(n: int) -> str:
        sort = "" if f.sort == "-created" else f.sort
        params = {"status": f.status or "", "q": f.text, "sort": sort, "page": n if n > 1 else ""}
        return f"/queues/{queue}?" + urlencode({k: v for k, v in params.items() if v})

    export = f"/queues/{queue}/export.csv?" + urlencode(
        {k: v for k, v in {"status": f.status or "", "q": f.text, "sort": f.sort}.items() if v}
    )
    return render(
        request,
        me,
        "queue.html",
        queue=queue,
        f=f,
        result=result,
        statuses=STATUSES,
        sorts=queries.SORTS,
        page_url=page_url,
        export_url=export,
        done=done if done in QUEUE_DONE else None,
        due=due,
    )


@router.get("/queues/{queue}/export.csv")
def export_csv(
    db: Db,
    me: Me,
    queue: str,
    status: str | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: str = "-created",
) -> Response:
    require_queue(me, queue)
    tickets = queries.all_tickets(db, _filter(queue, status, q, sort, 1))
    return Response(
        tickets_csv(tickets).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(f"tickets-{queue}.csv")},
    )


@router.get("/tickets/{ref}")
def ticket_page(
    request: Request,
    db: Db,
    me: Me,
    ref: str,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    ticket = require_ticket(db, me, ref)
    return _ticket_view(
        request,
        db,
        me,
        ticket,
        done=done if done in DONE else None,
        error=error if error in actions.ERRORS else None,
    )


def _ticket_view(
    request: Request,
    db: Db,
    me: Principal,
    ticket: Ticket,
    status_code: int = 200,
    done: str | None = None,
    error: str | None = None,
    conflict: list[Message] | None = None,
    reply_text: str = "",
    reply_status: str = "waiting_on_customer",
) -> Response:
    """The ticket page; opening it counts as being on the ticket (presence)."""
    cfg = config(request)
    assert ticket.id is not None
    now = cfg.clock()
    presence.touch(db, ticket.id, me.email, "viewing", now)
    detail = queries.ticket_detail(db, ticket)
    return render(
        request,
        me,
        "ticket.html",
        status_code=status_code,
        d=detail,
        t_=ticket,
        queues=[q for q in known_queues(request) if q != ticket.queue],
        statuses=STATUSES,
        priorities=PRIORITIES,
        languages=LANGUAGES,
        done=done,
        error=error,
        merged_into=merged_into(db, ticket),
        others=presence.others(db, ticket.id, me.email, now, cfg.presence_seconds),
        seen=presence.latest_message_id(db, ticket.id),
        poll_ms=cfg.presence_poll_ms,
        conflict=conflict or [],
        reply_text=reply_text,
        reply_status=reply_status,
        scheduled=actions.scheduled_jobs(db, ticket.id),
        withdrawable=actions.may_withdraw(db, ticket),
        visible_refs=visible_refs(db, me, queries.merge_refs(detail.events)),
    )


def _back(ticket: Ticket, **params: str) -> RedirectResponse:
    return RedirectResponse(f"/tickets/{ticket.ref}?{urlencode(params)}", status_code=303)


def _act(
    db: Db, me: Principal, ref: str, done: str, change: Callable[[Ticket], object]
) -> RedirectResponse:
    """Run `change(ticket)`; back to the ticket page saying what was done or what went wrong."""
    ticket = require_ticket(db, me, ref)
    try:
        change(ticket)
    except actions.ActionError as exc:
        db.rollback()
        return _back(ticket, error=exc.key)
    return _back(ticket, done=done)


@router.post("/tickets/{ref}/note")
def post_note(db: Db, me: Actor, ref: str, text: Annotated[str, Form()] = "") -> Response:
    return _act(db, me, ref, "note", lambda t: actions.add_note(db, t, me, text))


@router.post("/tickets/{ref}/status")
def post_status(db: Db, me: Actor, ref: str, status: Annotated[str, Form()] = "") -> Response:
    return _act(db, me, ref, "status", lambda t: actions.set_status(db, t, me, status))


@router.post("/tickets/{ref}/priority")
def post_priority(db: Db, me: Actor, ref: str, priority: Annotated[str, Form()] = "") -> Response:
    return _act(db, me, ref, "priority", lambda t: actions.set_priority(db, t, me, priority))


@router.post("/tickets/{ref}/tags")
def post_tags(db: Db, me: Actor, ref: str, tags: Annotated[str, Form()] = "") -> Response:
    return _act(db, me, ref, "tags", lambda t: actions.set_tags(db, t, me, [tags]))


@router.post("/tickets/{ref}/claim")
def post_claim(db: Db, me: Actor, ref: str) -> Response:
    return _act(db, me, ref, "assigned", lambda t: actions.claim(db, t, me))


@router.post("/tickets/{ref}/assign")
def post_assign(db: Db, me: Actor, ref: str, assignee: Annotated[str, Form()] = "") -> Response:
    return _act(db, me, ref, "assigned", lambda t: actions.assign(db, t, me, assignee or None))


@router.post("/tickets/{ref}/move")
def post_move(
    request: Request,
    db: Db,
    me: Actor,
    ref: str,
    queue: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    ticket = require_ticket(db, me, ref)
    old = ticket.queue
    try:
        actions.move(db, ticket, me, queue, reason, known_queues(request))
    except actions.ActionError as exc:
        db.rollback()
        return _back(ticket, error=exc.key)
    if me.may_see_queue(ticket.queue):
        return _back(ticket, done="moved")
    return RedirectResponse(f"/queues/{old}?done=moved", status_code=303)


@router.post("/tickets/{ref}/reply")
def post_reply(
    request: Request,
    db: Db,
    me: Actor,
    ref: str,
    text: Annotated[str, Form()] = "",
    then_status: Annotated[str, Form()] = "waiting_on_customer",
    seen: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Queue the reply, unless something was added to the ticket after the form was opened
    (`seen`) and the user has not confirmed yet: then the page shows what changed, keeps the
    text, and its button sends anyway."""
    cfg = config(request)
    ticket = require_ticket(db, me, ref)
    assert ticket.id is not None
    seen_id = parse_id(seen)
    if seen_id is not None and confirm != "1":
        changed = presence.changes_since(db, ticket.id, seen_id)
        if changed:
            return _ticket_view(
                request,
                db,
                me,
                ticket,
                status_code=409,
                conflict=changed,
                reply_text=text,
                reply_status=then_status,
            )
    return _act(db, me, ref, "reply", lambda t: actions.reply(db, t, me, text, cfg, then_status))


@router.post("/tickets/{ref}/withdraw")
def post_withdraw(db: Db, me: Actor, ref: str, reason: Annotated[str, Form()] = "") -> Response:
    return _act(db, me, ref, "withdrawn", lambda t: actions.withdraw(db, t, me, reason))


@router.post("/tickets/{ref}/merge")
def post_merge(db: Db, me: Actor, ref: str, into: Annotated[str, Form()] = "") -> Response:
    """Merge this ticket (a duplicate) into the ticket `into`; both queues must be the user's."""
    duplicate = require_ticket(db, me, ref)
    keeper = find_ticket(db, me, into.strip().upper())
    if keeper is None:  # one answer for "no such ticket" and "not in your queues"
        return _back(duplicate, error="error.merge_unknown")
    try:
        merge.merge(db, duplicate, keeper, me)
    except actions.ActionError as exc:
        db.rollback()
        return _back(duplicate, error=exc.key)
    return _back(keeper, done="merged")


@router.get("/attachments/{attachment_id}")
def download(request: Request, db: Db, me: Me, attachment_id: RowId) -> Response:
    row = require_attachment(db, me, attachment_id)
    blobs = config(request).blobs
    if not row.sha256 or not blobs.exists(row.sha256):
        raise HTTPException(status_code=410, detail="attachment content not stored")
    return Response(
        blobs.get(row.sha256),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(row.filename or f"attachment-{row.id}"),
            "Cache-Control": "private, no-store",
        },
    )
