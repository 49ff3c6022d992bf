"""The sender's phone number, taken from the signature block (contact details for the desk)."""

from __future__ import annotations

import re2

_PHONE = re2.compile(
    r"(?:\+|\b00)\d{2}[\s./-]{0,2}(?:\(0\)\s?)?\d(?:[\s./-]{0,2}\d){6,11}"
    r"|\b0\d{1,3}(?:[\s./-]{0,2}\d){6,9}\b"
)
_NOT_PHONE = re2.compile(r"(?i)(?:btw|tva|vat|iban|ondernemingsnummer|entreprise|rpr|rpm)\W{0,3}$")


def phone_from_signature(signature: str) -> str | None:
    """The first phone number in the signature, as written; None when there is none."""
    for m in _PHONE.finditer(signature[:5000]):
        if _NOT_PHONE.search(signature[max(0, m.start() - 20) : m.start()]):
            continue
        return " ".join(m.group(0).split())
    return None
