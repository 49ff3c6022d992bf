"""Large attachments are decoded straight from the raw bytes, not through the parser's copies."""

from __future__ import annotations

import base64
import os
import time
import tracemalloc

from intake.parse import ParseLimits, lift_large_base64, parse_mail

LIMITS = ParseLimits(max_bytes=64 << 20, max_attachment_bytes=64 << 20)


def _mail(payload: bytes, text: str = "See the attachment.") -> bytes:
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    return (
        b"From: Big Sender <big@example.org>\r\nTo: support@contracts.example.com\r\n"
        b"Subject: large\r\nMessage-ID: <large@example.org>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
        b"Content-Type: text/plain\r\n\r\n" + text.encode() + b"\r\n--B\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename=data.bin\r\n\r\n"
        + encoded
        + b"--B--\r\n"
    )


def test_a_large_attachment_arrives_byte_for_byte_with_little_extra_memory() -> None:
    payload = os.urandom(12 << 20)
    data = _mail(payload)
    tracemalloc.start()
    try:
        parsed = parse_mail(data, LIMITS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [attachment] = parsed.attachments
    assert attachment.data == payload
    assert attachment.size == len(payload)
    assert parsed.text.strip() == "See the attachment."
    # the decoded attachment itself, plus little: not the parser's two or three copies
    assert peak < 1.3 * len(payload), f"peak {peak / 1e6:.0f} MB for {len(payload) / 1e6:.0f} MB"


def test_small_mails_are_left_alone() -> None:
    data = _mail(b"x" * 1000)
    assert lift_large_base64(data) == (data, {})


def test_text_that_only_looks_like_base64_is_never_lifted_into_an_attachment() -> None:
    words = "\r\n".join(["Contractnummer"] * 400_000)  # 6 MB of base64-alphabet lines
    parsed = parse_mail(_mail(b"tiny", text=words), LIMITS)
    assert parsed.text.count("Contractnummer") == 400_000


def test_lifting_is_linear_on_hostile_input() -> None:
    for hostile in (b"A" * (8 << 20), (b"A" * 997 + b"!\n") * 9000, b"QUJD\n" * 2_000_000):
        started = time.monotonic()
        lift_large_base64(b"From: a@example.org\r\n\r\n" + hostile)
        assert time.monotonic() - started < 2.0
