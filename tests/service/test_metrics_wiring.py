"""The running service feeds the Prometheus metrics: polls of a real IMAP mailbox (private
Dovecot) count mails read, stored and quarantined per mailbox and set the last poll time and the
IMAP lag from the INTERNALDATE; outbox passes count replies by result; credential health sets
`postkamer_credential_ok` and warns once when a credential turns failing or expiring. Checked
through `run_once`, `deliver_outbox`, the `run` loop itself and the process-wide metrics."""

from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from intake.sources.oauth import CredentialError, ProviderRegistry, default_registry
from outbound.outbox import queue_reply
from postkamer.clock import ManualClock
from postkamer.metrics import Metrics, default_metrics
from postkamer.service import (
    BasicProcessor,
    CredentialWatch,
    deliver_outbox,
    run_forever,
    run_once,
)
from postkamer.settings import MailboxSettings, OAuthSettings, Settings
from storage.db import session_scope
from storage.ledger import StoredMail
from tests.outbound.conftest import free_port
from tests.support.dovecot import Account
from tests.support.mail import make_mail, settings_dict
from tests.support.oauth import smtp_with_expiring_secret


class PoisonAware(BasicProcessor):
    """The basic processor, except that a mail whose subject says 'poison' raises (and so is
    quarantined by the service)."""

    def __call__(self, session: Session, mails: list[StoredMail]) -> None:
        if any(b"Subject: Question poison" in m.data for m in mails):
            raise RuntimeError("cannot process this one")
        super().__call__(session, mails)


def mailbox_settings(account: Account, tmp_path: Path, **extra: object) -> Settings:
    data = settings_dict(
        "unused://",
        tmp_path,
        host=account.host,
        port=account.port,
        username=account.user,
        password=account.password,
        batch_size=4,
    )
    data.update(extra)
    return Settings(**data)


def value(m: Metrics, name: str, **labels: str) -> float:
    got = m.registry.get_sample_value(name, labels)
    return 0.0 if got is None else got


def counts(m: Metrics, mailbox: str = "support") -> tuple[float, float, float]:
    return (
        value(m, "postkamer_mails_read_total", mailbox=mailbox),
        value(m, "postkamer_mails_stored_total", mailbox=mailbox),
        value(m, "postkamer_mails_quarantined_total", mailbox=mailbox),
    )


def queue(engine: Engine, n: int) -> None:
    msg = EmailMessage()
    msg["From"] = "Contract Support <support@contracts.example.com>"
    msg["To"] = f"klant{n}@klant.example.be"
    msg["Subject"] = f"Re: vraag {n}"
    msg["Message-ID"] = f"<metrics-{n}@contracts.example.com>"
    msg.set_content(f"Antwoord {n}")
    with session_scope(engine) as session:
        queue_reply(
            session,
            msg,
            ticket_id=None,
            envelope_sender="bounces@contracts.example.com",
            now=datetime.now(UTC),
            record_message=False,
        )


def test_run_once_records_each_poll_per_mailbox(
    imap_account: Account, sqlite_engine: Engine, tmp_path: Path
) -> None:
    arrived = time.time() - 600  # the mails reached the server ten minutes ago
    imap_account.deliver(
        [make_mail(i, tag="m") for i in range(9)] + [make_mail(99, tag="poison")],
        arrived=[arrived] * 10,
    )
    settings = mailbox_settings(imap_account, tmp_path)
    m = Metrics()
    before = time.time()
    summary = run_once(settings, PoisonAware(), engine=sqlite_engine, metrics=m)
    assert (summary.read, summary.stored, summary.quarantined) == (10, 9, 1)
    assert counts(m) == (10, 9, 1)  # three batches of at most 4, summed
    lag = value(m, "postkamer_imap_lag_seconds", mailbox="support")
    assert 600 <= lag < 600 + 30
    polled = value(m, "postkamer_mailbox_last_poll_timestamp_seconds", mailbox="support")
    assert before <= polled <= time.time()

    # nothing new: no mail counted, but the poll itself is recorded
    time.sleep(0.05)
    run_once(settings, PoisonAware(), engine=sqlite_engine, metrics=m)
    assert counts(m) == (10, 9, 1)
    assert value(m, "postkamer_mailbox_last_poll_timestamp_seconds", mailbox="support") > polled

    # a fresh mail: lag near zero, counters move by one
    imap_account.deliver([make_mail(100, tag="fresh")])
    run_once(settings, PoisonAware(), engine=sqlite_engine, metrics=m)
    assert counts(m) == (11, 10, 1)
    assert value(m, "postkamer_imap_lag_seconds", mailbox="support") < 30


