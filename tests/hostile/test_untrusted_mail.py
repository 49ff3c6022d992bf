"""RELIABILITY.md items 1-5, 7 and 10, end to end: hostile mail goes through `ingest_paths` with
the real processor, and the test reads what the database, the blob store and the outbox hold.
"""

from __future__ import annotations

import hashlib
import os
import time
import tracemalloc
from pathlib import Path

from sqlmodel import Session, select

from postkamer.processing import ProcessingContext
from postkamer.settings import LimitSettings
from storage.models import AttachmentRow
from tests.hostile.conftest import SQLITE_ONLY, Pipeline, reply_of
from tests.hostile.mails import (
    attachment_part,
    crlf,
    headers,
    huge_header,
    many_parts,
    nested,
    plain,
    slow_pdf,
    text_part,
    with_parts,
    zip_bomb_docx,
)
from tests.intake.helpers import pdf_with_text

# --- 1. structure bombs ------------------------------------------------------------------------


@SQLITE_ONLY
def test_structure_bombs_are_quarantined_quickly_and_the_batch_goes_on(
    pipeline: Pipeline,
) -> None:
    mails = {
        "parts.eml": many_parts(5000),
        "deep.eml": nested(200),
        "header.eml": huge_header(100_000),
        "fine.eml": plain(),
    }
    tracemalloc.start()
    started = time.monotonic()
    try:
        summary, _ = pipeline.ingest(mails)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 15, f"hostile batch took {elapsed:.1f} s"
    assert peak < 300 * 1024 * 1024, f"peak Python memory {peak / 2**20:.0f} MiB"
    assert summary.read == 4
    reasons = {name: pipeline.stored(name).ledger for name in mails}
    assert reasons["parts.eml"].state == "quarantined"
    assert "MIME parts" in (reasons["parts.eml"].reason or "")
    assert reasons["deep.eml"].state == "quarantined"
    assert "nesting deeper" in (reasons["deep.eml"].reason or "")
    assert reasons["header.eml"].state == "quarantined"
    assert "header block over" in (reasons["header.eml"].reason or "")
    for name in ("parts.eml", "deep.eml", "header.eml"):
        assert pipeline.stored(name).message is None, f"{name}: a quarantined mail got a message"
    fine = pipeline.stored("fine.eml")
    assert fine.ledger.state == "processed"
    assert fine.ticket is not None and len(fine.replies) == 1


@SQLITE_ONLY
def test_large_but_legal_address_headers_are_read_or_skipped_quickly(pipeline: Pipeline) -> None:
    """2,000 addresses in Cc are read; 10,000 (over 64 KB) are skipped with a defect; both
    mails become tickets, quickly."""
    started = time.monotonic()
    pipeline.ingest({"cc.eml": huge_header(2_000), "cc-huge.eml": huge_header(10_000)})
    assert time.monotonic() - started < 10
    stored = pipeline.stored("cc.eml")
    assert stored.ticket is not None
    assert stored.message is not None and len(stored.message.cc) == 2_000
    skipped = pipeline.stored("cc-huge.eml")
    assert skipped.ticket is not None and skipped.message is not None
    assert skipped.message.cc == []
    assert any(d.startswith("cc: header over") for d in skipped.message.defects)


# --- 2. odd charsets ---------------------------------------------------------------------------


