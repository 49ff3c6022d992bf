"""Delivery status notifications: RFC 3464 blocks and the prose of non-standard bounces.

`intake.parse` fills `ParsedMail.delivery_reports` and `returned_message_id` with these;
`intake.disposition` uses them to call a mail a bounce and to name the outbound messages
that failed (which processing marks failed only when the report also names the reply's
recipient). Everything in a report is the sender's text: `untrusted_excerpt` is the form in
which it may be kept and shown, always as someone else's words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from intake.model import DeliveryReport

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]{0,40})[ \t]*:[ \t]*(.*)$")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"(?<![\d.])([45]\d\d)(?:[ -]|$)")
_ADDRESS = re.compile(
    r"<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63})>?"
)
_MESSAGE_ID_LINE = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]{1,500}>)", re.I | re.M)
_DELAY_WORDS = re.compile(
    r"delayed|will retry|will be retried|still trying|not yet been delivered|vertraagd|retard",
    re.I,
)
_MAX_REPORTS = 100


def _after_type(value: str) -> str:
    """`rfc822; a@b` -> `a@b`; `smtp; 550 ...` -> `550 ...`."""
    _, sep, rest = value.partition(";")
    return (rest if sep else value).strip()


def report_from_fields(fields: Iterable[tuple[str, str]]) -> DeliveryReport | None:
    """One per-recipient block (already decoded header-like fields) as a report, or None
    when the block has no Action (the per-message block)."""
    found: dict[str, str] = {}
    for name, value in fields:
        found.setdefault(name.lower(), " ".join(value.split()))
    action = found.get("action", "").lower().split(" ", 1)[0]
    if not action:
        return None
    recipient = _after_type(found.get("final-recipient") or found.get("original-recipient", ""))
    return DeliveryReport(
        action=action[:20],
        recipient=recipient.lower()[:320],
        status=found.get("status", "").split(" ", 1)[0][:20],
        diagnostic=_after_type(found.get("diagnostic-code", ""))[:1000],
    )


def reports_from_text_blocks(text: str) -> list[DeliveryReport]:
    """RFC 3464 fields written into a text part (blank-line separated blocks)."""
    reports: list[DeliveryReport] = []
    for block in re.split(r"\n[ \t]*\n", text):
        if "action:" not in block.lower():
            continue
        fields: list[tuple[str, str]] = []
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and fields:
                fields[-1] = (fields[-1][0], fields[-1][1] + " " + line.strip())
                continue
            match = _FIELD.match(line.strip())
            if match:
                fields.append((match.group(1), match.group(2)))
        report = report_from_fields(fields)
        if report is not None:
            reports.append(report)
        if len(reports) >= _MAX_REPORTS:
            break
    return reports


def reports_from_prose(text: str, ignore: Iterable[str] = ()) -> list[DeliveryReport]:
    """Best effort for bounces without a delivery-status part: an address on a line with
    (or just before) an enhanced status or SMTP reply code. 5xx is `failed`, 4xx `delayed`."""
    skip = {a.lower() for a in ignore}
    lines = text.splitlines()[:2000]
    reports: dict[str, DeliveryReport] = {}
    for number, line in enumerate(lines):
        addresses = [a.lower() for a in _ADDRESS.findall(line)]
        addresses = [a for a in addresses if a not in skip and a not in reports]
        if not addresses:
            continue
        window = " ".join(lines[number : number + 3])
        status_match = _STATUS.search(window)
        code_match = _SMTP_CODE.search(window)
        if status_match:
            status = status_match.group(0)
        elif code_match:
            status = f"{code_match.group(1)[0]}.0.0"
        else:
            continue
        if status.startswith("2"):
            continue
        delayed = status.startswith("4") or bool(_DELAY_WORDS.search(window))
        for address in addresses:
            reports[address] = DeliveryReport(
                action="delayed" if delayed else "failed",
                recipient=address,
                status=status,
                diagnostic=" ".join(window.split())[:1000],
            )
        if len(reports) >= _MAX_REPORTS:
            break
    return list(reports.values())


def message_id_in_text(text: str) -> str | None:
    """The Message-ID of an original message quoted in a bounce's text, if one is shown."""
    match = _MESSAGE_ID_LINE.search(text)
    return match.group(1) if match else None


UNTRUSTED_LIMIT = 300


def untrusted_excerpt(text: str, limit: int = UNTRUSTED_LIMIT) -> str:
    """Someone else's text made fit to quote: one line, control and format characters gone
    (no line breaks, no bidirectional overrides), at most `limit` characters with an
    ellipsis. The caller still escapes it and labels it as not ours."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cf") else ch for ch in text
    )
    line = " ".join(kept.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
