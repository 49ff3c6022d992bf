"""What the web app needs from outside: the database, the blob store, the queues, and a few
knobs. `postkamer web` builds it from Settings; tests build it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from outbound.replies import ReplyConfig
from postkamer import lifecycle
from storage.blobs import BlobStore
from storage.users import RateLimit

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
    rate_limit: RateLimit = field(default_factory=RateLimit)
    replies: ReplyConfig = field(default_factory=ReplyConfig)  # sender, domain, Reply-To
    page_size: int = PAGE_SIZE