def test_odd_charsets_become_tickets_with_replacement_characters_and_defects(
    pipeline: Pipeline,
) -> None:
    body_8bit = "Mijn printer is kapot, café ÿ\n".encode("latin-1")
    mails = {
        "unknown.eml": crlf(
            headers(subject="onbekende tekenset")
            + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=x-klingon-42\n\n"
        )
        + body_8bit,
        "8bit-headers.eml": (
            b"From: J\xe9r\xf4me Dubois <jerome@klant.example.be>\r\n"
            b"To: support@contracts.example.com\r\nSubject: Caf\xe9 \xff\xfe probl\xe8me\r\n"
            b"Date: Mon, 1 Jun 2026 10:00:00 +0000\r\nMessage-ID: <8bit@klant.example.be>\r\n"
            b"\r\nMijn printer is kapot\r\n"
        ),
        "broken-b64.eml": crlf(
            headers(subject="kapotte base64")
            + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8"
            + "\nContent-Transfer-Encoding: base64\n\n"
        )
        + b"SGFsbG8sIG1pam4gcHJpbnRlciBpcyBrYXBvdA*!*==\r\n=?%%%\r\nQUJD\r\n",
        "utf7.eml": crlf(
            headers(subject="=?utf-7?Q?caf+AOk-?=")
            + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-7\n\n"
        )
        + b"De printer in het caf+AOk- is kapot.\r\n",
        "jis.eml": crlf(
            headers(subject="=?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=")
            + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-2022-jp\n\n"
        )
        + "プリンターが壊れました".encode("iso-2022-jp")
        + b"\r\n",
        "bad-jis.eml": crlf(
            headers(subject="kapotte iso-2022-jp")
            + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-2022-jp\n\n"
        )
        + b"\x1b$B\xff\xfe\x1b(B printer\r\n",
        # found by the fuzzer: the stdlib decodes 8-bit text with these codecs and raises
        "punycode.eml": crlf(
            headers(subject="punycode")
            + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=punycode\n\n"
        )
        + body_8bit,
        "idna.eml": crlf(
            headers(subject="idna")
            + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=idna\n\n"
        )
        + body_8bit,
    }
    pipeline.ingest(mails)
    for name in mails:
        stored = pipeline.stored(name)
        assert stored.ledger.state == "processed", (name, stored.ledger.reason)
        assert stored.ticket is not None, name
        assert stored.message is not None
        assert len(stored.replies) == 1, f"{name}: the customer got no acknowledgement"
    unknown = pipeline.stored("unknown.eml").message
    assert unknown is not None
    assert "Mijn printer is kapot" in unknown.text
    assert any("x-klingon-42" in d for d in unknown.defects)
    eight = pipeline.stored("8bit-headers.eml")
    assert eight.message is not None and eight.ticket is not None
    assert eight.ticket.requester_email == "jerome@klant.example.be"
    assert eight.message.subject.startswith("Café")
    assert any("8-bit" in d for d in eight.message.defects)
    assert "Jérôme" in str(reply_of(eight.replies[0])["To"])
    b64 = pipeline.stored("broken-b64.eml").message
    assert b64 is not None and "Hallo, mijn printer is kapot" in b64.text
    assert b64.defects, "damaged base64 must be recorded as a defect"
    utf7 = pipeline.stored("utf7.eml").message
    assert utf7 is not None and "café" in utf7.text and utf7.subject == "café"
    jis = pipeline.stored("jis.eml").message
    assert jis is not None and "プリンターが壊れました" in jis.text and jis.subject == "日本語"
    bad = pipeline.stored("bad-jis.eml").message
    assert bad is not None and "printer" in bad.text
    assert any("iso2022_jp" in d for d in bad.defects)


# --- 3. not mail -------------------------------------------------------------------------------


def test_outlook_msg_and_other_non_mail_are_quarantined_with_a_clear_reason(
    pipeline: Pipeline,
) -> None:
    mails = {
        "outlook.msg": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00\x3e\x00\x03" * 200,
        "scan.pdf": pdf_with_text("Dit is geen mail"),
        "photo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "notes.txt": b"boodschappen: melk, brood\nniet vergeten!\n" * 3,
        "empty.eml": b"\r\n\r\n",
        "fine.eml": plain(),
    }
    summary, _ = pipeline.ingest(mails)
    assert summary.read == len(mails)
    expected = {
        "outlook.msg": "Outlook .msg",
        "scan.pdf": "PDF",
        "photo.png": "PNG",
        "notes.txt": "not a mail",
        "empty.eml": "empty",
    }
    for name, words in expected.items():
        entry = pipeline.stored(name).ledger
        assert entry.state == "quarantined", name
        assert words in (entry.reason or ""), (name, entry.reason)
    assert pipeline.stored("fine.eml").ledger.state == "processed"
    assert len(pipeline.tickets()) == 1


# --- 4. near-matches for contract numbers --------------------------------------------------------


