"""Latency with IDLE (issue 8, item 3): `postkamer run` serving an empty mailbox (IDLE on,
SQLite, replies to the SMTP sink) while this process APPENDs mails at 20 a second for 60
seconds over its own IMAP connection.

For each mail the clock starts just before its APPEND is sent and stops when a reader polling
the database every `POLL` seconds first sees its `message` row by Message-ID, which is after
the batch's commit: APPEND to ticket committed, to within the polling interval. The row's own
`created_at` (written while the mail is processed, before the commit) is reported as well.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.generate import Corpus
from bench.intake import PASSWORD_ENV, postkamer, settings_file
from bench.measure import Context, Section, command_line, peak_rss_mb, percentile

RATE = 20.0  # mails a second
SECONDS = 60.0
POLL = 0.02  # database polling interval, seconds
DRAIN = 30.0  # how long to wait for the last mails after the appends stop


@dataclass
class Watcher:
    """Polls the SQLite database for new incoming messages and notes when each was seen."""

    db: Path
    seen: dict[str, float] = field(default_factory=dict)
    created: dict[str, float] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    last_id: int = 0
    pid: int = 0  # the service, whose peak RSS is sampled too
    rss: list[float] = field(default_factory=list)

    def run(self) -> None:
        conn: sqlite3.Connection | None = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
                rows = conn.execute(
                    "SELECT id, message_id, created_at FROM message "
                    "WHERE direction = 'in' AND id > ? ORDER BY id",
                    (self.last_id,),
                ).fetchall()
            except sqlite3.Error:  # not created yet, or busy: try again
                rows = []
                if conn is not None:
                    conn.close()
                    conn = None
            if self.pid:
                peak = peak_rss_mb(self.pid)
                if peak is not None:
                    self.rss.append(peak)
            now = time.time()
            for ident, msgid, created in rows:
                self.last_id = max(self.last_id, int(ident))
                if msgid and msgid not in self.seen:
                    self.seen[msgid] = now
                    self.created[msgid] = _epoch(created)
            self.stop.wait(POLL)
        if conn is not None:
            conn.close()


def _epoch(value: object) -> float:
    if isinstance(value, str):
        stamp = datetime.fromisoformat(value)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()
    return float("nan")


def measure_idle(ctx: Context) -> Section:
    section = Section("idle", "3 Latency with IDLE: APPEND to ticket committed")
    server = ctx.servers["dovecot"]
    account = server.add_account()
    var = ctx.scratch("idle")
    db = var / "postkamer.db"
    config = settings_file(var, f"sqlite:///{db}", account, ctx.servers["smtp"], idle=True)
    total = int(RATE * SECONDS)
    corpus = Corpus(ctx.seed)
    mails = [corpus.mail(ctx.count + 1 + i) for i in range(total + 1)]  # beyond the corpus
    argv = postkamer(config, "run")
    env = {PASSWORD_ENV: account.password}
    watcher = Watcher(db)
    thread = threading.Thread(target=watcher.run, name="latency-watcher", daemon=True)
    full_env = {**os.environ, **env}
    out = (var / "run.out").open("wb")
    err = (var / "run.err").open("wb")
    proc = subprocess.Popen(
        argv, env=full_env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    appended: dict[str, float] = {}
    watcher.pid = proc.pid
    try:
        thread.start()
        client = account.client(timeout=30)
        try:
            # one warm-up mail: the service is connected and idling once it is committed
            warm = mails[0]
            client.append("INBOX", warm.data)
            deadline = time.time() + 60
            while warm.message_id not in watcher.seen:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("postkamer run did not process the warm-up mail")
                time.sleep(0.05)
            time.sleep(1.0)
            start = time.time()
            for i, mail in enumerate(mails[1:]):
                due = start + i / RATE
                pause = due - time.time()
                if pause > 0:
                    time.sleep(pause)
                appended[mail.message_id] = time.time()
                client.append("INBOX", mail.data)
            append_s = time.time() - start
        finally:
            client.logout()
        deadline = time.time() + DRAIN
        while time.time() < deadline and not all(m in watcher.seen for m in appended):
            time.sleep(0.1)
    finally:
        watcher.stop.set()
        thread.join(timeout=5)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()
        err.close()
    latencies = [watcher.seen[m] - t for m, t in appended.items() if m in watcher.seen]
    processed = [watcher.created[m] - t for m, t in appended.items() if m in watcher.created]
    missing = len(appended) - len(latencies)
    if not latencies:
        raise RuntimeError("no appended mail reached the database")
    p50, p90, p99 = (percentile(latencies, q) for q in (50, 90, 99))
    ctx.figures["idle_p50"] = p50
    ctx.figures["idle_p99"] = p99
    rss = max(watcher.rss, default=float("nan"))
    section.table(
        ["", "value"],
        [
            ["mails appended", f"{len(appended):,} in {append_s:.1f} s "
                               f"({len(appended) / append_s:.1f} a second)"],
            ["committed within the run (+ up to 30 s)", f"{len(latencies):,} ({missing} missing)"],
            ["APPEND to committed: p50", f"{1000 * p50:.0f} ms"],
            ["p90", f"{1000 * p90:.0f} ms"],
            ["p99", f"{1000 * p99:.0f} ms"],
            ["max", f"{1000 * max(latencies):.0f} ms"],
            ["APPEND to row created (before the commit): p50 / p99",
             f"{1000 * percentile(processed, 50):.0f} / {1000 * percentile(processed, 99):.0f} ms"
             if processed else "n/a"],
            ["peak RSS of `postkamer run`", f"{rss:.0f} MB"],
        ],
    )
    section.add(
        f"The database is polled every {1000 * POLL:.0f} ms, so committed times are late by "
        "at most that much. Clocks: one machine, `time.time()` in both processes. Dovecot's "
        "test configuration (tests/support/dovecot.py) is used as is; the service runs with "
        "idle = true and its outbox loop sending the acknowledgements to the SMTP sink."
    )
    section.commands.append(command_line(argv) + "   # while APPENDing 20 mails/s for 60 s")
    return section
