"""Condition `extracted`: every named finding of extraction is true, e.g.
`{extracted: destruction_confirmation}` or `[breach_claimed, machine_out_of_use]`."""

from __future__ import annotations

from typing import ClassVar, Literal

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join

Finding = Literal[
    "destruction_confirmation", "machine_out_of_use", "breach_claimed", "requested_end_date"
]


class Extracted(ConditionBase):
    tag: ClassVar[str] = "extracted"
    extracted: OneOrMany[Finding]

    def check(self, ctx: RuleContext) -> bool:
        found = {
            "destruction_confirmation": ctx.extraction.destruction_confirmation,
            "machine_out_of_use": ctx.extraction.machine_out_of_use,
            "breach_claimed": ctx.extraction.breach_claimed,
            "requested_end_date": ctx.extraction.requested_end_date is not None,
        }
        return all(found[name] for name in self.extracted)

    def describe(self) -> str:
        return f"mail states {join(list(self.extracted))}"
