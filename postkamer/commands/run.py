"""`postkamer run [--once]`: serve the configured IMAP mailboxes (`[[mailboxes]]` in the
settings). With `--once`, fetch and process what is waiting and exit; without it, keep
serving (IDLE or polling) until SIGTERM/SIGINT, which lets the current batch finish.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

from intake.sources.base import SourceUnavailable
from postkamer.service import (
    deliver_outbox,
    load_processor,
    open_engine,
    run_forever,
    run_once,
)
from postkamer.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="fetch and process mail from the configured mailboxes",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--once", action="store_true", help="process what is waiting, then exit")
    parser.add_argument("--json", action="store_true", help="with --once: summary as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    settings = settings_loader()
    if not settings.mailboxes:
        print("postkamer run: no [[mailboxes]] in the settings", file=sys.stderr)
        return 2
    processor = load_processor(settings)
    if args.once:
        engine = open_engine(settings)
        try:
            try:
                summary = run_once(settings, processor, engine=engine)
            except SourceUnavailable as exc:
                print(f"postkamer run: {exc}", file=sys.stderr)
                return 1
            delivery = deliver_outbox(settings, engine)
        finally:
            engine.dispose()
        if args.json:
            out = summary.to_json()
            out.update(
                replies_sent=delivery.sent,
                replies_deferred=delivery.deferred,
                replies_failed=delivery.failed,
                replies_unknown=delivery.unknown,
            )
            print(json.dumps(out))
        else:
            print(
                f"{summary.read} read: {summary.stored} stored, {summary.duplicates} "
                f"duplicates, {summary.quarantined} quarantined; replies: {delivery.sent} sent, "
                f"{delivery.deferred} deferred, {delivery.failed} failed"
            )
        return 0
    run_forever(settings, processor, threading.Event())
    return 0
