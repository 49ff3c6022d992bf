"""Shared test helpers: where the shared samples/corpus live, and small mail/file builders."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "samples"
CORPUS = SHARED / "corpus"


def sample(name_prefix: str) -> bytes:
    """The bytes of the sample whose file name starts with `name_prefix` (e.g. "009")."""
    (path,) = SAMPLES.glob(f"{name_prefix}*.eml")
    return path.read_bytes()


def mail(headers: str, body: str = "Hallo,\n\ntest\n", *, raw_body: bytes | None = None) -> bytes:
    """A small mail from header lines (\\n separated) and a body."""
    head = headers.strip("\n").replace("\n", "\r\n").encode("utf-8")
    data = raw_body if raw_body is not None else body.replace("\n", "\r\n").encode("utf-8")
    return head + b"\r\n\r\n" + data


def assemble_pdf(objects: list[bytes]) -> bytes:
    """A PDF file from its numbered objects (1-based, in order), with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def pdf_with_text(text: str) -> bytes:
    """A minimal one-page PDF whose content stream shows `text` (Helvetica, WinAnsi)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    return assemble_pdf(objects)


def docx_with_text(*paragraphs: str) -> bytes:
    import docx  # python-docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(size: int) -> bytes:
    """A DOCX-shaped zip whose word/document.xml inflates to `size` bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        body = b"<w:document><w:body><w:p><w:r><w:t>" + b"A" * size + b"</w:t></w:r></w:p>"
        archive.writestr("word/document.xml", body + b"</w:body></w:document>")
    return out.getvalue()
