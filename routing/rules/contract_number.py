"""Condition `contract_number`: whether the mail names a contract number, and whether the
registry knows it. `{contract_number: present}`, `absent`, `known` or `unknown`."""

from __future__ import annotations

from typing import ClassVar, Literal

from routing.rules.base import ConditionBase, RuleContext


class ContractNumber(ConditionBase):
    tag: ClassVar[str] = "contract_number"
    contract_number: Literal["present", "absent", "known", "unknown"]

    def check(self, ctx: RuleContext) -> bool:
        numbers = ctx.extraction.contract_numbers
        known = {c.number for c in ctx.contracts}
        if self.contract_number == "present":
            return bool(numbers)
        if self.contract_number == "absent":
            return not numbers
        if self.contract_number == "known":
            return bool(known)
        return any(n not in known for n in numbers)

    def describe(self) -> str:
        return f"contract number {self.contract_number}"
