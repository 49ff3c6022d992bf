"""Builders for the real-world mail shapes these tests feed in: read receipts (RFC 8098),
abuse reports (RFC 5965), delivery reports sent on their own (RFC 3464). Byte-level, so each
test shows what a mail system sends; nothing here knows how Postkamer reacts."""

from __future__ import annotations

from email.utils import format_datetime, make_msgid

from tests.hostile.mails import NOW, SUPPORT, crlf


def read_receipt(
    original_id: str,
    *,
    sender: str = "Jan Peeters <jan@klant.example.be>",
    subject: str = "Gelezen: Uw vraag",
    extra: str = "",
) -> bytes:
    """An MDN as Outlook and Thunderbird send it: no Auto-Submitted, no In-Reply-To; the
    mail it is about is named only in the report part's Original-Message-ID."""
    head = (
        f"From: {sender}\nTo: {SUPPORT}\nSubject: {subject}\nDate: {format_datetime(NOW)}\n"
        f"Message-ID: {make_msgid(domain='klant.example.be')}\n{extra}MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"'
    )
    body = (
        "--mdn\nContent-Type: text/plain; charset=utf-8\n\n"
        "Dit is een ontvangstbevestiging voor het bericht dat u verzond aan "
        "jan@klant.example.be.\nOpmerking: deze bevestiging betekent alleen dat het bericht "
        "werd geopend.\n\n"
        "--mdn\nContent-Type: message/disposition-notification\n\n"
        "Reporting-UA: klant.example.be; Microsoft Outlook 16.0\n"
        "Final-Recipient: rfc822;jan@klant.example.be\n"
        f"Original-Message-ID: {original_id}\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n\n--mdn--\n"
    )
    return crlf(head) + b"\r\n\r\n" + crlf(body)


def abuse_report(original_id: str, *, subject: str = "Uw vraag") -> bytes:
    """An ARF report from a mail provider's feedback loop: a human-readable part, the
    machine-readable report and the reported mail (ours) attached."""
    head = (
        f"From: Feedback Loop <fbl@mailprovider.example>\nTo: {SUPPORT}\n"
        f"Subject: Complaint about message from 192.0.2.25\nDate: {format_datetime(NOW)}\n"
        f"Message-ID: {make_msgid(domain='mailprovider.example')}\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"'
    )
    body = (
        "--arf\nContent-Type: text/plain; charset=utf-8\n\n"
        "This is an email abuse report for an email message received from IP 192.0.2.25.\n"
        "Please contact us if you have questions about this report.\n\n"
        "--arf\nContent-Type: message/feedback-report\n\n"
        "Feedback-Type: abuse\nUser-Agent: ProviderFBL/2.1\nVersion: 1\n"
        f"Original-Mail-From: <{SUPPORT}>\nOriginal-Rcpt-To: <jan@klant.example.be>\n"
        "Source-IP: 192.0.2.25\n\n"
        "--arf\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n"
        f"From: Contract Support <{SUPPORT}>\nTo: jan@klant.example.be\n"
        f"Subject: {subject}\nMessage-ID: {original_id}\n\nGoeiedag, wij hebben uw vraag goed "
        "ontvangen.\n\n--arf--\n"
    )
    return crlf(head) + b"\r\n\r\n" + crlf(body)


def lone_delivery_status(action: str = "failed", status: str = "5.1.1") -> bytes:
    """A delivery report that is only the RFC 3464 fields: top-level
    message/delivery-status, no From (some appliances and old MTAs send these)."""
    head = (
        f"To: {SUPPORT}\nSubject: Delivery report\nDate: {format_datetime(NOW)}\n"
        "MIME-Version: 1.0\nContent-Type: message/delivery-status"
    )
    body = (
        "Reporting-MTA: dns; mx.klant.example.be\n\n"
        "Final-Recipient: rfc822; jan@klant.example.be\n"
        f"Action: {action}\nStatus: {status}\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n"
    )
    return crlf(head) + b"\r\n\r\n" + crlf(body)