def test_run_once_and_deliver_outbox_feed_the_process_wide_metrics(
    imap_account: Account, sqlite_engine: Engine, tmp_path: Path
) -> None:
    m = default_metrics()
    read0, stored0, _ = counts(m)
    sent0 = value(m, "postkamer_replies_total", result="sent")
    deferred0 = value(m, "postkamer_replies_total", result="deferred")
    imap_account.deliver([make_mail(i, tag="dflt") for i in range(3)])
    settings = mailbox_settings(imap_account, tmp_path)
    run_once(settings, BasicProcessor(), engine=sqlite_engine)
    read1, stored1, _ = counts(m)
    assert (read1 - read0, stored1 - stored0) == (3, 3)

    # no [smtp]: replies are written as files, and counted as sent
    for n in range(2):
        queue(sqlite_engine, n)
    assert deliver_outbox(settings, sqlite_engine).sent == 2
    assert value(m, "postkamer_replies_total", result="sent") - sent0 == 2
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2

    # an SMTP server that does not answer: the reply is deferred, and counted so
    down = Settings(**{**settings.model_dump(by_alias=True), "smtp": {
        "host": "127.0.0.1", "port": free_port(), "tls": "none", "timeout_seconds": 2,
    }})  # fmt: skip
    queue(sqlite_engine, 7)
    assert deliver_outbox(down, sqlite_engine).deferred == 1
    assert value(m, "postkamer_replies_total", result="deferred") - deferred0 == 1


def test_the_run_loop_records_polls_deliveries_and_credentials(
    imap_account: Account, sqlite_engine: Engine, tmp_path: Path
) -> None:
    imap_account.deliver([make_mail(i, tag="loop") for i in range(6)])
    queue(sqlite_engine, 1)
    settings = mailbox_settings(imap_account, tmp_path)
    # a credential this process uses, whose token command fails (process-wide registry)
    broken = MailboxSettings(
        name="loop-credential",
        host="127.0.0.1",
        username="x@example.org",
        auth="xoauth2",
        token_command=f"{sys.executable} -c 'raise SystemExit(3)'",
    )
    with pytest.raises(CredentialError):
        default_registry()(broken)
    m = Metrics()
    stop = threading.Event()
    worker = threading.Thread(
        target=run_forever,
        args=(settings, BasicProcessor(), stop),
        kwargs={"engine": sqlite_engine, "metrics": m},
    )
    worker.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (
            counts(m)[1] < 6 or value(m, "postkamer_replies_total", result="sent") < 1
        ):
            time.sleep(0.05)
        assert counts(m) == (6, 6, 0)
        assert value(m, "postkamer_replies_total", result="sent") == 1
        imap_account.append([make_mail(50, tag="loop")])  # while the loop idles
        while time.monotonic() < deadline and counts(m)[0] < 7:
            time.sleep(0.05)
        assert counts(m) == (7, 7, 0)
        # the outbox tick also put the credentials' health into the metrics
        while (
            time.monotonic() < deadline
            and m.registry.get_sample_value(
                "postkamer_credential_ok", {"mailbox": "loop-credential"}
            )
            is None
        ):
            time.sleep(0.05)
        ok = m.registry.get_sample_value("postkamer_credential_ok", {"mailbox": "loop-credential"})
        assert ok == 0.0  # recorded, and not ok
    finally:
        stop.set()
        worker.join(timeout=15)
    assert not worker.is_alive()
    assert value(m, "postkamer_mailbox_last_poll_timestamp_seconds", mailbox="support") > 0


def test_credential_health_goes_to_the_metrics_with_one_warning_per_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    ends = clock() + timedelta(days=3)
    smtp, flag = smtp_with_expiring_secret(tmp_path, ends)
    registry = ProviderRegistry(clock=clock)
    watch = CredentialWatch(registry)
    m = Metrics()
    with pytest.raises(CredentialError):
        registry(smtp)
    with caplog.at_level(logging.INFO, logger="postkamer.service"):
        watch.check(m)
        watch.check(m)
    assert m.registry.get_sample_value("postkamer_credential_ok", {"mailbox": "smtp"}) == 0.0
    assert value(m, "postkamer_credential_expires_timestamp_seconds", mailbox="smtp") == (
        ends.timestamp()
    )
    here = threading.get_ident()  # a service thread left by another test may log too

    def warned(text: str) -> list[logging.LogRecord]:
        # only the watch's own lines: other modules log about the token at INFO when a test
        # before this one configured logging
        return [
            r
            for r in caplog.records
            if r.name == "postkamer.service" and r.thread == here and text in r.getMessage()
        ]

    failing = warned("is failing")
    assert len(failing) == 1 and "AADSTS7000222" in failing[0].getMessage()

    # the secret is renewed, but it still ends within warn_days: expiring, warned once
    flag.touch()
    caplog.clear()
    registry(smtp)
    with caplog.at_level(logging.INFO, logger="postkamer.service"):
        watch.check(m)
        watch.check(m)
    assert value(m, "postkamer_credential_ok", mailbox="smtp") == 0
    expiring = warned("expires")
    assert len(expiring) == 1 and "tok-" not in caplog.text

    # a secret that ends in a year: ok again
    registry2 = ProviderRegistry(clock=clock)
    later = smtp.model_copy(
        update={"oauth": OAuthSettings(secret_expires_at=clock() + timedelta(days=365))}
    )
    registry2(later)
    CredentialWatch(registry2).check(m)
    assert value(m, "postkamer_credential_ok", mailbox="smtp") == 1
