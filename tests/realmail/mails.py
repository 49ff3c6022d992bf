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


# --- Outlook containers -------------------------------------------------------------------

TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def mapi_props(*props: tuple[int, int, bytes | int]) -> bytes:
    """A MAPI property list as TNEF writes it (MS-OXTNEF 2.1.3.4): (type, id, value)."""
    out = [len(props).to_bytes(4, "little")]
    for ptype, pid, value in props:
        out.append(ptype.to_bytes(2, "little") + pid.to_bytes(2, "little"))
        if isinstance(value, int):
            out.append(value.to_bytes(4, "little"))
        else:
            out.append((1).to_bytes(4, "little") + len(value).to_bytes(4, "little") + _pad(value))
    return b"".join(out)


def unicode_value(text: str) -> bytes:
    return (text + "\x00").encode("utf-16-le")


def tnef(
    subject: str,
    *,
    body: str | None = None,
    rtf_body: str | None = None,
    files: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """A winmail.dat as Exchange writes it: the message's subject, its body (as attBody, or
    only as compressed RTF in the MAPI properties, as Outlook does for rich text), and its
    files (attAttachRendData, attAttachTitle, attAttachData, attAttachment properties)."""
    from compressed_rtf import compress  # type: ignore[import-untyped]

    out = [TNEF_SIGNATURE, b"\x01\x00"]

    def attr(level: int, attr_id: int, value: bytes) -> None:
        checksum = (sum(value) & 0xFFFF).to_bytes(2, "little")
        head = bytes([level]) + attr_id.to_bytes(4, "little") + len(value).to_bytes(4, "little")
        out.append(head + value + checksum)

    attr(1, 0x00089006, (0x10000).to_bytes(4, "little"))  # attTnefVersion
    attr(1, 0x00069007, (1252).to_bytes(4, "little") + b"\x00" * 4)  # attOemCodepage
    attr(1, 0x00078008, b"IPM.Microsoft Mail.Note\x00")  # attMessageClass
    attr(1, 0x00018004, subject.encode("cp1252") + b"\x00")  # attSubject
    if body is not None:
        attr(1, 0x0002800C, body.replace("\n", "\r\n").encode("cp1252"))  # attBody
    if rtf_body is not None:
        rtf = (
            r"{\rtf1\ansi\ansicpg1252\fromtext \deff0{\fonttbl{\f0\fswiss Arial;}}"
            + rtf_body.replace("\n", r"\par ")
            + "}"
        )
        props = mapi_props((0x0102, 0x1009, compress(rtf.encode("cp1252"))))
        attr(1, 0x00069003, props)  # attMsgProps: PR_RTF_COMPRESSED only
    for name, mime, data in files:
        attr(2, 0x00069002, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8)  # attAttachRendData
        attr(2, 0x00018010, name[:8].encode("cp1252") + b"\x00")  # attAttachTitle (8.3)
        attr(2, 0x0006800F, data)  # attAttachData
        props = mapi_props(
            (0x001F, 0x3707, unicode_value(name)),  # PR_ATTACH_LONG_FILENAME
            (0x001F, 0x370E, unicode_value(mime)),  # PR_ATTACH_MIME_TAG
        )
        attr(2, 0x00069005, props)  # attAttachment
    return b"".join(out)


def outlook_msg(body: str) -> bytes:
    """The real Outlook item of the corpus (mail-parser's mail_outlook_1) with its plain-text
    body stream replaced by `body` (padded to the stream's size, as olefile writes in place)."""
    import shutil
    import tempfile
    from pathlib import Path

    import olefile  # type: ignore[import-untyped]

    from tests.intake.helpers import CORPUS

    stream = "__substg1.0_1000001F"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "item.msg"
        shutil.copyfile(CORPUS / "mail-parser" / "mail_outlook_1", path)
        with olefile.OleFileIO(str(path), write_mode=True) as ole:
            size = ole.get_size(stream)
            text = body.encode("utf-16-le")
            assert len(text) <= size
            ole.write_stream(stream, text + " ".encode("utf-16-le") * ((size - len(text)) // 2))
        return path.read_bytes()
