"""Local mail files as a source: a single .eml file, a directory of mail files (walked
recursively), a maildir (cur/ and new/), or an mbox file. Used by `postkamer ingest`.

Each mail becomes a `RawMail` with its bytes untouched (an mbox's "From " separator line is
dropped, nothing else). A mail over the size limit is not read whole: only its header block is
kept, and it goes to quarantine as oversize. Batches are bounded by count and by bytes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Generator, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from intake.model import RawMail
from intake.sources.base import Batch, Checkpoint, Oversize

SOURCE_NAME = "files"
HEADER_LIMIT = 64 * 1024  # bytes of header block kept for an oversize mail
_READ = 64 * 1024
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark some editors and exporters write first


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def is_mbox(path: Path) -> bool:
    """An mbox file starts with a "From " separator line (a mail starts with a header),
    after a UTF-8 byte-order mark if there is one."""
    with path.open("rb") as fh:
        return fh.read(8).removeprefix(BOM).startswith(b"From ")


def header_block(chunks: Iterator[bytes], limit: int = HEADER_LIMIT) -> bytes:
    """The header block (up to and with the blank line) of a mail read chunk by chunk."""
    buf = b""
    for chunk in chunks:
        buf += chunk
        for sep in (b"\r\n\r\n", b"\n\n"):
            end = buf.find(sep)
            if end != -1:
                return buf[: end + len(sep)][:limit]
        if len(buf) >= limit:
            break
    return buf[:limit]


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(_READ):
            yield chunk


def mail_files(path: Path) -> Iterator[Path]:
    """Every mail file under `path`, in a stable order. Hidden files are left out; inside a
    maildir only cur/ and new/ are read (tmp/ holds deliveries in progress)."""
    if path.is_file():
        yield path
        return
    for root, dirs, files in os.walk(path):
        here = Path(root)
        if is_maildir(here):
            dirs[:] = sorted(d for d in dirs if d in ("cur", "new") or d.startswith("."))
        else:
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") or is_maildir(here / d))
        if here.name == "tmp" and is_maildir(here.parent):
            continue
        for name in sorted(files):
            if not name.startswith("."):
                yield here / name


def _arrival(_path: Path) -> datetime | None:
    """A file has no arrival time of its own: processing takes its Date header (DOMAIN.md 4)."""
    return None


def read_file(path: Path, max_bytes: int) -> Iterator[RawMail | Oversize]:
    """The mails in one file: one for a mail file, any number for an mbox file."""
    in_maildir = path.parent.name in ("cur", "new") and is_maildir(path.parent.parent)
    if not in_maildir and is_mbox(path):
        yield from read_mbox(path, max_bytes)
        return
    size = path.stat().st_size
    when = _arrival(path)
    if size > max_bytes:
        head = header_block(_file_chunks(path))
        mail = RawMail(data=head, source=SOURCE_NAME, ref=str(path), internaldate=when)
        yield Oversize(mail, size)
        return
    yield RawMail(data=path.read_bytes(), source=SOURCE_NAME, ref=str(path), internaldate=when)


def read_mbox(path: Path, max_bytes: int) -> Iterator[RawMail | Oversize]:
    """Split an mbox file at its "From " lines, streaming: memory stays bounded by the limit."""
    when = _arrival(path)
    index = 0
    parts: list[bytes] = []
    size = 0
    started = False

    def finish() -> RawMail | Oversize:
        ref = f"{path}#{index}"
        data = b"".join(parts)
        if size > max_bytes:
            head = header_block(iter([data]))
            return Oversize(RawMail(head, SOURCE_NAME, ref, None, None, when), size)
        return RawMail(data, SOURCE_NAME, ref, None, None, when)

    with path.open("rb") as fh:
        for number, line in enumerate(fh):
            if number == 0:
                line = line.removeprefix(BOM)
            if line.startswith(b"From "):
                if started:
                    yield finish()
                    index += 1
                started = True
                parts, size = [], 0
                continue
            if not started:
                continue
            size += len(line)
            if size <= max_bytes:  # past the limit only the size is counted
                parts.append(line)
        if started:
            yield finish()


class FileSource:
    """Mail files as a `MailSource`; there is nothing to acknowledge and nothing to wait for."""

    def __init__(
        self,
        paths: Sequence[str | Path],
        max_message_bytes: int,
        batch_size: int = 200,
        batch_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        self._paths = [Path(p) for p in paths]
        self._max = max_message_bytes
        self._batch_size = batch_size
        self._batch_bytes = batch_bytes
        self._items = self._iterate()
        self._pending: RawMail | Oversize | None = None

    @property
    def name(self) -> str:
        return SOURCE_NAME

    @property
    def folder(self) -> str:
        return ""

    def _iterate(self) -> Generator[RawMail | Oversize, None, None]:
        for path in self._paths:
            if not path.exists():
                raise FileNotFoundError(f"{path}: no such file or directory")
            for file in mail_files(path):
                yield from read_file(file, self._max)

    def fetch_batch(self, checkpoint: Checkpoint | None = None) -> Batch:
        mails: list[RawMail] = []
        oversize: list[Oversize] = []
        total = 0
        while len(mails) + len(oversize) < self._batch_size:
            item = self._pending or next(self._items, None)
            self._pending = None
            if item is None:
                break
            data = item.mail.data if isinstance(item, Oversize) else item.data
            if total and total + len(data) > self._batch_bytes:
                self._pending = item
                break
            total += len(data)
            (oversize if isinstance(item, Oversize) else mails).append(item)  # type: ignore[arg-type]
        return Batch(mails=mails, oversize=oversize)

    def acknowledge(self, batch: Batch) -> None:
        """Files stay where they are: re-ingesting them is a no-op thanks to the ledger."""

    def wait_for_new(self, timeout: float, stop: threading.Event | None = None) -> None:
        """Files do not announce new mail; `postkamer ingest` reads once and ends."""

    def close(self) -> None:
        self._items.close()
