"""`postkamer routing check FILE` and `postkamer routing replay --config CANDIDATE`.

`check` validates a routing config (YAML syntax, types, unknown queues in rules, patterns RE2
refuses, reply templates that do not exist in the template folder) and prints one
`file:line: key: message` line per problem (exit 1), or `OK` (exit 0).

`replay` re-decides the mail already processed (ledger rows in state `processed`, raw bytes
from the blob store) with the running config and with the candidate, and prints what would
change (`routing.replay`). Nothing is written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from postkamer.settings import Settings
from routing.config import RoutingConfig, RoutingConfigError, check_config, parse_routing_config


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "routing", help="check, replay, apply or roll back a routing configuration"
    )
    sub = parser.add_subparsers(dest="routing_command", metavar="ACTION")
    sub.required = True

    check = sub.add_parser("check", help="validate a routing config file")
    check.add_argument("file", help="routing config (YAML)")
    check.add_argument(
        "--templates",
        metavar="DIR",
        help="reply template folder whose names must exist (default: the settings' folder "
        "when it exists)",
    )
    check.add_argument("--no-templates", action="store_true", help="do not check templates")
    check.set_defaults(func=run_check)

    replay = sub.add_parser("replay", help="what a candidate config changes on stored mail")
    replay.add_argument(
        "--config", dest="candidate", required=True, metavar="YAML", help="candidate routing config"
    )
    replay.add_argument(
        "--current", metavar="YAML", help="compare with this file instead of the running config"
    )
    replay.add_argument(
        "--since",
        type=date.fromisoformat,
        metavar="DATE",
        help="only mail received on or after this date (YYYY-MM-DD)",
    )
    replay.add_argument("--queue", metavar="Q", help="only mail in queue Q before or after")
    replay.add_argument("--registry", metavar="CSV", help="contract registry CSV")
    replay.add_argument("--limit", type=int, metavar="N", help="at most N mails")
    replay.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="processes deciding mails in parallel (default: one per CPU)",
    )
    replay.add_argument("--json", action="store_true", help="JSON report")
    replay.set_defaults(func=run_replay)

    from postkamer.commands.routing_versions import register_versions

    register_versions(sub)  # history, apply, rollback


def known_templates(folder: Path) -> set[str] | None:
    """Reply template names available in `folder` (None when there is no such folder)."""
    if not folder.is_dir():
        return None
    from outbound.templates import TemplateSet

    return set(TemplateSet.open_unchecked(folder).known_names())


def run_check(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    templates: set[str] | None = None
    if not args.no_templates:
        if args.templates:
            folder = Path(args.templates)
            if not folder.is_dir():
                print(f"{folder}: no such template folder", file=sys.stderr)
                return 2
        else:
            try:
                folder = settings_loader().routing.templates
            except Exception:  # no settings: check without template names
                folder = Path("templates")
        templates = known_templates(folder)
    problems = check_config(args.file, templates)
    if problems:
        for problem in problems:
            print(problem)
        return 1
    print("OK")
    return 0


def running_config(settings: Settings, current: str | None) -> RoutingConfig:
    """The config in force: `--current`, else the newest applied version, else the file."""
    if current:
        path = Path(current)
        return parse_routing_config(path.read_text(encoding="utf-8"), str(path))
    from sqlmodel import Session, col, select

    from storage.db import make_engine
    from storage.models import RoutingConfigVersion

    engine = make_engine(settings.database.url)
    try:
        with Session(engine) as session:
            newest = session.exec(
                select(RoutingConfigVersion).order_by(col(RoutingConfigVersion.id).desc())
            ).first()
    finally:
        engine.dispose()
    if newest is not None:
        return parse_routing_config(newest.content, f"routing config version {newest.id}")
    path = settings.routing.config
    return parse_routing_config(path.read_text(encoding="utf-8"), str(path))


def stored_items(settings: Settings, since: date | None, limit: int | None) -> Iterator[Any]:
    """ReplayItems for the processed mail of the ledger, oldest first, bytes from the blobs."""
    from sqlalchemy import or_
    from sqlmodel import Session, col, select

    from routing.replay import ReplayItem
    from storage.blobs import BlobStore
    from storage.db import make_engine
    from storage.models import LedgerEntry

    blobs = BlobStore(settings.storage.blobs)
    engine = make_engine(settings.database.url)
    try:
        with Session(engine) as session:
            query = select(LedgerEntry).where(LedgerEntry.state == "processed")
            if since is not None:
                start = datetime.combine(since, time.min, tzinfo=UTC)
                query = query.where(
                    or_(
                        col(LedgerEntry.internaldate) >= start,
                        col(LedgerEntry.internaldate).is_(None)
                        & (col(LedgerEntry.created_at) >= start),
                    )
                )
            query = query.order_by(col(LedgerEntry.id))
            if limit:
                query = query.limit(limit)
            rows = session.exec(query).all()
    finally:
        engine.dispose()
    for row in rows:
        received = row.internaldate
        if received is not None and received.tzinfo is None:
            received = received.replace(tzinfo=UTC)
        yield ReplayItem(
            ref=f"ledger {row.id} ({row.source_ref or row.mailbox})",
            data=blobs.get(row.sha256),
            received=received,
            mailbox=row.mailbox,
        )


def run_replay(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    from postkamer.commands.route import load_registry
    from routing.replay import replay

    settings = settings_loader()
    try:
        candidate_path = Path(args.candidate)
        candidate = parse_routing_config(
            candidate_path.read_text(encoding="utf-8"), str(candidate_path)
        )
        current = running_config(settings, args.current)
    except RoutingConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"postkamer routing replay: {exc}", file=sys.stderr)
        return 2
    registry = load_registry(args.registry, lambda: settings)
    queue = args.queue

    def keep(before: Any, after: Any) -> bool:
        return queue is None or queue in (before.queue, after.queue)

    workers = args.workers or os.cpu_count() or 1
    items = stored_items(settings, args.since, args.limit)
    if workers > 1:
        items = iter(list(items))  # read from the database here, decided in the workers
    report = replay(
        items,
        current,
        candidate,
        registry,
        keep=keep,
        workers=workers,
        trust=settings.trust.config(),
    )
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.table())
    return 0
