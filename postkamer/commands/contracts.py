"""`postkamer contracts import FILE.csv` and `postkamer contracts show NUMBER`: the contract
registry (DOMAIN.md section 5) in the database, which intake and routing read.

Import is all or nothing: the whole file is checked first (a bad row prints `file:line: message`
and exits 1 without importing anything), then every row is upserted by normalized number in one
transaction.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from routing.registry import Contract, RegistryError, parse_csv
from storage.contracts import get_contract, import_contracts
from storage.db import make_engine, session_scope
from storage.migrate import upgrade

SettingsLoader = Callable[[], Any]


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "contracts",
        help="the contract registry",
        description="Import and look up the contract registry.",
    )
    actions = parser.add_subparsers(dest="contracts_command", metavar="ACTION")
    actions.required = True
    imp = actions.add_parser(
        "import",
        help="import (upsert) contracts from a CSV file",
        description=(
            "Import contracts from a CSV with the columns contract_number, kind, scope, "
            "customer, contacts, start_date, language. Known numbers are updated. A bad row "
            "stops the import before anything is written (exit 1)."
        ),
    )
    imp.add_argument("file", metavar="FILE.csv")
    imp.set_defaults(func=run_import)
    show = actions.add_parser(
        "show", help="show one contract", description="Show one contract (exit 1 if unknown)."
    )
    show.add_argument("number", metavar="NUMBER", help="the contract number, in any form")
    show.set_defaults(func=run_show)


def _engine(settings_loader: SettingsLoader) -> Any:
    engine = make_engine(settings_loader().database.url)
    upgrade(engine)
    return engine


def run_import(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        print(f"{path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except UnicodeDecodeError as exc:
        print(f"{path}: not UTF-8 text ({exc.reason})", file=sys.stderr)
        return 1
    try:
        contracts = parse_csv(text, source=str(path))
    except RegistryError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    engine = _engine(settings_loader)
    try:
        with session_scope(engine) as session:
            inserted, updated = import_contracts(session, contracts)
    finally:
        engine.dispose()
    print(f"{path}: {len(contracts)} contract(s): {inserted} new, {updated} updated")
    return 0


def _describe(contract: Contract) -> str:
    return "\n".join(
        (
            f"contract_number: {contract.display_number} ({contract.number})",
            f"kind:            {contract.kind}",
            f"scope:           {contract.scope}",
            f"customer:        {contract.customer}",
            f"contacts:        {'; '.join(sorted(contract.contacts))}",
            f"start_date:      {contract.start_date.isoformat()}",
            f"language:        {contract.language}",
        )
    )


def run_show(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    engine = _engine(settings_loader)
    try:
        with session_scope(engine) as session:
            contract = get_contract(session, args.number)
    finally:
        engine.dispose()
    if contract is None:
        print(f"no contract {args.number!r} in the registry", file=sys.stderr)
        return 1
    print(_describe(contract))
    return 0
