"""`postkamer demo`: the whole pipeline on bundled mails, in var/demo/."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run the pipeline on bundled demo mails in var/demo/"
    )
    parser.add_argument("--dir", default="var/demo", help="demo folder (rebuilt from scratch)")
    parser.add_argument(
        "--no-serve", action="store_true", help="exit instead of serving the web app"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, _settings_loader: Any) -> int:
    from postkamer.demo import print_report, run_demo

    result = run_demo(Path(args.dir))
    print_report(result)
    return 0
