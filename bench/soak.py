"""Soak test (`make soak`, not in CI): mixed mail at a steady rate for a long time while faults
are injected for real, then a reconciliation that proves every mail was ingested once and every
due reply sent once.

The service runs as `postkamer run` (a child process, as in production) against a private
Dovecot and an SMTP server (aiosmtpd), both reached through TCP proxies that can cut or stall
connections. Faults, one at a time at random moments: SIGKILL of the service (restarted at
once), the SMTP server down for a while, all IMAP connections cut, the IMAP path silent for a
while, all SMTP connections cut. At the end the faults stop, the service drains, and:

- ledger rows == mails appended, each Message-ID once (nothing lost, nothing twice);
- every outbox row ends `sent` (or `unknown`/`failed` with a reason), none waits;
- each sent reply reached the SMTP server once; a second copy is allowed only for a reply whose
  outcome was unknown (lost connection after DATA), and it carries the same Message-ID;
- `postkamer reconcile` finds nothing missing on the server.

The summary goes to `bench/SOAK.md` and into the soak section of `bench/RESULTS.md`.

    python -m bench.soak --minutes 30 --rate 2
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from bench.generate import Corpus
from bench.servers import dovecot
from storage.db import make_engine
from storage.models import LedgerEntry, Message, OutboxRow, Ticket
from tests.outbound.conftest import SmtpServer
from tests.support.mail import write_config
from tests.support.tcpproxy import TcpProxy

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
START, END = "<!-- soak:start -->", "<!-- soak:end -->"


@dataclass
class Log:
    started: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)
    faults: collections.Counter[str] = field(default_factory=collections.Counter)

    def say(self, text: str) -> None:
        line = f"[{time.monotonic() - self.started:7.1f}s] {text}"
        self.lines.append(line)
        print(line, flush=True)


class Service:
    """`postkamer run` as a child process that can be killed and restarted."""

    def __init__(self, config: Path, logfile: Path) -> None:
        self.config = config
        self.logfile = logfile
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.logfile.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "postkamer.cli", "--config", str(self.config), "run"],
                cwd=REPO,
                stdout=out,
                stderr=out,
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> int:
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -9


def _settings(root: Path, imap: TcpProxy, smtp: TcpProxy, user: str, password: str) -> Path:
    data: dict[str, Any] = {
        "database": {"url": f"sqlite:///{root / 'soak.db'}"},
        "storage": {"blobs": str(root / "blobs")},
        "mailboxes": [
            {
                "name": "support",
                "host": "127.0.0.1",
                "port": imap.port,
                "tls": "none",
                "username": user,
                "password": password,
                "batch_size": 100,
                "timeout_seconds": 5,
                "poll_seconds": 5,
                "idle_renew_seconds": 60,
            }
        ],
        "smtp": {
            "host": "127.0.0.1",
            "port": smtp.port,
            "tls": "none",
            "timeout_seconds": 5,
            "from": "Contract Support <support@contracts.example.com>",
            "message_id_domain": "contracts.example.com",
        },
        "outbound": {"retry_horizon_hours": 48, "per_sender_daily_limit": 1000,
                     "global_hourly_limit": 100000},
    }
    return write_config(root / "postkamer.toml", data)


def _fault(rng: random.Random, log: Log, service: Service, smtp: SmtpServer,
           imap_proxy: TcpProxy, smtp_proxy: TcpProxy, stop: threading.Event) -> None:
    kind = rng.choice(["kill", "smtp_down", "imap_cut", "imap_stall", "smtp_cut"])
    log.faults[kind] += 1
    if kind == "kill":
        log.say("fault: SIGKILL the service, restart it")
        service.kill()
        service.start()
    elif kind == "smtp_down":
        seconds = rng.uniform(10, 40)
        log.say(f"fault: SMTP server down for {seconds:.0f} s")
        smtp.stop()
        stop.wait(seconds)
        smtp.start()
    elif kind == "imap_cut":
        log.say("fault: cut every IMAP connection")
        imap_proxy.cut_all()
    elif kind == "imap_stall":
        seconds = rng.uniform(5, 15)
        log.say(f"fault: IMAP silent for {seconds:.0f} s")
        imap_proxy.set_mode("stall")
        stop.wait(seconds)
        imap_proxy.set_mode("pass")
        imap_proxy.cut_all()
    else:
        log.say("fault: cut every SMTP connection")
        smtp_proxy.cut_all()


def _counts(db: Path) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            states = dict(
                s.execute(
                    select(col(OutboxRow.state), func.count()).group_by(col(OutboxRow.state))
                ).all()
            )
            return {
                "ledger": s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one(),
                "ledger_states": dict(
                    s.execute(
                        select(col(LedgerEntry.state), func.count()).group_by(
                            col(LedgerEntry.state)
                        )
                    ).all()
                ),
                "messages_in": s.execute(
                    select(func.count()).select_from(Message).where(col(Message.direction) == "in")
                ).scalar_one(),
                "distinct_message_ids": s.execute(
                    select(func.count(func.distinct(col(Message.message_id)))).where(
                        col(Message.direction) == "in"
                    )
                ).scalar_one(),
                "tickets": s.execute(select(func.count()).select_from(Ticket)).scalar_one(),
                "outbox": states,
                "sent_ids": [
                    r[0]
                    for r in s.execute(
                        select(col(OutboxRow.message_id), col(OutboxRow.uncertain)).where(
                            col(OutboxRow.state) == "sent"
                        )
                    ).all()
                ],
                "uncertain_ids": [
                    r[0]
                    for r in s.execute(
                        select(col(OutboxRow.message_id)).where(col(OutboxRow.uncertain))
                    ).all()
                ],
            }
    finally:
        engine.dispose()


def soak(minutes: float, rate: float, seed: int, fault_every: float) -> dict[str, Any]:
    rng = random.Random(seed)
    log = Log()
    corpus = Corpus(seed=seed)
    root = Path(tempfile.mkdtemp(prefix="pk-soak-"))
    smtp = SmtpServer()
    smtp.start()
    with dovecot() as server:
        account = server.add_account("soak")
        imap_proxy = TcpProxy("127.0.0.1", server.port).start()
        smtp_proxy = TcpProxy("127.0.0.1", smtp.port).start()
        config = _settings(root, imap_proxy, smtp_proxy, account.user, account.password)
        (root / "contracts.csv").write_text(corpus.registry_csv(), encoding="utf-8")
        subprocess.run(
            [sys.executable, "-m", "postkamer.cli", "--config", str(config), "contracts",
             "import", str(root / "contracts.csv")],
            cwd=REPO, check=True, capture_output=True,
        )
        service = Service(config, root / "service.log")
        service.start()
        stop = threading.Event()
        appended: list[str] = []
        log.say(f"soak: {minutes:g} min at {rate:g} mails/s, a fault every ~{fault_every:g} s")

        def feed() -> None:
            client = account.client()
            index = 0
            try:
                while not stop.is_set():
                    mail = corpus.mail(index)
                    client.append("INBOX", mail.data)
                    appended.append(mail.message_id)
                    index += 1
                    stop.wait(1.0 / rate)
            finally:
                client.logout()

        feeder = threading.Thread(target=feed, name="feed", daemon=True)
        feeder.start()
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            left = max(0.0, deadline - time.monotonic())
            stop.wait(min(rng.expovariate(1.0 / fault_every), left))
            if time.monotonic() >= deadline:
                break
            _fault(rng, log, service, smtp, imap_proxy, smtp_proxy, threading.Event())
        stop.set()
        feeder.join()
        log.say(f"feeding stopped after {len(appended)} mails; faults end, draining")
        imap_proxy.set_mode("pass")
        smtp.start()
        if service.proc is None or service.proc.poll() is not None:
            service.start()
        drained = False
        drain_deadline = time.monotonic() + 300
        counts: dict[str, Any] = {}
        while time.monotonic() < drain_deadline:
            counts = _counts(root / "soak.db")
            waiting = sum(n for s, n in counts["outbox"].items() if s in ("queued", "sending"))
            if counts["ledger"] >= len(appended) and waiting == 0:
                drained = True
                break
            time.sleep(2)
        code = service.stop()
        reconcile = subprocess.run(
            [sys.executable, "-m", "postkamer.cli", "--config", str(config), "reconcile", "--json"],
            cwd=REPO, capture_output=True, text=True, check=False,
        )
        counts = _counts(root / "soak.db")
        imap_proxy.stop()
        smtp_proxy.stop()
    smtp.stop()

    arrived = collections.Counter(
        str(m.parsed()["Message-ID"]).strip() for m in smtp.messages
    )
    sent = set(counts["sent_ids"])
    uncertain = set(counts["uncertain_ids"])
    never_arrived = sorted(sent - set(arrived))
    doubled = sorted(i for i, n in arrived.items() if n > 1 and i not in uncertain)
    unknown_dupes = sorted(i for i, n in arrived.items() if n > 1 and i in uncertain)
    result = {
        "minutes": minutes,
        "rate": rate,
        "seed": seed,
        "appended": len(appended),
        "drained": drained,
        "service_exit": code,
        "faults": dict(log.faults),
        "ledger": counts["ledger"],
        "ledger_states": counts["ledger_states"],
        "messages_in": counts["messages_in"],
        "distinct_message_ids": counts["distinct_message_ids"],
        "tickets": counts["tickets"],
        "outbox": counts["outbox"],
        "replies_arrived": sum(arrived.values()),
        "sent_never_arrived": len(never_arrived),
        "arrived_twice_without_reason": len(doubled),
        "arrived_twice_after_unknown_outcome": len(unknown_dupes),
        "reconcile_exit": reconcile.returncode,
        "reconcile": _reconcile_summary(reconcile.stdout),
        "log": log.lines,
    }
    result["ok"] = bool(
        drained
        and counts["ledger"] == len(appended)
        and counts["distinct_message_ids"] == len(appended)
        and counts["messages_in"] == len(appended)
        and not never_arrived
        and not doubled
        and reconcile.returncode == 0
    )
    return result


def _reconcile_summary(stdout: str) -> Any:
    try:
        return json.loads(stdout)
    except ValueError:
        return stdout[-500:]


def write_summary(result: dict[str, Any]) -> str:
    verdict = "PASSED" if result["ok"] else "FAILED"
    faults = ", ".join(f"{k} {v}" for k, v in sorted(result["faults"].items())) or "none"
    text = "\n".join(
        [
            START,
            "## Soak",
            "",
            f"`python -m bench.soak --minutes {result['minutes']:g} --rate {result['rate']:g} "
            f"--seed {result['seed']}`: **{verdict}**.",
            "",
            "| what | value |",
            "|---|---|",
            f"| mails appended over IMAP | {result['appended']} |",
            f"| faults injected | {faults} |",
            f"| ledger rows / distinct Message-IDs / received messages | {result['ledger']} / "
            f"{result['distinct_message_ids']} / {result['messages_in']} |",
            f"| ledger states | {result['ledger_states']} |",
            f"| tickets | {result['tickets']} |",
            f"| outbox states at the end | {result['outbox']} |",
            f"| replies that reached the SMTP server | {result['replies_arrived']} |",
            f"| sent but never arrived | {result['sent_never_arrived']} |",
            f"| arrived twice without an unknown outcome | "
            f"{result['arrived_twice_without_reason']} |",
            f"| arrived twice after a lost connection after DATA (same Message-ID) | "
            f"{result['arrived_twice_after_unknown_outcome']} |",
            f"| `postkamer reconcile` exit code (0 = nothing missing) | "
            f"{result['reconcile_exit']} |",
            "",
            END,
        ]
    )
    (HERE / "SOAK.md").write_text(
        text + "\n\n### Fault log\n\n```\n" + "\n".join(result["log"]) + "\n```\n",
        encoding="utf-8",
    )
    results = HERE / "RESULTS.md"
    current = results.read_text(encoding="utf-8") if results.exists() else "# Results\n"
    if START in current and END in current:
        before, rest = current.split(START, 1)
        after = rest.split(END, 1)[1]
        current = before + text + after
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    results.write_text(current, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=2.0, help="mails per second")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    parser.add_argument("--fault-every", type=float, default=60.0, help="mean seconds")
    args = parser.parse_args(argv)
    result = soak(args.minutes, args.rate, args.seed, args.fault_every)
    print(write_summary(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
