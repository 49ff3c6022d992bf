"""`postkamer ingest PATH... [--json]`: store and process mail files: .eml files, directories
of mail files (recursively), maildirs and mbox files. Each mail goes through the same stages
as live intake (`postkamer.service`); re-ingesting the same files stores nothing new.
Prints a summary; `--json` prints {"read", "stored", "duplicates", "quarantined"}.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from postkamer.service import IngestSummary, ingest_paths, load_processor
from postkamer.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="store and process mail files, maildirs and mbox files",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, maildir, mbox")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)


def _progress_printer() -> Callable[[IngestSummary], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(summary: IngestSummary) -> None:
        print(
            f"\r{summary.read} read, {summary.stored} stored, {summary.duplicates} duplicates, "
            f"{summary.quarantined} quarantined",
            end="",
            file=sys.stderr,
            flush=True,
        )

    return show


def run(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    settings = settings_loader()
    progress = _progress_printer()
    try:
        summary = ingest_paths(settings, args.paths, load_processor(settings), progress=progress)
    except FileNotFoundError as exc:
        print(f"postkamer ingest: {exc}", file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            print(file=sys.stderr)
    if args.json:
        print(json.dumps(summary.to_json()))
    else:
        print(
            f"{summary.read} read: {summary.stored} stored, {summary.duplicates} duplicates, "
            f"{summary.quarantined} quarantined"
        )
    return 0
