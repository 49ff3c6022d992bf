"""Lifecycle rules: what a desk sees happen to a ticket's state, and the audit trail it leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from postkamer import lifecycle as lc

NOW = datetime(2025, 11, 12, 10, 0, tzinfo=UTC)


def test_the_happy_path_records_who_moved_the_ticket_from_where_to_where() -> None:
    state = lc.NEW
    trail: list[lc.EventData] = []
    for target in (lc.OPEN, lc.WAITING, lc.RESOLVED, lc.CLOSED):
        change = lc.transition(state, target, actor="an@desk.example")
        assert change.state == target
        trail.extend(change.events)
        state = change.state
    assert [(e.kind, e.data["from"], e.data["to"]) for e in trail] == [
        ("status", "new", "open"),
        ("status", "open", "waiting_on_customer"),
        ("status", "waiting_on_customer", "resolved"),
        ("status", "resolved", "closed"),
    ]
    assert {e.actor for e in trail} == {"an@desk.example"}
    row = trail[0].row(ticket_id=7, at=NOW)
    assert (row.ticket_id, row.kind, row.actor, row.at, row.data) == (
        7,
        "status",
        "an@desk.example",
        NOW,
        {"from": "new", "to": "open"},
    )


def test_same_state_is_no_change_and_no_event() -> None:
    change = lc.transition(lc.OPEN, lc.OPEN, actor="x")
    assert change.state == lc.OPEN and not change.changed


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (lc.OPEN, lc.NEW),
        (lc.RESOLVED, lc.WAITING),
        (lc.CLOSED, lc.RESOLVED),
        (lc.CLOSED, lc.OPEN),  # only through reopen()
        (lc.OPEN, "archived"),
    ],
)
def test_disallowed_transitions_are_refused(current: str, target: str) -> None:
    with pytest.raises(lc.TransitionError):
        lc.transition(current, target, actor="x")


@pytest.mark.parametrize("state", [lc.WAITING, lc.RESOLVED])
def test_customer_followup_reopens_waiting_and_resolved_tickets(state: str) -> None:
    out = lc.on_customer_followup(
        state, now=NOW, closed_at=None, reopen_window=timedelta(days=30), actor="klant@example.be"
    )
    assert out.action == "reopen"
    assert out.change.state == lc.OPEN
    (event,) = out.change.events
    assert event.data == {"from": state, "to": lc.OPEN, "reason": "customer_followup"}
    assert event.actor == "klant@example.be"


@pytest.mark.parametrize("state", [lc.NEW, lc.OPEN])
def test_followup_on_an_active_ticket_only_appends(state: str) -> None:
    out = lc.on_customer_followup(
        state, now=NOW, closed_at=None, reopen_window=timedelta(days=30), actor="k"
    )
    assert out.action == "append" and out.change.state == state and not out.change.changed


def test_closed_ticket_reopens_inside_the_window_and_starts_a_new_ticket_after_it() -> None:
    window = timedelta(days=30)
    inside = lc.on_customer_followup(
        lc.CLOSED, now=NOW, closed_at=NOW - timedelta(days=29), reopen_window=window, actor="k"
    )
    assert inside.action == "reopen" and inside.change.state == lc.OPEN
    after = lc.on_customer_followup(
        lc.CLOSED, now=NOW, closed_at=NOW - timedelta(days=31), reopen_window=window, actor="k"
    )
    assert after.action == "new_ticket" and after.change.state == lc.CLOSED
    unknown = lc.on_customer_followup(
        lc.CLOSED, now=NOW, closed_at=None, reopen_window=window, actor="k"
    )
    assert unknown.action == "new_ticket"


def test_policy_outcomes_move_the_ticket() -> None:
    assert lc.after_policy(lc.NEW, "needs_destruction_confirmation").state == lc.WAITING
    assert lc.after_policy(lc.WAITING, "accepted").state == lc.RESOLVED
    assert lc.after_policy(lc.NEW, "pa_no_cancellation_needed").state == lc.RESOLVED
    assert lc.after_policy(lc.NEW, "manual_review").state == lc.OPEN
    assert not lc.after_policy(lc.CLOSED, "accepted").changed
    assert not lc.after_policy(lc.OPEN, None).changed
    (event,) = lc.after_policy(lc.NEW, "accepted").events
    assert event.data["reason"] == "policy:accepted" and event.actor == "system"


@pytest.mark.parametrize("state", [lc.NEW, lc.OPEN, lc.WAITING, lc.RESOLVED])
def test_withdrawal_closes_and_is_recorded(state: str) -> None:
    change = lc.withdraw(state, actor="klant@example.be")
    assert change.state == lc.CLOSED
    assert [e.kind for e in change.events] == ["status", "withdrawn"]


def test_assigning_a_new_ticket_opens_it() -> None:
    result = lc.assign(lc.NEW, None, "an@desk.example", actor="sup@desk.example")
    assert result.assignee == "an@desk.example" and result.state == lc.OPEN
    assert [e.kind for e in result.events] == ["assigned", "status"]
    assert result.events[0].data == {"from": None, "to": "an@desk.example", "reason": "assigned"}
    again = lc.assign(lc.OPEN, "an@desk.example", "an@desk.example", actor="sup")
    assert not again.events


def test_claim_takes_an_unassigned_ticket_but_not_someone_elses() -> None:
    mine = lc.claim(lc.NEW, None, "bo@desk.example")
    assert mine.assignee == "bo@desk.example" and mine.state == lc.OPEN
    assert mine.events[0].data["reason"] == "claimed"
    with pytest.raises(lc.AssignmentError):
        lc.claim(lc.OPEN, "an@desk.example", "bo@desk.example")


def test_round_robin_goes_around_the_owners_of_a_queue() -> None:
    owners = ["cy", "an", "bo"]
    picks: list[str] = []
    last: str | None = None
    for _ in range(5):
        last = lc.choose_assignee("round_robin", owners, last_assignee=last)
        assert last is not None
        picks.append(last)
    assert picks == ["an", "bo", "cy", "an", "bo"]
    # the last assignee left the queue: continue with whoever comes after them
    assert lc.choose_assignee("round_robin", ["an", "cy"], last_assignee="bo") == "cy"
    assert lc.choose_assignee("manual", owners) is None
    assert lc.choose_assignee("round_robin", []) is None


def test_least_loaded_picks_the_owner_with_fewest_active_tickets() -> None:
    owners = ["an", "bo", "cy"]
    assert lc.choose_assignee("least_loaded", owners, loads={"an": 4, "bo": 1, "cy": 2}) == "bo"
    # ties: round-robin order after the last assignee
    tie = {"an": 1, "bo": 1, "cy": 1}
    assert lc.choose_assignee("least_loaded", owners, loads=tie, last_assignee="an") == "bo"
    assert lc.choose_assignee("least_loaded", owners, loads=tie, last_assignee="cy") == "an"


def test_config_refuses_a_close_before_the_reminder() -> None:
    with pytest.raises(ValueError, match="close_after_business_days"):
        lc.LifecycleConfig(reminder_business_days=5, close_after_business_days=5)
    cfg = lc.LifecycleConfig(assignment={"hardware": "round_robin"})
    assert cfg.reopen_window == timedelta(days=30)
