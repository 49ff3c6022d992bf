"""Ticket lifecycle rules: states, allowed transitions, reopening, withdrawal and assignment.

Pure: every function takes the ticket's current values and returns the new ones plus the
audit events to record (`EventData`: kind, actor, data with `from`/`to`); the caller writes
them in its transaction (`EventData.row`). States:

    new -> open -> waiting_on_customer -> resolved -> closed

A customer follow-up reopens a `waiting_on_customer` or `resolved` ticket; a `closed` one is
reopened only within a configured window, after that the mail becomes a new ticket linked to
the old one. Assignment: claim, assign, and a pure chooser for round-robin / least-loaded per
queue. Used by `postkamer.processing` (follow-ups, policy outcomes), the web actions and the
scheduled jobs in `postkamer.scheduler` (reminders, automatic close, termination).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from storage.models import Event

NEW = "new"
OPEN = "open"
WAITING = "waiting_on_customer"
RESOLVED = "resolved"
CLOSED = "closed"
STATES: tuple[str, ...] = (NEW, OPEN, WAITING, RESOLVED, CLOSED)
ACTIVE_STATES: frozenset[str] = frozenset({NEW, OPEN, WAITING})

#: Where a ticket may go from each state. `closed -> open` only happens through a reopen.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    NEW: frozenset({OPEN, WAITING, RESOLVED, CLOSED}),
    OPEN: frozenset({WAITING, RESOLVED, CLOSED}),
    WAITING: frozenset({OPEN, RESOLVED, CLOSED}),
    RESOLVED: frozenset({OPEN, CLOSED}),
    CLOSED: frozenset({OPEN}),
}

#: The state a cancellation's policy outcome puts the ticket in (None: leave it as it is).
POLICY_STATES: Mapping[str, str] = {
    "pa_no_cancellation_needed": RESOLVED,
    "needs_destruction_confirmation": WAITING,
    "needs_contract_number": WAITING,
    "unknown_contract": WAITING,
    "accepted": RESOLVED,
    "not_yet_eligible": RESOLVED,
    "awaiting_sender_confirmation": WAITING,
    "manual_review": OPEN,
    "sender_unverified": OPEN,
}

AssignmentStrategy = Literal["manual", "round_robin", "least_loaded"]


class TransitionError(ValueError):
    """A state change the lifecycle does not allow."""


class LifecycleConfig(BaseModel):
    """Settings section `[lifecycle]`: periods of the waiting and reopen rules, assignment."""

    model_config = ConfigDict(extra="forbid")

    reopen_window_days: int = Field(default=30, ge=0)
    reminder_business_days: int = Field(default=5, gt=0)
    close_after_business_days: int = Field(default=10, gt=0)
    assignment: dict[str, AssignmentStrategy] = {}  # queue -> strategy; absent: manual

    @model_validator(mode="after")
    def _close_after_reminder(self) -> LifecycleConfig:
        if self.close_after_business_days <= self.reminder_business_days:
            raise ValueError("close_after_business_days must be later than reminder_business_days")
        return self

    @property
    def reopen_window(self) -> timedelta:
        return timedelta(days=self.reopen_window_days)


class SchedulerConfig(BaseModel):
    """Settings section `[scheduler]`: how often the ticks run, when the digest goes out."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    sla_check_minutes: int = Field(default=5, gt=0)
    outbox_seconds: int = Field(default=30, gt=0)
    quarantine_minutes: int = Field(default=10, gt=0)
    reconcile_minutes: int = Field(default=15, gt=0)
    digest_time: time = time(7, 45)
    leader_retry_seconds: int = Field(default=15, gt=0)
    threads: int = Field(default=4, gt=0)
    job_log_days: int = Field(default=14, gt=0)  # how long the run of each job is kept


@dataclass(frozen=True, slots=True)
class EventData:
    """One audit-trail entry to record: what happened, who did it, the details."""

    kind: str
    actor: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def row(self, ticket_id: int | None, at: datetime) -> Event:
        return Event(
            ticket_id=ticket_id, kind=self.kind, actor=self.actor, at=at, data=dict(self.data)
        )


@dataclass(frozen=True, slots=True)
class Change:
    """The ticket's state after a rule, and the events that say so (none: nothing changed)."""

    state: str
    events: tuple[EventData, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.events)


def _check_state(state: str) -> None:
    if state not in TRANSITIONS:
        raise TransitionError(f"unknown ticket state {state!r}")


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition(current: str, target: str, *, actor: str, reason: str | None = None) -> Change:
    """Move from `current` to `target`; the same state is a no-op. Raises TransitionError."""
    _check_state(current)
    _check_state(target)
    if current == target:
        return Change(current)
    if not can_transition(current, target):
        raise TransitionError(f"a ticket cannot go from {current} to {target}")
    if current == CLOSED:
        raise TransitionError("a closed ticket is reopened with reopen(), not a status change")
    return Change(target, (_status_event(current, target, actor, reason),))


