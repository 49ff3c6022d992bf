"""Condition `queue`: the queue chosen so far (by classification or an earlier rule)."""

from __future__ import annotations

from typing import ClassVar

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join


class QueueIs(ConditionBase):
    tag: ClassVar[str] = "queue"
    queue: OneOrMany[str]

    def check(self, ctx: RuleContext) -> bool:
        return ctx.state.queue in self.queue

    def describe(self) -> str:
        return f"queue is {join(list(self.queue))}"
