"""Condition `sender_domain`: the From address is at one of these domains or a subdomain."""

from __future__ import annotations

from typing import ClassVar

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join


class SenderDomain(ConditionBase):
    tag: ClassVar[str] = "sender_domain"
    sender_domain: OneOrMany[str]

    def check(self, ctx: RuleContext) -> bool:
        if "@" not in ctx.sender:
            return False
        domain = ctx.sender.rsplit("@", 1)[1]
        for wanted in self.sender_domain:
            w = wanted.strip().lower().lstrip("@")
            if domain == w or domain.endswith("." + w):
                return True
        return False

    def describe(self) -> str:
        return f"sender domain is {join(list(self.sender_domain))}"
