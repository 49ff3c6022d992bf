"""The peer (issue 8, item 2): django-helpdesk's `get_email` on the same kind of mailbox.

django-helpdesk (PyPI `django-helpdesk`, version pinned below) lives in its own virtual
environment, bench/.peer-venv (created on first use, outside git), with one IMAP queue and
SQLite (`bench.peer.settings`). Its acknowledgements go to the same SMTP sink as Postkamer's.
The peer reads the first `ctx.peer_count` mails of the corpus (1,000 by default: at its
speed the whole 10,000 would take most of the run's 15 minutes) from a fresh Dovecot account,
right after Postkamer's SQLite run so that both see the machine in the same state;
the timed part is one `django-admin get_email` process, start to exit, as Postkamer's
`run --once` is timed. Afterwards the tickets it created are counted and set against what
Postkamer made of the same mails in run 1(b).
"""

from __future__ import annotations

import os
import venv
from typing import Any

from bench.intake import fill
from bench.measure import REPO, Context, Section, command_line, run_child

VERSION = "2.6.1"
VENV = REPO / "bench" / ".peer-venv"


def _bin(name: str) -> str:
    return str(VENV / "bin" / name)


def ensure_venv() -> float:
    """Create bench/.peer-venv with django-helpdesk if it is not there; seconds spent."""
    marker = VENV / f".helpdesk-{VERSION}"
    if marker.exists():
        return 0.0
    import time

    t0 = time.perf_counter()
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    result = run_child(
        [_bin("pip"), "install", "-q", f"django-helpdesk=={VERSION}"], timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip install django-helpdesk failed: {result.stderr[-1500:]}")
    marker.write_text(VERSION + "\n", encoding="utf-8")
    return time.perf_counter() - t0


def _django(env: dict[str, str], *args: str, timeout: float = 600) -> Any:
    result = run_child([_bin("django-admin"), *args], env=env, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"django-admin {args[0]} failed: {result.stderr[-2000:]}")
    return result


QUEUE = """
from helpdesk.models import Queue
Queue.objects.create(
    title="Support", slug="support", email_address="support@contracts.example.com",
    allow_email_submission=True, email_box_type="imap", email_box_host="{host}",
    email_box_port={port}, email_box_ssl=False, email_box_user="{user}",
    email_box_pass="{password}", email_box_imap_folder="INBOX", email_box_interval=0,
)
"""
COUNT = """
from helpdesk.models import Ticket, FollowUp
print(Ticket.objects.count(), FollowUp.objects.count())
"""


def postkamer_share(ctx: Context, ids: list[str]) -> dict[str, int]:
    """What Postkamer's SQLite run made of these Message-IDs: messages by disposition."""
    from sqlalchemy import bindparam, create_engine, text

    db = ctx.work / "e2e-sqlite" / "postkamer.db"
    if not db.exists():
        return {}
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            sql = text(
                "SELECT disposition, count(*) FROM message WHERE direction = 'in' "
                "AND message_id IN :ids GROUP BY disposition"
            ).bindparams(bindparam("ids", expanding=True))
            return {str(k): int(v) for k, v in conn.execute(sql, {"ids": ids}).all()}
    finally:
        engine.dispose()


def measure_peer(ctx: Context) -> Section:
    section = Section("peer", f"2 Peer: django-helpdesk {VERSION} `get_email`")
    installed = ensure_venv()
    n_max = ctx.peer_count
    n = n_max
    var = ctx.scratch("peer")
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.peer.settings",
        "PYTHONPATH": str(REPO),
        "PEER_DB": str(var / "peer.db"),
        "PEER_MEDIA": str(var / "media"),
        "PEER_SMTP_PORT": str(ctx.servers["smtp"].port),
    }
    _django(env, "migrate", "--noinput")
    account, _, _ = fill(ctx.servers["dovecot"], ctx.mails[:n])
    _django(
        env, "shell", "-c",
        QUEUE.format(host=account.host, port=account.port, user=account.user,
                     password=account.password),
    )
    sent_before = ctx.servers["smtp"].handler.messages
    argv = [_bin("django-admin"), "get_email", "--quiet"]
    run = run_child(argv, env=env, timeout=max(120.0, ctx.left()), log=var / "get_email")
    if run.returncode != 0:
        raise RuntimeError(f"get_email failed ({run.returncode}): {run.stderr[-2000:]}")
    sent = ctx.servers["smtp"].handler.messages - sent_before
    last = _django(env, "shell", "-c", COUNT).stdout.strip().splitlines()[-1]
    tickets, followups = (int(x) for x in last.split()[:2])
    left = account.count("INBOX")
    rate = n / run.seconds
    ctx.figures["peer"] = rate
    ctx.facts["peer_tickets"] = tickets
    ours = postkamer_share(ctx, ctx.message_ids[:n])
    our_tickets = sum(v for k, v in ours.items() if k in ("ticket", "followup", "bulk"))
    sqlite_rate = ctx.figures.get("sqlite")
    rows: list[list[object]] = [
        ["mails in the mailbox", f"{n:,} (the first {n:,} of the {ctx.count:,}-mail corpus)"],
        ["wall time of `get_email` (process start to exit)", f"{run.seconds:.1f} s"],
        ["throughput", f"{rate:.1f} mails/s"],
        ["peak RSS", f"{run.max_rss_mb:.0f} MB"],
        ["tickets created / follow-ups", f"{tickets:,} / {followups:,}"],
        ["acknowledgements it sent", f"{sent:,}"],
        ["left in INBOX", f"{left:,}"],
    ]
    if sqlite_rate:
        rows.append(["Postkamer 1(b) intake / peer", f"{sqlite_rate / rate:.1f}x"])
    if ours:
        rows.append(
            ["Postkamer on the same mails (1(b)): messages by disposition",
             ", ".join(f"{k} {v:,}" for k, v in sorted(ours.items()))]
        )
    section.table(["", "value"], rows)
    if ours:
        mismatch = tickets - our_tickets
        section.add(
            f"Ticket check: django-helpdesk made {tickets:,} tickets from {n:,} mails; Postkamer "
            f"made {our_tickets:,} tickets (ticket + bulk dispositions) from the same mails and "
            f"stored the other {sum(ours.values()) - our_tickets:,} (auto-replies and bounces) as "
            "messages without a ticket, by design (DOMAIN.md section 2). "
            + (
                "The counts agree once those are added back."
                if mismatch == sum(ours.values()) - our_tickets
                else f"The difference is {mismatch:,}; see the dispositions above."
            ),
        )
    section.add(
        "The peer fetches one message per round trip (`FETCH n (RFC822)`), writes each ticket "
        "and follow-up with its own queries and sends its acknowledgement inline over SMTP. "
        + (f"Installing it took {installed:.0f} s (not timed). " if installed else "")
        + "Queue settings: IMAP without TLS (its STARTTLS attempt fails and it goes on "
        "unencrypted, as on a local server), interval 0, SQLite."
    )
    section.commands.append(
        "DJANGO_SETTINGS_MODULE=bench.peer.settings PYTHONPATH=. "
        + command_line([os.path.relpath(a, REPO) if a.startswith(str(REPO)) else a
                        for a in argv])
    )
    return section

