"""Database tables. Raw bytes never live here: they are in the blob store, keyed by sha256.

Written by `postkamer.service` (one transaction per batch), read by the CLI and the web app.
Schema changes go through Alembic migrations in `storage/migrations`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    Index,
    LargeBinary,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class MailboxState(SQLModel, table=True):
    """Checkpoint of one mailbox folder: up to which UID everything is committed."""

    __tablename__ = "mailbox_state"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    folder: str = "INBOX"
    uidvalidity: int | None = Field(default=None, sa_type=BigInteger)  # IMAP: 32-bit unsigned
    last_uid: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow)


class LedgerEntry(SQLModel, table=True):
    """One raw mail as received. The unique keys make a re-delivery a no-op."""

    __tablename__ = "ledger"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_ledger_mailbox_uid"),
        UniqueConstraint("sha256", name="uq_ledger_sha256"),
    )
    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(index=True)  # mailbox name, or "files"
    uidvalidity: int | None = Field(default=None, sa_type=BigInteger)  # IMAP: 32-bit unsigned
    uid: int | None = Field(default=None, sa_type=BigInteger)
    source_ref: str = ""  # path or FOLDER/UID, for people
    sha256: str
    size: int
    internaldate: datetime | None = None
    state: str = Field(default="stored", index=True)  # stored | processed | quarantined
    reason: str | None = Field(default=None, sa_column=Column(Text))  # quarantine reason
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True)  # e.g. PK-7F3K9Q, not guessable
    queue: str = Field(index=True)
    status: str = Field(default="new", index=True)
    priority: str = "normal"
    subject: str = ""
    requester_email: str = Field(default="", index=True)
    requester_name: str = ""
    language: str = "nl"
    contract_numbers: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    policy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    linked_ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    assignee: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class Participant(SQLModel, table=True):
    """People who may write on a ticket: the requester and anyone already in the thread."""

    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("ticket_id", "email", name="uq_participant"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    email: str = Field(index=True)
    role: str = "cc"  # requester | cc


class Message(SQLModel, table=True):
    """A mail in or out, with what was understood and decided about it."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_msgid", "message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    ledger_id: int | None = Field(default=None, foreign_key="ledger.id", unique=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    direction: str = "in"  # in | out
    message_id: str | None = None
    in_reply_to: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    references: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    subject: str = Field(default="", sa_column=Column(Text))
    from_name: str = ""
    from_email: str = Field(default="", index=True)
    to: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    cc: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    date: datetime | None = None
    received: datetime | None = Field(default=None, index=True)
    disposition: str = Field(default="ticket", index=True)
    # DOMAIN.md 4a: True when this incoming mail's facts count toward its ticket (a `ticket` or
    # `followup` from a participant); False for mail only linked to it for the record
    # (auto-replies, delivery reports, bulk mail, anyone not a participant) and for our own
    counts: bool = False
    language: str | None = None
    text: str = Field(default="", sa_column=Column(Text))
    new_text: str = Field(default="", sa_column=Column(Text))
    html: str | None = Field(default=None, sa_column=Column(Text))  # as received, unsafe
    # the HTML body sanitized once at intake (`intake.safehtml`): what the ticket page shows;
    # `html_withheld` says why there is none for a body that has HTML (too deep, too large)
    safe_html: str | None = Field(default=None, sa_column=Column(Text))
    html_blocked: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    html_withheld: str | None = None
    extraction: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    decision: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    defects: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)


class AttachmentRow(SQLModel, table=True):
    __tablename__ = "attachment"
    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="message.id", index=True)
    filename: str = ""
    content_type: str = ""
    sniffed_type: str = ""
    size: int = 0
    sha256: str = ""  # blob key; empty when the part was over the limit and not stored
    text: str | None = Field(default=None, sa_column=Column(Text))
    text_error: str | None = None
    inline: bool = False


