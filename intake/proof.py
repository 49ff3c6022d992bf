"""Sender proof: may the desk believe the mail's From address (DOMAIN.md section 4a)?

Pure apart from the optional local DKIM check's key lookup. Input: the parsed mail, its raw
bytes (only for the local DKIM check) and a `TrustConfig` value (the settings' `[trust]`
section). Output: a `SenderProof` with the status (`proven`, `unproven`, `failed`), the
method (`dmarc`, `dkim`) and the reasons in words. Routing (`routing.decide`) puts it in the
decision: a cancellation is accepted only for a proven sender, anything else waits for the
registered contact's confirmation by reply (`postkamer.confirmation`).

What is believed:

- `Authentication-Results` headers (RFC 8601, parsed with the `authres` library) whose
  authserv-id is listed in `authserv_ids`. Any other such header is the sender's own claim
  and is ignored (said so in the reasons). The desk's mail server must remove incoming headers
  that claim its own authserv-id, as RFC 8601 section 5 asks of it.
- Microsoft 365 (Exchange Online Protection) writes its header without an authserv-id
  (`Authentication-Results: spf=pass (sender IP is ...) ...; dmarc=pass action=none
  header.from=...`). Such a header is believed only with `microsoft365 = true`, and then only
  the topmost header of the mail, the one Exchange Online added on arrival: one without an id
  further down was there before and proves nothing.
- Google Workspace writes the standard form with the authserv-id `mx.google.com`.

The sender is proven by a believed `dmarc=pass` whose `header.from` is the From domain, or a
believed `dkim=pass` whose signing domain (`header.d`, or the domain of `header.i`) has the
From domain's organizational domain (Public Suffix List, shipped with `publicsuffixlist`, no
network). A believed `dmarc=fail` makes the mail `failed` (possibly forged), whatever else
the headers say. No From, several From addresses, or a From domain that is not the one the
headers speak of leave it `unproven`, with the reason.

With `verify_dkim`, a mail the headers do not prove has its DKIM signatures checked here
(`dkimpy`); a valid signature aligned with the From domain proves it (method `dkim`). The key
lookup is `TrustConfig.dkim_lookup` (DNS by default; tests serve their own key).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any

import authres
import dkim
from publicsuffixlist import PublicSuffixList

from intake.model import UNPROVEN, ParsedMail, SenderProof

#: looks up the TXT record of a DKIM key name (b"sel._domainkey.example.com."); None: no record
DkimLookup = Callable[..., bytes | None]

MICROSOFT365 = "(Microsoft 365)"  # how a header without an authserv-id is named in reasons


@dataclass(frozen=True, slots=True)
class TrustConfig:
    """Which mail servers' verdicts the desk believes (`[trust]` of the settings)."""

    authserv_ids: tuple[str, ...] = ()
    microsoft365: bool = False  # believe the topmost header without an authserv-id
    verify_dkim: bool = False  # check DKIM signatures here when the headers prove nothing
    dkim_lookup: DkimLookup | None = field(default=None, compare=False)  # None: DNS
    dkim_timeout: float = 5.0

    @property
    def configured(self) -> bool:
        """Whether anything at all can prove a sender."""
        return bool(self.authserv_ids) or self.microsoft365 or self.verify_dkim

    def believes(self, authserv_id: str) -> bool:
        wanted = authserv_id.strip().lower()
        return any(wanted == known.strip().lower() for known in self.authserv_ids)


NO_TRUST = TrustConfig()


@dataclass(frozen=True, slots=True)
class Verdict:
    """One method's result in a believed header: `dmarc=pass header.from=example.com`."""

    server: str  # authserv-id, or MICROSOFT365
    method: str  # dmarc | dkim | spf | ...
    result: str  # pass | fail | none | ...
    properties: tuple[tuple[str, str], ...]  # ("header.from", "example.com"), ...

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.properties if k == name), None)

    def describe(self) -> str:
        props = " ".join(f"{k}={v}" for k, v in self.properties if k != "header.b")
        return f"{self.server}: {self.method}={self.result}" + (f" {props}" if props else "")


