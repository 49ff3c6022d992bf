"""Outbox delivery (issue 8, item 6): `outbound.sender.deliver_due` with the SMTP transport
against a bare aiosmtplib loop that sends the same messages over one connection to the same
local aiosmtpd server. The gap is what the outbox costs: claiming rows, one commit per
outcome, the per-ticket ordering check.

The outbox is filled directly (one ticket and one queued reply each, composed once here) so
that only delivery is timed. Both loops run on SQLite and, when it is there, PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import aiosmtplib
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bench.measure import Context, Section, SqlCounter
from bench.servers import SmtpSink

MESSAGES = 500
SENDER = "support@contracts.example.com"


def _reply(i: int) -> tuple[str, str, bytes]:
    msg = EmailMessage()
    msg["From"] = f"Contract Support <{SENDER}>"
    to = f"klant{i}@klant{i % 300}.example.be"
    msg["To"] = to
    msg["Subject"] = f"[PK-{i:06d}] Ontvangstbevestiging van uw aanvraag"
    msg["Date"] = format_datetime(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    msgid = make_msgid(idstring=f"bench{i}", domain="contracts.example.com")
    msg["Message-ID"] = msgid
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    body = (
        "Beste klant,\n\nWij hebben uw aanvraag goed ontvangen en behandelen ze zo snel "
        f"mogelijk. Uw referentie is PK-{i:06d}.\n\nMet vriendelijke groeten,\nContract Support\n"
    ) * 6
    msg.set_content(body)
    msg.add_alternative("<html><body><p>" + body.replace("\n", "<br>") + "</p></body></html>",
                        subtype="html")
    return msgid, to, bytes(msg)


def fill_outbox(engine: Engine, count: int) -> list[tuple[str, str, bytes]]:
    from storage.models import OutboxRow, Ticket

    replies = [_reply(i) for i in range(count)]
    now = datetime.now(UTC) - timedelta(seconds=5)
    with engine.begin() as conn:
        conn.execute(
            insert(Ticket),
            [{"ref": f"PK-B{i:06d}", "queue": "general", "status": "new", "priority": "normal",
              "subject": "bench", "requester_email": to, "requester_name": "", "language": "nl",
              "contract_numbers": [], "tags": [], "flags": [], "created_at": now,
              "updated_at": now} for i, (_, to, _) in enumerate(replies)],
        )
        ids = list(
            conn.execute(
                select(col(Ticket.id))
                .where(col(Ticket.ref).startswith("PK-B"))
                .order_by(col(Ticket.id))
            ).scalars()
        )
        conn.execute(
            insert(OutboxRow),
            [{"ticket_id": tid, "message_id": mid, "sender": SENDER, "recipients": [to],
              "template": "ack", "automatic": True, "raw": raw, "state": "queued",
              "attempts": 0, "next_attempt_at": now, "created_at": now, "to_address": to,
              "uncertain": 0}
             for tid, (mid, to, raw) in zip(ids, replies, strict=True)],
        )
    return replies


async def bare_loop(sink: SmtpSink, replies: list[tuple[str, str, bytes]]) -> None:
    smtp = aiosmtplib.SMTP(hostname=sink.host, port=sink.port, use_tls=False, start_tls=False)
    await smtp.connect()
    try:
        for _, to, raw in replies:
            await smtp.sendmail(SENDER, [to], raw)
    finally:
        await smtp.quit()


def _one_database(
    ctx: Context, label: str, url: str, var: Path, sink: SmtpSink
) -> tuple[float, float, int]:
    from outbound.sender import deliver_due
    from outbound.transport import SmtpTransport
    from postkamer.settings import SmtpSettings
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    try:
        replies = fill_outbox(engine, MESSAGES)
        before = sink.handler.messages
        t0 = time.perf_counter()
        asyncio.run(bare_loop(sink, replies))
        bare_s = time.perf_counter() - t0
        assert sink.handler.messages - before == len(replies)
        before = sink.handler.messages
        transport = SmtpTransport(SmtpSettings(host=sink.host, port=sink.port, tls="none"))
        sql = SqlCounter().attach(engine)
        t0 = time.perf_counter()
        summary = deliver_due(engine, transport)
        outbox_s = time.perf_counter() - t0
        sql.detach(engine)
        ctx.facts[f"delivery_sql_{label}"] = (sql.statements / len(replies), sql.seconds / outbox_s)
        arrived = sink.handler.messages - before
        if summary.sent != len(replies) or arrived != len(replies):
            raise RuntimeError(f"deliver_due sent {summary.sent}, the sink got {arrived}")
        return len(replies) / bare_s, len(replies) / outbox_s, arrived
    finally:
        engine.dispose()


def measure_delivery(ctx: Context) -> Section:
    section = Section("delivery", "6b Outbox delivery against a bare aiosmtplib loop")
    sink: SmtpSink = ctx.servers["smtp"]
    var = ctx.scratch("delivery")
    targets = [("SQLite", f"sqlite:///{var / 'outbox.db'}")]
    pg = ctx.servers.get("postgres")
    if pg is not None:
        targets.append(("PostgreSQL", pg.create_database("bench_outbox")))
    rows = []
    for label, url in targets:
        bare, outbox, arrived = _one_database(ctx, label, url, var, sink)
        key = "delivery" if label == "SQLite" else "delivery_pg"
        ctx.figures[f"{key}_bare"] = bare
        ctx.figures[key] = outbox
        ctx.figures[f"{key}_ratio"] = outbox / bare
        per_msg, share = ctx.facts[f"delivery_sql_{label}"]
        rows.append([label, MESSAGES, bare, outbox, f"{outbox / bare:.2f}", arrived,
                     f"{per_msg:.1f}", f"{100 * share:.0f} %"])
    section.table(
        ["database", "messages", "bare loop mails/s", "deliver_due mails/s",
         "ratio", "arrived at the sink", "SQL statements a message",
         "share of deliver_due time in SQL"],
        rows,
    )
    size = len(_reply(0)[2])
    section.add(
        f"Each message is a {size:,}-byte reply (text + HTML). The bare loop is one "
        "`aiosmtplib.SMTP` connection calling `sendmail` for each message; `deliver_due` claims "
        "rows in batches of 50, sends each over one reused connection (`SmtpTransport`) and "
        "commits each outcome. The server is aiosmtpd in a thread of this process, accepting "
        "everything."
    )
    section.commands.append(
        "in-process: outbound.sender.deliver_due(engine, SmtpTransport(SmtpSettings(host, port, "
        "tls='none'))) vs aiosmtplib.SMTP.sendmail in a loop"
    )
    return section
