"""Condition `text_matches`: a pattern (RE2, case and accents ignored) occurs in the parts
given, e.g. `{text_matches: {pattern: 'online.{0,40}(bekijk|consult|view)', parts: [subject,
new_text]}}`. Quoted history is not looked at unless `full_text` is named."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator

from routing.rules.base import ConditionBase, RuleContext
from routing.rules.textparts import PART_WORDS, Part, compile_pattern, fold, part_text


class TextPattern(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    pattern: str
    parts: list[Part] = ["subject", "new_text"]
    _compiled: Any = PrivateAttr(default=None)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        compile_pattern(value)  # raises PatternError (a ValueError): reported with the line
        return value

    def compiled(self) -> Any:
        if self._compiled is None:
            self._compiled = compile_pattern(self.pattern)
        return self._compiled


class TextMatches(ConditionBase):
    tag: ClassVar[str] = "text_matches"
    text_matches: TextPattern

    def check(self, ctx: RuleContext) -> bool:
        rx = self.text_matches.compiled()
        return any(rx.search(fold(part_text(ctx.text, p))) for p in self.text_matches.parts)

    def describe(self) -> str:
        where = ", ".join(PART_WORDS[p] for p in self.text_matches.parts)
        return f"text matches {self.text_matches.pattern!r} in {where}"
