"""Scanned attachments read with OCR (intake.ocr through parse_mail): images by their first
bytes and PDFs without a text layer; the limits on pixels, pages and time, each with an effect;
OCR off; tesseract missing. Needs Debian's tesseract-ocr with nld/fra/eng data (under CI a
missing one fails these tests)."""

from __future__ import annotations

import base64
import io
import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFile
from pypdf import PdfReader, PdfWriter

from intake import ocr
from intake.attachments import extract_text
from intake.parse import ParseLimits, parse_mail
from postkamer.settings import SettingsError, load_settings
from tests.intake.helpers import mail, pdf_with_text
from tests.support.ocr import (
    CERTIFICATE_FR,
    CERTIFICATE_NL,
    certificate,
    encoded,
    font,
    noise,
    require_tesseract,
)

TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff", "PDF": "application/pdf"}


@pytest.fixture(autouse=True)
def tesseract() -> None:
    require_tesseract()


def with_attachments(*files: tuple[str, bytes]) -> bytes:
    """A mail with the files attached, declared as octet-stream: the type is sniffed."""
    parts = ["--B\nContent-Type: text/plain\n\nZie bijlage.\n"]
    for name, data in files:
        parts.append(
            "--B\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
            f'Content-Disposition: attachment; filename="{name}"\n\n'
            + base64.encodebytes(data).decode("ascii")
        )
    body = "".join(parts) + "--B--\n"
    return mail(
        "From: a@example.be\nTo: support@contracts.example.com\nSubject: scan\n"
        "Date: Tue, 03 Mar 2026 10:00:00 +0100\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="B"',
        body,
    )


def read(data: bytes, limits: ParseLimits | None = None) -> tuple[str | None, str | None]:
    (attachment,) = parse_mail(with_attachments(("scan.bin", data)), limits).attachments
    return attachment.text, attachment.text_error


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "TIFF", "PDF"])
@pytest.mark.parametrize("lines", [CERTIFICATE_NL, CERTIFICATE_FR], ids=["nl", "fr"])
def test_a_scanned_certificate_is_read(kind: str, lines: tuple[str, ...]) -> None:
    (attachment,) = parse_mail(
        with_attachments(("scan.bin", encoded(certificate(lines), kind)))
    ).attachments
    assert attachment.sniffed_type == TYPES[kind]
    assert attachment.text_error is None
    text = attachment.text or ""
    # the statement, accents included, with its lines as written
    assert lines[2] in text and lines[3] in text
    assert lines[0] in text


def test_a_pdf_keeps_its_text_layer_and_reads_only_the_scanned_page() -> None:
    writer = PdfWriter()
    cover = pdf_with_text("Begeleidende brief bij de opzegging")
    for part in (cover, encoded(certificate(), "PDF")):
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    text, error = read(out.getvalue())
    assert error is None and text is not None
    first, scanned = text.split("\n", 1)
    assert first == "Begeleidende brief bij de opzegging"
    assert CERTIFICATE_NL[3] in scanned


def test_noise_holds_no_readable_text() -> None:
    text, error = read(encoded(noise(), "PNG"))
    assert text == "" and error == "OCR found no readable text"


def test_a_logo_is_too_small_to_read() -> None:
    text, error = read(encoded(certificate(size=(180, 120)), "PNG"))
    assert text is None and error and "too small" in error


def test_ocr_can_be_turned_off() -> None:
    scan = encoded(certificate(), "PNG")
    text, error = read(scan, ParseLimits(ocr=False))
    assert text is None and error == "not read: OCR is off (limits.ocr)"
    text, error = read(encoded(certificate(), "PDF"), ParseLimits(ocr=False))
    assert not text and error and "OCR is off" in error


# -- pixels ----------------------------------------------------------------------------------


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims its size and holds no pixels: what a decompression bomb shows first."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.usefixtures("no_decoding")
def test_pixels_over_the_limit_are_refused_before_decoding() -> None:
    started = time.monotonic()
    big = io.BytesIO()
    Image.new("1", (6000, 5000), 1).save(big, "PNG")  # 30 million pixels, small file
    text, error = read(big.getvalue())
    assert text is None
    assert error == (
        "image of 6000x5000 pixels is over the OCR limit of 25000000 pixels "
        "(limits.ocr_max_pixels); not decoded"
    )
    text, error = read(png_header_only(100_000, 100_000))  # ten billion pixels
    assert text is None and error and error.startswith("image refused before decoding")
    assert time.monotonic() - started < 2


