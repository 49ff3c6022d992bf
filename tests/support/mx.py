"""The desk's mail server in tests: its Authentication-Results verdict on a mail, and the trust
that believes it (DOMAIN.md 4a). `stamped` puts on top what a mail server that checked the From
domain writes, so a test about something else can reach `accepted` with a proven sender."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.utils import getaddresses

from intake.proof import TrustConfig

MX = "mx.contracts.example.com"
TRUST = TrustConfig(authserv_ids=(MX,))


def stamped(data: bytes, authserv_id: str = MX) -> bytes:
    """The mail as the desk's mail server hands it over: `dmarc=pass` for its From domain on
    top. A mail without exactly one From address is returned as it is (nothing to prove)."""
    headers = BytesHeaderParser().parsebytes(data)
    found = [a for _, a in getaddresses(headers.get_all("From") or []) if "@" in a]
    if len(found) != 1:
        return data
    domain = found[0].rsplit("@", 1)[1].lower()
    newline = b"\r\n" if b"\r\n" in data[:2000] else b"\n"
    verdict = f"Authentication-Results: {authserv_id}; dmarc=pass header.from={domain}".encode()
    return verdict + newline + data
