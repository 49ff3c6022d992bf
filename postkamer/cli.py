"""The `postkamer` command line. Each sub-command lives in its own module under
`postkamer.commands` and registers itself through a `register(subparsers)` function that sets
`func` on its parser; `func(args, settings_loader)` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence

from postkamer import commands
from postkamer.settings import Settings, SettingsError, load_settings

SettingsLoader = Callable[[], Settings]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postkamer", description="Email-driven ticket intake and routing."
    )
    parser.add_argument(
        "--config", metavar="PATH", help="settings TOML file (default: $POSTKAMER_CONFIG)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--log-json", action="store_true", help="structured JSON logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from postkamer.logs import configure_logging

    configure_logging(verbose=args.verbose, json_format=args.log_json)

    cached: list[Settings] = []

    def settings_loader() -> Settings:
        if not cached:
            cached.append(load_settings(args.config))
        return cached[0]

    try:
        code: int = args.func(args, settings_loader)
    except SettingsError as exc:
        print(f"postkamer: settings: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
