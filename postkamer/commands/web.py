"""`postkamer web [--host 127.0.0.1] [--port 8000]`: serve the web app with uvicorn.

The database is brought to the newest schema first; queues come from the routing config
(`routing.config`), the reply sender from `outbound.from`. Behind a TLS-terminating proxy, pass
`--proxy-headers --forwarded-allow-ips IP` so cookies are marked Secure.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any

from postkamer.settings import Settings

SettingsLoader = Callable[[], Settings]
log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "web",
        help="serve the web app",
        description="Serve the web app for queue owners and supervisors (and its JSON API).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-For/-Proto from --forwarded-allow-ips (TLS at a proxy)",
    )
    parser.add_argument("--forwarded-allow-ips", default="127.0.0.1", metavar="IPS")
    parser.set_defaults(func=run)


def build_config(settings: Settings) -> Any:
    """The WebConfig for these settings, with the database migrated to the newest schema."""
    from outbound.replies import ReplyConfig
    from postkamer.web import WebConfig
    from postkamer.web.config import DEFAULT_QUEUES
    from storage.blobs import BlobStore
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(settings.database.url)
    upgrade(engine)
    from postkamer.ticketjobs import TicketJobRules
    from postkamer.web.due import DueRules

    queues: tuple[str, ...] = DEFAULT_QUEUES
    routing_hours: dict[str, float] = {}
    try:
        from routing.config import load_routing_config

        routing = load_routing_config(settings.routing.config)
        queues = tuple(routing.queue_names)
        routing_hours = {q.name: q.first_response_sla_hours for q in routing.queues}
    except Exception as exc:  # a broken or missing config must not keep people out
        log.warning(
            "routing config %s not usable (%s); default queues", settings.routing.config, exc
        )
    return WebConfig(
        engine=engine,
        blobs=BlobStore(settings.storage.blobs),
        queues=queues,
        replies=ReplyConfig.from_settings(settings),
        routing_config=settings.routing.config,
        templates=settings.routing.templates,
        trust=settings.trust.config(),
        processor=FreshProcessor(settings),
        due=DueRules(settings.sla, routing_hours),
        metrics_token=settings.web.metrics_token,
        mailboxes=tuple(m.name for m in settings.mailboxes),
        presence_seconds=settings.web.presence_seconds,
        ticket_jobs=TicketJobRules.from_configs(settings.sla, settings.lifecycle),
    )


class FreshProcessor:
    """The processor for quarantine retries from the web app, built for each retry so that it
    uses the routing config and reply templates as they are now (after a fix)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, session: Any, mails: list[Any]) -> None:
        from postkamer.service import load_processor

        load_processor(self.settings)(session, mails)


def run(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    import uvicorn

    from postkamer.web import create_app

    app = create_app(build_config(settings_loader()))
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips if args.proxy_headers else None,
        server_header=False,
        log_config=None,
    )
    return 0
