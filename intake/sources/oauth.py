"""OAuth2 access tokens for IMAP and SMTP logins (XOAUTH2 / OAUTHBEARER), refreshed in time.

Microsoft 365 and Gmail refuse passwords for IMAP/SMTP; a mailbox with `auth = "xoauth2"` or
`"oauthbearer"` logs in with a bearer token from one of two sources:

- `CommandTokenSource`: a configured command prints the token (a bare token, or JSON with
  `access_token` and `expires_in` / `expires_at`); run without a shell, with a timeout.
- `MicrosoftClientCredentials`: the client-credentials flow of Microsoft Entra ID (msal).

`RefreshingTokenProvider` caches the token and fetches a new one `margin` before it expires;
when a refresh fails while the cached token is still valid it keeps using that one and
reports the failure. `health()` says whether the credential is ok, expiring (the client
secret or refresh credential ends within `warn_before`: shown and alerted days before intake
stops) or failing, for `postkamer.health` and the metrics. The token itself never reaches a
log line, an exception message or a repr.

`ProviderRegistry` keeps one provider per credential (each mailbox, and `smtp` for the
outgoing server) and is the `token_provider` callable that `intake.sources.imap.ImapSource`
takes; `login_imap` logs an `IMAPClient` in and retries once with a fresh token when the
server refuses the cached one. `outbound.transport.SmtpTransport` does the same for SMTP
`AUTH XOAUTH2` / `AUTH OAUTHBEARER` with the `sasl_initial_response` strings.
"""

from __future__ import annotations

import base64
import json
import logging
import shlex
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from postkamer.clock import Clock, SystemClock

if TYPE_CHECKING:
    from imapclient import IMAPClient

    from postkamer.settings import MailboxSettings, OAuthSettings

log = logging.getLogger(__name__)

DEFAULT_MARGIN = timedelta(minutes=5)
DEFAULT_WARN_BEFORE = timedelta(days=14)
DEFAULT_COMMAND_LIFETIME = timedelta(minutes=5)  # a bare token's assumed lifetime
MICROSOFT_IMAP_SCOPE = "https://outlook.office365.com/.default"
_MAX_DETAIL = 300

CredentialState = Literal["unknown", "ok", "expiring", "failing"]
Mechanism = Literal["xoauth2", "oauthbearer"]


class OAuthAccount(Protocol):
    """What `provider_for` reads from a mailbox's or the SMTP server's settings."""

    @property
    def name(self) -> str: ...

    @property
    def auth(self) -> str: ...

    @property
    def token_command(self) -> str | None: ...

    @property
    def oauth(self) -> OAuthSettings | None: ...

    @property
    def timeout_seconds(self) -> float: ...


class CredentialError(Exception):
    """No usable token: the source failed and nothing valid is cached. Never holds a token."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A bearer token and when it stops working (None: unknown)."""

    value: str = field(repr=False)
    expires_at: datetime | None = None


class TokenSource(Protocol):
    """Fetches a new token from wherever tokens come from (no caching)."""

    def fetch(self, now: datetime) -> AccessToken: ...

    def describe(self) -> str: ...


class TokenProvider(Protocol):
    """What a login needs: a valid token now, and a way to drop one the server refused."""

    def token(self) -> str: ...

    def invalidate(self) -> None: ...

    def health(self) -> CredentialHealth: ...


@dataclass(frozen=True, slots=True)
class CredentialHealth:
    """The state of one mailbox credential, for the health report and alerts."""

    name: str
    state: CredentialState
    token_expires_at: datetime | None = None
    credential_expires_at: datetime | None = None  # client secret / refresh credential end
    last_refresh_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "name": self.name,
            "state": self.state,
            "token_expires_at": iso(self.token_expires_at),
            "credential_expires_at": iso(self.credential_expires_at),
            "last_refresh_at": iso(self.last_refresh_at),
            "last_error": self.last_error,
            "last_error_at": iso(self.last_error_at),
            "consecutive_failures": self.consecutive_failures,
        }


def _redact(text: str, *secrets: str) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    text = " ".join(text.split())
    return text[:_MAX_DETAIL]


