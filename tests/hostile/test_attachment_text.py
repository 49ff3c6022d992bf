"""Text from any attachment is valid Unicode before it goes anywhere: a DOCX with a lone
surrogate (`&#xD800;`) or a NUL (`&#0;`) becomes a ticket on SQLite and PostgreSQL, not a
quarantined "internal error: UnicodeEncodeError"."""

from __future__ import annotations

import io
import zipfile

from intake.decode import valid_text
from tests.hostile.conftest import Pipeline
from tests.hostile.mails import attachment_part, text_part, with_parts

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        body = f"<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
        archive.writestr("word/document.xml", body)
    return out.getvalue()


def test_a_docx_with_a_lone_surrogate_or_nul_becomes_a_ticket(pipeline: Pipeline) -> None:
    docx = _docx("Attest vernietiging &#xD800; contract MA1234567 &#0; verwijderd &#x1F600;")
    parts = [
        text_part("Goedendag,\n\nIn bijlage het attest.\n\nJan\n"),
        attachment_part(docx, 'attachment; filename="attest.docx"', DOCX),
    ]
    summary, _ = pipeline.ingest({"surrogate.eml": with_parts(parts, subject="attest")})
    assert summary.quarantined == 0
    stored = pipeline.stored("surrogate.eml")
    assert stored.ledger.state == "processed", stored.ledger.reason
    assert stored.ticket is not None
    [attachment] = stored.attachments
    assert attachment.text is not None
    assert "\ufffd contract MA1234567  verwijderd \U0001f600" in attachment.text
    attachment.text.encode("utf-8")  # nothing an encoder refuses


def test_valid_text_keeps_real_characters() -> None:
    assert valid_text("café 😀 \u2028") == "café 😀 \u2028"
    assert valid_text("a\ud800b\udfffc\x00d") == "a\ufffdb\ufffdcd"
