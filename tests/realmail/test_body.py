"""Which part is the body, and whether the header block survives a broken line: a text file
sent inline is the body when there is no other (as Python's `get_body` reads it), a
Content-Type without a subtype is text/plain (RFC 2045), a malformed header line no longer
costs From, Subject and Date, and format=flowed bodies are joined into their paragraphs."""

from __future__ import annotations

import pytest

from intake.parse import parse_mail
from routing.config import DEFAULT_CONFIG_PATH, load_routing_config
from routing.decide import route_bytes
from routing.registry import Registry
from tests.hostile.mails import attachment_part, crlf, headers, text_part, with_parts
from tests.intake.helpers import CORPUS, SAMPLES

ENGLISH = (
    "Hello,\n\nWe would like to cancel the maintenance contract HW-2207-4418 for our bottling "
    "line. Could you please confirm the end date?\n\nKind regards,\nAn Mertens\n"
)


def decide(data: bytes):  # type: ignore[no-untyped-def]
    config = load_routing_config(DEFAULT_CONFIG_PATH)
    return route_bytes(data, registry=Registry.from_csv(SAMPLES / "contracts.csv"), config=config)


def single(ctype: str, disposition: str | None, body: str = ENGLISH) -> bytes:
    head = headers("An Mertens <an.mertens@zevenlinden.example.be>", "Maintenance contract")
    head += f"\nMIME-Version: 1.0\nContent-Type: {ctype}"
    if disposition:
        head += f"\nContent-Disposition: {disposition}"
    return crlf(head) + b"\r\n\r\n" + crlf(body)


@pytest.mark.parametrize(
    "data",
    [
        single("text/plain; charset=utf-8", 'inline; filename="message.txt"'),
        single('text/plain; charset=utf-8; name="message.txt"', None),
        with_parts(
            [
                text_part(ENGLISH).replace(
                    b"8bit", b'8bit\r\nContent-Disposition: inline; filename="body.txt"'
                )
            ],
            sender="An Mertens <an.mertens@zevenlinden.example.be>",
            subject="Maintenance contract",
        ),
    ],
    ids=["top-level-inline-file", "top-level-name-only", "only-text-part-of-multipart"],
)
def test_text_sent_as_an_inline_file_is_the_body(data: bytes) -> None:
    parsed = parse_mail(data)
    assert "cancel the maintenance contract" in parsed.text
    assert [a.filename for a in parsed.attachments] != []  # the file itself is kept too
    decision = decide(data)
    assert decision.language == "en"
    assert decision.queue == "cancellation"
    assert decision.contract_numbers == ("HW22074418",)


def test_an_inline_text_file_next_to_a_body_stays_an_attachment() -> None:
    data = with_parts(
        [
            text_part("Zie bijgevoegd logbestand.\n"),
            attachment_part(
                b"ERROR 42 printer offline\n", 'inline; filename="log.txt"', "text/plain"
            ),
        ]
    )
    parsed = parse_mail(data)
    assert parsed.text.strip() == "Zie bijgevoegd logbestand."
    assert [a.filename for a in parsed.attachments] == ["log.txt"]


def test_a_text_file_sent_as_attachment_is_not_the_body() -> None:
    parsed = parse_mail(single("text/plain; charset=utf-8", 'attachment; filename="x.txt"'))
    assert parsed.text == ""


def test_content_type_without_subtype_is_text_plain() -> None:
    """RFC 2045 5.2: an invalid Content-Type means text/plain, even with a name= on it."""
    data = single('application-x-gzip; name="request.txt"', None)
    parsed = parse_mail(data)
    assert parsed.content_type == "text/plain"
    assert "cancel the maintenance contract" in parsed.text
    assert decide(data).language == "en"


def test_one_malformed_header_line_keeps_from_subject_and_date() -> None:
    head = (
        "Received: from mx.zevenlinden.example.be by mx.contracts.example.com\n"
        "This line is no header field\n"
        "From: An Mertens <an.mertens@zevenlinden.example.be>\n"
        "To: support@contracts.example.com\n"
        "Subject : Maintenance contract\n"
        "Date: Mon, 1 Jun 2026 12:00:00 +0200\n"
        "Message-ID: <broken-1@zevenlinden.example.be>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8"
    )
    parsed = parse_mail(crlf(head) + b"\r\n\r\n" + crlf(ENGLISH))
    assert parsed.from_ is not None and parsed.from_.email == "an.mertens@zevenlinden.example.be"
    assert parsed.subject == "Maintenance contract"
    assert parsed.date is not None and parsed.date.isoformat() == "2026-06-01T12:00:00+02:00"
    assert parsed.text.startswith("Hello,")
    assert any("folded line not indented" in d for d in parsed.defects)


def test_a_stray_line_under_an_identity_field_is_dropped_not_joined() -> None:
    head = (
        "From: An Mertens <an.mertens@zevenlinden.example.be>\n"
        "---- forwarded by the gateway ----\n"
        "Subject: Maintenance contract\nDate: Mon, 1 Jun 2026 12:00:00 +0200"
    )
    parsed = parse_mail(crlf(head) + b"\r\n\r\n" + crlf(ENGLISH))
    assert parsed.from_ is not None and parsed.from_.email == "an.mertens@zevenlinden.example.be"
    assert parsed.subject == "Maintenance contract"
    assert any("malformed header line skipped" in d for d in parsed.defects)


def test_header_lines_that_lost_their_indent_are_joined_to_their_field() -> None:
    """zammad mail054: every folded line starts in column 1; Content-Type's boundary was lost
    and the base64 MIME parts became the body."""
    parsed = parse_mail((CORPUS / "zammad" / "mail054.box").read_bytes())
    assert parsed.from_ is not None and parsed.from_.email == "karoline.smith@example.com"
    assert parsed.subject == "AW: One Net Business"
    assert parsed.text == "some text"
    assert "<1D7115FC-2F22-486C-B4B5-820D8A64A4D2@example.com>" in parsed.references


def test_a_body_without_a_blank_line_before_it_is_left_alone() -> None:
    parsed = parse_mail(b"From: a@example.be\nSubject: s\nHello there,\nmy printer broke.\n\nJan\n")
    assert parsed.text.startswith("Hello there,\nmy printer broke.")


FLOWED = (
    "Goedemiddag,\n\nHierbij zeggen wij ons onderhoudscontract HW-2207-4418 op. Graag \n"
    "een bevestiging van de einddatum, en een overzicht van de openstaande \n"
    "facturen.\n\nMet vriendelijke groeten,\nAn Mertens\n\n"
    "Op 28-05-2026 om 10:00 schreef Contract Support:\n> Beste klant, wij hebben uw \n"
    "> vraag goed ontvangen.\n"
)


@pytest.mark.parametrize("delsp", [False, True])
def test_format_flowed_paragraphs_are_joined(delsp: bool) -> None:
    body = FLOWED.replace(" \n", "  \n") if delsp else FLOWED
    ctype = "text/plain; charset=utf-8; format=flowed" + ("; delsp=yes" if delsp else "")
    parsed = parse_mail(single(ctype, None, body))
    lines = parsed.text.splitlines()
    assert (
        "Hierbij zeggen wij ons onderhoudscontract HW-2207-4418 op. Graag een bevestiging van "
        "de einddatum, en een overzicht van de openstaande facturen."
    ) in lines
    assert "> Beste klant, wij hebben uw vraag goed ontvangen." in lines
