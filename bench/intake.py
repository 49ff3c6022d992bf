"""Intake throughput (issue 8, items 1 and 5): the same generated mailbox fetched raw with
imapclient (the limit), and processed end to end by `postkamer run --once` on SQLite and on
PostgreSQL, each in its own child process so its wall time and peak RSS are its own; and the
peak RSS for one mail with a 25 MB attachment.

Each run gets a fresh Dovecot account filled by writing files into its maildir `new/`, then
one SELECT lets Dovecot index them before the clock starts. `run --once` delivers the replies
it queued to the local SMTP sink before it exits; the intake part ends where the first reply
is sent (`outbox.sent_at`), which is what the raw fetch is compared with.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from sqlalchemy import create_engine, text

from bench.measure import ChildRun, Context, Section, command_line, run_child
from bench.servers import SmtpSink
from tests.support.dovecot import Account, DovecotServer
from tests.support.mail import write_config

FETCH_BATCHES = (200, 1000)
PASSWORD_ENV = "BENCH_IMAP_PASSWORD"


# --- mailbox ----------------------------------------------------------------------------------


def fill(server: DovecotServer, mails: list[bytes]) -> tuple[Account, float, float]:
    """A new account holding `mails`; returns it with the seconds spent writing the files and
    the seconds Dovecot took to index them at the first SELECT (neither is measured below)."""
    account = server.add_account()
    t0 = time.perf_counter()
    account.deliver(mails)
    written = time.perf_counter() - t0
    t0 = time.perf_counter()
    client = account.client(timeout=600)
    try:
        client.select_folder("INBOX", readonly=True)
    finally:
        client.logout()
    return account, written, time.perf_counter() - t0


def raw_fetch(account: Account, batch: int) -> tuple[int, int, float]:
    """(mails, bytes, seconds) for SELECT + UID SEARCH + batched FETCH BODY.PEEK[] of all."""
    client = IMAPClient(account.host, port=account.port, ssl=False, timeout=120)
    client.login(account.user, account.password)
    try:
        t0 = time.perf_counter()
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        count = size = 0
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            data = client.fetch(chunk, [b"BODY.PEEK[]", b"INTERNALDATE"])
            for item in data.values():
                size += len(item[b"BODY[]"])
                count += 1
        seconds = time.perf_counter() - t0
    finally:
        client.logout()
    return count, size, seconds


def measure_raw(ctx: Context) -> Section:
    """1(a): the limit: imapclient fetching the whole mailbox in batches."""
    section = Section("raw", "1(a) Raw IMAP fetch (the limit)")
    server: DovecotServer = ctx.servers["dovecot"]
    account, written, indexed = fill(server, ctx.mails)
    ctx.facts["maildir_write_s"] = written
    ctx.facts["dovecot_index_s"] = indexed
    rows = []
    best = 0.0
    for batch in FETCH_BATCHES:
        raw_fetch(account, batch)  # warm: Dovecot's caches and the page cache
        count, size, seconds = raw_fetch(account, batch)
        rate = count / seconds
        ctx.figures[f"raw_{batch}"] = rate
        best = max(best, rate)
        rows.append([batch, count, f"{size / 1e6:.1f} MB", f"{seconds:.2f}", rate])
    ctx.figures["raw"] = ctx.figures[f"raw_{FETCH_BATCHES[0]}"]
    section.table(["batch (UIDs per FETCH)", "mails", "bytes", "seconds", "mails/s"], rows)
    section.add(
        f"Filling the mailbox (files written into the maildir `new/`, not timed): "
        f"{written:.1f} s; Dovecot indexed them at the first SELECT in {indexed:.1f} s (not "
        "timed). Each figure is the second of two passes (the first warms Dovecot's cache). "
        f"Ratios below use batch {FETCH_BATCHES[0]}, the `batch_size` Postkamer uses by default.",
    )
    section.commands.append(
        "imapclient: SELECT INBOX (read-only); SEARCH ALL; FETCH <batch of UIDs> "
        "(BODY.PEEK[] INTERNALDATE)"
    )
    return section


# --- postkamer run --once ---------------------------------------------------------------------


def settings_file(
    var: Path,
    db_url: str,
    account: Account,
    smtp: SmtpSink | None,
    *,
    limits: dict[str, int] | None = None,
    idle: bool = False,
) -> Path:
    from bench.measure import REPO

    data: dict[str, Any] = {
        "database": {"url": db_url},
        "storage": {"blobs": str(var / "blobs")},
        "mailboxes": [
            {
                "name": "support",
                "host": account.host,
                "port": account.port,
                "tls": "none",
                "username": account.user,
                "password_env": PASSWORD_ENV,
                "folder": "INBOX",
                "processed_folder": "Processed",
                "idle": idle,
                "poll_seconds": 30,
                "timeout_seconds": 120,
            }
        ],
        "outbound": {"folder": str(var / "outbox")},
        "routing": {
            "config": str(REPO / "config" / "routing.yaml"),
            "templates": str(REPO / "templates"),
        },
    }
    if smtp is not None:
        data["smtp"] = {"host": smtp.host, "port": smtp.port, "tls": "none"}
    if limits:
        data["limits"] = limits
    return write_config(var / "postkamer.toml", data)


def postkamer(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "postkamer.cli", "--config", str(config), *args]


def db_counts(db_url: str) -> dict[str, Any]:
    """What the run left in the database: tickets, messages by disposition, ledger states,
    outbox states and when the first reply was sent."""
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:

            def grouped(sql: str) -> dict[str, int]:
                return {str(k): int(v) for k, v in conn.execute(text(sql)).all()}

            first_sent = conn.execute(text("SELECT min(sent_at) FROM outbox")).scalar()
            if isinstance(first_sent, str):
                first_sent = datetime.fromisoformat(first_sent)
            if isinstance(first_sent, datetime) and first_sent.tzinfo is None:
                first_sent = first_sent.replace(tzinfo=UTC)
            return {
                "tickets": int(conn.execute(text("SELECT count(*) FROM ticket")).scalar() or 0),
                "messages_in": grouped(
                    "SELECT disposition, count(*) FROM message WHERE direction = 'in' "
                    "GROUP BY disposition"
                ),
                "ledger": grouped("SELECT state, count(*) FROM ledger GROUP BY state"),
                "outbox": grouped("SELECT state, count(*) FROM outbox GROUP BY state"),
                "queues": grouped("SELECT queue, count(*) FROM ticket GROUP BY queue"),
                "first_sent": first_sent,
                "processed_at": [
                    _aware(v) for (v,) in conn.execute(
                        text("SELECT processed_at FROM ledger WHERE processed_at IS NOT NULL "
                             "ORDER BY processed_at")
                    ).all()
                ],
            }
    finally:
        engine.dispose()


def _aware(value: object) -> datetime:
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(stamp, datetime):
        raise TypeError(f"not a time: {value!r}")
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def progress(stamps: list[datetime], chunk: int) -> list[tuple[int, float]]:
    """Mails a second over consecutive chunks of `chunk` mails, from the ledger's processed_at
    (set at each batch's commit): does intake slow down as the database grows?"""
    out: list[tuple[int, float]] = []
    for start in range(chunk, len(stamps), chunk):
        seconds = (stamps[start] - stamps[start - chunk]).total_seconds()
        if seconds > 0:
            out.append((start, chunk / seconds))
    return out


def end_to_end(
    ctx: Context, label: str, db_url: str, mails: list[bytes], smtp: SmtpSink | None
) -> tuple[ChildRun, dict[str, Any], Path, Account]:
    """Import the registry, then time `postkamer run --once` over a mailbox of `mails`."""
    server: DovecotServer = ctx.servers["dovecot"]
    var = ctx.scratch(f"e2e-{label}")
    empty = server.add_account()
    config = settings_file(var, db_url, empty, smtp)
    env = {PASSWORD_ENV: empty.password}
    registry = ctx.corpus_dir / "contracts.csv"
    imported = run_child(postkamer(config, "contracts", "import", str(registry)), log=var / "imp")
    if imported.returncode != 0:
        raise RuntimeError(f"contracts import failed: {imported.stderr[-2000:]}")
    idle_run = run_child(postkamer(config, "run", "--once", "--json"), env=env, log=var / "empty")
    if idle_run.returncode != 0:
        raise RuntimeError(f"run --once on an empty mailbox failed: {idle_run.stderr[-2000:]}")
    ctx.figures[f"fixed_{label}"] = idle_run.seconds
    ctx.figures[f"fixed_{label}_rss"] = idle_run.max_rss_mb
    account, _, _ = fill(server, mails)
    config = settings_file(var, db_url, account, smtp)
    env = {PASSWORD_ENV: account.password}
    run = run_child(
        postkamer(config, "run", "--once", "--json"), env=env, log=var / "run", timeout=1200
    )
    if run.returncode != 0:
        raise RuntimeError(f"run --once failed ({run.returncode}): {run.stderr[-3000:]}")
    counts = db_counts(db_url)
    return run, counts, config, account


def _e2e_section(
    ctx: Context, key: str, title: str, label: str, db_url: str, smtp: SmtpSink
) -> Section:
    section = Section(key, title)
    n = len(ctx.mails)
    run, counts, config, account = end_to_end(ctx, label, db_url, ctx.mails, smtp)
    intake_s = run.seconds
    first = counts["first_sent"]
    if isinstance(first, datetime):
        intake_s = min(run.seconds, first.timestamp() - run.started)
    rate = n / intake_s
    ctx.figures[label] = rate
    ctx.figures[f"{label}_total"] = n / run.seconds
    ctx.figures[f"{label}_rss"] = run.max_rss_mb
    ctx.figures[f"{label}_cpu_share"] = run.cpu_seconds / run.seconds
    ctx.facts[f"{label}_counts"] = counts
    raw = ctx.figures.get("raw")
    left, moved = account.count("INBOX"), account.count("Processed")
    section.table(
        ["", "value"],
        [
            ["mails in the mailbox", n],
            ["wall time of `run --once` (process start to exit)", f"{run.seconds:.1f} s"],
            ["of which intake (start until the first reply went out)", f"{intake_s:.1f} s"],
            ["intake throughput", f"{rate:.1f} mails/s"],
            ["whole run incl. sending the replies", f"{n / run.seconds:.1f} mails/s"],
            ["CPU time of the process (user + system)",
             f"{run.cpu_seconds:.1f} s ({100 * run.cpu_seconds / run.seconds:.0f} % of the wall "
             "time; the rest is waiting for Dovecot, the database, the disk or, on a busy "
             "machine, for a core)"],
            ["fixed cost: `run --once` on an empty mailbox",
             f"{ctx.figures[f'fixed_{label}']:.2f} s"],
            ["peak RSS of the process", f"{run.max_rss_mb:.0f} MB"],
            [f"ratio to raw fetch ({label}/a)", f"{rate / raw:.3f}" if raw else "n/a"],
            ["left in INBOX / moved to Processed", f"{left} / {moved}"],
            ["tickets", counts["tickets"]],
            ["incoming messages by disposition", _kv(counts["messages_in"])],
            ["ledger states", _kv(counts["ledger"])],
            ["tickets by queue", _kv(counts["queues"])],
            ["outbox states", _kv(counts["outbox"])],
        ],
    )
    steps = progress(counts["processed_at"], max(len(ctx.mails) // 5, 200))
    if steps:
        ctx.facts[f"{label}_progress"] = steps
        section.add(
            "Throughput as the database fills (from `ledger.processed_at`): "
            + ", ".join(f"up to mail {end:,}: {rate:.0f}/s" for end, rate in steps),
            "",
        )
    try:
        stdout_line = run.stdout.strip().splitlines()[-1]
    except IndexError:
        stdout_line = ""
    section.add(
        f"`run --once --json` printed: `{stdout_line}`", "", "Settings (scratch paths):", ""
    )
    section.add(*("    " + line for line in config.read_text(encoding="utf-8").splitlines()))
    section.commands.append(command_line(postkamer(config, "run", "--once", "--json")))
    return section


def _kv(d: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(d.items(), key=lambda kv: -kv[1]))


def measure_sqlite(ctx: Context) -> Section:
    """1(b): `postkamer run --once` end to end on SQLite; 5: its peak RSS."""
    db = ctx.scratch("e2e-sqlite") / "postkamer.db"
    return _e2e_section(
        ctx, "sqlite", "1(b) `postkamer run --once` on SQLite", "sqlite", f"sqlite:///{db}",
        ctx.servers["smtp"],
    )


def measure_postgres(ctx: Context) -> Section:
    """1(c): the same on PostgreSQL."""
    pg = ctx.servers.get("postgres")
    if pg is None:
        raise RuntimeError("PostgreSQL is not installed")
    url = pg.create_database("bench_e2e")
    return _e2e_section(
        ctx, "postgres", "1(c) `postkamer run --once` on PostgreSQL", "postgres", url,
        ctx.servers["smtp"],
    )


# --- memory: one mail with a 25 MB attachment ------------------------------------------------


def _traced_peaks(server: DovecotServer, mail: bytes) -> tuple[float, float]:
    """tracemalloc peaks (MB) of fetching `mail` the way `postkamer run` does
    (`intake.sources.imap.ImapSource`: a mail over 4 MB in pieces) and of `parse_mail` on it."""
    import gc
    import tracemalloc

    from intake.parse import ParseLimits, parse_mail
    from intake.sources.imap import ImapSource
    from postkamer.settings import MailboxSettings

    account, _, _ = fill(server, [mail])
    source = ImapSource(
        MailboxSettings(
            name="big",
            host=account.host,
            port=account.port,
            tls="none",
            username=account.user,
            password=account.password,
            timeout_seconds=120,
        ),
        64 << 20,
    )
    try:
        gc.collect()
        tracemalloc.start()
        batch = source.fetch_batch(None)
        data = batch.mails[0].data
        del batch
        fetch_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        source.close()
    limits = ParseLimits(max_bytes=64 << 20, max_attachment_bytes=32 << 20)
    parse_mail(data, limits)  # warm: imports (pypdf) are not the mail's cost
    gc.collect()
    tracemalloc.start()
    parsed = parse_mail(data, limits)
    parse_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del parsed
    return fetch_peak / 1e6, parse_peak / 1e6


def big_mail(size: int) -> bytes:
    import base64

    from bench import docs

    payload = docs.big_pdf(size, "Scan van het ondertekende onderhoudscontract HW-2207-4418.")
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    head = (
        b"From: Jan Deprez <jan.deprez@zevenlinden.example.be>\r\n"
        b"To: support@contracts.example.com\r\nSubject: Gescand contract in bijlage\r\n"
        b"Date: Mon, 02 Mar 2026 10:00:00 +0100\r\n"
        b"Message-ID: <big-25mb@zevenlinden.example.be>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Beste, in bijlage het gescande contract HW-2207-4418. Groeten, Jan\r\n"
        b"--B\r\nContent-Type: application/pdf; name=contract-scan.pdf\r\n"
        b"Content-Disposition: attachment; filename=contract-scan.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return head + encoded + b"--B--\r\n"


def measure_big_attachment(ctx: Context) -> Section:
    """5: peak RSS of `run --once` for a single mail with a 25 MB PDF attachment."""
    section = Section("bigmail", "5 Peak memory for one mail with a 25 MB attachment")
    mail = big_mail(25_000_000)
    server: DovecotServer = ctx.servers["dovecot"]
    rows = []
    cases = [
        ("limits raised so it is processed whole (max_message_bytes 64 MiB, "
         "max_attachment_bytes 32 MiB)",
         {"max_message_bytes": 64 << 20, "max_attachment_bytes": 32 << 20}),
        ("default limits (max_message_bytes 25 MiB): oversize, header-only fetch, quarantined",
         None),
    ]
    for i, (what, limits) in enumerate(cases):
        var = ctx.scratch(f"big-{i}")
        account, _, _ = fill(server, [mail])
        config = settings_file(
            var, f"sqlite:///{var / 'postkamer.db'}", account, ctx.servers["smtp"], limits=limits
        )
        run = run_child(
            postkamer(config, "run", "--once", "--json"),
            env={PASSWORD_ENV: account.password},
            log=var / "run",
        )
        if run.returncode != 0:
            raise RuntimeError(f"run --once failed: {run.stderr[-2000:]}")
        counts = db_counts(f"sqlite:///{var / 'postkamer.db'}")
        if i == 0:
            ctx.figures["big_rss"] = run.max_rss_mb
        else:
            ctx.figures["big_rss_default"] = run.max_rss_mb
        rows.append(
            [what, f"{run.max_rss_mb:.0f} MB", f"{run.seconds:.1f} s", _kv(counts["ledger"]),
             counts["tickets"]]
        )
        if i == 0:
            section.commands.append(command_line(postkamer(config, "run", "--once", "--json")))
    section.add(
        f"The mail is {len(mail) / 1e6:.1f} MB on the wire (a {25:d} MB PDF: one page of text "
        "and an uncompressed image, base64-encoded)."
    )
    section.table(["case", "peak RSS", "wall time", "ledger", "tickets"], rows)
    fetch_mb, parse_mb = _traced_peaks(server, mail)
    ctx.figures["big_fetch_peak_mb"] = fetch_mb
    ctx.figures["big_parse_peak_mb"] = parse_mb
    section.add(
        "Where it goes, measured in this process with tracemalloc (Python allocations only): "
        f"fetching the mail as `postkamer run` does (in 4 MB pieces) peaks at {fetch_mb:.0f} MB; "
        f"`parse_mail` peaks at {parse_mb:.0f} MB over its input (a PDF over "
        "`limits.attachment_text_file_bytes`, 8 MiB, is stored but not read for text).",
    )
    base = ctx.figures.get("fixed_sqlite_rss")
    if base:
        section.add(f"For scale: `run --once` on an empty mailbox peaks at {base:.0f} MB.")
    return section