class RefreshingTokenProvider:
    """Caches a token from `source`; fetches a new one `margin` before the old one expires."""

    def __init__(
        self,
        name: str,
        source: TokenSource,
        *,
        clock: Clock | None = None,
        margin: timedelta = DEFAULT_MARGIN,
        warn_before: timedelta = DEFAULT_WARN_BEFORE,
        credential_expires_at: datetime | None = None,
    ) -> None:
        self.name = name
        self._source = source
        self._clock: Clock = clock or SystemClock()
        self._margin = margin
        self._warn_before = warn_before
        self._credential_expires_at = credential_expires_at
        self._lock = threading.Lock()
        self._cached: AccessToken | None = None
        self._last_refresh: datetime | None = None
        self._last_error: str | None = None
        self._last_error_at: datetime | None = None
        self._failures = 0
        self.fetches = 0  # how many times the source was asked (for tests and metrics)

    def __repr__(self) -> str:
        return f"RefreshingTokenProvider({self.name!r}, {self._source.describe()})"

    def _fresh(self, now: datetime) -> bool:
        cached = self._cached
        if cached is None:
            return False
        return cached.expires_at is None or now < cached.expires_at - self._margin

    def token(self) -> str:
        """A token valid for at least `margin` (or the last valid one if refreshing fails)."""
        with self._lock:
            now = self._clock.now()
            if self._fresh(now):
                assert self._cached is not None
                return self._cached.value
            self.fetches += 1
            try:
                fetched = self._source.fetch(now)
                if not fetched.value:
                    raise CredentialError("the token source returned an empty token")
            except Exception as exc:
                secret = self._cached.value if self._cached else ""
                detail = _redact(f"{type(exc).__name__}: {exc}", secret)
                self._failures += 1
                self._last_error, self._last_error_at = detail, now
                log.warning("credential %s: token refresh failed: %s", self.name, detail)
                cached = self._cached
                if cached is not None and (cached.expires_at is None or now < cached.expires_at):
                    return cached.value
                raise CredentialError(f"credential {self.name}: {detail}") from None
            self._cached = fetched
            self._last_refresh = now
            self._failures = 0
            log.info(
                "credential %s: new token, expires %s",
                self.name,
                fetched.expires_at.isoformat() if fetched.expires_at else "unknown",
            )
            return fetched.value

    def invalidate(self) -> None:
        """The server refused the cached token: the next `token()` fetches a new one."""
        with self._lock:
            self._cached = None

    def record_refusal(self, detail: str) -> None:
        """A login with a fresh token was refused too: the credential is failing."""
        with self._lock:
            self._failures += 1
            self._last_error = _redact(detail, self._cached.value if self._cached else "")
            self._last_error_at = self._clock.now()
            self._cached = None

    def health(self) -> CredentialHealth:
        with self._lock:
            now = self._clock.now()
            cached = self._cached
            state: CredentialState
            if self._failures:
                state = "failing"
            elif (
                self._credential_expires_at is not None
                and self._credential_expires_at - now <= self._warn_before
            ):
                state = "expiring"
            elif cached is None and self._last_refresh is None:
                state = "unknown"
            else:
                state = "ok"
            return CredentialHealth(
                name=self.name,
                state=state,
                token_expires_at=cached.expires_at if cached else None,
                credential_expires_at=self._credential_expires_at,
                last_refresh_at=self._last_refresh,
                last_error=self._last_error,
                last_error_at=self._last_error_at,
                consecutive_failures=self._failures,
            )


# --- token sources ----------------------------------------------------------------------------


