"""Small builders for routing tests: a parsed mail, an extraction and a registry, as values."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from intake.model import (
    Address,
    Attachment,
    Disposition,
    DispositionResult,
    Extraction,
    MailText,
    ParsedMail,
)
from routing.registry import Registry, parse_csv

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "samples"

REGISTRY_CSV = """contract_number,kind,scope,customer,contacts,start_date,language
ML-100,monthly_license,software,Alpha BV,anna@alpha.example.be,2023-01-01,nl
HW-200,maintenance,hardware,Beta NV,bob@beta.example.be;it@beta.example.be,2021-01-31,nl
HW-201,maintenance,hardware,Beta NV,bob@beta.example.be,2025-08-31,nl
PA-300,passport_advantage,software,Gamma SA,carl@gamma.example.be,2020-01-01,fr
AD-400,maintenance_addendum,hardware,Delta BV,dirk@delta.example.be,2020-01-01,nl
SW-500,maintenance,software,Epsilon SA,eva@eps.example.be,2020-01-01,fr
"""


def registry() -> Registry:
    return Registry(parse_csv(REGISTRY_CSV))


def parsed(
    subject: str = "",
    body: str = "",
    sender: str = "anna@alpha.example.be",
    attachments: tuple[Attachment, ...] = (),
    sent: datetime | None = None,
) -> ParsedMail:
    return ParsedMail(
        headers=(("Subject", subject),),
        message_id="<m1@example.be>",
        in_reply_to=(),
        references=(),
        subject=subject,
        from_=Address("", sender),
        reply_to=(),
        to=(Address("", "support@contracts.example.com"),),
        cc=(),
        date=sent,
        content_type="text/plain",
        text=body,
        html=None,
        attachments=attachments,
    )


def text(subject: str = "", new: str = "", full: str | None = None) -> MailText:
    return MailText(
        subject=subject, new_text=new, full_text=full if full is not None else new, signature=""
    )


def extraction(**kw: Any) -> Extraction:
    values: dict[str, Any] = {
        "language": "nl",
        "contract_numbers": (),
        "destruction_confirmation": False,
        "machine_out_of_use": False,
        "requested_end_date": None,
        "breach_claimed": False,
        "phone": None,
        "kind_hints": (),
    }
    values.update(kw)
    return Extraction(**values)


def ticket(*reasons: str) -> DispositionResult:
    return DispositionResult(Disposition.TICKET, reasons or ("no automatic-mail signs",))


def d(text_: str) -> date:
    return date.fromisoformat(text_)
