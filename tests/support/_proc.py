"""Small process helpers shared by the service fixtures: free ports, dropping root, CI rules."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def is_root() -> bool:
    return os.geteuid() == 0


def chown(path: Path, user: str) -> None:
    """chown to `user` when running as root (a no-op otherwise: files are already ours)."""
    if is_root():
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def run_as(user: str | None, argv: Sequence[str]) -> str:
    """Run `argv` as `user` (only when root) and return its stdout; raise with its output."""
    user_id: int | None = None
    group_id: int | None = None
    if user and is_root():
        entry = pwd.getpwnam(user)
        user_id, group_id = entry.pw_uid, entry.pw_gid
    proc = subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        user=user_id,
        group=group_id,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        command = " ".join(argv)
        raise RuntimeError(f"{command} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    out: str = proc.stdout
    return out


def missing(what: str) -> None:
    """A service binary is absent: fail under CI, skip on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed, and CI is set", pytrace=False)
    pytest.skip(f"{what} is not installed")


def private_dir(prefix: str) -> Path:
    """A fresh directory under /tmp that service users (postgres, dovecot, mail) can enter."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
