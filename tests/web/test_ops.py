"""`/metrics` for Prometheus (only with the configured bearer token) and `/healthz` (open to
anyone, states and counts only), served by the web app; `postkamer web` takes the token and
the SLA targets from the settings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from postkamer.commands.web import build_config
from postkamer.metrics import Metrics
from postkamer.settings import Settings
from postkamer.web import WebConfig, create_app
from storage.db import make_engine, session_scope
from storage.models import LedgerEntry, MailboxState, OutboxRow
from tests.web import factory

TOKEN = "s3cret-scrape-token-0123456789"


def _client(cfg: WebConfig) -> TestClient:
    return TestClient(create_app(cfg), follow_redirects=False)


def test_metrics_need_the_bearer_token(web_config: WebConfig, web_engine: Engine) -> None:
    factory.add_ticket(web_engine, queue="hardware", status="open")
    factory.add_ticket(web_engine, queue="hardware", status="open")
    factory.add_ticket(web_engine, queue="general", status="closed")
    metrics = Metrics()
    metrics.record_decision("hardware", "ticket")
    cfg = WebConfig(engine=web_engine, blobs=web_config.blobs, metrics_token=TOKEN, metrics=metrics)
    with _client(cfg) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
        r = c.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        text = r.text
    assert 'postkamer_tickets{queue="hardware",status="open"} 2.0' in text  # refreshed
    assert 'queue="general"' not in text.split("postkamer_tickets{", 1)[1].split("\n# ", 1)[0]
    assert 'postkamer_decisions_total{outcome="ticket",queue="hardware"} 1.0' in text
    assert 'postkamer_outbox_depth{state="queued"} 0.0' in text

    # no token configured: nothing is served at all
    with _client(web_config) as c:
        assert c.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_healthz_tells_states_and_counts_only_with_the_token(
    web_config: WebConfig, web_engine: Engine
) -> None:
    with session_scope(web_engine) as s:
        s.add(LedgerEntry(mailbox="support", sha256="a" * 64, size=10, state="quarantined"))
        s.add(MailboxState(name="support", folder="INBOX", last_uid=3))
        s.add(OutboxRow(message_id="<x@y>", raw=b"", state="failed", last_error="550 nope"))
    cfg = WebConfig(engine=web_engine, blobs=web_config.blobs, mailboxes=("support", "sales"))
    cfg = dataclasses.replace(cfg, metrics_token=TOKEN)
    with _client(cfg) as c:
        anonymous = c.get("/healthz")  # no login, no token: healthy or not, nothing more
        r = c.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"})
        wrong = c.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "degraded"}
    assert wrong.json() == {"status": "degraded"}
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "degraded"  # a failed reply, a mailbox never polled
    assert body["components"] == {
        "database": "ok",
        "outbox": "degraded",
        "mailboxes": {"support": "ok", "sales": "degraded"},
    }
    assert body["counts"] == {"outbox": {"failed": 1}, "quarantined": 1}
    assert "550" not in r.text and "last_error" not in r.text


def test_healthz_failing_database_is_503_without_details(
    tmp_path: Path, web_config: WebConfig
) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'gone.db'}")
    (tmp_path / "missing").rmdir()  # the database file's folder disappears
    cfg = WebConfig(engine=broken, blobs=web_config.blobs)
    with _client(cfg) as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "failing"}
    assert "gone.db" not in r.text and "Error" not in r.text


def test_web_command_takes_token_and_sla_targets_from_settings(tmp_path: Path) -> None:
    settings = Settings(
        database={"url": f"sqlite:///{tmp_path / 'pk.db'}"},
        storage={"blobs": tmp_path / "blobs"},
        web={"metrics_token": TOKEN},
        routing={"config": Path(__file__).resolve().parents[2] / "config" / "routing.yaml"},
        sla={"queues": {"general": {"first_response_hours": 2}}},
    )
    cfg = build_config(settings)
    try:
        assert cfg.metrics_token == TOKEN
        assert cfg.due.hours("general") == 2  # [sla.queues] wins
        assert cfg.due.hours("copy-request") == 16  # the routing config's target
    finally:
        cfg.engine.dispose()
    assert json.loads(json.dumps(Settings().web.model_dump())) == {
        "metrics_token": None,
        "presence_seconds": 30,
    }
