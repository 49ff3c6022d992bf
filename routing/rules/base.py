"""What every routing rule condition shares: the context it reads and the model it extends.

A condition is a small pydantic model (its YAML form is a mapping with one key, the condition's
`tag`) with a `check(ctx)` that reads the `RuleContext` and a `describe()` for explanations.
`routing.rules.chain` walks the configured links in order; the decision goes to `routing.decide`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

from intake.model import Disposition, Extraction, MailText, ParsedMail
from routing.registry import Contract

T = TypeVar("T")


def _as_list(value: Any) -> Any:
    """Let a YAML author write `language: fr` as well as `language: [fr, nl]`."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


OneOrMany = Annotated[list[T], BeforeValidator(_as_list)]


@dataclass
class RuleState:
    """What the chain has decided so far; actions change it, later conditions read it."""

    queue: str | None
    priority: str = "normal"
    tags: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    reply_template: str | None = None  # set explicitly by a rule
    template_set: bool = False  # a rule chose the template (None = no reply)
    status: str | None = None
    no_reply: bool = False


@dataclass
class RuleContext:
    """Everything a condition may look at. Built once per mail by `routing.decide`."""

    parsed: ParsedMail
    disposition: Disposition
    extraction: Extraction
    text: MailText
    contracts: tuple[Contract, ...]  # contracts of the registry named in the mail
    sender: str  # lower-case address, "" when unknown
    mailbox: str
    scores: Mapping[str, float]
    state: RuleState
    policy_outcome: Callable[[], str | None]  # computed on demand; None when not a cancellation


class ConditionBase(BaseModel):
    """Base of every condition model. Subclasses set `tag` and implement check/describe."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    tag: ClassVar[str] = ""

    def check(self, ctx: RuleContext) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def join(values: list[str]) -> str:
    return ", ".join(str(v) for v in values)
