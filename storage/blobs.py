"""Content-addressed blob store on disk for raw mail and attachments.

A blob is written to a temporary file, fsynced, then renamed to `ab/cd/<sha256>`; writing the
same content twice is a no-op. Intake writes raw bytes here before the ledger row exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

_SYNC_WORKERS = 16


class BlobStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._folders: set[Path] = set()  # shard folders known to exist (no mkdir per blob)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put(self, data: bytes) -> str:
        """Store `data`; return its sha256. Durable when this returns."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        fd, tmp = self._temp_file(target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(target.parent)
        return digest

    def put_many(self, items: Sequence[bytes]) -> list[str]:
        """Store a batch; return the sha256 of each item. Durable when this returns.

        Same steps as `put` (temp file, fsync, rename, fsync of the folder), but the fsyncs
        of a batch run in parallel so the file system commits them together: one batch costs
        a few journal commits instead of two per blob."""
        digests = [hashlib.sha256(data).hexdigest() for data in items]
        pending: dict[str, tuple[Path, Path]] = {}
        try:
            for digest, data in zip(digests, items, strict=True):
                target = self.path(digest)
                if digest in pending or target.exists():
                    continue
                fd, name = self._temp_file(target.parent)
                pending[digest] = (Path(name), target)  # before writing: removed if that fails
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
            if pending:
                with ThreadPoolExecutor(max_workers=_SYNC_WORKERS) as pool:
                    list(pool.map(_fsync_file, [tmp for tmp, _ in pending.values()]))
                    for tmp, target in pending.values():
                        os.replace(tmp, target)
                    folders = {target.parent for _, target in pending.values()}
                    list(pool.map(_fsync_dir, folders))
        except BaseException:
            for leftover, _ in pending.values():
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)
            raise
        return digests

    def _temp_file(self, folder: Path) -> tuple[int, str]:
        """A new temporary file in `folder`, made (once per store) if it is missing."""
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        try:
            return tempfile.mkstemp(dir=folder, prefix=".tmp-")
        except FileNotFoundError:  # removed behind our back: make it again
            folder.mkdir(parents=True, exist_ok=True)
            return tempfile.mkstemp(dir=folder, prefix=".tmp-")

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
