"""Condition `mailbox`: the mail arrived in one of these mailboxes (names from the settings)."""

from __future__ import annotations

from typing import ClassVar

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join


class MailboxIs(ConditionBase):
    tag: ClassVar[str] = "mailbox"
    mailbox: OneOrMany[str]

    def check(self, ctx: RuleContext) -> bool:
        return ctx.mailbox in self.mailbox

    def describe(self) -> str:
        return f"mailbox is {join(list(self.mailbox))}"
