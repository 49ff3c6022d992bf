"""`postkamer run [--once]`: serve the configured IMAP mailboxes (`[[mailboxes]]` in the
settings). With `--once`, fetch and process what is waiting and exit; without it, keep
serving (IDLE or polling) until SIGTERM/SIGINT, which lets the current batch finish.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from intake.sources.base import SourceUnavailable
from outbound.transport import transport_from_settings
from postkamer.clock import SystemClock
from postkamer.jobs import JobRuntime
from postkamer.scheduler import Scheduler
from postkamer.service import (
    Processor,
    deliver_outbox,
    load_processor,
    open_engine,
    retry_quarantined,
    run_forever,
    run_once,
)
from postkamer.settings import Settings
from postkamer.sla import QueueSla
from storage.blobs import BlobStore

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="fetch and process mail from the configured mailboxes",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--once", action="store_true", help="process what is waiting, then exit")
    parser.add_argument("--json", action="store_true", help="with --once: summary as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    settings = settings_loader()
    if not settings.mailboxes:
        print("postkamer run: no [[mailboxes]] in the settings", file=sys.stderr)
        return 2
    processor = load_processor(settings)
    if args.once:
        engine = open_engine(settings)
        try:
            try:
                summary = run_once(settings, processor, engine=engine)
            except SourceUnavailable as exc:
                print(f"postkamer run: {exc}", file=sys.stderr)
                return 1
            delivery = deliver_outbox(settings, engine)
        finally:
            engine.dispose()
        if args.json:
            out = summary.to_json()
            out.update(
                replies_sent=delivery.sent,
                replies_deferred=delivery.deferred,
                replies_failed=delivery.failed,
                replies_unknown=delivery.unknown,
            )
            print(json.dumps(out))
        else:
            print(
                f"{summary.read} read: {summary.stored} stored, {summary.duplicates} "
                f"duplicates, {summary.quarantined} quarantined; replies: {delivery.sent} sent, "
                f"{delivery.deferred} deferred, {delivery.failed} failed"
            )
        return 0
    engine = open_engine(settings)
    serve_metrics(settings)
    scheduler = start_scheduler(settings, engine, processor)
    try:
        run_forever(settings, processor, threading.Event(), engine=engine)
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        engine.dispose()
    return 0


def serve_metrics(settings: Settings) -> None:
    """The process's counters over HTTP for Prometheus, when `[metrics] listen` is set."""
    address = settings.metrics.address()
    if address is None:
        return
    from prometheus_client import start_http_server

    from postkamer.metrics import default_metrics

    start_http_server(address[1], addr=address[0], registry=default_metrics().registry)
    log.info("metrics on http://%s:%d/metrics", *address)


def start_scheduler(settings: Settings, engine: Engine, processor: Processor) -> Scheduler | None:
    """The scheduled work of `[scheduler]` (reminders, automatic close, terminations on their
    effective date, SLA checks, digests, quarantine retries): one leader across processes."""
    if not settings.scheduler.enabled:
        return None
    context = getattr(processor, "context", None)
    if context is None:  # only the full processor has templates and reply settings
        return None
    blobs = BlobStore(settings.storage.blobs)

    def reprocess(ledger_id: int) -> object:
        return retry_quarantined(engine, blobs, processor, [ledger_id])

    runtime = JobRuntime(
        engine=engine,
        clock=SystemClock(),
        templates=context.templates,
        replies=context.replies,
        sla=settings.sla.with_queue_targets(
            {
                q.name: QueueSla(
                    first_response_hours=q.first_response_sla_hours,
                    resolution_hours=q.resolution_sla_hours,
                )
                for q in context.routing.queues
            }
        ),
        lifecycle=settings.lifecycle,
        transport_factory=lambda: transport_from_settings(settings),
        reprocess=reprocess,
    )
    scheduler = Scheduler(engine, runtime, settings.scheduler)
    scheduler.start()
    return scheduler