def _expiry(data: Mapping[str, Any], now: datetime) -> datetime | None:
    if "expires_in" in data:
        return now + timedelta(seconds=float(data["expires_in"]))
    raw = data.get("expires_at", data.get("expires_on"))
    if raw is None:
        return None
    if isinstance(raw, int | float) or (isinstance(raw, str) and raw.isdigit()):
        return datetime.fromtimestamp(float(raw), UTC)
    parsed = datetime.fromisoformat(str(raw))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_token_output(output: str, now: datetime, default_lifetime: timedelta) -> AccessToken:
    """A command's output: a bare token, or JSON {access_token|token, expires_in|expires_at}."""
    text = output.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise CredentialError("token command printed invalid JSON") from None
        value = data.get("access_token") or data.get("token")
        if not isinstance(value, str) or not value.strip():
            raise CredentialError("token command JSON has no access_token")
        try:
            expires = _expiry(data, now)
        except (TypeError, ValueError):
            raise CredentialError("token command JSON has an unreadable expiry") from None
        return AccessToken(value.strip(), expires or now + default_lifetime)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CredentialError("token command printed nothing")
    if len(lines) > 1:
        raise CredentialError("token command printed more than one line")
    token = lines[0].strip()
    if any(ch.isspace() for ch in token):
        raise CredentialError("token command printed something that is not a token")
    return AccessToken(token, now + default_lifetime)


