"""Prometheus metrics: what operators graph and alert on.

Counters are bumped where things happen (the poller calls `record_poll`, processing calls
`record_decision`, the delivery loop `record_delivery`); gauges that describe the database
(outbox depth per state, quarantined mails, active tickets per queue and status, breached
SLAs per queue, credential expiry) are set by `refresh(engine)`, which the scheduler or
the scrape hook calls. Each `Metrics` has its own registry, so tests and several instances do
not collide; `default_metrics()` is the process-wide one. The web app mounts
`metrics_asgi_app()` (this module exposes nothing over HTTP by itself).

Names: postkamer_mails_read_total{mailbox}, postkamer_mails_stored_total{mailbox},
postkamer_mails_quarantined_total{mailbox}, postkamer_decisions_total{queue,outcome},
postkamer_replies_total{result=sent|failed|unknown|deferred}, postkamer_outbox_depth{state},
postkamer_imap_lag_seconds{mailbox}, postkamer_mailbox_last_poll_timestamp_seconds{mailbox},
postkamer_quarantined_mails, postkamer_tickets{queue,status},
postkamer_sla_breached_tickets{queue}, postkamer_credential_expires_timestamp_seconds{mailbox},
postkamer_credential_ok{mailbox}.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest, make_asgi_app
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from intake.sources.oauth import CredentialHealth
from outbound.sender import DeliverySummary
from postkamer import lifecycle as lc
from storage.models import Event, LedgerEntry, OutboxRow, Ticket

OUTBOX_STATES = ("queued", "sending", "sent", "failed", "unknown")


class Metrics:
    """All of Postkamer's metrics, on one registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.mails_read = Counter(
            "postkamer_mails_read", "Mails fetched from a mailbox", ["mailbox"], registry=r
        )
        self.mails_stored = Counter(
            "postkamer_mails_stored", "New mails stored in the ledger", ["mailbox"], registry=r
        )
        self.mails_quarantined = Counter(
            "postkamer_mails_quarantined", "Mails put in quarantine", ["mailbox"], registry=r
        )
        self.decisions = Counter(
            "postkamer_decisions",
            "Routing decisions by queue and outcome (policy outcome or disposition)",
            ["queue", "outcome"],
            registry=r,
        )
        self.replies = Counter(
            "postkamer_replies", "Outbox delivery results", ["result"], registry=r
        )
        self.outbox_depth = Gauge(
            "postkamer_outbox_depth", "Outbox rows by state", ["state"], registry=r
        )
        self.imap_lag = Gauge(
            "postkamer_imap_lag_seconds",
            "Age of the newest mail fetched when it was fetched (INTERNALDATE to now)",
            ["mailbox"],
            registry=r,
        )
        self.last_poll = Gauge(
            "postkamer_mailbox_last_poll_timestamp_seconds",
            "When the mailbox was last polled successfully (Unix time)",
            ["mailbox"],
            registry=r,
        )
        self.quarantined = Gauge(
            "postkamer_quarantined_mails", "Mails waiting in quarantine", registry=r
        )
        self.tickets = Gauge(
            "postkamer_tickets",
            "Active tickets by queue and status",
            ["queue", "status"],
            registry=r,
        )
        self.sla_breached = Gauge(
            "postkamer_sla_breached_tickets",
            "Active tickets with a breached SLA clock",
            ["queue"],
            registry=r,
        )
        self.credential_expires = Gauge(
            "postkamer_credential_expires_timestamp_seconds",
            "When a mailbox credential (client secret) ends (Unix time)",
            ["mailbox"],
            registry=r,
        )
        self.credential_ok = Gauge(
            "postkamer_credential_ok",
            "1 when the mailbox credential works and is not about to expire",
            ["mailbox"],
            registry=r,
        )
        self._lock = threading.Lock()

    # --- events where they happen ----------------------------------------------------------------

    def record_poll(
        self,
        mailbox: str,
        *,
        read: int,
        stored: int,
        quarantined: int = 0,
        at: datetime | None = None,
        newest_internaldate: datetime | None = None,
    ) -> None:
        """One successful poll of `mailbox`: how many mails were read, new, quarantined."""
        self.mails_read.labels(mailbox).inc(read)
        self.mails_stored.labels(mailbox).inc(stored)
        self.mails_quarantined.labels(mailbox).inc(quarantined)
        if at is not None:
            self.last_poll.labels(mailbox).set(at.timestamp())
            if newest_internaldate is not None:
                lag = max(0.0, (at - newest_internaldate).total_seconds())
                self.imap_lag.labels(mailbox).set(lag)

    def record_decision(self, queue: str | None, outcome: str | None) -> None:
        self.decisions.labels(queue or "none", outcome or "none").inc()

    def record_delivery(self, summary: DeliverySummary) -> None:
        for result, n in (
            ("sent", summary.sent),
            ("failed", summary.failed),
            ("unknown", summary.unknown),
            ("deferred", summary.deferred),
        ):
            if n:
                self.replies.labels(result).inc(n)

    def record_credentials(self, health: Mapping[str, CredentialHealth]) -> None:
        for name, cred in health.items():
            self.credential_ok.labels(name).set(1 if cred.state == "ok" else 0)
            if cred.credential_expires_at is not None:
                self.credential_expires.labels(name).set(cred.credential_expires_at.timestamp())

    # --- gauges from the database ----------------------------------------------------------

    def refresh(self, engine: Engine) -> None:
        """Set the database gauges (outbox, quarantine, tickets, breached SLAs)."""
        with Session(engine) as session, self._lock:
            depth = dict.fromkeys(OUTBOX_STATES, 0)
            for state, n in session.exec(
                select(OutboxRow.state, func.count()).group_by(col(OutboxRow.state))
            ):
                depth[str(state)] = int(n)
            for state, n in depth.items():
                self.outbox_depth.labels(state).set(n)

            quarantined = session.exec(
                select(func.count()).where(col(LedgerEntry.state) == "quarantined")
            ).one()
            self.quarantined.set(int(quarantined))

            self.tickets.clear()
            active = tuple(lc.ACTIVE_STATES)
            for queue, status, n in session.exec(
                select(Ticket.queue, Ticket.status, func.count())
                .where(col(Ticket.status).in_(active))
                .group_by(col(Ticket.queue), col(Ticket.status))
            ):
                self.tickets.labels(str(queue), str(status)).set(int(n))

            self.sla_breached.clear()
            breached = (
                select(Ticket.queue, func.count(func.distinct(Ticket.id)))
                .join(Event, col(Event.ticket_id) == col(Ticket.id))
                .where(col(Event.kind) == "sla_breach", col(Ticket.status).in_(active))
                .group_by(col(Ticket.queue))
            )
            for queue, n in session.exec(breached):
                self.sla_breached.labels(str(queue)).set(int(n))

    def exposition(self) -> bytes:
        """The text format a Prometheus scrape gets."""
        return generate_latest(self.registry)


_default: Metrics | None = None
_default_lock = threading.Lock()


def default_metrics() -> Metrics:
    """The process-wide metrics (created on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Metrics()
        return _default


def metrics_asgi_app(metrics: Metrics | None = None) -> Any:
    """An ASGI app serving the metrics; the web app mounts it (e.g. at /metrics)."""
    return make_asgi_app(registry=(metrics or default_metrics()).registry)
