"""Supervisors see credential alerts (`postkamer.credential_alerts`) on the overview; queue
owners do not (no ticket, not their queue)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from intake.sources.oauth import CredentialHealth
from outbound.replies import ReplyConfig
from postkamer.credential_alerts import CredentialAlerts
from postkamer.web import WebConfig, create_app
from tests.web import factory
from tests.web.conftest import login


def test_supervisors_see_credential_alerts_on_the_overview(
    web_config: WebConfig, web_engine: Engine
) -> None:
    factory.add_user(web_engine, "sup@postkamer.be", "supervisor")
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    expires = datetime.now(UTC) + timedelta(days=5)
    health = CredentialHealth(name="support", state="expiring", credential_expires_at=expires)
    assert CredentialAlerts(web_engine, ReplyConfig()).raise_alert(
        "support", health, datetime.now(UTC)
    )
    with TestClient(create_app(web_config), follow_redirects=False) as client:
        login(client, "sup@postkamer.be")
        page = client.get("/").text
        assert "Aanmeldgegevens voor mail vervallen binnenkort" in page
        assert "Credential of mailbox support expires" in page
        login(client, "els@postkamer.be")
        assert "Aanmeldgegevens voor mail vervallen" not in client.get("/").text
