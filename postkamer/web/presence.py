"""Who else is on a ticket right now, and what was added to it since a form was opened.

Presence: opening a ticket page records "viewing"; the page then reports every ~10 seconds
(`POST /api/tickets/{ref}/presence`), "replying" while its reply form is in use. The rows live
in the `presence` table, so several web processes behind a load balancer see each other;
only the last report per user and ticket is kept and rows older than an hour are removed.

Conflicts: the reply form carries the id of the newest message it showed (`seen`); before a
reply is queued, `changes_since` lists the messages added after it (a customer's mail, another
person's reply), and the page refuses to send until the user has seen them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from storage.models import Message, Presence

Activity = Literal["viewing", "replying"]
ACTIVITIES: tuple[str, ...] = ("viewing", "replying")
KEEP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Seen:
    email: str
    activity: str
    seconds_ago: int


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def touch(session: Session, ticket_id: int, email: str, activity: str, now: datetime) -> None:
    """Record that `email` is on the ticket now, doing `activity`."""
    if activity not in ACTIVITIES:
        activity = "viewing"
    session.execute(
        delete(Presence).where(
            col(Presence.ticket_id) == ticket_id, col(Presence.seen_at) < now - KEEP
        )
    )
    for _attempt in range(2):
        row = session.exec(
            select(Presence).where(Presence.ticket_id == ticket_id, Presence.user_email == email)
        ).first()
        if row is not None:
            row.activity, row.seen_at = activity, now
            session.add(row)
            session.flush()
            return
        try:
            with session.begin_nested():  # another tab of the same user may insert first
                session.add(
                    Presence(ticket_id=ticket_id, user_email=email, activity=activity, seen_at=now)
                )
            return
        except IntegrityError:
            continue


def others(
    session: Session, ticket_id: int, email: str, now: datetime, window_seconds: int
) -> list[Seen]:
    """The other people seen on the ticket in the last `window_seconds`, replying ones first."""
    since = now - timedelta(seconds=window_seconds)
    rows = session.exec(
        select(Presence).where(
            Presence.ticket_id == ticket_id,
            Presence.user_email != email,
            col(Presence.seen_at) >= since,
        )
    ).all()
    found = [
        Seen(r.user_email, r.activity, max(0, int((now - _aware(r.seen_at)).total_seconds())))
        for r in rows
    ]
    return sorted(found, key=lambda s: (s.activity != "replying", s.email))


def latest_message_id(session: Session, ticket_id: int) -> int:
    """The id of the ticket's newest message (0: none): what a reply form has seen."""
    found = session.exec(
        select(func.max(Message.id)).where(col(Message.ticket_id) == ticket_id)
    ).one()
    return int(found or 0)


def changes_since(session: Session, ticket_id: int, seen: int) -> list[Message]:
    """Messages added to the ticket after message `seen` (in or out), oldest first."""
    return list(
        session.exec(
            select(Message)
            .where(Message.ticket_id == ticket_id, col(Message.id) > seen)
            .order_by(col(Message.id))
        )
    )
