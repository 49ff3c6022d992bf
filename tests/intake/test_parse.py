"""parse_mail on the samples and on hand-made damaged mail; html_to_text; attachments."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest

from intake.attachments import extract_text, sniff
from intake.html import html_to_text
from intake.parse import ParseError, ParseLimits, parse_mail
from tests.intake.helpers import (
    SAMPLES,
    docx_with_text,
    mail,
    pdf_with_text,
    sample,
    zip_bomb_docx,
)

BASIC = "From: Jan <jan@example.be>\nTo: support@contracts.example.com\nSubject: test"


def multipart(parts: list[tuple[str, bytes]], ctype: str = "multipart/mixed") -> bytes:
    """A multipart mail from (part headers, part body) pairs."""
    chunks = [f"{BASIC}\nMIME-Version: 1.0\nContent-Type: {ctype}; boundary=XX".encode()]
    chunks[0] = chunks[0].replace(b"\n", b"\r\n") + b"\r\n\r\nPreamble\r\n"
    for headers, body in parts:
        chunks.append(b"--XX\r\n" + headers.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body)
    chunks.append(b"\r\n--XX--\r\n")
    return b"\r\n".join(chunks)


# --- samples ------------------------------------------------------------------------------


def test_every_sample_parses_with_sender_subject_date_and_text() -> None:
    paths = sorted(SAMPLES.glob("*.eml"))
    assert len(paths) == 45
    for path in paths:
        parsed = parse_mail(path.read_bytes())
        assert parsed.from_ is not None and "@" in parsed.from_.email, path.name
        assert parsed.date is not None and parsed.date.tzinfo is not None, path.name
        assert parsed.text.strip(), path.name
        assert "=?" not in parsed.subject, path.name
        assert parsed.message_id and parsed.message_id.startswith("<"), path.name


def test_encoded_in_reply_to_is_decoded_to_message_ids() -> None:
    parsed = parse_mail(sample("007"))
    expected = "<AM4PR55MB8169ECB5D6CA10D991FA9E30@AM4PR55MB8169.eurprd01.prod.kmw.example.be>"
    assert parsed.in_reply_to == (expected,)
    assert parsed.references == (expected,)


def test_encoded_display_name_in_folded_from() -> None:
    parsed = parse_mail(sample("006"))
    assert parsed.from_ is not None
    assert parsed.from_.name == "Véronique Lejeune"
    assert parsed.from_.email == "v.lejeune@imprimerie-lejeune.example.be"


def test_mixed_encoded_and_plain_subject_keeps_spaces() -> None:
    parsed = parse_mail(sample("031"))
    assert parsed.subject == "Undeliverable: Accusé de réception de votre demande"


def test_rfc2231_filename_and_pdf_text() -> None:
    parsed = parse_mail(sample("005"))
    (pdf,) = parsed.attachments
    assert pdf.filename == "réclamation_détaillée.pdf"
    assert pdf.sniffed_type == "application/pdf"
    assert pdf.text and "contrat" in pdf.text.lower()
    assert pdf.data is not None and pdf.sha256 == hashlib.sha256(pdf.data).hexdigest()


@pytest.mark.parametrize("prefix", ["010", "017", "039"])
def test_destruction_certificates_in_sample_pdfs_are_read(prefix: str) -> None:
    (pdf,) = parse_mail(sample(prefix)).attachments
    assert pdf.text is not None and "destruction" in pdf.text.lower()
    assert pdf.text_error is None


def test_html_only_mail_gets_text_and_keeps_html() -> None:
    parsed = parse_mail(sample("022"))
    assert parsed.html is not None and "<" in parsed.html
    assert "kopie" in parsed.text and "<" not in parsed.text
    assert "70 4481 93" in parsed.text


def test_alternative_prefers_plain_and_inline_image_is_an_attachment() -> None:
    parsed = parse_mail(sample("002"))
    assert parsed.html is not None
    assert "<" not in parsed.text
    (logo,) = parsed.attachments
    assert logo.sniffed_type == "image/png" and logo.inline and logo.content_id


def test_delivery_status_report_is_read() -> None:
    parsed = parse_mail(sample("009"))
    (report,) = parsed.delivery_reports
    assert report.action == "failed" and report.status == "5.1.1"
    assert report.recipient == "w.desmedt@bakkerij-goossens.example.be"
    assert parsed.returned_message_id == "<ack-20260616-0830-5f21c9@contracts.example.com>"
    assert parsed.attachments == ()


def test_utc_date_stays_aware() -> None:
    parsed = parse_mail(sample("023"))
    assert parsed.date == datetime(2026, 2, 28, 23, 30, 12, tzinfo=UTC)


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "alice@example.org(<bob@example.org>",
        "alice@example.org)<bob@example.org>",
        "<bob@example.org>alice@example.org",
        "alice@example.org <bob@example.org> <carol@example.org>",
        "bob@example.org [alice@example.org]",
        '"bob@example.org',
    ],
)
def test_ambiguous_from_is_never_credited_to_the_hidden_address(header: str) -> None:
    parsed = parse_mail(mail(f"From: {header}\nSubject: x"))
    assert parsed.from_ is None or parsed.from_.email != "bob@example.org"
    if parsed.from_ is None:
        assert any("From" in d or "from" in d for d in parsed.defects)


def test_normal_address_lists() -> None:
    parsed = parse_mail(
        mail(
            'From: "Dupont, Luc" <L.Dupont@Example.net>\n'
            "To: a@example.be, Piet <piet@example.be>, undisclosed-recipients:;\n"
            "Cc: c@example.be (Carla)\nSubject: x"
        )
    )
    assert parsed.from_ is not None
    assert (parsed.from_.name, parsed.from_.email) == ("Dupont, Luc", "l.dupont@example.net")
    assert [a.email for a in parsed.to] == ["a@example.be", "piet@example.be"]
    assert parsed.cc[0].name == "Carla"


def test_encoded_newline_in_subject_cannot_inject_a_header() -> None:
    parsed = parse_mail(mail(f"{BASIC[: BASIC.index('Subject')]}Subject: =?UTF-8?Q?=0A?=Bcc: x"))
    assert "\n" not in parsed.subject and "\r" not in parsed.subject
    assert "Bcc: x" in parsed.subject
    for name, value in parsed.headers:
        assert "\n" not in value and "\r" not in value, name


def test_encoded_display_name_cannot_inject_an_address() -> None:
    parsed = parse_mail(mail('From: "=?utf-8?q?bob=40example.org_=3C?=" <alice@example.org>'))
    assert parsed.from_ is not None and parsed.from_.email == "alice@example.org"


def test_multibyte_character_split_across_encoded_words() -> None:
    word = "Résiliation".encode()
    first, second = base64.b64encode(word[:2]).decode(), base64.b64encode(word[2:]).decode()
    parsed = parse_mail(mail(f"From: a@b.be\nSubject: =?utf-8?b?{first}?=\n =?utf-8?b?{second}?="))
    assert parsed.subject == "Résiliation"


def test_unknown_charset_and_raw_8bit_headers_do_not_raise() -> None:
    data = mail("From: a@b.be\nSubject: =?x-klingon?q?caf=E9?= ok") + b""
    parsed = parse_mail(data)
    assert parsed.subject.endswith("ok") and "caf" in parsed.subject
    assert any("unknown charset" in d for d in parsed.defects)
    raw = b"From: =?utf-8?q?x?= <a@b.be>\r\nSubject: Caf\xc3\xa9 \xe9t\xe9\r\n\r\nbody\r\n"
    parsed = parse_mail(raw)
    assert parsed.subject.startswith("Caf")
    assert "\udce9" not in parsed.subject


def test_message_ids_without_brackets_and_with_comments() -> None:
    parsed = parse_mail(
        mail(
            "From: a@b.be\nMessage-Id: 20180802.58E7@mail.example.cz\n"
            "In-Reply-To: <x1@example.com> (message from Jan)\nReferences: <r1@a> <r2@b>\n <r3@c>"
        )
    )
    assert parsed.message_id == "<20180802.58E7@mail.example.cz>"
    assert parsed.in_reply_to == ("<x1@example.com>",)
    assert parsed.references == ("<r1@a>", "<r2@b>", "<r3@c>")


def test_broken_date_is_none_with_a_defect() -> None:
    parsed = parse_mail(mail("From: a@b.be\nDate: Wed, 05 Sep 2018 29:24:05 +0700"))
    assert parsed.date is None
    assert any(d.startswith("Date") for d in parsed.defects)
    parsed = parse_mail(mail("From: a@b.be\nDate: Tue, 3 Feb 2026 09:33:24 +0100"))
    assert parsed.date == datetime(2026, 2, 3, 9, 33, 24, tzinfo=UTC) + timedelta(hours=-1)


# --- bodies and charsets ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("windows-1252", "Beste, het contract van €100 – ‘voorbeeld’"),
        ("iso-8859-1", "Résiliation de la licence"),
        ("utf-7", "Opzegging maandlicentie – kopieën"),
        ("iso-2022-jp", "契約番号 ML-4021"),
        ("utf-8", "Kopieën vernietigd ✓"),
    ],
)
def test_body_charsets(charset: str, text: str) -> None:
    body = text.encode(charset)
    data = mail(
        f"{BASIC}\nContent-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit",
        raw_body=body,
    )
    assert parse_mail(data).text.strip() == text


def test_undeclared_and_wrongly_declared_8bit_bodies_are_readable() -> None:
    data = mail(f"{BASIC}\nContent-Type: text/plain", raw_body="Café € geen".encode("cp1252"))
    assert parse_mail(data).text.strip() == "Café € geen"
    data = mail(
        f"{BASIC}\nContent-Type: text/plain; charset=nonsense-42",
        raw_body="Kopieën".encode(),
    )
    parsed = parse_mail(data)
    assert parsed.text.strip() == "Kopieën"
    assert any("nonsense-42" in d for d in parsed.defects)


def test_broken_base64_body_is_decoded_as_far_as_possible() -> None:
    encoded = base64.b64encode(b"Opzegging contract HW-1234 graag.")
    broken = encoded[:-3] + b"!!\r\n%%%"
    data = mail(
        f"{BASIC}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64",
        raw_body=broken,
    )
    parsed = parse_mail(data)
    assert parsed.text.startswith("Opzegging contract HW-1234")
    assert any("base64" in d for d in parsed.defects)


def test_quoted_printable_body() -> None:
    data = mail(
        f"{BASIC}\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable",
        "kopie=C3=ABn van de soft=\nware",
    )
    assert parse_mail(data).text.strip() == "kopieën van de software"


# --- attachments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ("attachment; filename*=utf-8''%2e%2e%2f%2e%2e%2fetc%2fpasswd", "passwd"),
        ('attachment; filename="..\\\\..\\\\windows\\\\x.pdf"', "x.pdf"),
        ('attachment; filename="/etc/passwd"', "passwd"),
        ('attachment; filename="a\\"b\x01c.txt"', 'a"b c.txt'),
        ("attachment; filename*0*=utf-8''caf%C3%A9_; filename*1=part.txt", "café_part.txt"),
        ('attachment; filename="=?utf-8?q?factuur_=C3=A9=2Epdf?="', "factuur é.pdf"),
    ],
)
def test_attachment_names_are_metadata_only(disposition: str, expected: str) -> None:
    data = multipart(
        [
            ("Content-Type: text/plain", b"zie bijlage"),
            (f"Content-Type: application/octet-stream\nContent-Disposition: {disposition}", b"x"),
        ]
    )
    (attachment,) = parse_mail(data).attachments
    assert attachment.filename == expected
    assert "/" not in attachment.filename and "\\" not in attachment.filename


def test_long_filename_is_capped_keeping_the_extension() -> None:
    name = "a" * 400 + ".pdf"
    data = multipart(
        [
            ("Content-Type: text/plain", b"zie bijlage"),
            (f'Content-Type: application/pdf; name="{name}"', b"%PDF-1.4 x"),
        ]
    )
    (attachment,) = parse_mail(data).attachments
    assert len(attachment.filename) == 255 and attachment.filename.endswith(".pdf")


def test_attachment_over_the_size_limit_keeps_size_and_hash_only() -> None:
    payload = b"%PDF-1.4\n" + b"0" * 5000
    data = multipart(
        [
            ("Content-Type: text/plain", b"bijlage"),
            (
                'Content-Type: application/pdf\nContent-Disposition: attachment; filename="g.pdf"\n'
                "Content-Transfer-Encoding: base64",
                base64.encodebytes(payload),
            ),
        ]
    )
    parsed = parse_mail(data, ParseLimits(max_attachment_bytes=1000))
    (attachment,) = parsed.attachments
    assert attachment.data is None and attachment.text is None
    assert attachment.size == len(payload)
    assert attachment.sha256 == hashlib.sha256(payload).hexdigest()
    assert attachment.text_error and "limit" in attachment.text_error
    assert parsed.text.strip() == "bijlage"


def test_docx_and_handmade_pdf_attachments_have_text() -> None:
    pdf = pdf_with_text("Wij bevestigen dat alle kopieen vernietigd zijn")
    docx = docx_with_text("Attestation de destruction", "Contrat K4-77.190")
    data = multipart(
        [
            ("Content-Type: text/plain", b"zie bijlagen"),
            (
                "Content-Type: application/octet-stream; name=scan.pdf\n"
                "Content-Transfer-Encoding: base64",
                base64.encodebytes(pdf),
            ),
            (
                "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
                "Content-Disposition: attachment; filename=verklaring.docx",
                base64.encodebytes(docx),
            ),
        ]
    )
    first, second = parse_mail(data).attachments
    assert first.sniffed_type == "application/pdf"
    assert first.text == "Wij bevestigen dat alle kopieen vernietigd zijn"
    assert second.sniffed_type.endswith("wordprocessingml.document")
    assert second.text == "Attestation de destruction\nContrat K4-77.190"


def test_a_pdf_over_the_text_reading_limit_is_kept_but_not_read() -> None:
    """A large scan is stored whole, but its text is not read: reading a 25 MB PDF for its
    text cost twice its size in memory. The ticket says why there is no text."""
    pdf = pdf_with_text("Wij bevestigen dat alle kopieen vernietigd zijn")
    big = pdf + b"%" + b"x" * 4000 + b"\n"  # a comment after %%EOF: same text, larger file
    data = multipart(
        [
            ("Content-Type: text/plain", b"zie bijlagen"),
            (
                "Content-Type: application/pdf; name=small.pdf\nContent-Transfer-Encoding: base64",
                base64.encodebytes(pdf),
            ),
            (
                "Content-Type: application/pdf; name=big.pdf\nContent-Transfer-Encoding: base64",
                base64.encodebytes(big),
            ),
        ]
    )
    limits = ParseLimits(attachment_text_file_bytes=len(pdf) + 100)
    small, large = parse_mail(data, limits).attachments
    assert small.text == "Wij bevestigen dat alle kopieen vernietigd zijn"
    assert large.data == big and large.text is None
    assert large.text_error and "text-reading limit" in large.text_error


def test_broken_pdf_and_zip_bomb_give_errors_not_exceptions() -> None:
    limits = ParseLimits()
    text, error = extract_text("x.pdf", "application/pdf", "application/pdf", b"%PDF-1.4 ", limits)
    assert text is None and error and "PDF" in error
    bomb = zip_bomb_docx(100_000_000)
    started = time.monotonic()
    text, error = extract_text("b.docx", "", sniff(bomb), bomb, limits)
    assert time.monotonic() - started < 5
    assert error is not None and "cut" in error


def test_pdf_page_limit() -> None:
    pdf = pdf_with_text("page text")
    limits = ParseLimits(attachment_text_pages=1)
    text, error = extract_text("x.pdf", "application/pdf", "application/pdf", pdf, limits)
    assert text == "page text" and error is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"GIF89a", "image/gif"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
        (b"<!DOCTYPE html><html>", "text/html"),
        (b"Gewoon wat tekst\n", "text/plain"),
        (b"\x00\x01\x02\x03", "application/octet-stream"),
    ],
)
def test_sniff(data: bytes, expected: str) -> None:
    assert sniff(data) == expected


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Outlook .msg"),
        (bytes(range(256)) * 8, "binary"),
        (b"", "empty"),
        (b"Just some words\nwithout any header at all\n", "no mail headers"),
        (b"%PDF-1.4\n...", "PDF"),
    ],
)
def test_not_a_mail_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_mail(data)
    assert reason in info.value.reason


def test_oversized_mail_is_refused_before_parsing() -> None:
    with pytest.raises(ParseError, match="over the limit"):
        parse_mail(mail(BASIC, "x" * 2000), ParseLimits(max_bytes=1000))


def test_junk_line_before_headers_is_skipped() -> None:
    parsed = parse_mail(b"---- Original email message ----\r\n" + mail(BASIC))
    assert parsed.subject == "test"
    assert any("skipped" in d for d in parsed.defects)


# --- html_to_text -------------------------------------------------------------------------


def test_html_to_text_structure() -> None:
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<p>Hallo&nbsp;Jan,</p><div>Regel 1<br>Regel 2</div><ul><li>een</li><li>twee</li></ul>"
        "<blockquote><p>oud</p></blockquote><a href='https://x.example'>link tekst</a>"
        "<script>alert(1)</script> &amp; einde</body></html>"
    )
    assert html_to_text(html) == (
        "Hallo Jan,\n\nRegel 1\nRegel 2\n\n- een\n- twee\n\n> oud\n\nlink tekst & einde"
    )


def test_html_to_text_drops_outlook_conditional_blocks() -> None:
    html = (
        "<!--[if gte mso 9]><xml><o:Office>x</o:Office></xml><![endif]-->"
        "<p class=Mso>Tekst<o:p></o:p></p>"
    )
    assert html_to_text(html) == "Tekst"


@pytest.mark.parametrize(
    "hostile",
    ["<!--" * 50_000, "<" * 200_000, "<a " * 60_000, "<head>x" * 40_000, "<blockquote>" * 50_000],
)
def test_html_to_text_is_linear_on_hostile_input(hostile: str) -> None:
    started = time.monotonic()
    html_to_text(hostile)
    assert time.monotonic() - started < 3
