"""Small real attachments for the benchmark mails: a one-page PDF and a DOCX carrying a given
text, built byte by byte (no PDF or Word library needed to write them, and fast enough for
thousands). pypdf and the intake's DOCX reader extract the text back, so extraction costs in
the benchmark are the real ones. `bench.generate` attaches them; `big_pdf` makes the 25 MB
attachment of the memory measurement.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (Latin-1) with the special characters escaped."""
    raw = text.encode("latin-1", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _lines(text: str, width: int = 80) -> list[str]:
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            if line and len(line) + 1 + len(word) > width:
                out.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        out.append(line)
    return out


def _assemble(objects: list[bytes]) -> bytes:
    """Objects 1..n, the cross-reference table and the trailer (root is object 1)."""
    buf = io.BytesIO()
    buf.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(buf.tell())
        buf.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = buf.tell()
    buf.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        buf.write(b"%010d 00000 n \n" % offset)
    buf.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return buf.getvalue()


def pdf(text: str, padding: bytes = b"") -> bytes:
    """A one-page PDF showing `text` in Helvetica. `padding` goes into an unreferenced-looking
    but valid image XObject on the page (used to make a large scanned-looking PDF)."""
    ops = [b"BT /F1 11 Tf 14 TL 56 780 Td"]
    for line in _lines(text):
        ops.append(_pdf_string(line) + b" Tj T*")
    ops.append(b"ET")
    resources = b"<< /Font << /F1 4 0 R >> >>"
    if padding:
        ops.append(b"q 10 0 0 10 500 40 cm /Im1 Do Q")
        resources = b"<< /Font << /F1 4 0 R >> /XObject << /Im1 6 0 R >> >>"
    content = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
        + resources
        + b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    if padding:
        side = max(1, int((len(padding) / 3) ** 0.5))
        data = padding[: side * side * 3]
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(data))
            + data
            + b"\nendstream"
        )
    return _assemble(objects)


def big_pdf(size: int, text: str) -> bytes:
    """A PDF of about `size` bytes: one page of text and a large uncompressed image."""
    import random

    rng = random.Random(size)
    return pdf(text, padding=rng.randbytes(size))


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(text: str) -> bytes:
    """A minimal Word document (one paragraph per line of `text`)."""
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in text.split("\n")
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{_W}"><w:body>{paragraphs}<w:sectPr/></w:body></w:document>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", document)
    return buf.getvalue()
