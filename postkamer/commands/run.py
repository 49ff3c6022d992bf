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
from postkamer.service import load_processor, run_forever, run_once
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
        try:
            summary = run_once(settings, processor)
        except SourceUnavailable as exc:
            print(f"postkamer run: {exc}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(summary.to_json()))
        else:
            print(
                f"{summary.read} read: {summary.stored} stored, {summary.duplicates} "
                f"duplicates, {summary.quarantined} quarantined"
            )
        return 0
    run_forever(settings, processor, threading.Event())
    return 0
