"""Shared fixtures: private Dovecot and PostgreSQL servers (started once per session), a fresh
database per test on SQLite and on PostgreSQL, and the paths of the shared samples and corpus.

- `dovecot` (session): the private IMAP server; `imap_account` (per test): a fresh account on
  it with `deliver()` / `append()` helpers.
- `pg_server` (session): the private PostgreSQL server.
- `db_url` (per test, runs once per backend): URL of a fresh, EMPTY database.
- `migrated_db_url`: URL of a fresh database at the newest schema; `engine`: an engine on it.
With CI set, a missing dovecot/postgres binary fails the test instead of skipping it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.support import dovecot as dovecot_support
from tests.support import postgres as pg_support
from tests.support._proc import missing

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return SHARED / "corpus"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SHARED / "samples"


# --- Dovecot -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _dovecot_session() -> Iterator[dovecot_support.DovecotServer | None]:
    if not dovecot_support.available():
        yield None
        return
    server = dovecot_support.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dovecot(
    _dovecot_session: dovecot_support.DovecotServer | None,
) -> dovecot_support.DovecotServer:
    if _dovecot_session is None:
        missing("dovecot")
    assert _dovecot_session is not None
    return _dovecot_session


@pytest.fixture
def imap_account(dovecot: dovecot_support.DovecotServer) -> dovecot_support.Account:
    """A fresh, empty IMAP account: .host, .port, .user, .password, deliver(), append()."""
    return dovecot.add_account()


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _pg_session() -> Iterator[pg_support.PostgresServer | None]:
    if not pg_support.available():
        yield None
        return
    server = pg_support.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_server(_pg_session: pg_support.PostgresServer | None) -> pg_support.PostgresServer:
    if _pg_session is None:
        missing("postgresql")
    assert _pg_session is not None
    return _pg_session


@pytest.fixture(scope="session")
def _pg_template(_pg_session: pg_support.PostgresServer | None) -> str | None:
    """A PostgreSQL database at the newest schema, cloned by `migrated_db_url`."""
    if _pg_session is None:
        return None
    from storage.db import make_engine
    from storage.migrate import upgrade

    name = "pk_template"
    engine = make_engine(_pg_session.create_database(name))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return name


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from storage.db import make_engine
    from storage.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


def _fresh_db(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, template: str | None
) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / "postkamer.db"
        if template:
            shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    server: pg_support.PostgresServer = request.getfixturevalue("pg_server")
    pg_template = request.getfixturevalue("_pg_template") if template else None
    url = server.create_database(template=pg_template)
    try:
        yield url
    finally:
        server.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture
def db_url(request: pytest.FixtureRequest, db_backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty database; each test using it runs on SQLite and PostgreSQL."""
    yield from _fresh_db(request, db_backend, tmp_path, None)


@pytest.fixture
def migrated_db_url(
    request: pytest.FixtureRequest, db_backend: str, tmp_path: Path
) -> Iterator[str]:
    """URL of a fresh database already at the newest schema (SQLite and PostgreSQL)."""
    template = str(request.getfixturevalue("_sqlite_template")) if db_backend == "sqlite" else "pg"
    yield from _fresh_db(request, db_backend, tmp_path, template)


@pytest.fixture
def engine(migrated_db_url: str) -> Iterator[Engine]:
    """An engine on a fresh, migrated database (SQLite and PostgreSQL)."""
    from storage.db import make_engine

    eng = make_engine(migrated_db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite database, for tests that do not depend on the backend."""
    path = tmp_path / "postkamer.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    from storage.db import make_engine

    eng = make_engine(sqlite_url)
    try:
        yield eng
    finally:
        eng.dispose()