class Event(SQLModel, table=True):
    """Audit trail: everything that happens to a ticket, with who and when."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_kind_at", "kind", "at"),)  # SLA ticks, reconcile
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    kind: str  # created | followup | routed | reply_queued | reply_sent | status | note | ...
    actor: str = "system"
    at: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class OutboxRow(SQLModel, table=True):
    """A reply waiting to be delivered. Its Message-ID is fixed when the row is written."""

    __tablename__ = "outbox"
    __table_args__ = (  # loop limits (outbound.limits.count_recent): per address, and overall
        Index("ix_outbox_to_address_created_at", "to_address", "created_at"),
        Index("ix_outbox_created_at", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    message_id: str = Field(unique=True)
    sender: str = ""  # envelope sender
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    template: str | None = None
    automatic: bool = True
    raw: bytes = Field(sa_column=Column(LargeBinary))  # the rendered message, composed once
    state: str = Field(default="queued", index=True)  # queued | sending | sent | failed | unknown
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    # added for outbound delivery (outbound.outbox): loop-limit counting and claim bookkeeping
    to_address: str = Field(default="", index=True)  # first recipient, lower case
    claim_token: str | None = None  # which deliver_due run holds the row while `sending`
    claimed_at: datetime | None = None
    uncertain: int = 0  # outcomes unknown so far (lost after DATA); one retry at most


class SenderConfirmation(SQLModel, table=True):
    """A confirmation request sent to a contract's registered contact (DOMAIN.md 4a): the
    cancellation its ticket would accept waits until the contact's reply, threaded to
    `request_message_id` and carrying the one-time code, arrives. Only an argon2 hash of the
    code is kept. `state`: open | confirmed | spent (too many wrong codes) | superseded."""

    __tablename__ = "sender_confirmation"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    contact: str  # the registered contact address the request went to, lower case
    contract_number: str = ""  # normalized
    request_message_id: str = Field(index=True, unique=True)  # Message-ID of our request
    code_hash: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    state: str = Field(default="open", index=True)
    attempts: int = 0  # replies with a wrong code
    confirmed_at: datetime | None = None
    confirmed_by_message_id: str | None = None


class ContractRow(SQLModel, table=True):
    """The contract registry as imported by `postkamer contracts import`."""

    __tablename__ = "contract"
    number: str = Field(primary_key=True)  # normalized
    display_number: str
    kind: str
    scope: str
    customer: str = ""
    contacts: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    start_date: date
    language: str = "nl"
    updated_at: datetime = Field(default_factory=utcnow)


class RoutingConfigVersion(SQLModel, table=True):
    """Every routing configuration that was applied, for history and rollback."""

    __tablename__ = "routing_config_version"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    author: str = "system"
    sha256: str
    content: str = Field(sa_column=Column(Text))
    diff: str = Field(default="", sa_column=Column(Text))
    comment: str = ""


class User(SQLModel, table=True):
    """A person who uses the web app. Queue owners see only `queues`; supervisors and admins all."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True)  # lower case
    password_hash: str  # argon2id, see storage.users
    role: str = "owner"  # owner | supervisor | admin
    queues: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    language: str | None = None  # nl | fr | en; None = the browser's Accept-Language
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """A logged-in browser. Only the sha256 of the cookie's token is stored."""

    __tablename__ = "web_session"
    token_hash: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    csrf_token: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    ip: str = ""


class LoginThrottle(SQLModel, table=True):
    """Failed logins counted under one key (account and address, account, address); see
    `storage.throttle`. `email` is the account the key is about ("" for an address key)."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True)
    email: str = Field(default="", index=True)
    failures: int = 0
    last_at: datetime = Field(default_factory=utcnow)
    blocked_until: datetime | None = None  # no attempt under this key before then


class KnownLogin(SQLModel, table=True):
    """An address an account logged in from: guesses from elsewhere do not slow it down."""

    __tablename__ = "login_known"
    email: str = Field(primary_key=True)
    ip: str = Field(primary_key=True)
    last_at: datetime = Field(default_factory=utcnow)


class LoginPresession(SQLModel, table=True):
    """A login form that was handed out: its cookie's sha256 and the CSRF token the form must
    send back (`storage.users.open_presession`); used once."""

    __tablename__ = "login_presession"
    token_hash: str = Field(primary_key=True)
    csrf_token: str
    expires_at: datetime = Field(index=True)


class Presence(SQLModel, table=True):
    """Who was last seen on a ticket page, and doing what (web app presence, see
    `postkamer.web.presence`); one row per user and ticket, overwritten by each report."""

    __tablename__ = "presence"
    __table_args__ = (UniqueConstraint("ticket_id", "user_email", name="uq_presence"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    user_email: str
    activity: str = "viewing"  # viewing | replying
    seen_at: datetime = Field(default_factory=utcnow)


class JobRun(SQLModel, table=True):
    """One run of a scheduled job (`postkamer.scheduler`). The row is claimed before the job's
    body runs, unique per job and fire time, so a fire time runs once across all processes;
    a claim whose worker died unfinished is taken over. Pruned after `job_log_days`."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job_id", "run_time", name="uq_job_run"),)
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=191, index=True)  # e.g. termination:42, tick:sla
    run_time: datetime  # the fire time the scheduler ran it for
    worker: str  # `WorkerPresence.owner` of the process that claimed it
    attempts: int = 1  # more than 1: a worker died during the run and another took it over
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    outcome: str | None = None  # ok | error
    result: str | None = Field(default=None, sa_column=Column(Text))  # returned value / error


#: APScheduler 3's job store table (`SQLAlchemyJobStore`), declared here with the same columns
#: so that migrations create it and `storage.jobstore` can write jobs in a ticket's transaction.
APSCHEDULER_JOBS = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
