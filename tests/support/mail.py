"""Test mails and settings for the intake tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from postkamer.settings import Settings


def make_mail(i: int, body: str = "", tag: str = "t") -> bytes:
    """A small, distinct, well-formed mail."""
    return (
        f"From: Customer {i} <customer{i}@example.org>\r\n"
        "To: support@contracts.example.com\r\n"
        f"Subject: Question {tag}-{i}\r\n"
        f"Message-ID: <{tag}-{i}@example.org>\r\n"
        "Date: Mon, 02 Mar 2026 10:00:00 +0100\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Hello, this is mail {i}. {body}\r\n"
    ).encode()


def big_mail(attachment_bytes: int, tag: str = "big") -> bytes:
    """A mail with one base64 attachment of `attachment_bytes` bytes."""
    import base64

    chunk = os.urandom(57 * 1024)
    encoded = base64.encodebytes(chunk).replace(b"\n", b"\r\n")
    repeats = attachment_bytes // len(chunk) + 1
    head = (
        "From: Big Sender <big@example.org>\r\nTo: support@contracts.example.com\r\n"
        f"Subject: large attachment {tag}\r\nMessage-ID: <{tag}@example.org>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BOUND\r\n\r\n"
        "--BOUND\r\nContent-Type: text/plain\r\n\r\nSee attachment.\r\n"
        "--BOUND\r\nContent-Type: application/octet-stream; name=data.bin\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=data.bin\r\n\r\n"
    ).encode()
    return head + encoded * repeats + b"--BOUND--\r\n"


def settings_dict(db_url: str, var: Path, **mailbox: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "database": {"url": db_url},
        "storage": {"blobs": str(var / "blobs")},
        "outbound": {"folder": str(var / "outbox")},
    }
    if mailbox:
        box = {
            "name": "support",
            "port": 143,
            "tls": "none",
            "folder": "INBOX",
            "processed_folder": "Processed",
            "batch_size": 200,
            "timeout_seconds": 10,
            "poll_seconds": 30,
        }
        box.update(mailbox)
        data["mailboxes"] = [box]
    return data


def make_settings(db_url: str, var: Path, **mailbox: Any) -> Settings:
    return Settings(**settings_dict(db_url, var, **mailbox))


def write_config(path: Path, data: dict[str, Any]) -> Path:
    """Write settings as TOML (the small subset these settings need)."""
    lines: list[str] = []

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list | tuple):
            return value_list(v)
        if isinstance(v, int | float):
            return str(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    def table(name: str, section: dict[str, Any]) -> None:
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {value(v)}" for k, v in section.items() if not isinstance(v, dict))
        for k, v in section.items():
            if isinstance(v, dict):
                table(f"{name}.{k}", v)

    def value_list(v: Any) -> str:
        return "[" + ", ".join(value(x) for x in v) + "]"

    for key, section in data.items():
        if isinstance(section, list):
            for item in section:
                lines.append(f"[[{key}]]")
                lines.extend(f"{k} = {value(v)}" for k, v in item.items())
        else:
            table(key, section)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