def test_the_pixel_limit_is_a_setting() -> None:
    scan = encoded(certificate(), "PNG")  # 1654 x 2339 = 3.9 million pixels
    text, error = read(scan, ParseLimits(ocr_max_pixels=3_000_000))
    assert text is None and error and "over the OCR limit of 3000000 pixels" in error
    text, error = read(scan, ParseLimits(ocr_max_pixels=4_000_000))
    assert error is None and text and CERTIFICATE_NL[3] in text


def test_a_pdf_page_holding_a_huge_image_is_refused() -> None:
    text, error = read(encoded(certificate(), "PDF"), ParseLimits(ocr_max_pixels=3_000_000))
    assert not text and error and "holds an image of 1654x2339 pixels" in error


# -- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["TIFF", "PDF"])
def test_only_the_first_pages_are_read(kind: str) -> None:
    blank = Image.new("L", (1654, 2339), 255)
    scan = encoded(blank, kind, pages=[certificate()])
    text, error = read(scan, ParseLimits(ocr_pages=1))
    assert error and "only the first 1 pages" in error
    assert not text or CERTIFICATE_NL[3] not in text
    text, error = read(scan, ParseLimits(ocr_pages=2))
    assert text and CERTIFICATE_NL[3] in text


# -- time ------------------------------------------------------------------------------------


def dense_page() -> Image.Image:
    """A page full of small text: several seconds of tesseract."""
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    small = font(26)
    for row in range(110):
        draw.text((120, 60 + row * 31), f"{row:03d} " + CERTIFICATE_NL[2] * 2, fill=0, font=small)
    return page


def tesseract_children() -> list[int]:
    """Live tesseract processes started by this test process."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            comm = fields[0].split("(", 1)[1]
            state, ppid = fields[1].split()[:2]
        except (OSError, IndexError, ValueError):
            continue
        if comm == "tesseract" and int(ppid) == os.getpid() and state != "Z":
            found.append(int(stat.parent.name))
    return found


def test_the_time_limit_kills_tesseract() -> None:
    scan = encoded(dense_page(), "PNG")
    started = time.monotonic()
    text, error = read(scan, ParseLimits(ocr_seconds=0.5))
    elapsed = time.monotonic() - started
    assert text is None
    assert error == "OCR stopped after 0.5 s at page 1 (limits.ocr_seconds; tesseract killed)"
    assert elapsed < 4  # 0.5 s, then SIGTERM; the image is written to tesseract first
    assert tesseract_children() == []


def test_the_mails_attachments_share_the_ocr_time() -> None:
    scans = [
        ("one.png", encoded(dense_page(), "PNG")),
        ("two.png", encoded(certificate(), "PNG")),
    ]
    first, second = parse_mail(with_attachments(*scans), ParseLimits(ocr_seconds=0.5)).attachments
    assert first.text_error and "OCR stopped after 0.5 s" in first.text_error
    assert second.text is None
    assert second.text_error == "not read: the OCR time of this mail (0.5 s) is used up"


def test_the_same_scan_twice_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = ocr.recognise

    def counted(image: Image.Image, deadline: float) -> str:
        calls.append(1)
        return real(image, deadline)

    monkeypatch.setattr(ocr, "recognise", counted)
    scan = encoded(certificate(), "JPEG")
    first, second = parse_mail(with_attachments(("a.jpg", scan), ("b.jpg", scan))).attachments
    assert first.text == second.text and first.text and CERTIFICATE_NL[3] in first.text
    assert len(calls) == 1


def test_without_tesseract_the_reason_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    limits = ParseLimits()
    text, error = extract_text("s.png", "", "image/png", encoded(certificate(), "PNG"), limits)
    assert text is None and error == "OCR unavailable: tesseract is not installed"


def test_the_settings_reach_the_parser(tmp_path: Path) -> None:
    path = tmp_path / "postkamer.toml"
    path.write_text(
        "[limits]\nocr = false\nocr_pages = 2\nocr_max_pixels = 1000000\nocr_seconds = 3.5\n"
    )
    limits = ParseLimits.from_settings(load_settings(path).limits)
    assert (limits.ocr, limits.ocr_pages, limits.ocr_max_pixels, limits.ocr_seconds) == (
        False,
        2,
        1_000_000,
        3.5,
    )
    assert read(encoded(certificate(), "PNG"), limits) == (
        None,
        "not read: OCR is off (limits.ocr)",
    )
    path.write_text("[limits]\nocr_max_pixels = 1000000\n")
    limits = ParseLimits.from_settings(load_settings(path).limits)
    text, error = read(encoded(certificate(), "PNG"), limits)
    assert text is None and error and "over the OCR limit of 1000000 pixels" in error
    path.write_text("[limits]\nocr_seconds = 0\n")
    with pytest.raises(SettingsError, match=r"limits\.ocr_seconds"):
        load_settings(path)
