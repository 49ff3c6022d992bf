"""Builders for hostile mail: small byte-level helpers, so every test shows exactly which bytes
an attacker (or a broken mailer) sends us. Nothing here knows how Postkamer will react.
"""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid

from tests.intake.helpers import assemble_pdf

SUPPORT = "support@contracts.example.com"
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8", "surrogateescape")


def headers(
    sender: str = "Jan Peeters <jan@klant.example.be>",
    subject: str = "Vraag",
    *,
    message_id: str | None = None,
    extra: str = "",
) -> str:
    """A header block (no blank line at the end); `extra` lines come after Message-ID."""
    mid = message_id or make_msgid(domain="klant.example.be")
    lines = [
        f"From: {sender}",
        f"To: {SUPPORT}",
        f"Subject: {subject}",
        f"Date: {format_datetime(NOW)}",
        f"Message-ID: {mid}",
    ]
    if extra:
        lines.append(extra.strip("\n"))
    return "\n".join(lines)


def plain(
    body: str = "Goedendag,\n\nMijn printer drukt niet meer af.\n\nJan\n",
    sender: str = "Jan Peeters <jan@klant.example.be>",
    subject: str = "Vraag",
    *,
    message_id: str | None = None,
    extra: str = "",
    charset: str = "utf-8",
) -> bytes:
    head = headers(sender, subject, message_id=message_id, extra=extra)
    head += f"\nMIME-Version: 1.0\nContent-Type: text/plain; charset={charset}"
    return crlf(head) + b"\r\n\r\n" + crlf(body)


def with_parts(
    parts: list[bytes],
    *,
    sender: str = "Jan Peeters <jan@klant.example.be>",
    subject: str = "Vraag",
    extra: str = "",
    boundary: str = "==b0undary==",
    subtype: str = "mixed",
) -> bytes:
    """A multipart mail from ready-made part bytes (each: headers, blank line, body)."""
    head = headers(sender, subject, extra=extra)
    head += f'\nMIME-Version: 1.0\nContent-Type: multipart/{subtype}; boundary="{boundary}"'
    out = [crlf(head), b"\r\n\r\n"]
    for part in parts:
        out += [f"--{boundary}\r\n".encode(), part, b"\r\n"]
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def text_part(body: str, ctype: str = "text/plain; charset=utf-8") -> bytes:
    return crlf(f"Content-Type: {ctype}\nContent-Transfer-Encoding: 8bit\n\n{body}")


def attachment_part(
    data: bytes,
    disposition: str,
    ctype: str = "application/octet-stream",
) -> bytes:
    """`disposition` is the whole Content-Disposition value (attacker-controlled names)."""
    encoded = base64.encodebytes(data).decode("ascii")
    head = (
        f"Content-Type: {ctype}\nContent-Disposition: {disposition}\n"
        "Content-Transfer-Encoding: base64\n\n"
    )
    return crlf(head) + encoded.replace("\n", "\r\n").encode("ascii")


def nested(depth: int) -> bytes:
    """A mail whose MIME tree is `depth` multiparts deep."""
    body = b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    for level in range(depth, 0, -1):
        b = f"d{level}"
        body = (
            f'Content-Type: multipart/mixed; boundary="{b}"\r\n\r\n--{b}\r\n'.encode()
            + body
            + f"\r\n--{b}--\r\n".encode()
        )
    return crlf(headers(subject="diep") + "\nMIME-Version: 1.0") + b"\r\n" + body


def many_parts(count: int) -> bytes:
    parts = [text_part(f"part {i}") for i in range(count)]
    return with_parts(parts, subject="veel delen")


def huge_header(tokens: int) -> bytes:
    """A To: header of `tokens` short addresses folded over many lines (a 100k-token header)."""
    addresses = ",\r\n ".join(f"u{i}@x.example" for i in range(tokens))
    return (
        crlf(headers(subject="lange header"))
        + b"\r\nCc: "
        + addresses.encode()
        + (b"\r\n\r\nHallo\r\n")
    )


def slow_pdf(pages: int) -> bytes:
    """A PDF with a page tree of `pages` pages, each with a content stream of many tiny
    text operations: parsing all of it would take far longer than the text limit allows."""
    ops = b" ".join(b"BT /F1 1 Tf %d %d Td (x) Tj ET" % (i % 600, i % 700) for i in range(400))
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    font = 3 + 2 * pages
    for i in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, 4 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return assemble_pdf(objects)


def zip_bomb_docx(size: int) -> bytes:
    """A DOCX-shaped zip whose word/document.xml inflates to `size` bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        body = b"<w:document><w:body><w:p><w:r><w:t>" + b"A" * size + b"</w:t></w:r></w:p>"
        archive.writestr("word/document.xml", body + b"</w:body></w:document>")
    return out.getvalue()


def delivery_report(
    returned_id: str, recipient: str, diagnostic: str, sender: str, text: str = ""
) -> bytes:
    """A delivery status notification (RFC 3464) saying `recipient` failed, for the mail
    `returned_id` from the desk; `text` is added to its human-readable part."""
    return crlf(
        headers(sender, "Undelivered Mail Returned to Sender")
        + "\nMIME-Version: 1.0"
        + '\nContent-Type: multipart/report; report-type=delivery-status; boundary="r"'
        + "\n\n--r\nContent-Type: text/plain; charset=utf-8\n\n"
        + "Your message could not be delivered.\n"
        + text
        + "--r\nContent-Type: message/delivery-status\n\n"
        + "Reporting-MTA: dns; mx.elders.example.org\n\n"
        + f"Final-Recipient: rfc822; {recipient}\nAction: failed\nStatus: 5.1.1\n"
        + f"Diagnostic-Code: smtp; {diagnostic}\n"
        + "--r\nContent-Type: text/rfc822-headers\n\n"
        + f"Message-ID: {returned_id}\nFrom: {SUPPORT}\nSubject: Re: Opzegging\n"
        + "--r--\n"
    )
