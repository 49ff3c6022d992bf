"""Queue the reply a routing decision asks for: limits, render, compose, outbox, in one call.

`postkamer.processing` calls `queue_decision_reply` inside the transaction that writes the
ticket and the message, so the reply exists exactly when the ticket change does. Supervisor
actions (reminders, closure, termination notices) call `queue_template_reply` directly. A
templated reply repeats only what `outbound.echo` lets through of the sender's display name
and subject, so it cannot carry someone's message (a link, an address, a sentence) to whoever
the From named. Next stop: `outbound.sender.deliver_due` delivers the row.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from sqlmodel import Session

from outbound.compose import Recipient, compose_raw_reply, parse_from
from outbound.echo import echo_subject, greeting_name
from outbound.limits import LoopLimits, block_reason, count_recent, is_alert, record_loop_limit
from outbound.outbox import insert_reply
from outbound.templates import PolicyParams, ReplyContext, TemplateSet
from postkamer.settings import Settings
from routing.model import RoutingDecision
from storage.models import Event, Message, OutboxRow

DEFAULT_PORTAL_URL = "https://contracts.example.com/"

#: templates that must never carry anything about a contract
UNVERIFIED_TEMPLATE = "cancellation/sender_unverified"
GENERIC_TEMPLATES = frozenset({UNVERIFIED_TEMPLATE})
CANCELLATION_PREFIX = "cancellation/"


@dataclass(frozen=True, slots=True)
class ReplyConfig:
    """Who replies, from where, and within which limits (from `Settings`)."""

    from_addr: str = "Contract Support <support@contracts.example.com>"
    envelope_sender: str = "support@contracts.example.com"
    domain: str = "contracts.example.com"
    reply_to: str | None = None
    own_addresses: frozenset[str] = frozenset()
    limits: LoopLimits = field(default_factory=LoopLimits)
    desk_name: str = "Contract Support"
    portal_url: str = DEFAULT_PORTAL_URL
    policy: PolicyParams = field(default_factory=PolicyParams)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        policy: PolicyParams | None = None,
        portal_url: str | None = None,
    ) -> ReplyConfig:
        smtp = settings.smtp
        from_addr = smtp.from_ if smtp is not None else settings.outbound.from_
        domain = smtp.message_id_domain if smtp is not None else settings.outbound.message_id_domain
        sender = parse_from(from_addr)
        envelope = (smtp.envelope_sender if smtp is not None else None) or sender.email
        own = {sender.email.lower(), envelope.lower()}
        own.update(m.username.lower() for m in settings.mailboxes if "@" in m.username)
        return cls(
            from_addr=from_addr,
            envelope_sender=envelope,
            domain=domain,
            own_addresses=frozenset(own),
            limits=LoopLimits(
                per_sender_daily=settings.outbound.per_sender_daily_limit,
                global_hourly=settings.outbound.global_hourly_limit,
            ),
            desk_name=sender.name or "Contract Support",
            portal_url=portal_url or DEFAULT_PORTAL_URL,
            policy=policy or PolicyParams(),
        )


@dataclass(frozen=True, slots=True)
class QueuedReply:
    """The outbox row written, or why none was (`blocked`). With `load_row=False` only the
    row's id is given (`outbox_id`), `row` is None."""

    row: OutboxRow | None
    blocked: str | None = None
    outbox_id: int | None = None


class InboundFacts(Protocol):
    """What threads a reply to the customer's mail: a `Message`, or any mail with these."""

    @property
    def subject(self) -> str: ...
    @property
    def message_id(self) -> str | None: ...
    @property
    def references(self) -> list[str]: ...


