"""The acceptance guard: `accepted` is the one outcome that must never be wrong.

Runs in `routing.decide` right after the cancellation policy (`routing.policy`) and before any
proof of the sender is asked for. A would-be `accepted` stands only when

- the intent to cancel is clear in the author's own words, or in the request a forward passes
  on (`intake.extract.intent`: not only in the subject or the quoted history, not only asked
  about: "kan ik opzeggen?");
- nothing in the mail contradicts it: no negated ("pas question de résilier"), conditional
  ("mocht de prijs stijgen ...") or questioned ("can we cancel ...?") cancellation of the same
  contract, no retraction of a request;
- exactly one contract is concerned (`intake.extract.roles`; the policy already refuses to
  choose between several) and it is the one the policy judged.

Otherwise the outcome becomes `manual_review` and the reason is added to the policy steps. A
mail that takes an earlier request back and still lands in the cancellation queue (a follow-up
on a cancellation ticket) goes to `manual_review` whatever the policy said: a person stops what
was started. The decision then goes on to the reply template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from intake.model import Intent
from routing.model import PolicyResult


def guard(
    policy: PolicyResult, intent: Intent | None, roles: Mapping[str, str]
) -> tuple[PolicyResult, str | None]:
    """The policy result the desk may act on, and the reason when it was changed."""
    if intent is not None and intent.act == "retraction":
        if policy.outcome == "manual_review":
            return policy, None
        reason = (
            "The mail takes an earlier request back: a person stops what was started instead of "
            f"the outcome {policy.outcome}."
        )
        return _review(policy, reason), reason
    if policy.outcome != "accepted":
        return policy, None
    why = _why_not(policy, intent, roles)
    if why is None:
        return policy, None
    return _review(policy, why), why


def _why_not(policy: PolicyResult, intent: Intent | None, roles: Mapping[str, str]) -> str | None:
    if intent is None:
        return "No intent was read for this mail: an acceptance needs a plainly asked cancellation."
    if intent.act != "cancel":
        return f"The mail asks {intent.act}, not a cancellation: nothing is accepted."
    if not intent.clear:
        if intent.source == "subject":
            return (
                "Only the subject names the cancellation; the author's own words do not ask "
                "for it: a person confirms before anything is accepted."
            )
        return (
            "The cancellation is only asked about, not asked for: a person answers instead of "
            "accepting it."
        )
    if intent.contradictions:
        return (
            "Something in the mail speaks against the cancellation ("
            + "; ".join(intent.contradictions)
            + "): a person reviews it."
        )
    role = roles.get(policy.contract_number or "")
    if role is not None and role not in ("concerned", "replaced", "mentioned"):
        said = {"continues": "continue", "replaces": "replace another"}.get(role, role)
        return f"Contract {policy.contract_number} is said to {said}: a person reviews it."
    return None


def _review(policy: PolicyResult, reason: str) -> PolicyResult:
    return replace(
        policy,
        outcome="manual_review",
        effective_date=None,
        earliest_notice_date=None,
        steps=(*policy.steps, f"Acceptance guard: {reason}"),
    )