class CommandTokenSource:
    """Runs a configured command (no shell) that prints a token; stderr goes to errors only."""

    def __init__(
        self,
        command: str | Sequence[str],
        *,
        timeout: float = 30.0,
        default_lifetime: timedelta = DEFAULT_COMMAND_LIFETIME,
    ) -> None:
        self.argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not self.argv:
            raise ValueError("empty token command")
        self.timeout = timeout
        self.default_lifetime = default_lifetime

    def describe(self) -> str:
        return f"command {self.argv[0]}"

    def fetch(self, now: datetime) -> AccessToken:
        try:
            proc = subprocess.run(
                self.argv,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise CredentialError(f"token command timed out after {self.timeout:g} s") from None
        except OSError as exc:
            raise CredentialError(f"token command could not run: {exc.strerror}") from None
        if proc.returncode != 0:
            stderr = _redact(proc.stderr, *proc.stdout.split())
            raise CredentialError(f"token command exited {proc.returncode}: {stderr}")
        return parse_token_output(proc.stdout, now, self.default_lifetime)


AcquireFunction = Callable[[list[str]], Mapping[str, Any]]


class MicrosoftClientCredentials:
    """Client-credentials flow (an app registration with IMAP.AccessAsApp / SMTP.SendAsApp).

    `acquire` is the token endpoint call; by default msal's `acquire_token_for_client`. Tests
    inject a fake one: the refresh logic does not depend on the network.
    """

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str | None = None,
        scope: str = MICROSOFT_IMAP_SCOPE,
        authority_host: str = "https://login.microsoftonline.com",
        acquire: AcquireFunction | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.scope = scope
        self._secret = client_secret
        self._authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._acquire = acquire

    def __repr__(self) -> str:
        return f"MicrosoftClientCredentials({self.tenant_id!r}, {self.client_id!r})"

    def describe(self) -> str:
        return f"microsoft client {self.client_id}"

    def _default_acquire(self) -> AcquireFunction:
        import msal  # type: ignore[import-untyped]  # imported only where it is used

        if not self._secret:
            raise CredentialError("Microsoft client credentials need a client secret")
        app = msal.ConfidentialClientApplication(
            self.client_id, authority=self._authority, client_credential=self._secret
        )

        def acquire(scopes: list[str]) -> Mapping[str, Any]:
            result: Mapping[str, Any] = app.acquire_token_for_client(scopes=scopes)
            return result

        return acquire

    def fetch(self, now: datetime) -> AccessToken:
        if self._acquire is None:
            self._acquire = self._default_acquire()
        result = self._acquire([self.scope])
        token = result.get("access_token")
        if isinstance(token, str) and token:
            try:
                expires = _expiry(result, now)
            except (TypeError, ValueError):
                expires = None
            return AccessToken(token, expires or now + timedelta(minutes=30))
        error = str(result.get("error") or "no access_token")
        description = str(result.get("error_description") or "").splitlines()
        detail = f"{error}: {description[0]}" if description else error
        raise CredentialError(_redact(detail, self._secret or ""))


# --- SASL strings and the IMAP login ------------------------------------------------------------


def xoauth2_string(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def oauthbearer_string(user: str, token: str) -> str:
    """The SASL OAUTHBEARER (RFC 7628) initial response (before base64)."""
    return f"n,a={user},\x01auth=Bearer {token}\x01\x01"


def sasl_initial_response(mechanism: Mechanism, user: str, token: str) -> str:
    """Base64 of the initial response, for SMTP `AUTH <MECH> <response>`."""
    raw = (xoauth2_string if mechanism == "xoauth2" else oauthbearer_string)(user, token)
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


def login_imap(
    client: IMAPClient, user: str, mechanism: Mechanism, provider: TokenProvider
) -> None:
    """Log `client` in with a bearer token; on refusal, once more with a freshly fetched one."""
    from imapclient.exceptions import LoginError

    def attempt() -> None:
        token = provider.token()
        if mechanism == "xoauth2":
            client.oauth2_login(user, token)
        else:
            client.oauthbearer_login(user, token)

    try:
        attempt()
        return
    except LoginError:
        log.info("mailbox login for %s refused the cached token; fetching a new one", user)
        provider.invalidate()
    try:
        attempt()
    except LoginError as exc:
        if isinstance(provider, RefreshingTokenProvider):
            provider.record_refusal(f"login refused: {exc}")
        raise


# --- one provider per mailbox -------------------------------------------------------------------


def provider_for(settings: OAuthAccount, clock: Clock | None = None) -> RefreshingTokenProvider:
    """The token provider a mailbox's (or the SMTP server's) settings describe
    (`token_command` or Microsoft)."""
    oauth = settings.oauth
    source: TokenSource
    if oauth is not None and oauth.provider == "microsoft":
        assert oauth.tenant_id and oauth.client_id  # checked by the settings validator
        source = MicrosoftClientCredentials(
            tenant_id=oauth.tenant_id,
            client_id=oauth.client_id,
            client_secret=oauth.client_secret(),
            scope=oauth.scope,
        )
    elif settings.token_command:
        source = CommandTokenSource(settings.token_command, timeout=settings.timeout_seconds)
    else:
        raise CredentialError(f"{settings.name}: auth={settings.auth} needs token_command")
    expires = oauth.secret_expires_at if oauth is not None else None
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return RefreshingTokenProvider(
        settings.name,
        source,
        clock=clock,
        margin=timedelta(seconds=oauth.refresh_margin_seconds) if oauth else DEFAULT_MARGIN,
        warn_before=timedelta(days=oauth.warn_days) if oauth else DEFAULT_WARN_BEFORE,
        credential_expires_at=expires,
    )


class ProviderRegistry:
    """One cached provider per credential name; callable as `ImapSource`'s `token_provider`."""

    def __init__(
        self,
        clock: Clock | None = None,
        factory: Callable[[OAuthAccount, Clock | None], RefreshingTokenProvider] = provider_for,
    ) -> None:
        self._clock = clock
        self._factory = factory
        self._providers: dict[str, RefreshingTokenProvider] = {}
        self._lock = threading.Lock()

    def provider(self, settings: OAuthAccount) -> RefreshingTokenProvider:
        with self._lock:
            found = self._providers.get(settings.name)
            if found is None:
                found = self._factory(settings, self._clock)
                self._providers[settings.name] = found
            return found

    def __call__(self, settings: OAuthAccount) -> str:
        return self.provider(settings).token()

    def invalidate(self, settings: OAuthAccount) -> None:
        self.provider(settings).invalidate()

    def health(self) -> dict[str, CredentialHealth]:
        with self._lock:
            providers = dict(self._providers)
        return {name: p.health() for name, p in providers.items()}


_default_registry = ProviderRegistry()


def default_registry() -> ProviderRegistry:
    """The process-wide providers (what `ImapSource` uses unless given others)."""
    return _default_registry


def oauth_login(
    client: IMAPClient, settings: MailboxSettings, tokens: Callable[[MailboxSettings], str]
) -> None:
    """Log in with the mailbox's mechanism. With a `ProviderRegistry`, a refused cached token
    is replaced once (`login_imap`); any other callable just supplies the token."""
    mechanism: Mechanism = "xoauth2" if settings.auth == "xoauth2" else "oauthbearer"
    if isinstance(tokens, ProviderRegistry):
        login_imap(client, settings.username, mechanism, tokens.provider(settings))
        return
    token = tokens(settings)
    if mechanism == "xoauth2":
        client.oauth2_login(settings.username, token)
    else:
        client.oauthbearer_login(settings.username, token)
