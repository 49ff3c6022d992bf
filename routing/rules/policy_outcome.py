"""Condition `policy_outcome`: the cancellation policy gives one of these outcomes.

Only true while the queue is the cancellation queue; the policy is computed on first use.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join

Outcome = Literal[
    "pa_no_cancellation_needed",
    "needs_contract_number",
    "unknown_contract",
    "sender_unverified",
    "manual_review",
    "needs_destruction_confirmation",
    "accepted",
    "not_yet_eligible",
    "awaiting_sender_confirmation",
]


class PolicyOutcome(ConditionBase):
    tag: ClassVar[str] = "policy_outcome"
    policy_outcome: OneOrMany[Outcome]

    def check(self, ctx: RuleContext) -> bool:
        return ctx.policy_outcome() in self.policy_outcome

    def describe(self) -> str:
        return f"policy outcome is {join(list(self.policy_outcome))}"
