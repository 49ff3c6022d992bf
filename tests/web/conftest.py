"""Fixtures for the web app: a migrated SQLite database, a blob store, the app and a client,
and `login()` which logs a user in and returns the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from postkamer.web import WebConfig, create_app
from storage import users
from storage.blobs import BlobStore
from storage.db import make_engine
from storage.migrate import upgrade
from tests.web.factory import PASSWORD


@pytest.fixture(autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id with small parameters: the real ones cost ~0.3 s a hash on this machine."""
    previous = users.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    try:
        yield
    finally:
        users.use_hasher(previous)


@pytest.fixture
def web_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


@pytest.fixture
def web_config(web_engine: Engine, blobs: BlobStore) -> WebConfig:
    return WebConfig(engine=web_engine, blobs=blobs)


@pytest.fixture
def client(web_config: WebConfig) -> Iterator[TestClient]:
    with TestClient(create_app(web_config), follow_redirects=False) as c:
        yield c


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form like a browser; return the session's CSRF token."""
    page = client.get("/login")
    assert page.status_code == 200
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert r.status_code == 303, r.text
    me = client.get("/api/me")
    assert me.status_code == 200
    csrf: str = me.json()["csrf_token"]
    return csrf
