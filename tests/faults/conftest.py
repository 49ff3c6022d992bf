"""Fixtures for the fault tests: a TCP proxy in front of the private Dovecot, settings that
point a mailbox at it, and a small helper to count what the ledger holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from postkamer.settings import Settings
from storage.models import LedgerEntry
from tests.support import postgres as pg_support
from tests.support.dovecot import Account
from tests.support.mail import make_settings
from tests.support.tcpproxy import TcpProxy


@pytest.fixture
def imap_proxy(imap_account: Account) -> Iterator[TcpProxy]:
    """A proxy between the service and the private Dovecot."""
    with TcpProxy(imap_account.host, imap_account.port) as proxy:
        yield proxy


def proxied_settings(
    db_url: str, var: Path, account: Account, proxy: TcpProxy, **mailbox: Any
) -> Settings:
    """Settings whose one mailbox reaches `account` through `proxy`."""
    values: dict[str, Any] = {
        "host": proxy.host,
        "port": proxy.port,
        "username": account.user,
        "password": account.password,
        "timeout_seconds": 2,
        "batch_size": 50,
    }
    values.update(mailbox)
    return make_settings(db_url, var, **values)


def ledger_count(engine: Engine) -> tuple[int, int]:
    """(ledger rows, distinct sha256) — equal when nothing was stored twice."""
    with Session(engine) as s:
        rows = s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
        distinct = s.execute(
            select(func.count(func.distinct(col(LedgerEntry.sha256))))
        ).scalar_one()
    return int(rows), int(distinct)


@pytest.fixture
def pg_url(pg_server: pg_support.PostgresServer, _pg_template: str | None) -> Iterator[str]:
    """A fresh PostgreSQL database at the newest schema, dropped after the test (for tests
    that start their own processes on it)."""
    url = pg_server.create_database(template=_pg_template)
    try:
        yield url
    finally:
        pg_server.drop_database(url.rsplit("/", 1)[1])
