"""Sender proof (DOMAIN.md 4a): which Authentication-Results headers are believed, when the
From address counts as proven, and the local DKIM check with a key served by the test."""

from __future__ import annotations

import base64
import email.utils

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from intake.parse import parse_mail
from intake.proof import TrustConfig, aligned, organizational_domain, sender_proof
from tests.intake.helpers import sample

MX = "mx.contracts.example.com"
TRUST = TrustConfig(authserv_ids=(MX,))


def _mail(from_: str, *results: str, extra: str = "") -> bytes:
    lines = [f"Authentication-Results: {r}" for r in results]
    lines += [
        f"From: {from_}",
        "To: support@contracts.example.com",
        "Subject: Opzegging contract",
        "Date: Mon, 02 Mar 2026 10:00:00 +0100",
        "Message-ID: <m1@klant.example.be>",
    ]
    head = "\r\n".join(lines) + ("\r\n" + extra.strip() if extra else "")
    return (head + "\r\n\r\nBeste,\r\n\r\nHierbij zeggen wij het contract op.\r\n").encode()


def _proof(data: bytes, trust: TrustConfig = TRUST) -> tuple[str, str | None, str]:
    result = sender_proof(parse_mail(data), trust, data)
    return result.status, result.method, " | ".join(result.reasons)


def test_believed_dmarc_pass_for_the_from_domain_proves_the_sender() -> None:
    data = _mail(
        "An <an@klant.example.be>",
        f"{MX}; spf=pass smtp.mailfrom=klant.example.be; dmarc=pass header.from=klant.example.be",
    )
    status, method, why = _proof(data)
    assert (status, method) == ("proven", "dmarc")
    assert "DMARC passed for the From domain klant.example.be" in why


def test_a_header_from_an_unlisted_authserv_id_proves_nothing() -> None:
    forged = _mail(
        "An <an@klant.example.be>",
        "mx.forger.example.net; dkim=pass header.d=klant.example.be; "
        "dmarc=pass header.from=klant.example.be",
    )
    status, method, why = _proof(forged)
    assert (status, method) == ("unproven", None)
    assert "mx.forger.example.net ignored: not a believed mail server" in why
    # the same header believes nothing without any trust configured
    status, _, why = _proof(forged, TrustConfig())
    assert status == "unproven" and "authserv_ids is empty" in why


def test_the_samples_are_proven_only_when_their_mx_is_believed() -> None:
    data = sample("001")
    assert _proof(data)[:2] == ("proven", "dmarc")
    assert _proof(data, TrustConfig(authserv_ids=("mx.elsewhere.example.org",)))[0] == "unproven"


def test_believed_dmarc_fail_is_failed_even_next_to_a_pass() -> None:
    data = _mail(
        "An <an@klant.example.be>",
        f"{MX}; spf=fail smtp.mailfrom=forger.example.net; dkim=none; "
        "dmarc=fail (p=reject dis=none) header.from=klant.example.be",
        "mx.forger.example.net; dmarc=pass header.from=klant.example.be",
    )
    status, method, why = _proof(data)
    assert (status, method) == ("failed", None)
    assert "possibly forged" in why


def test_dmarc_pass_for_another_domain_does_not_prove_the_from_address() -> None:
    data = _mail(
        "An <an@klant.example.be>",
        f"{MX}; dmarc=pass header.from=forger.example.net",
    )
    status, _, why = _proof(data)
    assert status == "unproven"
    assert "DMARC passed for forger.example.net, not for the From domain klant.example.be" in why


@pytest.mark.parametrize(
    ("from_", "extra", "expected"),
    [
        ("", "", "no From address"),
        ("An <an@klant.example.be>, Bo <bo@forger.example.net>", "", "2 From addresses"),
        ("An <an@klant.example.be>", "From: bo@forger.example.net", "2 From addresses"),
    ],
)
def test_no_single_from_address_is_never_proven(from_: str, extra: str, expected: str) -> None:
    data = _mail(from_, f"{MX}; dmarc=pass header.from=klant.example.be", extra=extra)
    if not from_:
        data = data.replace(b"From: \r\n", b"")
    status, _, why = _proof(data)
    assert status == "unproven"
    assert expected in why


def test_dkim_pass_aligned_by_organizational_domain() -> None:
    sub = _mail(
        "An <an@example.co.uk>",
        f"{MX}; spf=none; dkim=pass header.d=sub.example.co.uk header.s=s1; dmarc=none",
    )
    assert _proof(sub)[:2] == ("proven", "dkim")
    # the same public suffix is not the same organization
    other = _mail("An <an@example.co.uk>", f"{MX}; dkim=pass header.d=other.co.uk")
    status, _, why = _proof(other)
    assert status == "unproven" and "other.co.uk is not aligned" in why
    # header.i names the signer when header.d is missing
    by_i = _mail("An <an@example.co.uk>", f"{MX}; dkim=pass header.i=@mail.example.co.uk")
    assert _proof(by_i)[:2] == ("proven", "dkim")
    assert organizational_domain("sub.example.co.uk") == "example.co.uk"
    assert aligned("sub.example.co.uk", "example.co.uk")
    assert not aligned("example.co.uk", "co.uk")


def test_spf_pass_alone_proves_nothing() -> None:
    data = _mail("An <an@klant.example.be>", f"{MX}; spf=pass smtp.mailfrom=klant.example.be")
    status, _, why = _proof(data)
    assert status == "unproven" and "SPF alone" in why


