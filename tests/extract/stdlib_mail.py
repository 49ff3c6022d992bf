"""Build a `ParsedMail` with the standard library, for extraction tests that must not depend on
`intake.parse` (the real parser). Only what extraction reads is filled in: subject, the readable
body (text/plain, else the HTML with tags stripped), attachment names and PDF text.
"""

from __future__ import annotations

import email
import hashlib
import html
import io
import re
from email import policy
from email.message import EmailMessage

import pypdf

from intake.model import Attachment, ParsedMail

_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK = re.compile(r"<(?:br|/p|/div|/tr|/li|p|div|tr)\b[^>]{0,2000}>", re.IGNORECASE)
_STYLE = re.compile(r"<(style|head|script)\b.*?</\1>", re.IGNORECASE | re.DOTALL)


def html_to_text(markup: str) -> str:
    markup = _STYLE.sub(" ", markup)
    markup = _BLOCK.sub("\n", markup)
    return html.unescape(_TAG.sub("", markup))


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def parse_with_stdlib(data: bytes) -> ParsedMail:
    msg = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    plain: str | None = None
    markup: str | None = None
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        name = part.get_filename()
        if name is None and ctype in ("text/plain", "text/html") and not part.is_attachment():
            try:
                content = part.get_content()
            except (LookupError, UnicodeError):
                continue
            if ctype == "text/plain" and plain is None:
                plain = content
            elif ctype == "text/html" and markup is None:
                markup = content
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        text = None
        if ctype == "application/pdf":
            text = _pdf_text(raw)
        attachments.append(
            Attachment(
                filename=name or "",
                content_type=ctype,
                sniffed_type=ctype,
                size=len(raw),
                sha256=hashlib.sha256(raw).hexdigest(),
                data=raw,
                text=text,
            )
        )
    body = plain if plain is not None else html_to_text(markup or "")
    return ParsedMail(
        headers=tuple((k, str(v)) for k, v in msg.items()),
        message_id=msg.get("Message-ID"),
        in_reply_to=(),
        references=(),
        subject=str(msg.get("Subject", "")),
        from_=None,
        reply_to=(),
        to=(),
        cc=(),
        date=None,
        content_type=msg.get_content_type(),
        text=body,
        html=markup,
        attachments=tuple(attachments),
    )
