"""The text views rules and classification read, and how text is compared.

Matching ignores case and accents: text and patterns are both folded (`résiliation` ->
`resiliation`). Supervisor patterns are compiled with RE2 (linear time, no backreferences), so
no mail can make a pattern run for long. Used by `routing.classify` and `text_matches`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

import re2

from intake.model import MailText

Part = Literal["subject", "new_text", "full_text", "attachment_names", "attachment_text"]
PARTS: tuple[Part, ...] = (
    "subject",
    "new_text",
    "full_text",
    "attachment_names",
    "attachment_text",
)
PART_WORDS = {
    "subject": "subject",
    "new_text": "text",
    "full_text": "full text",
    "attachment_names": "attachment name",
    "attachment_text": "attachment text",
}

_WORD = re.compile(r"[^\W_]+")  # fixed and linear: letters and digits


def fold(text: str) -> str:
    """Lower case without accents: `Résiliation` -> `resiliation`."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return _WORD.findall(fold(text))


def part_text(text: MailText, part: Part) -> str:
    """One view of the mail as a single string."""
    if part == "subject":
        return text.subject
    if part == "new_text":
        return text.new_text
    if part == "full_text":
        return text.full_text
    if part == "attachment_names":
        return "\n".join(text.attachment_names)
    return "\n".join(text.attachment_texts)


class PatternError(ValueError):
    """A pattern RE2 refuses (e.g. a backreference) or that does not compile."""


def compile_pattern(pattern: str) -> Any:
    """Compile a supervisor pattern with RE2, case-insensitive, over folded text."""
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = False
    options.max_mem = 8 << 20
    try:
        return re2.compile(fold(pattern), options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise PatternError(f"pattern {pattern!r} is refused by RE2: {detail}") from None
    except (TypeError, ValueError) as exc:
        raise PatternError(f"pattern {pattern!r} does not compile: {exc}") from None
