"""Conditions combined: `all`, `any`, `not`, and `Condition`, the union of every condition type.

A condition in YAML is a mapping with exactly one key: the tag of a condition type (one module
each in this package) or a combinator. `when: [a, b]` is short for `when: {all: [a, b]}`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Discriminator, Field, Tag

from routing.rules.attachment_type import AttachmentType
from routing.rules.base import ConditionBase, OneOrMany, RuleContext
from routing.rules.contract_kind import ContractKind
from routing.rules.contract_number import ContractNumber
from routing.rules.contract_scope import ContractScope
from routing.rules.disposition import DispositionIs
from routing.rules.extracted import Extracted
from routing.rules.language import LanguageIs
from routing.rules.mailbox import MailboxIs
from routing.rules.policy_outcome import PolicyOutcome
from routing.rules.queue import QueueIs
from routing.rules.queue_score import QueueScore
from routing.rules.sender_address import SenderAddress
from routing.rules.sender_domain import SenderDomain
from routing.rules.text_match import TextMatches


class AllOf(ConditionBase):
    tag: ClassVar[str] = "all"
    all: OneOrMany[Condition]

    def check(self, ctx: RuleContext) -> bool:
        return all(c.check(ctx) for c in self.all)

    def describe(self) -> str:
        return "(" + " and ".join(c.describe() for c in self.all) + ")"


class AnyOf(ConditionBase):
    tag: ClassVar[str] = "any"
    any: OneOrMany[Condition]

    def check(self, ctx: RuleContext) -> bool:
        return any(c.check(ctx) for c in self.any)

    def describe(self) -> str:
        return "(" + " or ".join(c.describe() for c in self.any) + ")"


class NotOf(ConditionBase):
    tag: ClassVar[str] = "not"
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    not_: Condition = Field(alias="not")

    def check(self, ctx: RuleContext) -> bool:
        return not self.not_.check(ctx)

    def describe(self) -> str:
        return f"not {self.not_.describe()}"


CONDITION_TYPES: tuple[type[ConditionBase], ...] = (
    AllOf,
    AnyOf,
    NotOf,
    DispositionIs,
    LanguageIs,
    ContractKind,
    ContractScope,
    ContractNumber,
    Extracted,
    SenderAddress,
    SenderDomain,
    AttachmentType,
    MailboxIs,
    QueueIs,
    QueueScore,
    TextMatches,
    PolicyOutcome,
)
TAGS: tuple[str, ...] = tuple(t.tag for t in CONDITION_TYPES)


def _tag_of(value: Any) -> str | None:
    if isinstance(value, ConditionBase):
        return value.tag
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in TAGS else None
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[DispositionIs, Tag("disposition")]
    | Annotated[LanguageIs, Tag("language")]
    | Annotated[ContractKind, Tag("contract_kind")]
    | Annotated[ContractScope, Tag("contract_scope")]
    | Annotated[ContractNumber, Tag("contract_number")]
    | Annotated[Extracted, Tag("extracted")]
    | Annotated[SenderAddress, Tag("sender_address")]
    | Annotated[SenderDomain, Tag("sender_domain")]
    | Annotated[AttachmentType, Tag("attachment_type")]
    | Annotated[MailboxIs, Tag("mailbox")]
    | Annotated[QueueIs, Tag("queue")]
    | Annotated[QueueScore, Tag("queue_score")]
    | Annotated[TextMatches, Tag("text_matches")]
    | Annotated[PolicyOutcome, Tag("policy_outcome")],
    Discriminator(
        _tag_of,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is a mapping with exactly one of the keys: " + ", ".join(TAGS)
        ),
    ),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()
