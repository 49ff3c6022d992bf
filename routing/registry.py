"""The contract registry: which contracts exist, of what kind, and who may act on them.

Pure values plus a CSV reader; the database copy lives in `storage`. Routing and policy read a
`Registry` passed in, so the same code serves live intake, `route --json` and replay.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

KINDS = ("passport_advantage", "monthly_license", "maintenance", "maintenance_addendum")
SCOPES = ("hardware", "software")
LANGUAGES = ("nl", "fr", "en")
COLUMNS = ("contract_number", "kind", "scope", "customer", "contacts", "start_date", "language")

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def normalize_number(raw: str) -> str:
    """`ma-123 4567` -> `MA1234567`: upper case, only letters and digits."""
    return _NOT_ALNUM.sub("", raw).upper()


@dataclass(frozen=True, slots=True)
class Contract:
    number: str  # normalized
    display_number: str  # as written in the registry
    kind: str
    scope: str
    customer: str
    contacts: frozenset[str]  # lower-cased addresses
    start_date: date
    language: str

    def is_contact(self, address: str) -> bool:
        return address.strip().lower() in self.contacts


class RegistryError(ValueError):
    """A registry file that cannot be imported; names the line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


class Registry(Mapping[str, Contract]):
    """Contracts by normalized number."""

    def __init__(self, contracts: Iterable[Contract] = ()) -> None:
        self._by_number: dict[str, Contract] = {c.number: c for c in contracts}
        self._by_contact: dict[str, tuple[Contract, ...]] | None = None

    def __getitem__(self, number: str) -> Contract:
        return self._by_number[normalize_number(number)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_number)

    def __len__(self) -> int:
        return len(self._by_number)

    def lookup(self, number: str) -> Contract | None:
        return self._by_number.get(normalize_number(number))

    def contracts_of(self, address: str) -> tuple[Contract, ...]:
        """The contracts `address` is a registered contact of, by contract number."""
        if self._by_contact is None:
            index: dict[str, list[Contract]] = {}
            for number in sorted(self._by_number):
                contract = self._by_number[number]
                for contact in contract.contacts:
                    index.setdefault(contact, []).append(contract)
            self._by_contact = {k: tuple(v) for k, v in index.items()}
        return self._by_contact.get(address.strip().lower(), ())

    @classmethod
    def from_csv(cls, path: str | Path) -> Registry:
        p = Path(path)
        return cls(parse_csv(p.read_text(encoding="utf-8-sig"), source=str(p)))


def parse_csv(text: str, source: str = "<csv>") -> list[Contract]:
    """Parse a registry CSV; raise `RegistryError` naming the first bad line. All or nothing."""
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(h.strip() for h in (reader.fieldnames or ()))
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RegistryError(source, 1, f"missing column(s): {', '.join(missing)}")
    contracts: list[Contract] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        number = normalize_number(values["contract_number"])
        if not number:
            raise RegistryError(source, line, "contract_number is empty")
        if number in seen:
            raise RegistryError(
                source, line, f"contract {number} already given on line {seen[number]}"
            )
        seen[number] = line
        kind = values["kind"]
        if kind not in KINDS:
            raise RegistryError(source, line, f"kind {kind!r} is not one of {', '.join(KINDS)}")
        scope = values["scope"]
        if scope not in SCOPES:
            raise RegistryError(source, line, f"scope {scope!r} is not one of {', '.join(SCOPES)}")
        try:
            start = date.fromisoformat(values["start_date"])
        except ValueError:
            raise RegistryError(
                source, line, f"start_date {values['start_date']!r} is not an ISO date"
            ) from None
        language = values["language"] or "nl"
        if language not in LANGUAGES:
            raise RegistryError(source, line, f"language {language!r} is not nl, fr or en")
        contacts = frozenset(
            a.strip().lower() for a in values["contacts"].split(";") if a.strip()
        )
        for address in contacts:
            if "@" not in address:
                raise RegistryError(source, line, f"contact {address!r} is not an e-mail address")
        contracts.append(
            Contract(
                number=number,
                display_number=values["contract_number"],
                kind=kind,
                scope=scope,
                customer=values["customer"],
                contacts=contacts,
                start_date=start,
                language=language,
            )
        )
    return contracts
