"""The cancellation policy of DOMAIN.md section 4: every outcome and the order of evaluation."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from intake.model import UNPROVEN, SenderProof
from routing.dates import add_months
from routing.model import PolicyResult
from routing.policy import PolicyParams, evaluate
from tests.routing.helpers import d, registry

REG = registry()
PROVEN = SenderProof("proven", "dmarc", ("mx: dmarc=pass",))


def run(**kw: Any) -> PolicyResult:
    values: dict[str, Any] = {
        "contract_numbers": (),
        "sender": "anna@alpha.example.be",
        "registry": REG,
        "received": d("2026-03-01"),
        "destruction_confirmation": False,
        "machine_out_of_use": False,
        "requested_end_date": None,
        "breach_claimed": False,
        "sender_proof": PROVEN,
    }
    values.update(kw)
    return evaluate(**values)


def test_no_number_asks_for_it_unless_passport_advantage_is_named() -> None:
    assert run().outcome == "needs_contract_number"
    pa = run(kind_hints=("passport_advantage",))
    assert pa.outcome == "pa_no_cancellation_needed"
    assert any("59 days" in s for s in pa.steps)


def test_unknown_number() -> None:
    result = run(contract_numbers=("ZZ999",))
    assert result.outcome == "unknown_contract"
    assert any("ZZ999" in s for s in result.steps)


def test_sender_must_be_a_registered_contact_before_anything_is_said() -> None:
    result = run(
        contract_numbers=("ML100",),
        sender="mallory@evil.example.com",
        destruction_confirmation=True,
        breach_claimed=True,
    )
    assert result.outcome == "sender_unverified"
    assert result.effective_date is None


def test_breach_goes_to_a_person_before_the_kind_is_looked_at() -> None:
    result = run(contract_numbers=("HW200",), sender="bob@beta.example.be", breach_claimed=True)
    assert result.outcome == "manual_review"


def test_passport_advantage_contract_needs_no_cancellation() -> None:
    result = run(contract_numbers=("PA300",), sender="carl@gamma.example.be")
    assert result.outcome == "pa_no_cancellation_needed"


def test_addendum_needs_review() -> None:
    result = run(contract_numbers=("AD400",), sender="dirk@delta.example.be")
    assert result.outcome == "manual_review"


def test_monthly_licence_needs_destruction_confirmation() -> None:
    result = run(contract_numbers=("ML100",))
    assert result.outcome == "needs_destruction_confirmation"
    assert result.effective_date is None


def test_monthly_licence_thirty_days_or_later_requested_date() -> None:
    r = run(
        contract_numbers=("ML100",),
        destruction_confirmation=True,
        received=d("2026-02-03"),
        requested_end_date=d("2026-02-15"),
    )
    assert (r.outcome, r.effective_date) == ("accepted", d("2026-03-05"))
    r = run(
        contract_numbers=("ML100",),
        destruction_confirmation=True,
        received=d("2026-10-08"),
        requested_end_date=d("2026-12-31"),
    )
    assert r.effective_date == d("2026-12-31")


def test_monthly_licence_machine_out_of_use_skips_notice() -> None:
    r = run(
        contract_numbers=("ML100",),
        destruction_confirmation=True,
        machine_out_of_use=True,
        received=d("2026-05-05"),
        requested_end_date=d("2026-05-31"),
    )
    assert r.effective_date == d("2026-05-31")
    r = run(
        contract_numbers=("ML100",),
        destruction_confirmation=True,
        machine_out_of_use=True,
        received=d("2026-05-05"),
    )
    assert r.effective_date == d("2026-05-05")


def test_maintenance_one_calendar_month_clamped() -> None:
    r = run(contract_numbers=("HW200",), sender="it@beta.example.be", received=d("2026-03-31"))
    assert (r.outcome, r.effective_date) == ("accepted", d("2026-04-30"))
    assert any("2026-04-30" in s and "month" in s for s in r.steps)


def test_maintenance_machine_out_of_use_does_not_shorten_notice() -> None:
    r = run(
        contract_numbers=("HW200",),
        sender="it@beta.example.be",
        received=d("2026-03-31"),
        machine_out_of_use=True,
    )
    assert r.effective_date == d("2026-04-30")


def test_maintenance_under_six_months_not_yet_eligible() -> None:
    # start 2025-08-31 + 6 months clamps to 2026-02-28
    r = run(contract_numbers=("HW201",), sender="bob@beta.example.be", received=d("2026-02-27"))
    assert (r.outcome, r.earliest_notice_date) == ("not_yet_eligible", d("2026-02-28"))
    r = run(contract_numbers=("HW201",), sender="bob@beta.example.be", received=d("2026-02-28"))
    assert (r.outcome, r.effective_date) == ("accepted", d("2026-03-28"))


def test_periods_come_from_the_parameters() -> None:
    params = PolicyParams(monthly_license_notice_days=60, maintenance_minimum_months=12)
    r = run(
        contract_numbers=("ML100",),
        destruction_confirmation=True,
        received=d("2026-01-01"),
        params=params,
    )
    assert r.effective_date == d("2026-03-02")
    r = run(
        contract_numbers=("HW201",),
        sender="bob@beta.example.be",
        received=d("2026-06-01"),
        params=params,
    )
    assert r.earliest_notice_date == d("2026-08-31")


def test_among_several_contracts_the_concerned_one_is_judged_and_never_a_guess() -> None:
    # bob is a contact of HW200 and HW201 but not of ML100
    several = {
        "contract_numbers": ("ML100", "HW200", "XX1"),
        "sender": "bob@beta.example.be",
        "received": d("2026-03-31"),
    }
    # nothing says which one is to end: a person decides, not the sender's contact list
    r = run(**several)
    assert (r.outcome, r.contract_number) == ("manual_review", None)
    assert any("ML100, HW200" in s and "which one" in s for s in r.steps)
    # the roles say it: HW200 ends, ML100 goes on, XX1 is only mentioned
    roles = {"HW200": "concerned", "ML100": "continues", "XX1": "mentioned"}
    r = run(**several, roles=roles)
    assert (r.outcome, r.contract_number) == ("accepted", "HW200")
    assert any("HW200: concerned" in s and "ML100: continues" in s for s in r.steps)
    assert any("also names" in s and "ML100" in s for s in r.steps)
    # "A replaces B": the replaced contract is the one that ends
    r = run(**several, roles={"HW200": "replaced", "ML100": "replaces", "XX1": "mentioned"})
    assert (r.outcome, r.contract_number) == ("accepted", "HW200")
    # every contract named goes on: nothing to end
    r = run(**several, roles={"HW200": "continues", "ML100": "replaces", "XX1": "continues"})
    assert (r.outcome, r.contract_number) == ("manual_review", None)
    # two concerned, one of them unknown: still no guess
    r = run(**several, roles={"HW200": "concerned", "ML100": "continues", "XX1": "concerned"})
    assert r.outcome == "manual_review"
    assert any("HW200, XX1" in s for s in r.steps)


@given(
    st.dates(min_value=date(2020, 7, 1), max_value=date(2030, 12, 31)),
    st.one_of(st.none(), st.dates(min_value=date(2020, 1, 1), max_value=date(2031, 12, 31))),
)
def test_accepted_maintenance_is_never_before_notice_or_request(
    received: date, requested: date | None
) -> None:
    r = run(
        contract_numbers=("SW500",),
        sender="eva@eps.example.be",
        received=received,
        requested_end_date=requested,
    )
    assert r.outcome == "accepted"
    assert r.effective_date is not None
    assert r.effective_date >= add_months(received, 1)
    if requested is not None:
        assert r.effective_date >= requested
    assert r.effective_date in (add_months(received, 1), requested)


def test_an_unproven_sender_awaits_confirmation_where_it_would_be_accepted() -> None:
    proven = run(contract_numbers=("SW500",), sender="eva@eps.example.be")
    assert proven.outcome == "accepted"
    for proof in (UNPROVEN, SenderProof("failed", None, ("mx: dmarc=fail",))):
        r = run(contract_numbers=("SW500",), sender="eva@eps.example.be", sender_proof=proof)
        assert r.outcome == "awaiting_sender_confirmation"
        # no effective date before the confirmation; the date the confirmation request names,
        # and the contract it is about
        assert r.effective_date is None
        assert (r.proposed_date, r.contract_number) == (proven.effective_date, "SW500")
        assert "asked to confirm the termination of SW-500 by reply" in r.steps[-1]
    assert "may be forged" in r.steps[-1]
    # outcomes that ask for something or only inform do not change
    assert run(contract_numbers=("ML100",), sender_proof=UNPROVEN).outcome == (
        "needs_destruction_confirmation"
    )
    assert run(
        contract_numbers=("PA300",), sender="carl@gamma.example.be", sender_proof=UNPROVEN
    ).outcome == ("pa_no_cancellation_needed")
    assert run(
        contract_numbers=("HW201",),
        sender="bob@beta.example.be",
        received=d("2025-12-01"),
        sender_proof=UNPROVEN,
    ).outcome == ("not_yet_eligible")
    assert run(contract_numbers=("SW500",), sender_proof=UNPROVEN).outcome == "sender_unverified"
    assert run(
        contract_numbers=("SW500",),
        sender="eva@eps.example.be",
        breach_claimed=True,
        sender_proof=UNPROVEN,
    ).outcome == ("manual_review")
