"""Condition `disposition`: the mail's disposition is one of the values given."""

from __future__ import annotations

from typing import ClassVar, Literal

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join

DispositionName = Literal["ticket", "followup", "auto_reply", "bounce", "bulk", "quarantine"]


class DispositionIs(ConditionBase):
    tag: ClassVar[str] = "disposition"
    disposition: OneOrMany[DispositionName]

    def check(self, ctx: RuleContext) -> bool:
        return ctx.disposition.value in self.disposition

    def describe(self) -> str:
        return f"disposition is {join(list(self.disposition))}"
