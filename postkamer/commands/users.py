"""`postkamer users add|list|disable|password|unlock`: the people who may use the web app.

`add EMAIL --role owner|supervisor|admin [--queue Q ...] [--password-stdin]` reads the password
from standard input (first line) or asks for it twice on the terminal. Passwords are stored as
argon2id hashes (storage.users). Disabling a user or setting a new password ends their sessions.
`unlock EMAIL` clears the failed logins counted against the account (storage.throttle), as
the admins' users page does.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from postkamer.settings import Settings

SettingsLoader = Callable[[], Settings]


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "users", help="web app users", description="Manage the users of the web app."
    )
    actions = parser.add_subparsers(dest="users_command", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="add a user", description="Add a web app user.")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=("owner", "supervisor", "admin"))
    add.add_argument(
        "--queue", action="append", default=[], metavar="Q", help="a queue an owner handles"
    )
    add.add_argument("--language", choices=("nl", "fr", "en"), help="UI language")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(func=run_add)
    lst = actions.add_parser("list", help="list users")
    lst.set_defaults(func=run_list)
    dis = actions.add_parser("disable", help="disable a user and end their sessions")
    dis.add_argument("email")
    dis.set_defaults(func=run_disable)
    pw = actions.add_parser("password", help="set a new password and end the user's sessions")
    pw.add_argument("email")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(func=run_password)
    unlock = actions.add_parser(
        "unlock", help="clear the failed logins that slow down a user's logins"
    )
    unlock.add_argument("email")
    unlock.set_defaults(func=run_unlock)


def _engine(settings_loader: SettingsLoader) -> Any:
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(settings_loader().database.url)
    upgrade(engine)
    return engine


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        print("postkamer: the passwords differ", file=sys.stderr)
        return None
    return first


def run_add(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    from storage.db import session_scope
    from storage.users import UserError, create_user

    password = _read_password(args.password_stdin)
    if password is None:
        return 1
    engine = _engine(settings_loader)
    try:
        with session_scope(engine) as s:
            user = create_user(s, args.email, password, args.role, args.queue, args.language)
            line = f"added {user.email} ({user.role}"
            line += f"; queues: {', '.join(user.queues)})" if user.queues else ")"
    except UserError as exc:
        print(f"postkamer: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(line)
    return 0


def run_list(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    from sqlmodel import select

    from storage.db import session_scope
    from storage.models import User

    engine = _engine(settings_loader)
    try:
        with session_scope(engine) as s:
            for u in s.exec(select(User).order_by(User.email)):
                state = "" if u.active else "  (disabled)"
                print(f"{u.email}\t{u.role}\t{','.join(u.queues or [])}{state}")
    finally:
        engine.dispose()
    return 0


def _change(email: str, settings_loader: SettingsLoader, change: Callable[[Any, Any], None]) -> int:
    from storage.db import session_scope
    from storage.users import end_user_sessions, get_user

    engine = _engine(settings_loader)
    try:
        with session_scope(engine) as s:
            user = get_user(s, email)
            if user is None:
                print(f"postkamer: no user {email}", file=sys.stderr)
                return 1
            change(s, user)
            end_user_sessions(s, user)
    finally:
        engine.dispose()
    return 0


def run_disable(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    def disable(s: Any, user: Any) -> None:
        user.active = False
        s.add(user)

    return _change(args.email, settings_loader, disable)


def run_password(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    from storage.users import MIN_PASSWORD_LENGTH, hash_password

    password = _read_password(args.password_stdin)
    if password is None:
        return 1
    if len(password) < MIN_PASSWORD_LENGTH:
        print(
            f"postkamer: password must have at least {MIN_PASSWORD_LENGTH} characters",
            file=sys.stderr,
        )
        return 1

    def set_password(s: Any, user: Any) -> None:
        user.password_hash = hash_password(password)
        s.add(user)

    return _change(args.email, settings_loader, set_password)


def run_unlock(args: argparse.Namespace, settings_loader: SettingsLoader) -> int:
    from storage import throttle
    from storage.db import session_scope
    from storage.models import Event
    from storage.users import normalize_email

    email = normalize_email(args.email)
    engine = _engine(settings_loader)
    try:
        with session_scope(engine) as s:
            cleared = throttle.unlock(s, email)
            s.add(Event(kind="login_unlocked", actor="cli", data={"email": email, "keys": cleared}))
    finally:
        engine.dispose()
    print(f"unlocked {email} ({cleared} counted limits cleared)")
    return 0
