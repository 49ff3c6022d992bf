"""Outlook containers count like any other part: a winmail.dat (TNEF) gives the message's body
and its files, an attached Outlook item (.msg) its text and its files. Broken or hostile
containers are recorded with their error and never stop the mail."""

from __future__ import annotations

import time

import pytest

from intake.model import ParsedMail
from intake.parse import ParseLimits, parse_mail
from routing.config import DEFAULT_CONFIG_PATH, load_routing_config
from routing.decide import route_bytes
from routing.model import RoutingDecision
from routing.registry import Registry
from tests.hostile.conftest import SQLITE_ONLY, Pipeline
from tests.hostile.mails import attachment_part, text_part, with_parts
from tests.intake.helpers import CORPUS, SAMPLES, pdf_with_text
from tests.realmail.mails import TNEF_SIGNATURE, outlook_msg, tnef

SOFIE = "Sofie Vanacker <sofie.vanacker@kmw.example.be>"  # contact of ML 402-118 (monthly)
CANCEL = (
    "Goedemiddag,\n\nHierbij zeggen wij onze maandelijkse licentie ML 402-118 op.\n"
    "Het verklaring van vernietiging zit in bijlage.\n\nMet vriendelijke groeten,\nSofie Vanacker"
)
CERTIFICATE = pdf_with_text(
    "Vernietigingsverklaring: alle kopieen van de software zijn vernietigd."
)


def winmail(
    data: bytes, *, body: str | None = None, sender: str = SOFIE, subject: str = "Opzegging"
) -> bytes:
    parts = [text_part(body)] if body is not None else []
    parts.append(attachment_part(data, 'attachment; filename="winmail.dat"', "application/ms-tnef"))
    return with_parts(parts, sender=sender, subject=subject)


def route(data: bytes) -> RoutingDecision:
    config = load_routing_config(DEFAULT_CONFIG_PATH)
    registry = Registry.from_csv(SAMPLES / "contracts.csv")
    return route_bytes(data, registry=registry, config=config)


def names(parsed: ParsedMail) -> list[str]:
    return [a.filename for a in parsed.attachments]


def test_exchange_rich_text_mail_in_winmail_dat_is_read_whole() -> None:
    """Exchange sent the message as TNEF only: the body is compressed RTF in the MAPI
    properties and the destruction certificate is a file inside winmail.dat."""
    files = [("vernietigingsverklaring ML 402-118.pdf", "application/pdf", CERTIFICATE)]
    data = winmail(tnef("Opzegging licentie", rtf_body=CANCEL, files=files))
    parsed = parse_mail(data)
    assert "Hierbij zeggen wij onze maandelijkse licentie ML 402-118 op." in parsed.text
    assert names(parsed) == ["winmail.dat", "vernietigingsverklaring ML 402-118.pdf"]
    pdf = parsed.attachments[1]
    assert pdf.sniffed_type == "application/pdf" and "vernietigd" in (pdf.text or "")
    decision = route(data)
    assert decision.queue == "cancellation"
    assert decision.contract_numbers == ("ML402118",)
    assert decision.destruction_confirmation is True
    assert decision.language == "nl"


def test_old_style_tnef_body_and_a_file_next_to_a_mime_body() -> None:
    inner = tnef(
        "Vraag",
        body="Kunt u mij een kopie van het contract bezorgen?",
        files=[
            ("offerte.txt", "text/plain", b"Offerte contract PW/ML/0612\r\n"),
        ],
    )
    parsed = parse_mail(winmail(inner, body="Zie bijlage.\n"))
    assert parsed.text.strip() == "Zie bijlage."  # the MIME body stays the body
    container, offer = parsed.attachments
    assert "kopie van het contract" in (container.text or "")
    assert offer.filename == "offerte.txt" and "PW/ML/0612" in (offer.text or "")


