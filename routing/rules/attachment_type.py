"""Condition `attachment_type`: the mail has an attachment of one of these types.

A value with a slash is a MIME type (`application/pdf`, or `image/*`), compared with both the
declared and the sniffed type; a value starting with a dot is a file-name extension (`.pdf`).
"""

from __future__ import annotations

from typing import ClassVar

from routing.rules.base import ConditionBase, OneOrMany, RuleContext, join


def _type_matches(wanted: str, actual: str) -> bool:
    actual = actual.lower()
    if wanted.endswith("/*"):
        return actual.startswith(wanted[:-1])
    return actual == wanted


class AttachmentType(ConditionBase):
    tag: ClassVar[str] = "attachment_type"
    attachment_type: OneOrMany[str]

    def check(self, ctx: RuleContext) -> bool:
        for att in ctx.parsed.attachments:
            if att.inline:
                continue
            for raw in self.attachment_type:
                wanted = raw.strip().lower()
                if wanted.startswith("."):
                    if att.filename.lower().endswith(wanted):
                        return True
                elif _type_matches(wanted, att.content_type) or _type_matches(
                    wanted, att.sniffed_type
                ):
                    return True
        return False

    def describe(self) -> str:
        return f"attachment of type {join(list(self.attachment_type))}"
