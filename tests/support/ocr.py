"""Scans made in the test: a signed destruction certificate drawn with Pillow (as PNG, JPEG,
TIFF or an image-only PDF), noise, and a mail that carries one. Tesseract and a TrueType font
are needed: absent, the test fails under CI and is skipped on a developer's machine."""

from __future__ import annotations

import base64
import io
import random
import shutil
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tests.support._proc import missing

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LANGUAGES = ("nld", "fra", "eng")
DPI = 200  # a common office-scanner setting

CERTIFICATE_NL = (
    "VERNIETIGINGSVERKLARING",
    "",
    "Hierbij verklaren wij dat alle kopieën van de software",
    "Radix Imaging (licentie ML-100) werden vernietigd.",
    "",
    "Antwerpen, 3 maart 2026",
    "Naam: Anna Peeters, zaakvoerder",
    "Handtekening:",
)
CERTIFICATE_FR = (
    "ATTESTATION DE DESTRUCTION",
    "",
    "Nous certifions que toutes les copies du logiciel",
    "Radix Imaging (licence ML-100) ont été détruites.",
    "",
    "Fait à Liège, le 3 mars 2026",
    "Nom : Anna Peeters, gérante",
    "Signature :",
)

#: the desk's own form, as printed to be filled in by hand
BLANK_FORM_NL = (
    "VERNIETIGINGSVERKLARING",
    "",
    "Ondergetekende verklaart dat alle kopieën van de software",
    "vernietigd werden.",
    "",
    "Naam: ........................",
    "Handtekening: ______________",
    "Datum: ..../..../......",
)


def require_tesseract() -> None:
    """Tesseract with the Dutch, French and English data, or fail (CI) / skip."""
    if shutil.which("tesseract") is None:
        missing("tesseract-ocr")
    import pytesseract

    installed = set(pytesseract.get_languages(config=""))
    for lang in LANGUAGES:
        if lang not in installed:
            missing(f"tesseract-ocr-{lang}")


def font(size: int) -> ImageFont.FreeTypeFont:
    if not FONT.exists():
        missing("fonts-dejavu-core")
    return ImageFont.truetype(str(FONT), size)


def certificate(
    lines: Sequence[str] = CERTIFICATE_NL,
    size: tuple[int, int] = (1654, 2339),
    signed: bool = True,
) -> Image.Image:
    """An A4 page at 200 DPI (by default) with the lines in 11-point type and (`signed`) a
    signature scribble under the last one."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    text_font = font(max(12, size[0] // 48))
    x, y = size[0] // 10, size[1] // 10
    step = int(text_font.size * 1.6)
    for line in lines:
        draw.text((x, y), line, fill=0, font=text_font)
        y += step
    if signed:
        rnd = random.Random(42)
        points = [(x + 20 + i * 18, y + 40 + rnd.randint(-30, 30)) for i in range(16)]
        draw.line(points, fill=0, width=4)  # the signature
    return page


def noise(size: tuple[int, int] = (1240, 1754), seed: int = 7) -> Image.Image:
    """Grey noise: what a ruined scan looks like to OCR."""
    rnd = random.Random(seed)
    return Image.frombytes("L", size, bytes(rnd.getrandbits(8) for _ in range(size[0] * size[1])))


def encoded(image: Image.Image, kind: str, pages: Sequence[Image.Image] = ()) -> bytes:
    """The image as PNG, JPEG, TIFF (several pages with `pages`) or an image-only PDF."""
    out = io.BytesIO()
    if kind == "PNG":
        image.save(out, "PNG")
    elif kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, dpi=(DPI, DPI))
    elif kind == "TIFF":
        image.save(out, "TIFF", compression="tiff_lzw", save_all=True, append_images=list(pages))
    elif kind == "PDF":
        image.convert("RGB").save(
            out, "PDF", resolution=DPI, save_all=True, append_images=list(pages)
        )
    else:
        raise ValueError(kind)
    return out.getvalue()


def cancellation_mail(
    attachment: bytes,
    filename: str,
    content_type: str,
    body: str = "Wij zeggen de maandelijkse licentie ML-100 op. Zie bijlage.",
    sender: str = "anna@alpha.example.be",
    date: str = "Tue, 03 Mar 2026 10:00:00 +0100",
) -> bytes:
    """A cancellation of the monthly licence ML-100 with one attachment; its sender is proven
    by the desk's mail server (tests/routing/helpers.py registers the contract)."""
    domain = sender.rsplit("@", 1)[1]
    data = base64.encodebytes(attachment).decode("ascii").replace("\n", "\r\n")
    return (
        f"Authentication-Results: mx.contracts.example.com; dkim=pass header.d={domain};"
        f" dmarc=pass header.from={domain}\r\n"
        f"From: Anna Peeters <{sender}>\r\n"
        "To: support@contracts.example.com\r\n"
        "Subject: Opzegging licentie ML-100\r\n"
        f"Date: {date}\r\n"
        "Message-ID: <scan-certificate@alpha.example.be>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="BOUNDARY"\r\n'
        "\r\n"
        "--BOUNDARY\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Beste,\r\n\r\n{body}\r\n\r\nMet vriendelijke groeten,\r\nAnna Peeters\r\n"
        "--BOUNDARY\r\n"
        f"Content-Type: {content_type}\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="{filename}"\r\n'
        "\r\n"
        f"{data}"
        "--BOUNDARY--\r\n"
    ).encode()
