"""Condition `sender_address`: the From address is one of these (case-insensitive)."""

from __future__ import annotations

from typing import ClassVar

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join


class SenderAddress(ConditionBase):
    tag: ClassVar[str] = "sender_address"
    sender_address: OneOrMany[str]

    def check(self, ctx: RuleContext) -> bool:
        wanted = {a.strip().lower() for a in self.sender_address}
        return bool(ctx.sender) and ctx.sender in wanted

    def describe(self) -> str:
        return f"sender is {join(list(self.sender_address))}"
