"""Token providers without a server: commands, the Microsoft client-credentials flow (with a
fake token endpoint), refresh before expiry, credential health, and tokens kept out of logs."""

from __future__ import annotations

import base64
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from intake.sources.oauth import (
    AccessToken,
    CommandTokenSource,
    CredentialError,
    MicrosoftClientCredentials,
    ProviderRegistry,
    RefreshingTokenProvider,
    parse_token_output,
    provider_for,
    sasl_initial_response,
)
from postkamer.clock import ManualClock
from postkamer.settings import MailboxSettings, OAuthSettings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET_TOKEN = "eyJ0eXAiOiJKV1QiLCJzZWNyZXQiOnRydWV9.payload.signature"


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "token.py"
    path.write_text(body)
    return f"{sys.executable} {path}"


def test_command_output_forms() -> None:
    bare = parse_token_output(" abc.def \n", T0, timedelta(minutes=5))
    assert bare == AccessToken("abc.def", T0 + timedelta(minutes=5))
    js = parse_token_output('{"access_token": "t1", "expires_in": 3599}', T0, timedelta(0))
    assert js.expires_at == T0 + timedelta(seconds=3599)
    epoch = parse_token_output('{"token": "t2", "expires_at": 1772442000}', T0, timedelta(0))
    assert epoch.expires_at == datetime.fromtimestamp(1772442000, UTC)
    for bad in ("", "two words", "a\nb", "{nope", '{"expires_in": 3}'):
        with pytest.raises(CredentialError):
            parse_token_output(bad, T0, timedelta(minutes=5))


def test_command_source_runs_the_command_and_keeps_the_token_out_of_errors(
    tmp_path: Path,
) -> None:
    ok = CommandTokenSource(script(tmp_path, f"print({SECRET_TOKEN!r})"))
    assert ok.fetch(T0).value == SECRET_TOKEN
    assert SECRET_TOKEN not in repr(ok.fetch(T0))

    failing = CommandTokenSource(
        script(
            tmp_path,
            "import sys\n"
            f"print({SECRET_TOKEN!r})\n"
            f"print('refresh failed for ' + {SECRET_TOKEN!r}, file=sys.stderr)\n"
            "sys.exit(3)\n",
        )
    )
    with pytest.raises(CredentialError) as info:
        failing.fetch(T0)
    assert "exited 3" in str(info.value) and "refresh failed" in str(info.value)
    assert SECRET_TOKEN not in str(info.value)


def test_command_source_times_out(tmp_path: Path) -> None:
    slow = CommandTokenSource(script(tmp_path, "import time\ntime.sleep(10)\n"), timeout=0.5)
    with pytest.raises(CredentialError, match="timed out"):
        slow.fetch(T0)
    with pytest.raises(CredentialError, match="could not run"):
        CommandTokenSource("/nonexistent/token-helper").fetch(T0)


class CountingSource:
    def __init__(self, lifetime: timedelta = timedelta(hours=1)) -> None:
        self.lifetime = lifetime
        self.calls = 0
        self.fail: Exception | None = None

    def describe(self) -> str:
        return "counting"

    def fetch(self, now: datetime) -> AccessToken:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return AccessToken(f"token-{self.calls}", now + self.lifetime)


def test_token_is_cached_and_refreshed_a_margin_before_expiry() -> None:
    clock = ManualClock(T0)
    source = CountingSource()
    provider = RefreshingTokenProvider("desk", source, clock=clock, margin=timedelta(minutes=5))
    assert provider.health().state == "unknown"
    assert provider.token() == "token-1"
    clock.advance(minutes=54)
    assert provider.token() == "token-1"
    clock.advance(minutes=1, seconds=1)  # 4:59 before expiry: inside the margin
    assert provider.token() == "token-2"
    assert source.calls == 2
    provider.invalidate()
    assert provider.token() == "token-3"