def _status_event(current: str, target: str, actor: str, reason: str | None) -> EventData:
    data: dict[str, Any] = {"from": current, "to": target}
    if reason:
        data["reason"] = reason
    return EventData("status", actor, data)


def reopen(current: str, *, actor: str, reason: str) -> Change:
    """Back to `open` from `waiting_on_customer`, `resolved` or `closed`."""
    _check_state(current)
    if current in (NEW, OPEN):
        return Change(current)
    return Change(OPEN, (_status_event(current, OPEN, actor, reason),))


FollowupAction = Literal["append", "reopen", "new_ticket"]


@dataclass(frozen=True, slots=True)
class FollowupOutcome:
    """What a customer's follow-up does to the ticket it answers."""

    action: FollowupAction  # append: add to the ticket; new_ticket: a new one, linked
    change: Change


def on_customer_followup(
    current: str,
    *,
    now: datetime,
    closed_at: datetime | None,
    reopen_window: timedelta,
    actor: str,
) -> FollowupOutcome:
    """A participant wrote on the ticket: reopen it when it waits or is done.

    A closed ticket is reopened only if it closed at most `reopen_window` ago; past that (or
    when the closing moment is unknown) the mail starts a new ticket linked to this one.
    """
    _check_state(current)
    if current in (NEW, OPEN):
        return FollowupOutcome("append", Change(current))
    if current == CLOSED:
        if closed_at is None or now - closed_at > reopen_window:
            return FollowupOutcome("new_ticket", Change(current))
        return FollowupOutcome("reopen", reopen(current, actor=actor, reason="customer_followup"))
    return FollowupOutcome("reopen", reopen(current, actor=actor, reason="customer_followup"))


def after_policy(current: str, outcome: str | None, *, actor: str = "system") -> Change:
    """The state a cancellation's policy outcome asks for (a closed ticket stays closed)."""
    _check_state(current)
    target = POLICY_STATES.get(outcome or "")
    if target is None or current == CLOSED or target == current:
        return Change(current)
    if not can_transition(current, target):
        return Change(current)
    return transition(current, target, actor=actor, reason=f"policy:{outcome}")


def withdraw(current: str, *, actor: str) -> Change:
    """The customer (or a person for them) takes the request back: closed, `withdrawn` event.

    Scheduled work for the ticket (a termination taking effect, reminders) must not run after
    this; the jobs check for the `withdrawn` event.
    """
    _check_state(current)
    if current == CLOSED:
        return Change(current, (EventData("withdrawn", actor, {"from": current}),))
    status = transition(current, CLOSED, actor=actor, reason="withdrawn")
    return Change(CLOSED, (*status.events, EventData("withdrawn", actor, {"from": current})))


# --- assignment -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    """A ticket's assignee and state after an assignment rule, and the events that say so."""

    assignee: str | None
    state: str
    events: tuple[EventData, ...] = ()


class AssignmentError(ValueError):
    """An assignment the rules do not allow (e.g. claiming someone else's ticket)."""


def assign(
    state: str, current: str | None, assignee: str | None, *, actor: str, reason: str = "assigned"
) -> Assignment:
    """Give the ticket to `assignee` (None: unassign). A `new` ticket that gets someone opens."""
    _check_state(state)
    if assignee == current:
        return Assignment(current, state)
    events: list[EventData] = [
        EventData("assigned", actor, {"from": current, "to": assignee, "reason": reason})
    ]
    new_state = state
    if assignee is not None and state == NEW:
        events.append(_status_event(NEW, OPEN, actor, reason))
        new_state = OPEN
    return Assignment(assignee, new_state, tuple(events))


def claim(state: str, current: str | None, user: str) -> Assignment:
    """A queue owner takes the ticket. Someone else's ticket cannot be claimed (use assign)."""
    if current is not None and current != user:
        raise AssignmentError(f"ticket is assigned to {current}")
    return assign(state, current, user, actor=user, reason="claimed")


def choose_assignee(
    strategy: AssignmentStrategy,
    owners: Sequence[str],
    *,
    last_assignee: str | None = None,
    loads: Mapping[str, int] | None = None,
) -> str | None:
    """Who gets the next ticket of a queue (None: nobody, it stays unassigned).

    `round_robin`: the owner after `last_assignee` in sorted order (the first if there was
    none or they left). `least_loaded`: the owner with the fewest active tickets (`loads`),
    ties broken in round-robin order. Pure and deterministic.
    """
    people = sorted(set(owners))
    if strategy == "manual" or not people:
        return None
    order = _rotation(people, last_assignee)
    if strategy == "round_robin":
        return order[0]
    counts = loads or {}
    return min(order, key=lambda person: counts.get(person, 0))


def _rotation(people: list[str], last: str | None) -> list[str]:
    """`people` starting with the one after `last` (in sorted order), wrapping around."""
    if last is None:
        return people
    after = [p for p in people if p > last]
    before = [p for p in people if p <= last]
    return after + before
