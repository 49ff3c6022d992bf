"""Endpoints for operators' tools, not people: `/metrics` for Prometheus and `/healthz` for load
balancers and uptime checks. Neither uses the login session.

`/metrics` is served only when `web.metrics_token` is set, and only to a request that sends it
as `Authorization: Bearer <token>` (a scraper cannot log in); otherwise 404 / 401. Each scrape
first refreshes the database gauges (`postkamer.metrics.Metrics.refresh`: outbox depth,
quarantine, active tickets, breached SLAs), then returns the Prometheus text format. Counters
that the mailbox and outbox loops bump live in the process that runs them (`postkamer run`).

`/healthz` without a token says only the overall status (`{"status": "ok"}`), 200 when ok or
degraded, 503 when failing: enough for a load balancer, nothing for someone watching whether
their mail was quarantined. With the metrics token as `Authorization: Bearer <token>` it adds
each component's ok/degraded/failing (database, outbox, each configured mailbox by name) and
the counts; never error texts, host names or addresses.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from postkamer.health import HealthReport, collect_health
from postkamer.metrics import Metrics, default_metrics
from postkamer.web.auth import config

router = APIRouter(include_in_schema=False)


def metrics_of(request: Request) -> Metrics:
    return config(request).metrics or default_metrics()


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@router.get("/metrics")
def metrics(request: Request) -> Response:
    expected = config(request).metrics_token
    if not expected:
        return PlainTextResponse("not found\n", status_code=404)
    sent = _bearer(request)
    if not sent or not secrets.compare_digest(sent.encode(), expected.encode()):
        return PlainTextResponse(
            "bearer token required\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    m = metrics_of(request)
    m.refresh(config(request).engine)
    return Response(m.exposition(), media_type=CONTENT_TYPE_LATEST)


def public_health(report: HealthReport) -> dict[str, Any]:
    """What an operator's tool with the token sees: states and counts, no error texts."""
    stuck = report.outbox.get("failed", 0) + report.outbox.get("unknown", 0)
    return {
        "status": report.status,
        "checked_at": report.checked_at.isoformat(),
        "components": {
            "database": "ok" if report.database_reachable else "failing",
            "outbox": "degraded" if stuck else "ok",
            "mailboxes": {
                m.name: "ok"
                if m.status == "ok"
                else "failing"
                if m.status == "failing"
                else "degraded"
                for m in report.mailboxes
            },
        },
        "counts": {
            "outbox": dict(sorted(report.outbox.items())),
            "quarantined": report.quarantined,
        },
    }


def _has_token(request: Request) -> bool:
    expected = config(request).metrics_token
    sent = _bearer(request)
    return bool(expected and sent and secrets.compare_digest(sent.encode(), expected.encode()))


@router.get("/healthz")
def healthz(request: Request) -> Response:
    cfg = config(request)
    report = collect_health(cfg.engine, list(cfg.mailboxes), cfg.clock())
    body = public_health(report) if _has_token(request) else {"status": report.status}
    return JSONResponse(
        body,
        status_code=503 if report.status == "failing" else 200,
        headers={"Cache-Control": "no-store"},
    )
