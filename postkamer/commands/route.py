"""`postkamer route [--json] FILE.eml...`: the routing decision for mail files, without side
effects. Runs the production path (`routing.decide.route_bytes`: parse -> disposition ->
extraction -> decide) and prints one JSON object per file (JSON Lines, DOMAIN.md section 6) in
the order given. A file that cannot be processed gives a `quarantine` line and the rest go on.

The registry is `--registry contracts.csv`, else `routing.registry` of the settings, else the
contracts imported into the database. The routing config is `--routing`, else the settings'
`routing.config`, else the default `config/routing.yaml`. The sender proof believes the
settings' `[trust]` plus every `--authserv-id ID` given (so the samples can be measured
against the desk's MX without a settings file). `--mailbox NAME` routes as that mailbox would:
its mailbox rules and, for mail whose text does not tell, its `language`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from intake.proof import TrustConfig
from postkamer.settings import Settings
from routing.config import (
    DEFAULT_CONFIG_PATH,
    RoutingConfig,
    RoutingConfigError,
    load_routing_config,
)
from routing.registry import Registry, RegistryError

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "route",
        help="print the routing decision for .eml files (no side effects)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="raw mail files (.eml)")
    parser.add_argument("--json", action="store_true", help="JSON Lines output (DOMAIN.md 6)")
    parser.add_argument("--registry", metavar="CSV", help="contract registry CSV")
    parser.add_argument("--routing", metavar="YAML", help="routing config file")
    parser.add_argument("--mailbox", default="files", help="mailbox name for mailbox rules")
    parser.add_argument(
        "--authserv-id",
        action="append",
        default=[],
        metavar="ID",
        help="believe Authentication-Results headers of this mail server (repeatable; added "
        "to [trust] authserv_ids of the settings)",
    )
    parser.set_defaults(func=run)


def load_trust(extra: list[str], settings_loader: Callable[[], Settings]) -> TrustConfig:
    """The settings' `[trust]` with the `--authserv-id` values added."""
    try:
        trust = settings_loader().trust.config()
    except Exception as exc:  # no usable settings: only the command line's ids are believed
        log.debug("settings not loaded (%s); trust from the command line only", exc)
        trust = TrustConfig()
    ids = tuple(dict.fromkeys([*trust.authserv_ids, *(i.strip().lower() for i in extra)]))
    return replace(trust, authserv_ids=ids)


def load_config(path: str | None, settings_loader: Callable[[], Settings]) -> RoutingConfig:
    """The routing config named on the command line, in the settings, or the default."""
    if path:
        return load_routing_config(path)
    try:
        configured = settings_loader().routing.config
    except Exception as exc:  # no usable settings: the default config still routes
        log.debug("settings not loaded (%s); default routing config", exc)
        return load_routing_config(DEFAULT_CONFIG_PATH)
    return load_routing_config(configured if configured.exists() else DEFAULT_CONFIG_PATH)


def registry_from_db(settings: Settings) -> Registry:
    """The contracts imported with `contracts import`, or an empty registry."""
    from sqlmodel import Session

    from storage.contracts import load_registry as registry_in_db
    from storage.db import make_engine

    url = settings.database.url
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return Registry()
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return registry_in_db(session)
    finally:
        engine.dispose()


def load_registry(path: str | None, settings_loader: Callable[[], Settings]) -> Registry:
    if path:
        return Registry.from_csv(path)
    settings = settings_loader()
    if settings.routing.registry is not None:
        return Registry.from_csv(settings.routing.registry)
    try:
        return registry_from_db(settings)
    except Exception as exc:  # a database without contracts is not an error here
        log.warning("no contract registry (database: %s); use --registry", exc)
        return Registry()


def mailbox_language(name: str, settings_loader: Callable[[], Settings]) -> str | None:
    """The `language` of the configured mailbox `name`, if there is one."""
    try:
        mailboxes = settings_loader().mailboxes
    except Exception as exc:  # no usable settings: no mailbox defaults
        log.debug("settings not loaded (%s); no mailbox language", exc)
        return None
    return next((m.language for m in mailboxes if m.name == name), None)


def run(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    from routing.decide import route_bytes

    try:
        config = load_config(args.routing, settings_loader)
        registry = load_registry(args.registry, settings_loader)
        trust = load_trust(args.authserv_id, settings_loader)
    except RoutingConfigError as exc:
        print(f"postkamer route: routing config:\n{exc}", file=sys.stderr)
        return 2
    except (RegistryError, OSError) as exc:
        print(f"postkamer route: registry: {exc}", file=sys.stderr)
        return 2
    language = mailbox_language(args.mailbox, settings_loader)
    code = 0
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            _emit(args, {"file": name, "disposition": "quarantine", "error": str(exc)})
            code = 1
            continue
        try:
            decision = route_bytes(
                data,
                registry=registry,
                config=config,
                file=name,
                mailbox=args.mailbox,
                trust=trust,
                default_language=language,
            )
        except Exception as exc:  # any failure quarantines this mail; the others go on
            log.debug("routing %s failed", name, exc_info=True)
            error = f"{type(exc).__name__}: {exc}"
            _emit(args, {"file": name, "disposition": "quarantine", "error": error})
            continue
        _emit(args, decision.to_json(file=name))
    return code


def _emit(args: argparse.Namespace, obj: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(obj, ensure_ascii=False), flush=True)
        return
    if obj.get("disposition") == "quarantine":
        print(f"{obj['file']}: quarantine: {obj.get('error')}")
        return
    policy = obj.get("policy") or {}
    outcome = policy.get("outcome")
    extra = f" {outcome}" if outcome else ""
    dates = [policy.get("effective_date"), policy.get("earliest_notice_date")]
    extra += "".join(f" {d}" for d in dates if d)
    print(
        f"{obj['file']}: {obj['disposition']} -> {obj['queue'] or '-'}{extra}; "
        f"reply {obj['reply_template'] or '-'}"
    )
