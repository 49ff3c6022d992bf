"""The one interface every mail source implements, and the values it hands out.

A source produces a `Batch`: the raw mails (bytes untouched), the mails too large to fetch
whole (`Oversize`: only their header block), and the checkpoint to store with the batch.
`postkamer.service` stores the batch in one transaction, and only then calls `acknowledge`
(flag or move on the server). `wait_for_new` blocks until new mail may be there (IMAP IDLE,
or a plain sleep) so that a long-running service does not poll in a tight loop.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from intake.model import RawMail


class SourceUnavailable(Exception):
    """The server cannot be reached or dropped the connection; retry later with backoff."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Everything up to `last_uid` of the folder with this UIDVALIDITY is committed."""

    uidvalidity: int | None
    last_uid: int


@dataclass(frozen=True, slots=True)
class Oversize:
    """A mail over the size limit: `mail.data` holds at most its header block."""

    mail: RawMail
    size: int


@dataclass(frozen=True, slots=True)
class Batch:
    mails: Sequence[RawMail] = ()
    oversize: Sequence[Oversize] = ()
    checkpoint: Checkpoint | None = None  # store with the batch; None: the source has no UIDs
    acknowledge_uids: Sequence[int] = field(default=())  # what `acknowledge` flags or moves

    @property
    def empty(self) -> bool:
        return not self.mails and not self.oversize and not self.acknowledge_uids

    @property
    def size(self) -> int:
        return len(self.mails) + len(self.oversize)


class MailSource(Protocol):
    """A mailbox folder, a set of files: anything that yields raw mail in batches."""

    @property
    def name(self) -> str:
        """The mailbox name recorded in the ledger ("files" for local files)."""
        ...

    @property
    def folder(self) -> str: ...

    def fetch_batch(self, checkpoint: Checkpoint | None) -> Batch:
        """The next mails after `checkpoint`; an empty batch when there is nothing new."""
        ...

    def acknowledge(self, batch: Batch) -> None:
        """Called after the batch is committed: flag or move its mails on the server."""
        ...

    def wait_for_new(self, timeout: float, stop: threading.Event | None = None) -> None:
        """Block until new mail may have arrived, `timeout` passed, or `stop` is set."""
        ...

    def close(self) -> None: ...
