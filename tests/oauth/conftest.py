"""Fixtures for the OAuth2 tests: a private OAuth2-only Dovecot with its introspection endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oauth import dovecot_oauth
from tests.support import dovecot as dovecot_support
from tests.support._proc import missing


@pytest.fixture(scope="module")
def _oauth_server() -> Iterator[dovecot_oauth.OAuthDovecot | None]:
    if not dovecot_support.available():
        yield None
        return
    with dovecot_oauth.running() as server:
        yield server


@pytest.fixture
def oauth_dovecot(_oauth_server: dovecot_oauth.OAuthDovecot | None) -> dovecot_oauth.OAuthDovecot:
    if _oauth_server is None:
        missing("dovecot")
    assert _oauth_server is not None
    _oauth_server.tokens.active.clear()
    _oauth_server.tokens.seen.clear()
    return _oauth_server
