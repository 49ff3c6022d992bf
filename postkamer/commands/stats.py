"""`postkamer stats [--json]`: counts an operator looks at: messages, tickets (per queue and
status), ledger states (quarantined ...), outbox states, and each mailbox's checkpoint.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from postkamer.service import open_engine
from postkamer.settings import Settings
from storage import ledger
from storage.db import session_scope
from storage.models import Message, OutboxRow, Ticket


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="counts of messages, tickets, quarantine and outbox",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def _grouped(session: Session, column: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column))
    return {str(key): int(n) for key, n in rows}


def _count(session: Session, where: Any) -> int:
    return int(session.execute(select(func.count()).select_from(Message).where(where)).scalar_one())


def collect(session: Session) -> dict[str, Any]:
    states = ledger.count_by_state(session)
    return {
        "messages": _count(session, Message.direction == "in"),
        "replies": _count(session, Message.direction == "out"),
        "tickets": int(session.execute(select(func.count()).select_from(Ticket)).scalar_one()),
        "quarantined": states.get(ledger.QUARANTINED, 0),
        "ledger": states,
        "tickets_by_queue": _grouped(session, col(Ticket.queue)),
        "tickets_by_status": _grouped(session, col(Ticket.status)),
        "outbox": _grouped(session, col(OutboxRow.state)),
        "mailboxes": [
            {
                "name": m.name,
                "folder": m.folder,
                "uidvalidity": m.uidvalidity,
                "last_uid": m.last_uid,
            }
            for m in ledger.mailbox_states(session)
        ],
    }


def run(args: argparse.Namespace, settings_loader: Callable[[], Settings]) -> int:
    engine = open_engine(settings_loader())
    try:
        with session_scope(engine) as session:
            stats = collect(session)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(stats, sort_keys=True))
        return 0
    print(f"messages     {stats['messages']}")
    print(f"replies      {stats['replies']}")
    print(f"tickets      {stats['tickets']}")
    for queue, n in sorted(stats["tickets_by_queue"].items()):
        print(f"  {queue:<12}{n}")
    print(f"quarantined  {stats['quarantined']}")
    for state, n in sorted(stats["outbox"].items()):
        print(f"outbox {state:<6}{n}")
    for m in stats["mailboxes"]:
        print(
            f"mailbox {m['name']}: {m['folder']} "
            f"UIDVALIDITY {m['uidvalidity']} last UID {m['last_uid']}"
        )
    return 0