class TicketFacts(Protocol):
    """What a reply needs of its ticket: a `Ticket`, or `postkamer.processing`'s `NewTicket`."""

    @property
    def id(self) -> int | None: ...
    @property
    def ref(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def requester_email(self) -> str: ...
    @property
    def requester_name(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def flags(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Facts:
    """What a reply may state about the contract (nothing, for unverified senders)."""

    contract_number: str | None = None
    effective_date: date | None = None
    earliest_notice_date: date | None = None
    waiting_for: str | None = None
    close_after_days: int | None = None
    closed_reason: str | None = None
    confirmation_code: str | None = None  # a confirmation request's one-time code
    confirm_by: date | None = None  # its last valid day

    @property
    def secret(self) -> str | None:
        """What the ticket's history must not show of this reply."""
        return self.confirmation_code


CODE_MASK = "****-****"  # the one-time code as the ticket's history shows it


def queue_template_reply(
    session: Session,
    templates: TemplateSet,
    config: ReplyConfig,
    *,
    ticket: TicketFacts,
    template: str,
    now: datetime,
    language: str | None = None,
    inbound: Message | InboundFacts | None = None,
    facts: Facts = Facts(),
    disposition: str = "ticket",
    automatic: bool = True,
    cc: Sequence[Recipient] = (),
    extra_own_addresses: Collection[str] = (),
    load_row: bool = True,
    to: Recipient | None = None,
) -> QueuedReply:
    """Render `template` for `ticket` and queue it, unless loop protection says no.

    `inbound` is the customer's mail being answered (its subject and Message-ID thread the
    reply). The greeting and the To name are the requester's display name only when it is a
    name (`outbound.echo.greeting_name`), else the template's neutral greeting; the subject
    repeats `outbound.echo.echo_subject` of theirs. A blocked automatic reply writes a
    `reply_suppressed` event on the ticket, and a tripped rate limit also a `loop_limit`
    event for the supervisors; nothing is queued. `to` replaces the requester as the one
    recipient (a confirmation request goes to the contract's registered contact). A one-time
    code in `facts` is sent but the ticket's history records the reply with the code masked.
    """
    name = greeting_name(ticket.requester_name)
    recipient = to or Recipient(email=ticket.requester_email, name=name)
    if automatic:
        reason = block_reason(
            disposition=disposition,
            recipient=recipient.email,
            counts=count_recent(session, recipient.email, now),
            limits=config.limits,
            own_addresses=config.own_addresses | set(extra_own_addresses),
        )
        if reason is not None:
            session.add(
                Event(
                    ticket_id=ticket.id,
                    kind="reply_suppressed",
                    at=now,
                    data={"reason": reason, "template": template},
                )
            )
            if is_alert(reason):
                record_loop_limit(
                    session,
                    ticket_id=ticket.id,
                    reason=reason,
                    recipient=recipient.email,
                    now=now,
                )
            return QueuedReply(None, reason)
    unverified = "sender_unverified" in (ticket.flags or [])
    if unverified and template.startswith(CANCELLATION_PREFIX):
        # a ticket whose sender did not prove to be a participant of the ticket it named: an
        # outcome about a contract (an acceptance with its date, ...) is not told to them
        template = UNVERIFIED_TEMPLATE
    if template in GENERIC_TEMPLATES or unverified:
        facts = replace(
            Facts(),
            waiting_for=facts.waiting_for,
            confirmation_code=facts.confirmation_code,
            confirm_by=facts.confirm_by,
        )
    context = ReplyContext(
        ticket_ref=ticket.ref,
        requester_name=name,
        desk_name=config.desk_name,
        portal_url=config.portal_url,
        contract_number=facts.contract_number,
        effective_date=facts.effective_date,
        earliest_notice_date=facts.earliest_notice_date,
        waiting_for=facts.waiting_for,
        close_after_days=facts.close_after_days,
        closed_reason=facts.closed_reason,
        confirmation_code=facts.confirmation_code,
        confirm_by=facts.confirm_by,
        automatic=automatic,
        policy=config.policy,
    )
    rendered = templates.render(template, language or ticket.language, context)
    message = compose_raw_reply(
        rendered,
        from_addr=config.from_addr,
        reply_to=config.reply_to,
        to=[recipient],
        cc=cc,
        ticket_ref=ticket.ref,
        domain=config.domain,
        now=now,
        original_subject=echo_subject(inbound.subject if inbound is not None else ticket.subject),
        in_reply_to=inbound.message_id if inbound is not None else None,
        references=list(inbound.references) if inbound is not None else [],
        automatic=automatic,
    )
    secret = facts.secret
    recorded = replace(message, text=message.text.replace(secret, CODE_MASK)) if secret else message
    row_id = insert_reply(
        session,
        recorded,
        ticket_id=ticket.id,
        envelope_sender=config.envelope_sender,
        now=now,
        template=template,
        automatic=automatic,
    )
    row = session.get(OutboxRow, row_id) if load_row else None
    return QueuedReply(row, outbox_id=row_id)


def queue_decision_reply(
    session: Session,
    templates: TemplateSet,
    config: ReplyConfig,
    *,
    ticket: TicketFacts,
    inbound: Message | InboundFacts,
    decision: RoutingDecision,
    now: datetime,
    display_number: Callable[[str], str] = str,
    load_row: bool = True,
) -> QueuedReply:
    """The automatic reply a routing decision names (`decision.reply_template`), if any.

    `display_number` turns a normalized contract number into the form the customer knows
    (the registry's spelling, e.g. `ML8820` -> `ML-8820`)."""
    if not decision.reply_template:
        return QueuedReply(None, "no_template")
    policy = decision.policy
    number = (policy.contract_number if policy else None) or (
        decision.contract_numbers[0] if decision.contract_numbers else None
    )
    facts = Facts(
        contract_number=display_number(number) if number else None,
        effective_date=policy.effective_date if policy else None,
        earliest_notice_date=policy.earliest_notice_date if policy else None,
        waiting_for=_waiting_for(policy.outcome if policy else None),
    )
    return queue_template_reply(
        session,
        templates,
        config,
        ticket=ticket,
        template=decision.reply_template,
        now=now,
        language=decision.language,
        inbound=inbound,
        facts=facts,
        disposition=decision.disposition,
        automatic=True,
        load_row=load_row,
    )


def _waiting_for(outcome: str | None) -> str | None:
    return {
        "needs_destruction_confirmation": "destruction_confirmation",
        "needs_contract_number": "contract_number",
        "unknown_contract": "contract_check",
        "awaiting_sender_confirmation": "sender_confirmation",
    }.get(outcome or "")
