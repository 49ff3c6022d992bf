"""`postkamer templates check [--folder DIR]`: render every reply template with sample data in
every language and report missing or failing ones (exit 1 if there are any).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from outbound.templates import LANGUAGES, REQUIRED_NAMES, TemplateSet, TemplateSetError

SettingsLoader = Callable[[], Any]


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "templates", help="reply templates", description="Work with the reply templates."
    )
    actions = parser.add_subparsers(dest="templates_command", metavar="ACTION")
    actions.required = True
    check = actions.add_parser(
        "check",
        help="render every template in every language with sample data",
        description=(
            "Render every reply template with sample data in every language (nl, fr, en). "
            "Reports templates that are missing in a language or fail to render; exit 1 if any."
        ),
    )
    check.add_argument(
        "--folder",
        metavar="DIR",
        help="template folder (default: routing.templates from the settings)",
    )
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    folder = Path(args.folder) if args.folder else Path(settings_loader().routing.templates)
    try:
        tset = TemplateSet.open_unchecked(folder)
    except TemplateSetError as exc:
        print(f"templates: {exc}")
        return 1
    problems = tset.problems(REQUIRED_NAMES)
    names = sorted(set(REQUIRED_NAMES).union(*(tset.names_in(lang) for lang in LANGUAGES)))
    bad = {(p.language, p.name) for p in problems}
    for name in names:
        marks = " ".join(f"{lang}:{'--' if (lang, name) in bad else 'ok'}" for lang in LANGUAGES)
        print(f"{name:45} {marks}")
    for problem in problems:
        print(problem)
    total = len(names) * len(LANGUAGES)
    print(f"{total - len(bad)} of {total} templates render ({len(problems)} problems) in {folder}")
    return 1 if problems else 0