def _near_matches(size: int) -> str:
    pieces = [
        "contract HW-2207-441 ",
        "HW 2207 44189 ",
        "onderhoudscontract nummer nr. n° ",
        "1 2 3 4 5 6 7 8 9 0 ",
        "zeg het contract maar niet ",
        "PK-AAAAA [PK-",
        "BE0 123 456 +32 4 ",
        "a@b@c@d.",
        "7730 15 ",
        "stop stop stop licentie",
        "\n",
    ]
    chunk = "".join(pieces)
    return (chunk * (size // len(chunk) + 1))[:size]


@SQLITE_ONLY
def test_a_megabyte_of_contract_number_near_matches_is_processed_in_linear_time(
    pipeline: Pipeline,
) -> None:
    timings = {}
    for size in (256 * 1024, 1024 * 1024):
        name = f"near-{size}.eml"
        started = time.monotonic()
        pipeline.ingest({name: plain(_near_matches(size), subject="contract HW-2207")})
        timings[size] = time.monotonic() - started
        stored = pipeline.stored(name)
        assert stored.ledger.state == "processed"
        assert stored.ticket is not None
    small, large = timings[256 * 1024], timings[1024 * 1024]
    assert large < 20, f"1 MB of near-matches took {large:.1f} s"
    assert large < 8 * small + 1.0, f"not linear: 256 KB {small:.2f} s, 1 MB {large:.2f} s"


# --- 5. CVE-2023-27043 -------------------------------------------------------------------------


BOB = "an.mertens@zevenlinden.example.be"  # a registered contact of HW-2207-4418
ALICE = "alice@attacker.example.org"
AMBIGUOUS_FROM = [
    f"{ALICE}(<{BOB}>",
    f"{ALICE})<{BOB}>",
    f"<{BOB}>{ALICE}",
    f'"{ALICE}" {BOB}',
    f"{ALICE}, {BOB}",  # two senders: the first one, never bob
    f"{ALICE} <{BOB}> <carol@example.org>",
    f"{BOB} [{ALICE}]",
    f'"{BOB}',
    f"{ALICE}\\<{BOB}>",
    f"{ALICE} (<{BOB}>",
    f"=?utf-8?q?=3C{BOB.replace('@', '=40')}=3E?= {ALICE}",
]


def test_ambiguous_from_is_never_credited_to_a_registered_contact(pipeline: Pipeline) -> None:
    """CVE-2023-27043 forms: bob is a contact of the contract being cancelled; a forged
    From must not act as bob, get a reply as bob, or learn the contract's facts."""
    mails = {
        f"from-{i}.eml": plain("Wij zeggen het onderhoudscontract HW-2207-4418 op.\n", sender=value)
        for i, value in enumerate(AMBIGUOUS_FROM)
    }
    pipeline.ingest(mails)
    for name, value in zip(mails, AMBIGUOUS_FROM, strict=True):
        stored = pipeline.stored(name)
        assert stored.ledger.state == "processed", (value, stored.ledger.reason)
        assert stored.message is not None and stored.ticket is not None
        assert stored.message.from_email != BOB, value
        assert stored.ticket.requester_email != BOB, value
        assert (stored.ticket.policy or {}).get("outcome") != "accepted", value
        if not stored.ticket.requester_email:
            assert any("from" in d.lower() for d in stored.message.defects), value
            assert stored.replies == []
    for row in pipeline.all_replies():
        reply = reply_of(row)
        assert BOB not in row.recipients
        assert [a.addr_spec for a in reply["To"].addresses] == [ALICE]
        body = reply.get_body(("plain",))
        assert body is not None and "4418" not in body.get_content()


def test_a_sender_we_cannot_write_to_still_gets_a_ticket(pipeline: Pipeline) -> None:
    """Found by the fuzzer: a From whose local part is not ASCII (`íartin@...`), or a quoted
    one, is a valid sender for intake but not an address our replies can carry. The ticket
    must not be lost to the reply: it is stored, the reply withheld with a reason."""
    pipeline.ingest(
        {
            "idn.eml": plain(sender="=?utf-8?q?=C3=ADartin?= <íartin@example.de>"),
            "quoted.eml": plain(sender='"jan peeters"@klant.example.be'),
        }
    )
    for name in ("idn.eml", "quoted.eml"):
        stored = pipeline.stored(name)
        assert stored.ledger.state == "processed", stored.ledger.reason
        assert stored.ticket is not None and stored.ticket.requester_email
        assert stored.replies == []
        reasons = [e.data["reason"] for e in stored.events if e.kind == "reply_suppressed"]
        assert reasons and "unusable address" in reasons[0], name


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- 7. attachment names -----------------------------------------------------------------------


HOSTILE_NAMES = {
    'attachment; filename="../../x"': "x",
    'attachment; filename="..\\\\x.pdf"': "x.pdf",
    'attachment; filename="/etc/passwd"': "passwd",
    "attachment; filename*=utf-8''%2e%2e%2f%2e%2e%2fevil.sh": "evil.sh",
    "attachment; filename*0*=utf-8''%2e%2e%2f; filename*1=secret.txt": "secret.txt",
    'attachment; filename="=?utf-8?q?=2E=2E=2Fenc.txt?="': "enc.txt",
}


def test_hostile_attachment_names_are_metadata_only(pipeline: Pipeline, tmp_path: Path) -> None:
    contents = {}
    parts = [text_part("In bijlage de bestanden.\n")]
    for i, disposition in enumerate(HOSTILE_NAMES):
        data = f"inhoud {i}\n".encode()
        contents[disposition] = data
        parts.append(attachment_part(data, disposition))
    nul = b"inhoud nul\n"
    parts.append(attachment_part(nul, 'attachment; filename="a\x00b\x00../c.txt"'))
    long_data = b"inhoud lang\n"
    parts.append(attachment_part(long_data, f'attachment; filename="{"A" * 300}.pdf"'))
    before = {p for p in tmp_path.rglob("*")}
    pipeline.ingest({"names.eml": with_parts(parts, subject="bijlagen")})
    stored = pipeline.stored("names.eml")
    assert stored.ledger.state == "processed", stored.ledger.reason
    by_sha = {a.sha256: a for a in stored.attachments}
    blobs = pipeline.context.blobs
    for disposition, expected in HOSTILE_NAMES.items():
        row = by_sha[sha(contents[disposition])]
        assert row.filename == expected, disposition
        assert blobs.get(row.sha256) == contents[disposition]
    nul_row = by_sha[sha(nul)]
    assert "\x00" not in nul_row.filename and "/" not in nul_row.filename
    long_row = by_sha[sha(long_data)]
    assert len(long_row.filename) <= 255 and long_row.filename.endswith(".pdf")
    # every new file lies inside the blob store, the inbox folder or the database file
    allowed = (blobs.root.resolve(), pipeline.folder.resolve())
    for path in set(tmp_path.rglob("*")) - before:
        resolved = path.resolve()
        if resolved.is_file() and not resolved.name.startswith("postkamer.db"):
            assert resolved.is_relative_to(allowed[0]) or resolved.is_relative_to(allowed[1]), path
            if resolved.is_relative_to(allowed[0]):
                assert len(resolved.name) == 64, f"blob not named by its hash: {path}"
    for suspicious in ("x", "x.pdf", "passwd", "evil.sh", "secret.txt", "enc.txt", "c.txt"):
        assert not (tmp_path / suspicious).exists()
        assert not (tmp_path.parent / suspicious).exists()


# --- 10. size and time limits on parts ---------------------------------------------------------


@SQLITE_ONLY
def test_oversized_parts_zip_bombs_and_slow_pdfs_become_notices(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    limits = LimitSettings(max_attachment_bytes=2 * 1024 * 1024, attachment_text_seconds=0.3)
    pipeline.context = ProcessingContext.from_settings(
        pipeline.settings.model_copy(update={"limits": limits})
    )
    big = os.urandom(3 * 1024 * 1024)  # stands in for the 60 MB part, over a 2 MB limit
    parts = [
        text_part("Wij zeggen het onderhoudscontract HW-2207-4418 op.\n"),
        attachment_part(big, 'attachment; filename="groot.bin"'),
        attachment_part(
            zip_bomb_docx(300_000_000),
            'attachment; filename="bom.docx"',
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        attachment_part(
            pdf_with_text("Vernietigingsverklaring HW-2207-4418"),
            'attachment; filename="ok.pdf"',
            "application/pdf",
        ),
        attachment_part(slow_pdf(60), 'attachment; filename="traag.pdf"', "application/pdf"),
        attachment_part(slow_pdf(61), 'attachment; filename="traag2.pdf"', "application/pdf"),
        attachment_part(slow_pdf(62), 'attachment; filename="traag3.pdf"', "application/pdf"),
    ]
    started = time.monotonic()
    pipeline.ingest({"limits.eml": with_parts(parts, subject="opzegging")})
    assert time.monotonic() - started < 20
    stored = pipeline.stored("limits.eml")
    assert stored.ledger.state == "processed", stored.ledger.reason
    assert stored.ticket is not None and stored.ticket.queue == "cancellation"
    rows = {a.filename: a for a in stored.attachments}
    assert rows["groot.bin"].size == len(big)
    assert rows["groot.bin"].sha256 == ""  # not stored
    assert "over the limit" in (rows["groot.bin"].text_error or "")
    assert not any(
        p.stat().st_size >= len(big)
        for p in pipeline.context.blobs.root.rglob("*")
        if p.is_file() and p.stat().st_size != stored.ledger.size
    )
    assert rows["bom.docx"].text_error, "a zip bomb must be cut with a notice"
    assert len(rows["bom.docx"].text or "") <= limits.attachment_text_bytes
    assert "stopped after" in (rows["traag.pdf"].text_error or "")
    # the time for attachment text is also bounded per mail (twice the per-file limit)
    assert "time for attachment text in this mail used up" in (rows["traag3.pdf"].text_error or "")
    assert "HW-2207-4418" in (rows["ok.pdf"].text or "")
    assert "HW22074418" in stored.ticket.contract_numbers


@SQLITE_ONLY
def test_a_mail_over_the_size_limit_is_quarantined_and_the_rest_processed(
    pipeline: Pipeline,
) -> None:
    limit = 4 * 1024 * 1024
    pipeline.settings = pipeline.settings.model_copy(
        update={"limits": LimitSettings(max_message_bytes=limit)}
    )
    huge = with_parts(
        [text_part("groot"), attachment_part(os.urandom(limit), 'attachment; filename="a.bin"')]
    )
    pipeline.ingest({"huge.eml": huge, "fine.eml": plain()})
    entry = pipeline.stored("huge.eml").ledger
    assert entry.state == "quarantined"
    assert "over" in (entry.reason or "") or "limit" in (entry.reason or ""), entry.reason
    assert pipeline.stored("fine.eml").ticket is not None
    with Session(pipeline.engine) as s:
        assert s.exec(select(AttachmentRow)).all() == []
