"""The contract registry in the database: import (upsert by normalized number) and load.

`postkamer contracts import` writes it; intake and routing read it as a `routing.registry.Registry`
value at the start of each batch (so one batch sees one registry).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from routing.registry import Contract, Registry, normalize_number
from storage.models import ContractRow, utcnow


def _row_values(contract: Contract) -> dict[str, object]:
    return {
        "display_number": contract.display_number,
        "kind": contract.kind,
        "scope": contract.scope,
        "customer": contract.customer,
        "contacts": sorted(contract.contacts),
        "start_date": contract.start_date,
        "language": contract.language,
    }


def import_contracts(session: Session, contracts: Iterable[Contract]) -> tuple[int, int]:
    """Insert new contracts and update known ones, in the caller's transaction (all or
    nothing: nothing is committed here). Returns (inserted, updated)."""
    inserted = updated = 0
    for contract in contracts:
        row = session.get(ContractRow, contract.number)
        values = _row_values(contract)
        if row is None:
            session.add(ContractRow(number=contract.number, **values))  # type: ignore[arg-type]
            inserted += 1
            continue
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.add(row)
        updated += 1
    session.flush()
    return inserted, updated


def _contract(row: ContractRow) -> Contract:
    return Contract(
        number=row.number,
        display_number=row.display_number,
        kind=row.kind,
        scope=row.scope,
        customer=row.customer,
        contacts=frozenset(a.lower() for a in row.contacts),
        start_date=row.start_date,
        language=row.language,
    )


def load_registry(session: Session) -> Registry:
    """Every contract in the database, as the value routing reads."""
    return Registry(_contract(row) for row in session.exec(select(ContractRow)).all())


def get_contract(session: Session, number: str) -> Contract | None:
    """One contract by any written form of its number."""
    row = session.get(ContractRow, normalize_number(number))
    return None if row is None else _contract(row)
