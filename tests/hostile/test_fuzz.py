"""Property-based fuzzing of parse -> disposition -> extraction -> routing, and of the whole
ingest, with mail generated from the shared samples and corpus by damaging their bytes: byte
flips, truncation, duplicated headers, broken boundaries, swapped charset labels, inserted
junk. Properties: nothing but `ParseError` escapes the pure stages, the parse limits hold,
and through `ingest_paths` every input ends processed or quarantined (ledger rows == distinct
inputs; a file that starts with "From " is an mbox) without an "internal error".

The CI profile is small; `make fuzz` runs `HYPOTHESIS_PROFILE=fuzz` with many more examples.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from intake.disposition import classify_disposition
from intake.extract import extract, mail_text
from intake.parse import ParseError, ParseLimits, parse_mail
from postkamer.processing import ProcessingContext, Processor
from postkamer.service import ingest_paths
from postkamer.settings import DatabaseSettings, OutboundSettings, Settings, StorageSettings
from routing.decide import decide
from routing.registry import Registry
from storage.blobs import BlobStore
from storage.db import make_engine
from storage.models import LedgerEntry
from tests.conftest import SHARED
from tests.hostile.conftest import FUZZ_PROFILE

PROFILE = settings.get_profile(FUZZ_PROFILE)
SEED_LIMIT = 64 * 1024  # larger seeds are cut: keeps each example fast


def _seeds() -> list[bytes]:
    paths = sorted((SHARED / "samples").glob("*.eml"))
    paths += sorted(p for p in (SHARED / "corpus").rglob("*") if p.is_file() and p.suffix != ".md")
    return [p.read_bytes()[:SEED_LIMIT] for p in paths]


SEEDS = _seeds()
ODD_CHARSETS = [
    "utf-7", "iso-2022-jp", "x-unknown", "utf-16", "utf-32", "hz-gb-2312", "cp1252",
    "\"", "", "unicode-1-1-utf-7", "base64", "rot13", "idna", "punycode", "koi8-r", "gb18030",
]  # fmt: skip
LIMITS = ParseLimits(
    max_bytes=1024 * 1024,
    max_parts=50,
    max_depth=8,
    max_attachment_bytes=32 * 1024,
    seconds=2.0,
    attachment_text_bytes=20_000,
    attachment_text_pages=3,
    attachment_text_seconds=0.5,
)
_CHARSET = re.compile(rb"charset=\"?[^\s;\"]*\"?", re.I)
_BOUNDARY = re.compile(rb"boundary=\"?([^\s;\"]+)", re.I)


@st.composite
def damaged_mail(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(
                ["flip", "truncate", "dup_header", "boundary", "charset", "junk", "cut"]
            )
        )
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            for offset in range(draw(st.integers(1, 8))):
                if pos + offset < len(data):
                    data[pos + offset] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del data[pos:]
        elif op == "dup_header":
            head_end = data.find(b"\n\n") if b"\r\n\r\n" not in data else data.find(b"\r\n\r\n")
            head = bytes(data[: max(head_end, 0)])
            lines = [line for line in head.splitlines() if b":" in line[:80]]
            if lines:
                line = draw(st.sampled_from(lines))
                copies = draw(st.integers(1, 30))
                data[0:0] = (line + b"\r\n") * copies
        elif op == "boundary":
            match = _BOUNDARY.search(data)
            if match:
                boundary = match.group(1)
                damaged = draw(st.sampled_from([b"", boundary[:-1], boundary + b"x", b"--"]))
                text = bytes(data)
                count = draw(st.integers(1, 3))
                data = bytearray(text.replace(b"--" + boundary, b"--" + damaged, count))
        elif op == "charset":
            label = draw(st.sampled_from(ODD_CHARSETS)).encode()
            data = bytearray(_CHARSET.sub(b"charset=" + label, bytes(data), count=3))
        elif op == "junk":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        else:  # cut a slice out of the middle
            del data[pos : pos + draw(st.integers(1, 200))]
    return bytes(data)


REGISTRY = Registry.from_csv(SHARED / "samples" / "contracts.csv")
CONTEXT = ProcessingContext.from_settings(Settings())
RECEIVED = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@settings(PROFILE)
@given(damaged_mail())
def test_fuzz_pure_stages_raise_only_parse_error_and_keep_limits(data: bytes) -> None:
    started = time.monotonic()
    try:
        parsed = parse_mail(data, LIMITS)
    except ParseError as exc:
        assert exc.reason
        return
    assert len(parsed.attachments) <= LIMITS.max_parts
    for attachment in parsed.attachments:
        assert attachment.data is None or len(attachment.data) <= LIMITS.max_attachment_bytes
        assert attachment.text is None or len(attachment.text) <= LIMITS.attachment_text_bytes
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert "\x00" not in attachment.filename
    for value in (parsed.subject, *(a.name for a in (*parsed.to, *parsed.cc))):
        assert "\n" not in value and "\r" not in value
    if parsed.from_ is not None:
        assert "\n" not in parsed.from_.name and "\n" not in parsed.from_.email
    disposition = classify_disposition(parsed, own_domains=("contracts.example.com",))
    text = mail_text(parsed)
    extraction = extract(text, REGISTRY, CONTEXT.routing.extraction)
    decision = decide(
        parsed,
        disposition,
        extraction,
        registry=REGISTRY,
        config=CONTEXT.routing,
        received=RECEIVED,
        text=text,
    )
    decision.to_json()
    assert time.monotonic() - started < 3 * LIMITS.seconds + 2 * LIMITS.attachment_text_seconds


def _ingest_batch(template: Path, mails: list[bytes]) -> tuple[list[str], list[LedgerEntry]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "fuzz.db"
        shutil.copyfile(template, db)
        url = f"sqlite:///{db}"
        config = Settings(
            database=DatabaseSettings(url=url),
            storage=StorageSettings(blobs=folder / "blobs"),
            outbound=OutboundSettings(folder=folder / "outbox"),
        )
        inbox = folder / "in"
        inbox.mkdir()
        paths = []
        for number, data in enumerate(mails):
            path = inbox / f"{number:03}.eml"
            path.write_bytes(data)
            paths.append(path)
        engine = make_engine(url)
        try:
            context = replace(CONTEXT, blobs=BlobStore(folder / "blobs"), results=[])
            processor = Processor(context, now=RECEIVED)
            ingest_paths(config, paths, processor, engine=engine)
            with Session(engine) as session:
                return [str(p) for p in paths], list(session.exec(select(LedgerEntry)))
        finally:
            engine.dispose()


@settings(PROFILE, max_examples=max(5, PROFILE.max_examples // 12))
@given(st.lists(damaged_mail(), min_size=1, max_size=8))
def test_fuzz_ingest_stores_or_quarantines_every_input(
    _sqlite_template: Path, mails: list[bytes]
) -> None:
    paths, rows = _ingest_batch(_sqlite_template, mails)
    seen: set[str] = set()
    for path, data in zip(paths, mails, strict=True):
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:  # the same bytes twice: a duplicate, no second row
            continue
        seen.add(digest)
        mine = [r for r in rows if r.source_ref == path or r.source_ref.startswith(f"{path}#")]
        if data.startswith(b"From "):  # read as an mbox: a row per mail in it
            continue
        assert [r.sha256 for r in mine] == [digest], "a mail was lost or stored twice"
    for row in rows:
        assert row.state in ("processed", "quarantined"), row.state
        if row.state == "quarantined":
            assert row.reason
            assert not row.reason.startswith("internal error"), row.reason