def sender_proof(
    parsed: ParsedMail, trust: TrustConfig = NO_TRUST, raw: bytes | None = None
) -> SenderProof:
    """How the From address of this mail is proven, or why it is not. Never raises."""
    reasons: list[str] = []
    verdicts = believed_verdicts(parsed, trust, reasons)
    failed = [v for v in verdicts if v.method == "dmarc" and v.result == "fail"]
    if failed:
        reasons.append(
            f"{failed[0].describe()}: the mail does not come from the domain it names "
            "(possibly forged)"
        )
        return SenderProof("failed", None, tuple(reasons))

    domain, problem = from_domain(parsed)
    if domain is None:
        reasons.append(problem)
        return SenderProof("unproven", None, tuple(reasons))

    for verdict in verdicts:
        if verdict.method != "dmarc" or verdict.result != "pass":
            continue
        named = (verdict.get("header.from") or "").strip().lower().rstrip(".")
        if named == domain:
            reasons.append(f"{verdict.describe()}: DMARC passed for the From domain {domain}")
            return SenderProof("proven", "dmarc", tuple(reasons))
        reasons.append(
            f"{verdict.describe()}: DMARC passed for {named or '(no header.from)'}, "
            f"not for the From domain {domain}"
        )
    for verdict in verdicts:
        if verdict.method != "dkim" or verdict.result != "pass":
            continue
        signer = _signing_domain(verdict)
        if signer and aligned(signer, domain):
            reasons.append(
                f"{verdict.describe()}: DKIM signature of {signer}, aligned with the From "
                f"domain {domain}"
            )
            return SenderProof("proven", "dkim", tuple(reasons))
        reasons.append(
            f"{verdict.describe()}: DKIM signature of {signer or '(no domain)'} is not aligned "
            f"with the From domain {domain}"
        )
    if verdicts and not any(v.method in ("dmarc", "dkim") and v.result == "pass" for v in verdicts):
        reasons.append(
            "the believed headers show no DMARC or aligned DKIM pass "
            "(SPF alone proves the envelope sender, not the From address)"
        )

    if trust.verify_dkim and raw is not None:
        local = _local_dkim(raw, domain, trust, reasons)
        if local is not None:
            return local

    if not trust.configured:
        reasons.append("no mail server is believed ([trust] authserv_ids is empty)")
    elif not verdicts and not trust.verify_dkim:
        reasons.append("no Authentication-Results header from a believed mail server")
    return SenderProof("unproven", None, tuple(reasons) or UNPROVEN.reasons)


def believed_verdicts(parsed: ParsedMail, trust: TrustConfig, reasons: list[str]) -> list[Verdict]:
    """The results of the Authentication-Results headers the settings believe, topmost
    first; the ignored ones are named in `reasons`."""
    out: list[Verdict] = []
    for position, value in enumerate(parsed.header_all("Authentication-Results")):
        unnamed = _without_authserv_id(value)
        try:
            header = _parse(f"unnamed.invalid; {value}" if unnamed else value)
        except Exception as exc:  # authres raises its own SyntaxError and others
            reasons.append(f"unreadable Authentication-Results header ignored: {exc}"[:300])
            continue
        server = MICROSOFT365 if unnamed else str(header.authserv_id)
        if unnamed:
            if not trust.microsoft365:
                reasons.append(
                    "Authentication-Results header without an authserv-id ignored "
                    "([trust] microsoft365 is off)"
                )
                continue
            if position != 0:
                reasons.append(
                    "Authentication-Results header without an authserv-id ignored: only the "
                    "topmost one is Microsoft 365's own"
                )
                continue
        elif not trust.believes(server):
            reasons.append(
                f"Authentication-Results header of {server} ignored: not a believed mail "
                "server ([trust] authserv_ids)"
            )
            continue
        for result in header.results:
            props = tuple((f"{p.type}.{p.name}".lower(), str(p.value)) for p in result.properties)
            out.append(
                Verdict(server, str(result.method).lower(), str(result.result).lower(), props)
            )
    return out