def test_failed_refresh_keeps_the_valid_token_and_reports_failing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(T0)
    source = CountingSource()
    provider = RefreshingTokenProvider("desk", source, clock=clock)
    assert provider.token() == "token-1"
    clock.advance(minutes=57)
    source.fail = RuntimeError("identity provider unreachable")
    with caplog.at_level(logging.DEBUG, logger="intake.sources.oauth"):
        assert provider.token() == "token-1"  # still valid for 3 minutes
        health = provider.health()
        assert health.state == "failing"
        assert health.last_error == "RuntimeError: identity provider unreachable"
        assert health.consecutive_failures == 1
        clock.advance(minutes=4)  # now it has expired: nothing usable left
        with pytest.raises(CredentialError, match="unreachable"):
            provider.token()
        source.fail = None
        assert provider.token() == "token-4"
    assert provider.health().state == "ok"
    assert all("token-" not in record.getMessage() for record in caplog.records)


def test_credential_ending_soon_is_expiring_days_before() -> None:
    clock = ManualClock(T0)
    provider = RefreshingTokenProvider(
        "desk",
        CountingSource(),
        clock=clock,
        warn_before=timedelta(days=14),
        credential_expires_at=T0 + timedelta(days=20),
    )
    provider.token()
    assert provider.health().state == "ok"
    clock.advance(days=7)
    health = provider.health()
    assert health.state == "expiring"
    assert health.to_dict()["credential_expires_at"] == "2026-03-22T09:00:00+00:00"


class FakeTokenEndpoint:
    """Stands in for msal's `acquire_token_for_client`: records scopes, answers as Entra does."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.error: Mapping[str, Any] | None = None

    def __call__(self, scopes: list[str]) -> Mapping[str, Any]:
        self.calls.append(scopes)
        if self.error is not None:
            return self.error
        return {
            "access_token": f"ms-{len(self.calls)}",
            "token_type": "Bearer",
            "expires_in": 3599,
        }


def test_microsoft_client_credentials_refresh_logic() -> None:
    clock = ManualClock(T0)
    endpoint = FakeTokenEndpoint()
    source = MicrosoftClientCredentials(
        tenant_id="contoso", client_id="app-1", client_secret="s3cr3t-value", acquire=endpoint
    )
    provider = RefreshingTokenProvider("m365", source, clock=clock)
    assert provider.token() == "ms-1"
    assert endpoint.calls == [["https://outlook.office365.com/.default"]]
    assert provider.health().token_expires_at == T0 + timedelta(seconds=3599)
    clock.advance(minutes=30)
    assert provider.token() == "ms-1"
    clock.advance(minutes=26)
    assert provider.token() == "ms-2"
    endpoint.error = {
        "error": "invalid_client",
        "error_description": "AADSTS7000222: The provided client secret keys for app "
        "'app-1' are expired. s3cr3t-value\r\nTrace ID: 1",
    }
    provider.invalidate()
    with pytest.raises(CredentialError) as info:
        provider.token()
    assert "invalid_client: AADSTS7000222" in str(info.value)
    assert "s3cr3t-value" not in str(info.value) and "Trace ID" not in str(info.value)
    assert provider.health().state == "failing"


def test_settings_pick_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PK_TEST_SECRET", "value")
    ms = MailboxSettings(
        name="m365",
        host="outlook.office365.com",
        username="support@contoso.example",
        auth="xoauth2",
        oauth=OAuthSettings(
            provider="microsoft",
            tenant_id="contoso",
            client_id="app-1",
            client_secret_env="PK_TEST_SECRET",
            secret_expires_at=datetime(2026, 3, 10),
            warn_days=10,
        ),
    )
    provider = provider_for(ms, ManualClock(T0))
    assert "microsoft client app-1" in repr(provider)
    assert provider.health().state == "expiring"
    with pytest.raises(ValueError, match="tenant_id"):
        OAuthSettings(provider="microsoft", client_id="x")
    bare = MailboxSettings(name="x", host="h", username="u", auth="oauthbearer")
    with pytest.raises(CredentialError, match="token_command"):
        ProviderRegistry()(bare)


def test_sasl_initial_responses() -> None:
    x = base64.b64decode(sasl_initial_response("xoauth2", "u@example.be", "tok"))
    assert x == b"user=u@example.be\x01auth=Bearer tok\x01\x01"
    o = base64.b64decode(sasl_initial_response("oauthbearer", "u@example.be", "tok"))
    assert o == b"n,a=u@example.be,\x01auth=Bearer tok\x01\x01"
