"""`postkamer routing history [--json]`, `postkamer routing apply FILE [--comment TEXT]` and
`postkamer routing rollback VERSION`: the versions of the routing config (`routing.config` in
the settings). `apply` validates FILE (templates included) and refuses it with one
`file:line: key: message` line per problem (exit 1), else writes the routing file atomically
and stores a new version; `rollback` applies an old version's text as a new version. The
running service picks the new file up at its next batch (`routing.reloader`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from postkamer.settings import Settings

SettingsLoader = Callable[[], Settings]


def register_versions(sub: Any) -> None:
    """Add history/apply/rollback to the `routing` command's sub-parsers."""
    history = sub.add_parser("history", help="applied routing config versions, newest first")
    history.add_argument("--json", action="store_true", help="JSON (with each diff)")
    history.add_argument("--limit", type=int, default=50, metavar="N", help="at most N versions")
    history.set_defaults(func=run_history)

    apply = sub.add_parser("apply", help="validate a routing config and make it the running one")
    apply.add_argument("file", help="routing config (YAML)")
    apply.add_argument("--comment", default="", help="what changed and why")
    apply.add_argument("--author", default=None, help="who applies it (default: cli:$USER)")
    apply.set_defaults(func=run_apply)

    rollback = sub.add_parser("rollback", help="apply an earlier version again, as a new version")
    rollback.add_argument("version", type=int, help="version number (see 'routing history')")
    rollback.add_argument("--author", default=None, help="who rolls back (default: cli:$USER)")
    rollback.set_defaults(func=run_rollback)


def _author(given: str | None) -> str:
    if given:
        return given
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in this environment
        return "cli"


def _paths(settings: Settings) -> tuple[Path, set[str] | None]:
    """The routing file the service reads and the template names a config may use."""
    from postkamer.processing import _resolve
    from storage.routing_versions import template_names

    return _resolve(settings.routing.config), template_names(_resolve(settings.routing.templates))


def run_history(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    from postkamer.service import open_engine
    from storage import routing_versions as rv
    from storage.db import session_scope

    engine = open_engine(settings_loader())
    try:
        with session_scope(engine) as session:
            versions = rv.history(session, args.limit)
            latest = versions[0].id if versions else None
            rows: list[dict[str, Any]] = [
                {
                    "version": v.id,
                    "created_at": v.created_at.isoformat(),
                    "author": v.author,
                    "comment": v.comment,
                    "sha256": v.sha256,
                    "in_use": v.id == latest,
                    "diff": v.diff,
                }
                for v in versions
            ]
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no routing config versions yet (the first apply stores the file as version 1)")
    for r in rows:
        mark = "*" if r["in_use"] else " "
        print(f"{mark}{r['version']:>5}  {r['created_at'][:19]}  {r['author']:<24} {r['comment']}")
    return 0


def _apply(
    settings_loader: SettingsLoader, action: Callable[[Any, Path, set[str] | None], Any]
) -> int:
    from postkamer.service import open_engine
    from storage import routing_versions as rv
    from storage.db import session_scope

    settings = settings_loader()
    path, templates = _paths(settings)
    engine = open_engine(settings)
    try:
        with session_scope(engine) as session:
            before = rv.latest(session)
            version = action(session, path, templates)
            unchanged = before is not None and before.id == version.id
            number = version.id
    except rv.ConfigRejected as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("not applied", file=sys.stderr)
        return 1
    except rv.UnknownVersion as exc:
        print(f"postkamer routing: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if unchanged:
        print(f"unchanged: version {number} has this text")
    else:
        print(f"version {number} applied to {path}")
    return 0


def run_apply(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    from storage import routing_versions as rv

    source = Path(args.file)
    try:
        content = source.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"postkamer routing apply: {exc}", file=sys.stderr)
        return 2
    author = _author(args.author)

    def action(session: Any, path: Path, templates: set[str] | None) -> Any:
        return rv.apply_config(
            session, path, content, author, args.comment, known_templates=templates
        )

    return _apply(settings_loader, action)


def run_rollback(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    from storage import routing_versions as rv

    author = _author(args.author)

    def action(session: Any, path: Path, templates: set[str] | None) -> Any:
        return rv.rollback(session, path, args.version, author, known_templates=templates)

    return _apply(settings_loader, action)
