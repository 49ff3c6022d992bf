"""A failing or soon-expiring OAuth2 credential is recorded as an alert that supervisors see on
the web overview and get by mail, once a day per credential, also after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from intake.sources.oauth import CredentialError, ProviderRegistry
from outbound.replies import ReplyConfig
from postkamer.clock import ManualClock
from postkamer.credential_alerts import CredentialAlerts
from postkamer.service import CredentialWatch
from storage.db import session_scope
from storage.models import Event, OutboxRow, User
from tests.support.oauth import smtp_with_expiring_secret


def _alerts(engine: Engine) -> list[Event]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(Event)
                .where(col(Event.kind).in_(("credential_failing", "credential_expiring")))
                .order_by(col(Event.id))
            )
        )


def _mails(engine: Engine) -> list[OutboxRow]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxRow).order_by(col(OutboxRow.id))))


def test_failing_then_expiring_credential_alerts_supervisors_once(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as s:
        s.add(User(email="sup@desk.example.be", password_hash="x", role="supervisor"))
        s.add(
            User(email="els@desk.example.be", password_hash="x", role="owner", queues=["general"])
        )
    clock = ManualClock(datetime.now(UTC))
    ends = clock() + timedelta(days=3)
    smtp, flag = smtp_with_expiring_secret(tmp_path, ends)
    registry = ProviderRegistry(clock=clock)
    alerts = CredentialAlerts(engine, ReplyConfig())
    watch = CredentialWatch(registry, alerts)
    with pytest.raises(CredentialError):
        registry(smtp)
    watch.check()
    watch.check()
    CredentialWatch(registry, alerts).check()  # a restarted process: same alert, same day
    [failing] = _alerts(engine)
    assert failing.kind == "credential_failing" and failing.ticket_id is None
    assert failing.data["credential"] == "smtp" and "AADSTS7000222" in failing.data["error"]
    [mail] = _mails(engine)
    assert (
        mail.recipients == ["sup@desk.example.be"]
        and mail.template == "internal/credential_failing"
    )
    parsed = message_from_bytes(mail.raw, policy=default)
    assert parsed["Subject"] == "Credential of SMTP delivery fails"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert "AADSTS7000222" in parsed.get_content()

    # the secret is renewed but still ends within warn_days: expiring, said once with its date
    flag.touch()
    registry(smtp)
    watch.check()
    watch.check()
    kinds = [a.kind for a in _alerts(engine)]
    assert kinds == ["credential_failing", "credential_expiring"]
    expiring = _mails(engine)[-1]
    text = message_from_bytes(expiring.raw, policy=default).get_content()
    assert f"{ends:%Y-%m-%d}" in text and "intake" not in text and "delivery stops" in text