def from_domain(parsed: ParsedMail) -> tuple[str | None, str]:
    """The domain of the one From address, or None and why there is none."""
    values = parsed.header_all("From")
    addresses = [a for _, a in getaddresses(values) if a]
    if not addresses or parsed.from_ is None or "@" not in parsed.from_.email:
        return None, "no From address: nobody to prove"
    if len(values) > 1 or len(addresses) > 1:
        return None, f"{len(addresses)} From addresses: the mail has no single sender to prove"
    domain = parsed.from_.email.rsplit("@", 1)[1].strip().lower().rstrip(".")
    if not domain:
        return None, "no From domain: nobody to prove"
    return domain, ""


def aligned(signer: str, domain: str) -> bool:
    """Relaxed alignment (RFC 7489 3.1.1): the same organizational domain."""
    a, b = signer.strip().lower().rstrip("."), domain.strip().lower().rstrip(".")
    if a == b:
        return True
    org_a, org_b = organizational_domain(a), organizational_domain(b)
    return org_a is not None and org_a == org_b


def organizational_domain(domain: str) -> str | None:
    """`sub.example.co.uk` -> `example.co.uk`; None for a public suffix itself."""
    found = _psl().privatesuffix(domain.lower())
    return found or None


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def _parse(value: str) -> Any:
    """An `authres.AuthenticationResultsHeader` (`authserv_id`, `results`: each with
    `method`, `result` and `properties` of `type`, `name`, `value`)."""
    return authres.AuthenticationResultsHeader.parse_value(value)


def _without_authserv_id(value: str) -> bool:
    """Microsoft 365's form starts with a result (`spf=pass ...`), not with an authserv-id."""
    first = _strip_comments(value).split(";", 1)[0].strip()
    return "=" in first.split(" ", 1)[0]


def _strip_comments(value: str) -> str:
    out: list[str] = []
    depth = 0
    for ch in value:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def _signing_domain(verdict: Verdict) -> str:
    d = verdict.get("header.d")
    if d and d.lower() != "none":
        return d.strip().lower()
    i = verdict.get("header.i") or ""
    return i.rsplit("@", 1)[-1].strip().lower() if "@" in i else ""


def _local_dkim(
    raw: bytes, domain: str, trust: TrustConfig, reasons: list[str]
) -> SenderProof | None:
    """Check every DKIM-Signature of the raw mail; the first valid aligned one proves it."""
    try:
        checker = dkim.DKIM(raw, timeout=int(max(1, trust.dkim_timeout)))
        count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
    except Exception as exc:  # an unreadable mail for dkimpy
        reasons.append(f"local DKIM check: mail not readable ({type(exc).__name__})")
        return None
    if count == 0:
        reasons.append("local DKIM check: the mail carries no DKIM signature")
        return None
    lookup = trust.dkim_lookup or dkim.get_txt
    for index in range(count):
        try:
            valid = bool(checker.verify(idx=index, dnsfunc=lookup))
        except Exception as exc:  # dkim.DKIMException, DNS errors
            reasons.append(f"local DKIM check: signature {index + 1} not verified ({exc})"[:300])
            continue
        fields = checker.signature_fields or {}
        signer = _text(fields.get(b"d")).lower()
        if not valid:
            reasons.append(f"local DKIM check: signature of {signer or '?'} does not verify")
            continue
        if b"l" in fields:
            reasons.append(
                f"local DKIM check: signature of {signer} covers only part of the body (l=): "
                "not counted"
            )
            continue
        if not aligned(signer, domain):
            reasons.append(
                f"local DKIM check: valid signature of {signer} is not aligned with the From "
                f"domain {domain}"
            )
            continue
        selector = _text(fields.get(b"s"))
        reasons.append(
            f"local DKIM check: valid signature of {signer} (selector {selector}), aligned "
            f"with the From domain {domain}"
        )
        return SenderProof("proven", "dkim", tuple(reasons))
    return None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return "" if value is None else str(value)
