"""Condition `contract_kind`: a contract named in the mail has one of these kinds.

The kind comes from the registry; without a known contract, from what the text names
(`Extraction.kind_hints`, e.g. "Passport Advantage").
"""

from __future__ import annotations

from typing import ClassVar, Literal

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join

Kind = Literal["passport_advantage", "monthly_license", "maintenance", "maintenance_addendum"]


class ContractKind(ConditionBase):
    tag: ClassVar[str] = "contract_kind"
    contract_kind: OneOrMany[Kind]

    def check(self, ctx: RuleContext) -> bool:
        if ctx.contracts:
            return any(c.kind in self.contract_kind for c in ctx.contracts)
        return any(k in self.contract_kind for k in ctx.extraction.kind_hints)

    def describe(self) -> str:
        return f"contract kind is {join(list(self.contract_kind))}"
