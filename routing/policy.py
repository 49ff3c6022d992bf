"""The cancellation policy (DOMAIN.md section 4): what happens to a request to end a contract.

Input: what extraction found, who sent it, the contract registry and the date the request was
received (already a Europe/Brussels calendar date, see `routing.dates`). Output: a
`PolicyResult` with the outcome, the dates it implies, and the steps in words a supervisor can
check. Order of evaluation, the first that applies decides:

1. no contract number: `pa_no_cancellation_needed` if the text names Passport Advantage, else
   `needs_contract_number`;
2. no number known to the registry: `unknown_contract`;
3. the sender is not a registered contact of the contract: `sender_unverified`;
4. breach of obligations claimed: `manual_review`;
5. the contract's kind decides (`accepted`, `needs_destruction_confirmation`,
   `not_yet_eligible`, `manual_review`, `pa_no_cancellation_needed`); for a monthly licence,
   a destruction certificate attached but unreadable (an OCR failure, a blank scan) is
   `manual_review` rather than an acceptance or a request for the certificate. Where it would
   give `accepted` and the sender is not proven (`intake.proof`, DOMAIN.md 4a: status unproven
   or failed, or no trust configured), `awaiting_sender_confirmation`: the registered contact
   is asked to confirm by reply. That outcome has no effective date yet (the request is judged
   again when the confirmation arrives, and its arrival starts the notice); the confirmation
   request names the date it would have now. Outcomes that ask for something or only inform are
   unchanged.

Which contract, when several are named: the role of each number in the request
(`intake.extract.roles`: concerned, continues, replaces, replaced, mentioned) decides. The
candidates are the concerned numbers, else the replaced ones, else the merely mentioned ones;
a number that continues or replaces another is never judged. One candidate: it is judged. More
than one known to the registry, or none left among several numbers: `manual_review` with the
reason, never a guess. Without roles (older stored mail), the known numbers only (an unknown
number next to a known one is more likely a typo or another reference than the contract
meant), preferring a contract the sender is a registered contact of, then the order of the
numbers. The others are named in the steps so a person can follow up. Called by
`routing.decide` for cancellation tickets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from intake.model import UNPROVEN, SenderProof
from routing.dates import add_days, add_months, latest
from routing.model import PolicyResult
from routing.registry import Contract, Registry, normalize_number

OUTCOMES = (
    "pa_no_cancellation_needed",
    "needs_contract_number",
    "unknown_contract",
    "sender_unverified",
    "manual_review",
    "needs_destruction_confirmation",
    "accepted",
    "not_yet_eligible",
    "awaiting_sender_confirmation",
)

KIND_WORDS = {
    "passport_advantage": "Passport Advantage licence (prepaid once)",
    "monthly_license": "recurring monthly licence",
    "maintenance": "standard maintenance contract",
    "maintenance_addendum": "non-standard maintenance addendum",
}


class PolicyParams(BaseModel):
    """The periods of the policy; supervisors may change them in `config/routing.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    monthly_license_notice_days: int = Field(default=30, ge=0)
    maintenance_notice_months: int = Field(default=1, ge=0)
    maintenance_minimum_months: int = Field(default=6, ge=0)
    pa_lapse_days: int = Field(default=59, ge=0)
    provider_notice_months: int = Field(default=3, ge=0)  # for templates: our own notice
    provider_minimum_months: int = Field(default=12, ge=0)  # for templates


def choose_contract(
    numbers: Sequence[str], registry: Registry, sender: str
) -> tuple[Contract | None, list[str]]:
    """The contract the request is judged on, and the numbers unknown to the registry."""
    known: list[Contract] = []
    unknown: list[str] = []
    for number in numbers:
        contract = registry.lookup(number)
        if contract is None:
            unknown.append(normalize_number(number))
        elif contract not in known:
            known.append(contract)
    if not known:
        return None, unknown
    for contract in known:
        if contract.is_contact(sender):
            return contract, unknown
    return known[0], unknown


ENDED_ROLES = ("concerned", "replaced", "mentioned")  # in order of preference


def concerned_numbers(
    numbers: Sequence[str], roles: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """The numbers the request may be about, by role, and a line for each number's role.
    Without roles, every number is a candidate."""
    ordered = list(dict.fromkeys(normalize_number(n) for n in numbers))
    if not roles:
        return ordered, []
    lines = [f"{n}: {roles.get(n, 'mentioned')}" for n in ordered]
    for role in ENDED_ROLES:
        found = [n for n in ordered if roles.get(n, "mentioned") == role]
        if found:
            return found, lines
    return [], lines


def evaluate(
    *,
    contract_numbers: Sequence[str],
    sender: str,
    registry: Registry,
    received: date,
    destruction_confirmation: bool,
    machine_out_of_use: bool,
    requested_end_date: date | None,
    breach_claimed: bool,
    kind_hints: Sequence[str] = (),
    params: PolicyParams | None = None,
    roles: Mapping[str, str] | None = None,
    sender_proof: SenderProof | None = UNPROVEN,
    certificate_unreadable: bool = False,
) -> PolicyResult:
    """Apply the policy to one cancellation request. Pure. `roles` maps each normalized
    contract number to its role in the request (`intake.extract.roles`).
    `certificate_unreadable`: a destruction certificate is attached but could not be read
    (intake.extract.certificates). `sender_proof` says whether the From address is proven
    (`intake.proof`): a would-be acceptance of an unproven sender is
    `awaiting_sender_confirmation` (`require_proof`). None leaves that step to the caller:
    `routing.decide` runs the acceptance guard on the would-be acceptance first."""
    p = params or PolicyParams()
    steps: list[str] = [f"Request received on {received.isoformat()} (Brussels date)."]

    # 1. no contract number
    if not contract_numbers:
        if "passport_advantage" in kind_hints:
            steps.append(
                "No contract number, but the mail names Passport Advantage: a prepaid licence "
                f"needs no cancellation; its renewal lapses when no payment arrives within "
                f"{p.pa_lapse_days} days."
            )
            return PolicyResult("pa_no_cancellation_needed", steps=tuple(steps))
        steps.append("No contract number in the mail: ask the customer for it.")
        return PolicyResult("needs_contract_number", steps=tuple(steps))

    # 2. which contract; unknown numbers
    candidates, role_lines = concerned_numbers(contract_numbers, roles or {})
    if role_lines:
        steps.append("Role of each contract number in the request: " + "; ".join(role_lines) + ".")
    if not candidates:
        steps.append(
            "Every contract named is said to continue or to replace another: the mail does "
            "not say which contract to end; a person reviews it."
        )
        return PolicyResult("manual_review", steps=tuple(steps))
    known_candidates = [n for n in candidates if registry.lookup(n) is not None]
    if len(known_candidates) > 1:
        steps.append(
            f"The request may be about {', '.join(known_candidates)}: the mail does not say "
            "which one to end; a person reviews it instead of guessing."
        )
        return PolicyResult("manual_review", steps=tuple(steps))
    if roles and len(candidates) > 1 and known_candidates:
        steps.append(
            f"The request names {', '.join(candidates)} without saying which one to end "
            f"(only {known_candidates[0]} is in the registry): a person reviews it instead of "
            "guessing."
        )
        return PolicyResult("manual_review", steps=tuple(steps))
    contract, unknown = choose_contract(candidates, registry, sender)
    if contract is None:
        steps.append(
            f"Contract number(s) {', '.join(unknown)} not found in the registry: ask the "
            "customer to check the number."
        )
        return PolicyResult(
            "unknown_contract", contract_number=unknown[0] if unknown else None, steps=tuple(steps)
        )
    steps.append(
        f"Contract {contract.display_number} found in the registry: "
        f"{KIND_WORDS.get(contract.kind, contract.kind)} of {contract.customer}, "
        f"{contract.scope}, started {contract.start_date.isoformat()}."
    )
    others = [
        n
        for n in dict.fromkeys(normalize_number(x) for x in contract_numbers)
        if n != contract.number
    ]
    if others and roles:
        named = ", ".join(f"{n} ({roles.get(n, 'mentioned')})" for n in others)
        steps.append(
            f"The mail also names {named}: by their roles not part of this request; only "
            f"{contract.display_number} is judged."
        )
    elif others:
        steps.append(
            f"The mail also names {', '.join(others)}; only {contract.display_number} is "
            "judged here, a person should handle the others."
        )

    def done(outcome: str, **dates: date | None) -> PolicyResult:
        result = PolicyResult(
            outcome,
            effective_date=dates.get("effective_date"),
            earliest_notice_date=dates.get("earliest_notice_date"),
            contract_number=contract.number,
            steps=tuple(steps),
        )
        return result if sender_proof is None else require_proof(result, sender_proof, registry)

    # 3. sender
    if not contract.is_contact(sender):
        steps.append(
            f"Sender {sender or '(unknown)'} is not a registered contact of this contract: "
            "nothing is confirmed; only a generic acknowledgement is sent."
        )
        return done("sender_unverified")
    steps.append(f"Sender {sender} is a registered contact of this contract.")

    # 4. breach
    if breach_claimed:
        steps.append(
            "The customer says the other party did not meet its obligations: termination "
            "for breach needs a person."
        )
        return done("manual_review")

    # 5. the kind decides
    if contract.kind == "passport_advantage":
        steps.append(
            "Passport Advantage licences are prepaid once: no cancellation is needed; the "
            f"automatic renewal lapses when no payment arrives within {p.pa_lapse_days} days."
        )
        return done("pa_no_cancellation_needed")
    if contract.kind == "maintenance_addendum":
        steps.append(
            "Non-standard maintenance addenda may carry extra conditions: a person reviews "
            "the termination."
        )
        return done("manual_review")
    if contract.kind == "monthly_license":
        return _monthly(
            steps,
            done,
            p,
            received,
            destruction_confirmation,
            machine_out_of_use,
            requested_end_date,
            certificate_unreadable,
        )
    if contract.kind == "maintenance":
        return _maintenance(steps, done, p, received, contract, requested_end_date)
    steps.append(f"Unknown contract kind {contract.kind!r}: a person reviews it.")
    return done("manual_review")


def require_proof(result: PolicyResult, proof: SenderProof, registry: Registry) -> PolicyResult:
    """DOMAIN.md 4a: where the policy would accept and the sender is not proven (unproven or
    failed, or no trust configured), `awaiting_sender_confirmation`: the registered contact is
    asked to confirm by reply. Nothing takes effect yet, so the outcome has no effective date:
    the date it would have is kept as `proposed_date` for the confirmation request (the request
    is judged again on the confirmation's arrival). Every other outcome is unchanged."""
    if result.outcome != "accepted" or proof.proven:
        return result
    contract = registry.lookup(result.contract_number) if result.contract_number else None
    number = contract.display_number if contract is not None else result.contract_number or "?"
    return replace(
        result,
        outcome="awaiting_sender_confirmation",
        effective_date=None,
        proposed_date=result.effective_date,
        steps=(*result.steps, _awaiting_step(proof, number)),
    )


def _awaiting_step(proof: SenderProof, number: str) -> str:
    why = "; ".join(proof.reasons) or proof.status
    forged = " The mail may be forged." if proof.status == "failed" else ""
    return (
        f"The sender is not proven ({why}).{forged} Nothing is accepted on the From address "
        f"alone: the registered contact is asked to confirm the termination of {number} by "
        "reply, with a one-time code; the request is judged again when that reply arrives."
    )


def _requested(steps: list[str], requested: date | None) -> None:
    if requested is None:
        steps.append("The customer asks for no particular end date.")
    else:
        steps.append(f"The customer asks for the end on {requested.isoformat()}.")


def _monthly(
    steps: list[str],
    done: _Done,
    p: PolicyParams,
    received: date,
    destruction_confirmation: bool,
    machine_out_of_use: bool,
    requested: date | None,
    certificate_unreadable: bool = False,
) -> PolicyResult:
    if certificate_unreadable:
        steps.append(
            "Monthly licence: certificate attached but unreadable. The destruction certificate "
            "could not be read and nothing else in the mail confirms the destruction: a person "
            "looks at it before the cancellation is accepted or refused."
        )
        return done("manual_review")
    if not destruction_confirmation:
        steps.append(
            "Monthly licence: the confirmation that ALL copies of the software were destroyed "
            "is missing; the customer must send it before the cancellation can be accepted."
        )
        return done("needs_destruction_confirmation")
    steps.append("Monthly licence: the customer confirms that all copies were destroyed.")
    _requested(steps, requested)
    if machine_out_of_use:
        effective = latest(received, requested)
        steps.append(
            "The machine the software was installed on is no longer in use, so no notice "
            f"period applies: effective date = latest of received {received.isoformat()}"
            + (f" and requested {requested.isoformat()}" if requested else "")
            + f" = {effective.isoformat()}."
        )
    else:
        notice_end = add_days(received, p.monthly_license_notice_days)
        effective = latest(notice_end, requested)
        steps.append(
            f"{p.monthly_license_notice_days} days notice: {received.isoformat()} + "
            f"{p.monthly_license_notice_days} days = {notice_end.isoformat()}; effective date "
            "= latest of that"
            + (f" and requested {requested.isoformat()}" if requested else "")
            + f" = {effective.isoformat()}."
        )
    return done("accepted", effective_date=effective)


def _maintenance(
    steps: list[str],
    done: _Done,
    p: PolicyParams,
    received: date,
    contract: Contract,
    requested: date | None,
) -> PolicyResult:
    eligible_from = add_months(contract.start_date, p.maintenance_minimum_months)
    if received < eligible_from:
        steps.append(
            f"Maintenance can be ended once the machine has been under contract for "
            f"{p.maintenance_minimum_months} months: start {contract.start_date.isoformat()} + "
            f"{p.maintenance_minimum_months} months = {eligible_from.isoformat()}, after the "
            f"request ({received.isoformat()}); the customer can give notice from "
            f"{eligible_from.isoformat()}."
        )
        return done("not_yet_eligible", earliest_notice_date=eligible_from)
    steps.append(
        f"Under contract since {contract.start_date.isoformat()}: at least "
        f"{p.maintenance_minimum_months} months on {received.isoformat()} "
        f"(from {eligible_from.isoformat()})."
    )
    _requested(steps, requested)
    notice_end = add_months(received, p.maintenance_notice_months)
    effective = latest(notice_end, requested)
    steps.append(
        f"{p.maintenance_notice_months} calendar month(s) notice: {received.isoformat()} + "
        f"{p.maintenance_notice_months} month(s) = {notice_end.isoformat()} (end of month "
        "clamps); effective date = latest of that"
        + (f" and requested {requested.isoformat()}" if requested else "")
        + f" = {effective.isoformat()}."
    )
    return done("accepted", effective_date=effective)


class _Done(Protocol):  # the closure that builds the result for the chosen contract
    def __call__(self, outcome: str, **dates: date | None) -> PolicyResult: ...