MS365 = (
    "spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=klant.example.be; dkim=pass (signature "
    "was verified) header.d=klant.example.be;dmarc=pass action=none "
    "header.from=klant.example.be;compauth=pass reason=100"
)


def test_microsoft365_header_is_believed_only_when_configured_and_topmost() -> None:
    data = _mail("An <an@klant.example.be>", MS365)
    status, _, why = _proof(data)
    assert status == "unproven" and "microsoft365 is off" in why
    on = TrustConfig(microsoft365=True)
    assert _proof(data, on)[:2] == ("proven", "dmarc")
    # a header without an id below the topmost one was there before Exchange Online saw it
    below = _mail(
        "An <an@klant.example.be>",
        "spf=none (sender IP is 192.0.2.99) smtp.mailfrom=forger.example.net; dmarc=none "
        "action=none header.from=klant.example.be;compauth=fail reason=001",
        MS365,
    )
    status, _, why = _proof(below, on)
    assert status == "unproven" and "only the topmost one" in why
    failed = _mail(
        "An <an@klant.example.be>",
        "spf=fail (sender IP is 192.0.2.99) smtp.mailfrom=forger.example.net; dkim=none "
        "(message not signed) header.d=none;dmarc=fail action=oreject "
        "header.from=klant.example.be;compauth=fail reason=000",
    )
    assert _proof(failed, on)[0] == "failed"


def test_google_workspace_header() -> None:
    data = _mail(
        "An <an@klant.example.be>",
        "mx.google.com; dkim=pass header.i=@klant.example.be header.s=20230601 header.b=Ab12Cd; "
        "arc=pass (i=1 spf=pass spfdomain=klant.example.be dkim=pass dkdomain=klant.example.be "
        "dmarc=pass fromdomain=klant.example.be); spf=pass (google.com: domain of "
        "an@klant.example.be designates 192.0.2.10 as permitted sender) "
        "smtp.mailfrom=an@klant.example.be; dmarc=pass (p=REJECT sp=REJECT dis=NONE) "
        "header.from=klant.example.be",
    )
    assert _proof(data, TrustConfig(authserv_ids=("mx.google.com",)))[:2] == ("proven", "dmarc")


def test_an_unreadable_header_is_ignored_with_a_reason() -> None:
    data = _mail("An <an@klant.example.be>", f"{MX}; ;;; = =")
    status, _, why = _proof(data)
    assert status == "unproven" and "unreadable Authentication-Results header" in why


# --- local DKIM check --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key() -> tuple[bytes, bytes]:
    """A fresh RSA key: (private key PEM, the TXT record that publishes it)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def _signed(pem: bytes, domain: str, from_: str = "An <an@example.co.uk>", **kw: bool) -> bytes:
    data = _mail(from_, extra=f"X-Date: {email.utils.formatdate()}")
    signature = dkim.sign(
        data, b"s1", domain.encode(), pem, include_headers=[b"from", b"subject", b"to"], **kw
    )
    return bytes(signature) + data


def _served(record: bytes, name: bytes) -> object:
    seen: list[bytes] = []
    timeouts: list[int] = []

    def lookup(asked: bytes, timeout: int = 5) -> bytes | None:
        seen.append(asked)
        timeouts.append(timeout)
        return record if asked.rstrip(b".") == name else None

    lookup.seen = seen  # type: ignore[attr-defined]
    lookup.timeouts = timeouts  # type: ignore[attr-defined]
    return lookup


def test_local_dkim_check_with_an_injected_key(key: tuple[bytes, bytes]) -> None:
    pem, record = key
    data = _signed(pem, "sub.example.co.uk")
    lookup = _served(record, b"s1._domainkey.sub.example.co.uk")
    trust = TrustConfig(verify_dkim=True, dkim_lookup=lookup, dkim_timeout=2)  # type: ignore[arg-type]
    status, method, why = _proof(data, trust)
    assert (status, method) == ("proven", "dkim")
    assert lookup.timeouts == [2]  # type: ignore[attr-defined]  # [trust] dkim_timeout_seconds
    assert "valid signature of sub.example.co.uk (selector s1), aligned" in why
    assert lookup.seen == [b"s1._domainkey.sub.example.co.uk."]  # type: ignore[attr-defined]
    # off by default: the same mail is not proven without verify_dkim
    assert _proof(data, TrustConfig(dkim_lookup=lookup))[0] == "unproven"  # type: ignore[arg-type]


def test_local_dkim_check_refuses_a_changed_mail_an_unaligned_signer_and_l_tags(
    key: tuple[bytes, bytes],
) -> None:
    pem, record = key
    lookup = _served(record, b"s1._domainkey.sub.example.co.uk")
    trust = TrustConfig(verify_dkim=True, dkim_lookup=lookup)  # type: ignore[arg-type]
    changed = _signed(pem, "sub.example.co.uk").replace(b"zeggen wij", b"zeggen zij")
    status, _, why = _proof(changed, trust)
    assert status == "unproven" and "body hash mismatch" in why
    other = _signed(pem, "sub.example.co.uk", from_="An <an@klant.example.be>")
    status, _, why = _proof(other, trust)
    assert status == "unproven" and "is not aligned with the From domain klant.example.be" in why
    partial = _signed(pem, "sub.example.co.uk", length=True)
    status, _, why = _proof(partial, trust)
    assert status == "unproven" and "only part of the body" in why
    missing_key = TrustConfig(verify_dkim=True, dkim_lookup=lambda name, timeout=5: None)
    assert _proof(_signed(pem, "sub.example.co.uk"), missing_key)[0] == "unproven"
