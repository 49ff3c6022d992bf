"""Condition `language`: the detected language of the mail is one of the values given."""

from __future__ import annotations

from typing import ClassVar, Literal

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join


class LanguageIs(ConditionBase):
    tag: ClassVar[str] = "language"
    language: OneOrMany[Literal["nl", "fr", "en"]]

    def check(self, ctx: RuleContext) -> bool:
        return ctx.extraction.language in self.language

    def describe(self) -> str:
        return f"language is {join(list(self.language))}"
