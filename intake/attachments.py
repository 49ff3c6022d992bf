"""Attachment type sniffing and text extraction (PDF, DOCX, plain text, scans with OCR).

`intake.parse` calls `sniff` and `extract_text` for every attachment; the text ends up in
`Attachment.text`, where extraction looks for contract numbers and destruction certificates.
Images (PNG, JPEG, TIFF by their first bytes, not their names) and the pages of a PDF that have
no text layer are read with OCR (`intake.ocr`). Attachments are hostile: every extractor is
bounded in bytes, pages, pixels and seconds, and a broken file gives an error string, never
an exception.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from typing import Protocol

from intake import ocr
from intake.decode import decode_bytes

_DOCX_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_HTML_START = re.compile(rb"\s*<(?:!doctype html|html|head|body|div|p|table|meta)[\s>]", re.I)
_W_TEXT = re.compile(r"<w:t(?:\s[^<>]*)?>([^<]*)</w:t>|<w:(p|br|tab|cr)[\s/>]")
_XML_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class TextLimits(ocr.OcrLimits, Protocol):
    """The part of `intake.parse.ParseLimits` that bounds text extraction."""

    @property
    def attachment_text_bytes(self) -> int: ...
    @property
    def attachment_text_pages(self) -> int: ...
    @property
    def attachment_text_seconds(self) -> float: ...


def sniff(data: bytes) -> str:
    """Media type from the first bytes; `application/octet-stream` when unknown."""
    head = data[:512]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:4096] or (b"[Content_Types].xml" in head and b"word/" in data):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return "application/zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"  # .doc, .xls, Outlook .msg
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    if head.startswith(b"Rar!\x1a\x07"):
        return "application/x-rar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "application/x-7z-compressed"
    if head.startswith((b"MZ",)):
        return "application/x-msdownload"
    if head.startswith(b"\x7fELF"):
        return "application/x-executable"
    stripped = head.lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(stripped):
        return "text/html"
    if stripped.lstrip().startswith(b"<svg") or (
        stripped.lstrip().startswith(b"<?xml") and b"<svg" in data[:2048]
    ):
        return "image/svg+xml"
    if stripped.lstrip().startswith(b"<?xml"):
        return "application/xml"
    if not data:
        return "application/x-empty"
    if _looks_like_text(head):
        return "text/plain"
    return "application/octet-stream"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls * 20 < max(len(head), 1)


def extract_text(
    filename: str,
    content_type: str,
    sniffed: str,
    data: bytes,
    limits: TextLimits,
    clock: ocr.OcrClock | None = None,
) -> tuple[str | None, str | None]:
    """(text, error). Text is None when the type has no extractor or extraction failed;
    the error says why for the people reading the ticket. `clock`: the OCR time left for the
    mail (a fresh `limits.ocr_seconds` without one)."""
    lname = filename.lower()
    try:
        if sniffed == "application/pdf":
            return _pdf_text(data, limits, clock)
        if sniffed in ocr.OCR_TYPES:
            return ocr.image_text(data, limits, clock)
        if sniffed in _DOCX_TYPES or (sniffed == "application/zip" and lname.endswith(".docx")):
            return _docx_text(data, limits)
        if sniffed == "text/plain" and (
            content_type.startswith("text/plain") or lname.endswith((".txt", ".csv", ".log"))
        ):
            text = decode_bytes(data[: limits.attachment_text_bytes * 4], None, [], "attachment")
            return text[: limits.attachment_text_bytes], None
    except Exception as exc:  # a hostile file must not stop the mail
        logging.getLogger(__name__).debug("extraction failed for %r", filename, exc_info=True)
        kind = {"application/pdf": "PDF"}.get(sniffed, "DOCX" if "word" in sniffed else sniffed)
        return None, f"could not read the {kind}: {type(exc).__name__}: {str(exc)[:200]}"
    return None, None


def _pdf_text(
    data: bytes, limits: TextLimits, clock: ocr.OcrClock | None = None
) -> tuple[str | None, str | None]:
    from pypdf import PdfReader

    started = time.monotonic()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                return None, "PDF is encrypted"
        except Exception:
            return None, "PDF is encrypted"
    chunks: list[str] = []
    blank: list[int] = []  # pages without a text layer: a scan
    size = 0
    error: str | None = None
    for number, page in enumerate(reader.pages):
        if number >= limits.attachment_text_pages:
            error = f"only the first {limits.attachment_text_pages} pages were read"
            break
        if time.monotonic() - started > limits.attachment_text_seconds:
            error = f"stopped after {limits.attachment_text_seconds:g} s at page {number + 1}"
            break
        chunk = page.extract_text() or ""
        if not chunk.strip():
            blank.append(number)
        chunks.append(chunk)
        size += len(chunk)
        if size >= limits.attachment_text_bytes:
            error = f"text cut at {limits.attachment_text_bytes} characters"
            break
    if blank and size < limits.attachment_text_bytes:
        scanned, ocr_error = ocr.pdf_pages_text(data, blank, limits, clock)
        for number, chunk in scanned.items():
            chunks[number] = chunk
        error = "; ".join(e for e in (error, ocr_error) if e) or None
    text = "\n".join(chunks)[: limits.attachment_text_bytes].strip()
    return text, error


def _xml_unescape(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16)) if int(name[2:], 16) < 0x110000 else "\ufffd"
    if name.startswith("#"):
        return chr(int(name[1:])) if int(name[1:]) < 0x110000 else "\ufffd"
    return _ENTITIES[name]


def _docx_text(data: bytes, limits: TextLimits) -> tuple[str | None, str | None]:
    """Text of `word/document.xml`, read with a cap on the decompressed size (zip bombs)."""
    cap = limits.attachment_text_bytes * 20  # markup is far larger than its text
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError:
            return None, "DOCX without word/document.xml"
        error: str | None = None
        with archive.open(info) as stream:
            raw = stream.read(cap + 1)
        if len(raw) > cap:
            raw = raw[:cap]
            error = f"document.xml over {cap} bytes; text cut"
    xml = raw.decode("utf-8", errors="replace")
    out: list[str] = []
    for match in _W_TEXT.finditer(xml):
        if match.group(1) is not None:
            out.append(_XML_ENTITY.sub(_xml_unescape, match.group(1)))
        elif match.group(2) == "tab":
            out.append("\t")
        else:
            out.append("\n")
    text = "".join(out).strip()
    if len(text) > limits.attachment_text_bytes:
        text = text[: limits.attachment_text_bytes]
        error = error or f"text cut at {limits.attachment_text_bytes} characters"
    return text, error
