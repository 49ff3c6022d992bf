"""Condition `contract_scope`: a registry contract named in the mail has this scope."""

from __future__ import annotations

from typing import ClassVar, Literal

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join


class ContractScope(ConditionBase):
    tag: ClassVar[str] = "contract_scope"
    contract_scope: OneOrMany[Literal["hardware", "software"]]

    def check(self, ctx: RuleContext) -> bool:
        return any(c.scope in self.contract_scope for c in ctx.contracts)

    def describe(self) -> str:
        return f"contract scope is {join(list(self.contract_scope))}"
