"""The rule chain: an ordered list of (condition, action) links, walked in order.

Like Mailman's chains, routing order is data: each link's `when` is checked against the mail
and, on a hit, its `then` changes the routing state (queue, priority, tags, reply template,
status, no automatic reply) and may `stop` the walk. Every hit and miss is recorded so the
decision can say which rules matched and which did not. Called by `routing.decide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from routing.rules.base import OneOrMany, RuleContext
from routing.rules.logic import AllOf, Condition

PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "waiting_on_customer", "resolved", "closed")


class Action(BaseModel):
    """What a matching rule does. Unset fields leave the state as it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    queue: str | None = None
    priority: Literal["low", "normal", "high", "urgent"] | None = None
    tags: OneOrMany[str] = []
    flags: OneOrMany[str] = []
    reply_template: str | None = None
    no_reply: bool = False  # skip the automatic reply
    status: Literal["new", "open", "waiting_on_customer", "resolved", "closed"] | None = None
    stop: bool = False

    def describe(self) -> str:
        parts = []
        if self.queue:
            parts.append(f"queue {self.queue}")
        if self.priority:
            parts.append(f"priority {self.priority}")
        if self.tags:
            parts.append("tags " + ", ".join(self.tags))
        if self.flags:
            parts.append("flags " + ", ".join(self.flags))
        if self.reply_template:
            parts.append(f"reply {self.reply_template}")
        if self.no_reply:
            parts.append("no automatic reply")
        if self.status:
            parts.append(f"status {self.status}")
        if self.stop:
            parts.append("stop")
        return "; ".join(parts) or "nothing"


class Rule(BaseModel):
    """One link of the chain."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    description: str = ""
    enabled: bool = True
    when: Condition | None = None  # None: always
    then: Action = Action()

    @field_validator("when", mode="before")
    @classmethod
    def _list_means_all(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {"all": value}
        return value

    def matches(self, ctx: RuleContext) -> bool:
        return True if self.when is None else self.when.check(ctx)

    def describe(self) -> str:
        """The rule's description, or its condition in words."""
        if self.description:
            return self.description.rstrip(".")
        cond = "always" if self.when is None else self.when.describe()
        if isinstance(self.when, AllOf) and cond.startswith("("):
            cond = cond[1:-1]
        return cond


@dataclass(frozen=True, slots=True)
class ChainResult:
    hits: tuple[str, ...]  # "rule NAME matched (...): action"
    misses: tuple[str, ...]  # "rule NAME not matched (...)"
    hit_names: tuple[str, ...]
    miss_names: tuple[str, ...]


def walk(rules: list[Rule], ctx: RuleContext) -> ChainResult:
    """Check each enabled rule in order, apply the actions of those that match."""
    hits: list[str] = []
    misses: list[str] = []
    hit_names: list[str] = []
    miss_names: list[str] = []
    state = ctx.state
    for rule in rules:
        if not rule.enabled:
            continue
        if not rule.matches(ctx):
            misses.append(f"rule {rule.name} not matched ({rule.describe()})")
            miss_names.append(rule.name)
            continue
        action = rule.then
        hits.append(f"rule {rule.name} matched ({rule.describe()}): {action.describe()}")
        hit_names.append(rule.name)
        if action.queue is not None:
            state.queue = action.queue
        if action.priority is not None:
            state.priority = action.priority
        state.tags.extend(t for t in action.tags if t not in state.tags)
        state.flags.extend(f for f in action.flags if f not in state.flags)
        if action.reply_template is not None:
            state.reply_template = action.reply_template
            state.template_set = True
        if action.no_reply:
            state.no_reply = True
        if action.status is not None:
            state.status = action.status
        if action.stop:
            break
    return ChainResult(tuple(hits), tuple(misses), tuple(hit_names), tuple(miss_names))