def test_attached_outlook_item_counts_with_its_text_and_files() -> None:
    item = outlook_msg("Wij zeggen het onderhoudscontract HW-2207-4418 op tegen eind dit jaar.")
    data = with_parts(
        [
            text_part("Goedemiddag,\n\nZie de doorgestuurde mail in bijlage.\n\nAn\n"),
            attachment_part(
                item, 'attachment; filename="Opzegging.msg"', "application/vnd.ms-outlook"
            ),
        ],
        sender="An Mertens <an.mertens@zevenlinden.example.be>",
        subject="Fwd: opzegging",
    )
    parsed = parse_mail(data)
    msg = parsed.attachments[0]
    assert msg.filename == "Opzegging.msg"
    assert "Subject: Newsletter Prüfung Personalwesen" in (msg.text or "")
    assert "HW-2207-4418" in (msg.text or "")
    assert names(parsed)[1:] == [
        "newsletter.png",
        "spacer.gif",
        "image004.jpg",
        "image006.jpg",
        "image008.jpg",
    ]
    assert parsed.attachments[1].sniffed_type == "image/png"
    assert route(data).contract_numbers == ("HW22074418",)


def test_the_corpus_outlook_item_attached_as_is() -> None:
    raw = (CORPUS / "mail-parser" / "mail_outlook_1").read_bytes()
    parsed = parse_mail(with_parts([attachment_part(raw, 'attachment; filename="newsletter.msg"')]))
    assert "Sehr geehrte Frau Gaiser-Schönenborn" in (parsed.attachments[0].text or "")
    assert len(parsed.attachments) == 6


@pytest.mark.parametrize(
    ("container", "filename"),
    [
        (tnef("x", body="y")[:50], "winmail.dat"),  # cut short
        (b"not a tnef stream at all", "winmail.dat"),  # declared, no signature
        (
            TNEF_SIGNATURE + b"\x01\x00" + b"\x01\x03\x90\x06\x00" + b"\xff" * 4 + b"\x00" * 64,
            "winmail.dat",
        ),  # an attribute longer than the stream
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "broken.msg"),  # OLE header only
        (outlook_msg("x")[:3000], "cut.msg"),
    ],
    ids=["tnef-cut", "tnef-no-signature", "tnef-overlong-attribute", "msg-header-only", "msg-cut"],
)
def test_broken_containers_are_recorded_and_the_mail_goes_on(
    container: bytes, filename: str
) -> None:
    parsed = parse_mail(
        with_parts(
            [
                text_part("Goedemiddag, een kopie van ons contract graag.\n"),
                attachment_part(
                    container, f'attachment; filename="{filename}"', "application/ms-tnef"
                ),
            ]
        )
    )
    assert parsed.text.startswith("Goedemiddag")
    assert parsed.attachments[0].filename == filename
    assert parsed.attachments[0].text_error


def test_a_hostile_property_count_is_bounded() -> None:
    """tnefparse loops up to 2**32 times on this; the reader stops at what the bytes allow."""
    props = b"\xff\xff\xff\xff" + (b"\x02\x01\x00\x10" + b"\xff\xff\xff\xff") * 2000
    head = TNEF_SIGNATURE + b"\x01\x00"
    attr = b"\x01" + (0x00069003).to_bytes(4, "little") + len(props).to_bytes(4, "little")
    many = b"".join(
        b"\x02" + (0x0006800F).to_bytes(4, "little") + (1).to_bytes(4, "little") + b"x\x00\x00"
        for _ in range(50_000)
    )
    data = head + attr + props + b"\x00\x00" + many
    started = time.monotonic()
    parsed = parse_mail(
        with_parts([text_part("x\n"), attachment_part(data, 'attachment; filename="winmail.dat"')]),
        ParseLimits(attachment_text_seconds=1.0),
    )
    assert time.monotonic() - started < 5
    assert parsed.attachments[0].text_error
    assert len(parsed.attachments) <= 1 + 100


@SQLITE_ONLY
def test_winmail_dat_through_processing(pipeline: Pipeline) -> None:
    files = [("vernietigingsverklaring.pdf", "application/pdf", CERTIFICATE)]
    pipeline.ingest({"tnef.eml": winmail(tnef("Opzegging licentie", rtf_body=CANCEL, files=files))})
    stored = pipeline.stored("tnef.eml")
    assert stored.ledger.state == "processed", stored.ledger.reason
    assert stored.ticket is not None and stored.ticket.queue == "cancellation"
    assert stored.message is not None and "ML 402-118" in stored.message.text
    assert [a.filename for a in stored.attachments] == [
        "winmail.dat",
        "vernietigingsverklaring.pdf",
    ]
    assert stored.message.decision is not None
    assert stored.message.decision["destruction_confirmation"] is True
