"""`postkamer quarantine list [--json]` and `postkamer quarantine retry ID...|--all`: the mails
that could not be processed, with the reason, and running them through processing again
(after a fix or a config change). Their raw bytes are kept in the blob store; an oversize
mail (only its headers were kept) cannot be retried.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from postkamer.service import load_processor, open_engine, retry_quarantined
from postkamer.settings import Settings
from storage import ledger
from storage.blobs import BlobStore
from storage.db import session_scope


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "quarantine",
        help="list quarantined mails or retry them",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    lst = sub.add_parser("list", help="list quarantined mails with the reason")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=run_list)
    retry = sub.add_parser("retry", help="process quarantined mails again")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="ledger ids")
    retry.add_argument("--all", action="store_true", help="every quarantined mail")
    retry.add_argument("--json", action="store_true", help="print JSON")
    retry.set_defaults(func=run_retry)


def run_list(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    engine = open_engine(settings_loader())
    try:
        with session_scope(engine) as session:
            entries = [
                {
                    "id": e.id,
                    "mailbox": e.mailbox,
                    "ref": e.source_ref,
                    "size": e.size,
                    "sha256": e.sha256,
                    "reason": e.reason,
                    "attempts": e.attempts,
                    "received": e.created_at.isoformat(),
                    "retryable": not ledger.is_oversize(e),
                }
                for e in ledger.list_quarantined(session)
            ]
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(entries))
        return 0
    if not entries:
        print("quarantine is empty")
    for e in entries:
        print(f"{e['id']:>6}  {e['mailbox']:<10} {e['ref']}\n        {e['reason']}")
    return 0


def run_retry(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    if not args.ids and not args.all:
        print("postkamer quarantine retry: give ledger ids or --all", file=sys.stderr)
        return 2
    settings = settings_loader()
    engine = open_engine(settings)
    try:
        ids = list(args.ids)
        if args.all:
            with session_scope(engine) as session:
                ids = [int(e.id) for e in ledger.list_quarantined(session) if e.id is not None]
        results = retry_quarantined(
            engine, BlobStore(settings.storage.blobs), load_processor(settings), ids
        )
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps([{"id": r.ledger_id, "ok": r.ok, "reason": r.reason} for r in results]))
    else:
        for r in results:
            print(
                f"{r.ledger_id:>6}  {'processed' if r.ok else 'still quarantined'}"
                + (f": {r.reason}" if r.reason and not r.ok else "")
            )
    return 0 if all(r.ok for r in results) else 1
