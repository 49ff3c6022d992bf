"""The OAuth2 login path against a real Dovecot (oauth2 passdb, local introspection endpoint):
active tokens are accepted, inactive ones refused, and an expired token is replaced by a new
one that the next login uses."""

from __future__ import annotations

import itertools
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from imapclient.exceptions import LoginError

from intake.sources.oauth import (
    AccessToken,
    ProviderRegistry,
    RefreshingTokenProvider,
    login_imap,
)
from postkamer.clock import ManualClock
from postkamer.settings import MailboxSettings
from tests.oauth.dovecot_oauth import OAuthDovecot

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class IssuingEndpoint:
    """A token source standing in for the identity provider: every fetch issues a new token,
    valid for one hour, and registers it as active with the server's introspection endpoint."""

    def __init__(self, server: OAuthDovecot, user: str) -> None:
        self.server = server
        self.user = user
        self.issued: list[str] = []
        self._n = itertools.count(1)

    def describe(self) -> str:
        return "test endpoint"

    def fetch(self, now: datetime) -> AccessToken:
        token = f"tok-{self.user}-{next(self._n)}"
        self.issued.append(token)
        self.server.tokens.allow(token, self.user)
        return AccessToken(token, now + timedelta(hours=1))


@pytest.mark.imap
def test_active_token_logs_in_and_inactive_token_is_refused(oauth_dovecot: OAuthDovecot) -> None:
    oauth_dovecot.tokens.allow("good-token", "support")
    client = oauth_dovecot.client()
    try:
        client.oauth2_login("support", "good-token")
        client.select_folder("INBOX")
    finally:
        client.logout()
    bearer = oauth_dovecot.client()
    try:
        bearer.oauthbearer_login("support", "good-token")
    finally:
        bearer.logout()

    refused = oauth_dovecot.client()
    try:
        with pytest.raises(LoginError):
            refused.oauth2_login("support", "revoked-token")
    finally:
        refused.shutdown()
    assert oauth_dovecot.tokens.seen == ["good-token", "good-token", "revoked-token"]


@pytest.mark.imap
def test_expired_token_is_refreshed_and_the_next_login_uses_the_new_one(
    oauth_dovecot: OAuthDovecot,
) -> None:
    clock = ManualClock(T0)
    endpoint = IssuingEndpoint(oauth_dovecot, "support")
    provider = RefreshingTokenProvider("support", endpoint, clock=clock)

    first = oauth_dovecot.client()
    login_imap(first, "support", "xoauth2", provider)
    first.logout()
    assert endpoint.issued == ["tok-support-1"]

    # an hour later the first token has expired at the identity provider
    oauth_dovecot.tokens.revoke("tok-support-1")
    clock.advance(minutes=56)  # inside the 5-minute margin: refresh before it stops working
    second = oauth_dovecot.client()
    login_imap(second, "support", "oauthbearer", provider)
    second.logout()
    assert endpoint.issued == ["tok-support-1", "tok-support-2"]
    assert oauth_dovecot.tokens.seen[-1] == "tok-support-2"
    assert provider.health().state == "ok"
    assert provider.health().token_expires_at == clock.now() + timedelta(hours=1)


@pytest.mark.imap
def test_a_token_revoked_early_is_replaced_once_after_the_refusal(
    oauth_dovecot: OAuthDovecot,
) -> None:
    clock = ManualClock(T0)
    endpoint = IssuingEndpoint(oauth_dovecot, "support")
    provider = RefreshingTokenProvider("support", endpoint, clock=clock)
    provider.token()
    oauth_dovecot.tokens.revoke("tok-support-1")  # e.g. the admin rotated the app secret

    client = oauth_dovecot.client()
    login_imap(client, "support", "xoauth2", provider)
    client.logout()
    assert endpoint.issued == ["tok-support-1", "tok-support-2"]
    assert oauth_dovecot.tokens.seen == ["tok-support-1", "tok-support-2"]


@pytest.mark.imap
def test_refusal_with_a_fresh_token_marks_the_credential_failing(
    oauth_dovecot: OAuthDovecot,
) -> None:
    class WrongUser(IssuingEndpoint):
        def fetch(self, now: datetime) -> AccessToken:
            token = super().fetch(now)
            self.server.tokens.revoke(token.value)  # the provider issues tokens nobody accepts
            return token

    provider = RefreshingTokenProvider(
        "support", WrongUser(oauth_dovecot, "support"), clock=ManualClock(T0)
    )
    client = oauth_dovecot.client()
    try:
        with pytest.raises(LoginError):
            login_imap(client, "support", "xoauth2", provider)
    finally:
        client.shutdown()
    health = provider.health()
    assert health.state == "failing"
    assert health.last_error is not None and "tok-support" not in health.last_error


@pytest.mark.imap
def test_token_command_from_mailbox_settings_logs_in(
    oauth_dovecot: OAuthDovecot, tmp_path: Path
) -> None:
    """The way a deployment configures it: `auth = "xoauth2"` and a `token_command`."""
    script = tmp_path / "print-token.py"
    script.write_text(
        "import json\nprint(json.dumps({'access_token': 'cmd-token-1', 'expires_in': 3600}))\n"
    )
    oauth_dovecot.tokens.allow("cmd-token-1", "desk")
    settings = MailboxSettings(
        name="desk",
        host=oauth_dovecot.host,
        port=oauth_dovecot.port,
        tls="none",
        username="desk",
        auth="xoauth2",
        token_command=f"{sys.executable} {script}",
    )
    registry = ProviderRegistry(clock=ManualClock(T0))
    client = oauth_dovecot.client()
    login_imap(client, settings.username, "xoauth2", registry.provider(settings))
    client.logout()
    assert registry.health()["desk"].state == "ok"
    assert registry(settings) == "cmd-token-1"  # cached: the command ran once
    assert registry.provider(settings).fetches == 1


@pytest.mark.imap
def test_imap_source_reads_an_oauth_mailbox_and_survives_a_revoked_token(
    oauth_dovecot: OAuthDovecot,
) -> None:
    from intake.sources.imap import ImapSource

    clock = ManualClock(T0)
    endpoint = IssuingEndpoint(oauth_dovecot, "intake")
    registry = ProviderRegistry(
        clock=clock,
        factory=lambda s, c: RefreshingTokenProvider(s.name, endpoint, clock=c),
    )
    settings = MailboxSettings(
        name="intake",
        host=oauth_dovecot.host,
        port=oauth_dovecot.port,
        tls="none",
        username="intake",
        auth="oauthbearer",
        processed_folder="",
        idle=False,
    )
    writer = oauth_dovecot.client()
    login_imap(writer, "intake", "xoauth2", registry.provider(settings))
    writer.append("INBOX", b"From: a@example.be\r\nSubject: one\r\n\r\nbody\r\n")
    writer.logout()

    source = ImapSource(settings, 1_000_000, token_provider=registry)
    try:
        first = source.fetch_batch(None)
        assert [m.data.split(b"\r\n")[1] for m in first.mails] == [b"Subject: one"]
        source.close()
        oauth_dovecot.tokens.revoke(endpoint.issued[-1])  # revoked while still cached
        again = source.fetch_batch(None)
        assert len(again.mails) == 1
    finally:
        source.close()
    assert endpoint.issued == ["tok-intake-1", "tok-intake-2"]
    assert registry.health()["intake"].state == "ok"
