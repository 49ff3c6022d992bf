"""`postkamer demo`: the whole pipeline on bundled mails in var/demo/, then the web app."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

DEMO_USERS = (
    ("supervisor@demo.example", "supervisor", ()),
    ("cancellations@demo.example", "owner", ("cancellation",)),
)
DEMO_PASSWORD = "postkamer-demo"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run the pipeline on bundled demo mails in var/demo/, then serve the web app"
    )
    parser.add_argument("--dir", default="var/demo", help="demo folder (rebuilt from scratch)")
    parser.add_argument(
        "--no-serve", action="store_true", help="exit instead of serving the web app"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address the web app listens on")
    parser.add_argument("--port", type=int, default=8000, help="port the web app listens on")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, _settings_loader: Any) -> int:
    from postkamer.demo import print_report, run_demo

    quiet = not getattr(args, "verbose", False)
    root = logging.getLogger()
    level = root.level
    if quiet:  # the report below says per mail what the log lines would; -v shows them
        root.setLevel(logging.WARNING)
    try:
        result = run_demo(Path(args.dir))
    finally:
        root.setLevel(level)
    print_report(result)
    if args.no_serve:
        return 0
    return _serve(result.settings, args.host, args.port)


def _serve(settings: Any, host: str, port: int) -> int:
    import uvicorn

    from postkamer.commands.web import build_config
    from postkamer.web import create_app
    from storage.db import session_scope
    from storage.users import create_user

    config = build_config(settings)
    with session_scope(config.engine) as session:
        for email, role, queues in DEMO_USERS:
            create_user(session, email, DEMO_PASSWORD, role, queues=queues)
    print()
    print(f"Web app: http://{host}:{port}/  (Ctrl-C stops it)")
    for email, role, queues in DEMO_USERS:
        scope = f" of {', '.join(queues)}" if queues else ""
        print(f"  log in as {email} / {DEMO_PASSWORD}  ({role}{scope})")
    uvicorn.run(create_app(config), host=host, port=port, server_header=False, log_config=None)
    return 0
