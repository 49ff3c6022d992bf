"""Scale-out (issue 6): three `postkamer run` processes on one PostgreSQL database and one
Dovecot mailbox of 5,000 mails, replying through one SMTP server (aiosmtpd). The first process
holds the mailbox's poller lock and leads the scheduler; it is killed (SIGKILL) half-way.
Another process takes the mailbox over and another (or the same) takes the scheduler over,
each within a minute. In the end every mail is ingested once, every reply is sent once (the
one reply a killed worker may have had on the wire at most twice, same Message-ID: its outcome
was unknown), every accepted cancellation has exactly one termination job and every waiting
ticket its reminder and automatic close, whichever process handled the mail, and every
scheduled job ran once per fire time: the job run log has one finished run per fire time,
the ticks never ran closer together than their interval (one schedule, one leader at a
time), and the SLA tick, made to find warnings and breaches here, recorded each once."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from postkamer.lifecycle import LifecycleConfig
from postkamer.sla import SlaConfig
from postkamer.ticketjobs import TicketJobRules
from routing.registry import Registry
from storage.contracts import import_contracts
from storage.db import make_engine, session_scope
from storage.jobstore import JobSpec, stored_jobs
from storage.models import APSCHEDULER_JOBS, Event, JobRun, OutboxRow, Ticket
from tests.faults.conftest import ledger_count
from tests.intake.helpers import pdf_with_text
from tests.outbound.conftest import SmtpServer
from tests.support.dovecot import Account
from tests.support.mail import make_mail, settings_dict, write_config

REPO = Path(__file__).resolve().parents[2]
CLI = "import sys; from postkamer.cli import main; sys.exit(main(sys.argv[1:]))"
N = 5000
CANCEL_EVERY = 25  # every 25th mail cancels a monthly licence; half of them with the certificate
CONTRACTS = 40
# a certificate the desk can read (one only named like it is unreadable: manual review)
CERTIFICATE = pdf_with_text("Wij bevestigen dat alle kopieen van de software vernietigd zijn.")
WORKERS = 3
TAKEN = "poller: lock taken (pid "
LEADS = re.compile(r"scheduler started with \d+ jobs \(worker (\S+)\)")
TICK_SECONDS = {"tick:outbox": 2}
QUEUES = ("hardware", "software", "copy-request", "cancellation", "general")


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - started


def _same(what: str, got: set[str], want: set[str]) -> None:
    """Set equality with a short message (pytest's diff of thousands of items takes minutes)."""
    missing, extra = sorted(want - got), sorted(got - want)
    assert not missing and not extra, (
        f"{what}: {len(missing)} missing (e.g. {missing[:3]}), {len(extra)} extra "
        f"(e.g. {extra[:3]})"
    )


def _contract(k: int) -> tuple[str, str]:
    return f"ML 500-{k:03d}", f"it{k}@schaal.example.be"


def _registry(path: Path) -> Registry:
    lines = ["contract_number,kind,scope,customer,contacts,start_date,language"]
    for k in range(CONTRACTS):
        number, contact = _contract(k)
        lines.append(f"{number},monthly_license,software,Schaal {k} BV,{contact},2024-01-01,nl")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Registry.from_csv(path)


def _cancellation(i: int, certificate: bool) -> bytes:
    number, contact = _contract(i % CONTRACTS)
    msg = EmailMessage()
    # the desk's MX proves the sender (settings: [trust] authserv_ids), so certificates accept
    domain = contact.rsplit("@", 1)[1]
    msg["Authentication-Results"] = f"mx.schaal.example; dmarc=pass header.from={domain}"
    msg["From"] = f"IT {i} <{contact}>"
    msg["To"] = "support@contracts.example.com"
    msg["Subject"] = f"Opzegging maandelijkse licentie {number}"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = f"<scale-cancel-{i}@schaal.example.be>"
    body = f"Beste,\n\nHierbij zeggen wij de maandelijkse licentie {number} op.\n"
    if certificate:
        body += "In bijlage de vernietigingsverklaring.\n"
    msg.set_content(body + "\nGroeten\n")
    if certificate:
        msg.add_attachment(
            CERTIFICATE,
            maintype="application",
            subtype="pdf",
            filename="vernietigingsverklaring.pdf",
        )
    return msg.as_bytes(policy=SMTP)  # CRLF, as IMAP hands it back


def _mails() -> tuple[list[bytes], int, int]:
    mails, accepted, waiting = [], 0, 0
    for i in range(N):
        if i % CANCEL_EVERY == 0:
            certificate = (i // CANCEL_EVERY) % 2 == 0
            mails.append(_cancellation(i, certificate))
            accepted, waiting = accepted + certificate, waiting + (not certificate)
        else:
            mails.append(make_mail(i, tag="scale"))
    return mails, accepted, waiting


def _settings(
    tmp_path: Path, pg_url: str, account: Account, smtp: SmtpServer
) -> tuple[Path, SlaConfig]:
    data = settings_dict(
        pg_url,
        tmp_path,
        host=account.host,
        port=account.port,
        username=account.user,
        password=account.password,
        batch_size=50,
        poll_seconds=2,
        timeout_seconds=10,
    )
    data["smtp"] = {"host": "127.0.0.1", "port": smtp.port, "tls": "none", "timeout_seconds": 5}
    data["outbound"]["global_hourly_limit"] = 20_000  # a 5,000-mail backlog is not a loop
    data["trust"] = {"authserv_ids": ["mx.schaal.example"]}
    # a desk open around the clock with SLA targets of a minute: the SLA tick (every minute)
    # finds warnings and breaches while the test runs
    targets = {"first_response_hours": 0.01, "resolution_hours": 0.02}
    data["sla"] = {
        "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "opens": "00:00",
        "closes": "23:59",
        "holidays_country": "",
        "notify_at_night": True,
        "notify_business_days_only": False,
        "default": targets,
        "queues": {q: targets for q in QUEUES},
    }
    data["scheduler"] = {
        "sla_check_minutes": 1,
        "outbox_seconds": TICK_SECONDS["tick:outbox"],
        "leader_retry_seconds": 2,
    }
    return write_config(tmp_path / "postkamer.toml", data), SlaConfig(**data["sla"])


def test_three_workers_one_killed_every_mail_reply_and_job_once(
    imap_account: Account, pg_url: str, tmp_path: Path
) -> None:
    smtp = SmtpServer()
    smtp.start()
    mails, accepted_count, waiting_count = _mails()
    imap_account.deliver(mails)
    config, sla = _settings(tmp_path, pg_url, imap_account, smtp)
    engine = make_engine(pg_url)
    with session_scope(engine) as session:
        import_contracts(session, _registry(tmp_path / "contracts.csv").values())
    logs = [tmp_path / f"worker{i}.log" for i in range(WORKERS)]
    children: list[subprocess.Popen[bytes]] = []

    def start(i: int) -> None:
        with logs[i].open("wb") as out:
            children.append(
                subprocess.Popen(
                    [sys.executable, "-c", CLI, "--config", str(config), "run"],
                    cwd=REPO,
                    stdout=subprocess.DEVNULL,
                    stderr=out,
                )
            )

    def log_of(i: int) -> str:
        return logs[i].read_text(errors="replace") if logs[i].exists() else ""

    def holders() -> list[int]:
        return [i for i in range(WORKERS) if TAKEN in log_of(i)]

    def leaders() -> dict[int, list[str]]:
        return {i: LEADS.findall(log_of(i)) for i in range(WORKERS) if LEADS.search(log_of(i))}

    started = time.monotonic()
    victim = 0
    try:
        # the first process takes the mailbox and the scheduler; the others stand by
        start(victim)
        _wait_for(lambda: victim in holders() and victim in leaders(), 60, "the first worker")
        for i in range(1, WORKERS):
            start(i)
        _wait_for(
            lambda: all("another process leads" in log_of(i) for i in range(1, WORKERS)),
            60,
            "the other workers to stand by",
        )
        assert holders() == [victim] and list(leaders()) == [victim]
        victim_worker = leaders()[victim][0]
        _wait_for(lambda: ledger_count(engine)[0] >= N // 2, 300, "half of the mails")
        at_kill = ledger_count(engine)[0]
        os.kill(children[victim].pid, signal.SIGKILL)
        children[victim].wait(10)
        assert at_kill < N, "all mail was in before the kill: nothing was taken over"
        killed = time.monotonic()
        seen: dict[str, float] = {}

        def taken_over() -> bool:  # when each role was first seen taken over, after the kill
            for role, done in (("poller", len(holders()) == 2), ("leader", len(leaders()) == 2)):
                if done and role not in seen:
                    seen[role] = time.monotonic() - killed
            return len(seen) == 2

        _wait_for(taken_over, 60, "another poller and another scheduler leader")
        takeover, new_lead = seen["poller"], seen["leader"]
        [successor] = [i for i in leaders() if i != victim]
        successor_worker = leaders()[successor][0]
        _wait_for(lambda: ledger_count(engine)[0] == N, 300, "every mail in the ledger")
        _wait_for(lambda: imap_account.count("INBOX") == 0, 30, "every mail moved")

        def replies_settled() -> bool:
            with Session(engine) as s:
                states = dict(
                    s.execute(
                        select(col(OutboxRow.state), func.count()).group_by(col(OutboxRow.state))
                    ).all()
                )
            return (
                states.get("sent", 0) + states.get("unknown", 0) + states.get("failed", 0) == N
                and not states.get("queued")
                and not states.get("sending")
            )

        _wait_for(replies_settled, 300, "every reply delivered")

        def sla_ran_after_takeover() -> bool:
            with Session(engine) as s:
                return (
                    s.execute(
                        select(func.count())
                        .select_from(JobRun)
                        .where(
                            col(JobRun.job_id) == "tick:sla",
                            col(JobRun.worker) == successor_worker,
                            col(JobRun.finished_at).is_not(None),
                        )
                    ).scalar_one()
                    > 0
                )

        _wait_for(sla_ran_after_takeover, 150, "the SLA tick under the new leader")
        total = time.monotonic() - started
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
        smtp.stop()
    try:
        assert ledger_count(engine) == (N, N)
        with Session(engine) as s:
            rows = list(s.execute(select(OutboxRow)).scalars())
            tickets = list(s.execute(select(Ticket)).scalars())
            runs = list(s.execute(select(JobRun).order_by(col(JobRun.run_time))).scalars())
            sla_events = list(
                s.execute(
                    select(Event).where(col(Event.kind).in_(("sla_warning", "sla_breach")))
                ).scalars()
            )
            job_ids = list(s.execute(select(APSCHEDULER_JOBS.c.id)).scalars())
            specs = stored_jobs(s, job_ids)
    finally:
        engine.dispose()

    # every mail once, every reply once
    assert len(rows) == N and {r.state for r in rows} == {"sent"}
    received = Counter(str(m.parsed()["Message-ID"]) for m in smtp.messages)
    _same("replies received", set(received), {r.message_id for r in rows})
    twice = {mid for mid, n in received.items() if n > 1}
    uncertain = {r.message_id for r in rows if r.uncertain}
    # at most the one reply the killed worker had on the wire, and never more than twice
    assert len(twice) <= 1 and twice <= uncertain and max(received.values()) <= 2
    processed = Counter(hashlib.sha256(m).hexdigest() for m in imap_account.fetch_all("Processed"))
    assert max(processed.values()) == 1, "a mail was moved to Processed twice"
    _same("mails in Processed", set(processed), {hashlib.sha256(m).hexdigest() for m in mails})

    # per-ticket jobs: scheduled in the transaction that decided, by whichever process
    rules = TicketJobRules.from_configs(sla, LifecycleConfig())
    expected: dict[str, JobSpec] = {}
    outcomes = Counter((t.policy or {}).get("outcome") for t in tickets)
    assert outcomes["accepted"] == accepted_count
    assert outcomes["needs_destruction_confirmation"] == waiting_count
    for t in tickets:
        assert t.id is not None
        policy = t.policy or {}
        if policy.get("outcome") == "accepted":
            effective = date.fromisoformat(policy["effective_date"])
            expected[f"termination:{t.id}"] = JobSpec(
                f"termination:{t.id}",
                "postkamer.scheduler:run_termination",
                rules.termination_at(effective),
                (t.id, effective.isoformat()),
            )
        elif t.status == "waiting_on_customer":
            since = t.created_at if t.created_at.tzinfo else t.created_at.replace(tzinfo=UTC)
            for kind, at, func_name in (
                ("reminder", rules.reminder_at(since), "run_waiting_reminder"),
                ("autoclose", rules.close_at(since), "run_auto_close"),
            ):
                expected[f"{kind}:{t.id}"] = JobSpec(
                    f"{kind}:{t.id}",
                    f"postkamer.scheduler:{func_name}",
                    at,
                    (t.id, since.astimezone(UTC).isoformat()),
                )
    per_ticket = {
        k: v
        for k, v in specs.items()
        if k.split(":")[0] in ("termination", "reminder", "autoclose")
    }
    _same("per-ticket jobs", set(per_ticket), set(expected))
    wrong = sorted(k for k in expected if per_ticket[k] != expected[k])
    assert not wrong, (
        f"{len(wrong)} jobs differ, e.g. {per_ticket[wrong[0]]} != {expected[wrong[0]]}"
    )
    assert {k for k in specs if k.startswith("tick:")} == {
        "tick:outbox",
        "tick:sla",
        "tick:quarantine",
        "tick:reconcile",
    }

    # every scheduled job ran once per fire time, one leader at a time
    by_job: dict[str, list[JobRun]] = defaultdict(list)
    for run in runs:
        by_job[run.job_id].append(run)
    for job_id, job_runs in by_job.items():
        times = [r.run_time for r in job_runs]
        assert len(times) == len(set(times)), f"{job_id} ran twice for one fire time"
        for run in job_runs:
            if run.finished_at is None:  # cut off by the kill; its transaction rolled back
                assert run.worker == victim_worker, f"{job_id} left unfinished by a live worker"
            else:
                assert run.outcome == "ok", f"{job_id}: {run.result}"
    assert {r.worker for r in runs} == {victim_worker, successor_worker}
    outbox_runs = sorted(r.run_time for r in by_job["tick:outbox"])
    gaps = [b - a for a, b in itertools.pairwise(outbox_runs)]
    assert min(gaps) >= timedelta(seconds=TICK_SECONDS["tick:outbox"]) - timedelta(
        milliseconds=50
    ), "two schedules of the outbox tick ran side by side"
    sla = Counter((e.ticket_id, e.kind, e.data.get("clock")) for e in sla_events)
    assert sla and max(sla.values()) == 1, "an SLA warning or breach was recorded twice"
    print(
        f"\nscale-out: {N} mails, {WORKERS} workers, first worker (poller and scheduler "
        f"leader) killed at {at_kill} mails; poller takeover after {takeover:.1f} s, "
        f"scheduler takeover after {new_lead:.1f} s; all done in {total:.1f} s; "
        f"{len(uncertain)} reply(s) recovered from the killed worker, {len(twice)} sent twice; "
        f"{len(expected)} per-ticket jobs; {len(runs)} job runs, {len(sla)} SLA events"
    )


def test_replies_claimed_by_a_dead_worker_are_recovered_at_once(pg_url: str) -> None:
    """A worker's `sending` rows become `unknown` (due now) as soon as its session is gone,
    not after the 15-minute lease; a live worker's rows are left alone."""
    from datetime import UTC, datetime, timedelta
    from email.message import EmailMessage
    from random import Random

    from outbound.outbox import (
        RetryPolicy,
        claim_due,
        queue_reply,
        recover_orphaned,
        set_claim_owner,
    )
    from postkamer.coordination import WorkerPresence, owner_alive
    from storage.db import session_scope

    engine = make_engine(pg_url)
    now = datetime.now(UTC)
    try:
        with session_scope(engine) as s:
            for i in range(4):
                msg = EmailMessage()
                msg["From"] = "support@contracts.example.com"
                msg["To"] = f"klant{i}@example.be"
                msg["Subject"] = "Ontvangen"
                msg["Message-ID"] = f"<orphan-{i}@contracts.example.com>"
                msg.set_content("Wij hebben uw vraag goed ontvangen.\n")
                queue_reply(
                    s,
                    msg,
                    ticket_id=None,
                    envelope_sender="b@x.example",
                    now=now,
                    record_message=False,
                )
        dead, alive = WorkerPresence(engine), WorkerPresence(engine)
        assert dead.ensure() and alive.ensure()
        try:
            set_claim_owner(dead.owner)
            assert len(claim_due(engine, now, limit=2)) == 2
            set_claim_owner(alive.owner)
            assert len(claim_due(engine, now, limit=2)) == 2
        finally:
            set_claim_owner(None)
        retry, rng = RetryPolicy(), Random(1)
        alive_check = lambda owner: owner_alive(engine, owner)  # noqa: E731
        later = now + timedelta(seconds=5)
        assert recover_orphaned(engine, later, alive_check, retry, rng) == 0  # both alive
        dead.release()  # the process is gone: its session, and with it its presence lock
        assert recover_orphaned(engine, later, alive_check, retry, rng) == 2
        with Session(engine) as s:
            rows = s.execute(select(OutboxRow).order_by(col(OutboxRow.id))).scalars().all()
        assert [r.state for r in rows] == ["unknown", "unknown", "sending", "sending"]
        assert all(r.uncertain == 1 for r in rows[:2])
        # due again at once (retried once, same Message-ID); the live worker's rows untouched
        assert [r.id for r in claim_due(engine, later)] == [rows[0].id, rows[1].id]
        alive.release()
    finally:
        engine.dispose()
