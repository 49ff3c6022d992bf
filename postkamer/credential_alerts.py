"""Alerts about mailbox and SMTP credentials, before intake or delivery stops.

The OAuth2 providers (`intake.sources.oauth`) know in memory whether a credential works, and
when its client secret ends; `postkamer.service.CredentialWatch` notices when one turns
`expiring` (within `oauth.warn_days` of its end) or `failing`. This module makes that visible
outside the process: an audit event (`credential_expiring` / `credential_failing`, no ticket)
that the web app lists among the overview's alerts for supervisors, and a plain-text mail to
the active supervisors and admins through the outbox. The same alert is raised at most once a
day per credential, also across restarts (the event is the memory).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from intake.sources.oauth import CredentialHealth
from outbound.compose import LOOP_HEADER, new_message_id
from outbound.outbox import queue_reply
from outbound.replies import ReplyConfig
from storage.db import session_scope
from storage.models import Event, User

log = logging.getLogger(__name__)

KINDS = {"expiring": "credential_expiring", "failing": "credential_failing"}
REPEAT_AFTER = timedelta(days=1)


def staff_mail(
    replies: ReplyConfig, to: Sequence[str], subject: str, text: str, now: datetime
) -> EmailMessage:
    """A notification to desk staff: automatic, loop-safe, plain text."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = replies.from_addr
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = new_message_id(replies.domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg[LOOP_HEADER] = replies.domain
    msg.set_content(text, charset="utf-8")
    return msg


def supervisors(session: Session) -> list[str]:
    users = session.exec(select(User).where(col(User.active).is_(True))).all()
    return sorted({u.email for u in users if u.role in ("supervisor", "admin")})


def describe(name: str, health: CredentialHealth) -> tuple[str, str]:
    """Subject and text of the alert mail."""
    what = "SMTP delivery" if name == "smtp" else f"mailbox {name}"
    if health.state == "expiring":
        ends = health.credential_expires_at
        when = f"{ends:%Y-%m-%d %H:%M} UTC" if ends is not None else "soon"
        return (
            f"Credential of {what} expires {when}",
            f"The OAuth2 credential of {what} expires {when}.\n"
            f"Renew it (a new client secret or token) before then, or "
            f"{'intake' if name != 'smtp' else 'delivery'} stops.\n",
        )
    return (
        f"Credential of {what} fails",
        f"Logging in with the OAuth2 credential of {what} fails "
        f"({health.consecutive_failures} time(s) in a row).\n"
        f"Last error: {health.last_error or 'unknown'}\n",
    )


@dataclass
class CredentialAlerts:
    """Where the watch's alerts go: the database of `engine`, mail through its outbox."""

    engine: Engine
    replies: ReplyConfig

    def raise_alert(self, name: str, health: CredentialHealth, now: datetime) -> bool:
        """Record and mail the alert for `health` (expiring or failing); False when the same
        alert was raised in the last day."""
        kind = KINDS.get(health.state)
        if kind is None:
            return False
        with session_scope(self.engine) as session:
            recent = session.exec(
                select(Event).where(col(Event.kind) == kind, col(Event.at) > now - REPEAT_AFTER)
            ).all()
            if any((e.data or {}).get("credential") == name for e in recent):
                return False
            subject, text = describe(name, health)
            to = supervisors(session)
            expires = health.credential_expires_at
            session.add(
                Event(
                    ticket_id=None,
                    kind=kind,
                    actor="system",
                    at=now,
                    data={
                        "credential": name,
                        "expires_at": expires.isoformat() if expires else None,
                        "error": (health.last_error or "")[:300],
                        "audience": "supervisor",
                        "recipients": to,
                        "reason": subject,
                    },
                )
            )
            if to:
                queue_reply(
                    session,
                    staff_mail(self.replies, to, subject, text, now),
                    ticket_id=None,
                    envelope_sender=self.replies.envelope_sender,
                    now=now,
                    template=f"internal/{kind}",
                    record_message=False,
                )
            else:
                log.warning("credential alert %s for %s: no active supervisor to mail", kind, name)
        return True
