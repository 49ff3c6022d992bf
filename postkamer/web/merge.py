"""Merging a duplicate ticket into the one that keeps the conversation.

`merge(session, duplicate, keeper, actor)` moves the duplicate's messages (with their
attachments) and participants to the keeper, adds its contract numbers and tags there, and
closes the duplicate with a link to the keeper. Both tickets get an audit event in the same
transaction: `merged_into` on the duplicate, `merged` on the keeper, each naming the other.
A customer's answer to any moved message threads to the keeper, because threading follows
the message's ticket.

The caller (pages and API) has already checked that the user may see both queues and that
the request carried the CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from postkamer import lifecycle
from postkamer.web.access import Principal
from postkamer.web.actions import ActionError, sync_jobs
from storage.models import Event, Message, Participant, Ticket, utcnow
from storage.tickets import MERGED_INTO, merged_into

MERGED = "merged"  # event on the keeper


@dataclass(frozen=True, slots=True)
class MergeResult:
    messages: int
    participants: list[str]  # addresses that became participants of the keeper


def merge(session: Session, duplicate: Ticket, keeper: Ticket, actor: Principal) -> MergeResult:
    if duplicate.id == keeper.id:
        raise ActionError("error.merge_self")
    if merged_into(session, duplicate) is not None:
        raise ActionError("error.already_merged")
    if keeper.status == lifecycle.CLOSED:
        raise ActionError("error.merge_into_closed")
    assert keeper.id is not None
    now = utcnow()

    messages = list(session.exec(select(Message).where(Message.ticket_id == duplicate.id)))
    for m in messages:
        m.ticket_id = keeper.id
        session.add(m)

    known = {
        p.email for p in session.exec(select(Participant).where(Participant.ticket_id == keeper.id))
    }
    added: list[str] = []
    for p in session.exec(select(Participant).where(Participant.ticket_id == duplicate.id)):
        if p.email in known:
            session.delete(p)
            continue
        known.add(p.email)
        added.append(p.email)
        p.ticket_id = keeper.id
        p.role = "cc"  # the keeper has its own requester
        session.add(p)

    keeper.contract_numbers = _union(keeper.contract_numbers, duplicate.contract_numbers)
    keeper.tags = _union(keeper.tags, duplicate.tags)
    keeper.updated_at = now
    session.add(keeper)

    if duplicate.status != lifecycle.CLOSED:
        change = lifecycle.transition(
            duplicate.status, lifecycle.CLOSED, actor=actor.email, reason="merged"
        )
        duplicate.status = change.state
        for e in change.events:
            session.add(e.row(duplicate.id, now))
    duplicate.linked_ticket_id = keeper.id
    duplicate.updated_at = now
    session.add(duplicate)

    details = {"messages": len(messages), "participants": added}
    session.add(
        Event(
            ticket_id=duplicate.id,
            kind=MERGED_INTO,
            actor=actor.email,
            at=now,
            data={"target": keeper.ref, **details},
        )
    )
    session.add(
        Event(
            ticket_id=keeper.id,
            kind=MERGED,
            actor=actor.email,
            at=now,
            data={"source": duplicate.ref, **details},
        )
    )
    sync_jobs(session, duplicate)  # closed: no reminder or automatic close any more
    return MergeResult(len(messages), added)


def _union(first: list[str] | None, second: list[str] | None) -> list[str]:
    out = list(first or [])
    out.extend(x for x in (second or []) if x not in out)
    return out
