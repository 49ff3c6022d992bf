"""What the web app needs from outside: the database, the blob store, the queues, and a few
knobs. `postkamer web` builds it from Settings; tests build it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from intake.proof import NO_TRUST, TrustConfig
from outbound.replies import ReplyConfig
from postkamer import lifecycle
from postkamer.clock import SystemClock
from postkamer.ticketjobs import TicketJobRules
from postkamer.web.due import DueRules
from storage.blobs import BlobStore
from storage.throttle import LoginLimits

if TYPE_CHECKING:
    from postkamer.metrics import Metrics
    from postkamer.service import Processor

DEFAULT_QUEUES = ("hardware", "software", "copy-request", "cancellation", "general")
STATUSES = lifecycle.STATES  # new, open, waiting_on_customer, resolved, closed
PRIORITIES = ("urgent", "high", "normal", "low")
LANGUAGES = ("nl", "fr", "en")
PAGE_SIZE = 25


@dataclass(frozen=True)
class WebConfig:
    engine: Engine
    blobs: BlobStore
    queues: tuple[str, ...] = DEFAULT_QUEUES
    # None: Secure cookies when the request came over https (uvicorn --proxy-headers honours
    # X-Forwarded-Proto from a trusted proxy); True/False force it.
    secure_cookies: bool | None = None
    login_limits: LoginLimits = field(default_factory=LoginLimits)  # storage.throttle
    replies: ReplyConfig = field(default_factory=ReplyConfig)  # sender, domain, Reply-To
    page_size: int = PAGE_SIZE
    # supervisor pages: the routing file they edit (None: the page says it is not set up),
    # the reply template folder whose names a config may use, how many processed mails a
    # replay re-decides, and the processor that retries quarantined mail (None: no retry)
    routing_config: Path | None = None
    templates: Path | None = None
    replay_limit: int = 500
    trust: TrustConfig = NO_TRUST  # [trust]: whose Authentication-Results a replay believes
    processor: Processor | None = None
    # first-response due times ([sla] settings + the routing config's per-queue targets)
    due: DueRules = field(default_factory=DueRules)
    clock: Callable[[], datetime] = field(default_factory=SystemClock)
    # /metrics: None serves nothing; a token requires `Authorization: Bearer <token>`
    metrics_token: str | None = None
    metrics: Metrics | None = None  # None: the process-wide default_metrics()
    # /healthz: the mailboxes whose polling it reports (names from the settings)
    mailboxes: tuple[str, ...] = ()
    presence_seconds: int = 30  # who counts as "also on this ticket"
    presence_poll_ms: int = 10_000  # how often the ticket page reports and asks
    # where a ticket's reminder, automatic close and termination fall ([sla] + [lifecycle])
    ticket_jobs: TicketJobRules = field(default_factory=TicketJobRules.default)
