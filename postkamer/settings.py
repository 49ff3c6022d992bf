"""Settings: a TOML file (`--config PATH` or POSTKAMER_CONFIG) overridden by environment
variables (`POSTKAMER_DATABASE__URL=...`), validated by pydantic with errors naming the key.
"""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from intake.proof import TrustConfig
from postkamer.lifecycle import LifecycleConfig, SchedulerConfig
from postkamer.sla import SlaConfig

log = logging.getLogger(__name__)


class SettingsError(Exception):
    """Settings that cannot be used; the message names the file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Strict):
    url: str = "sqlite:///var/postkamer.db"


class StorageSettings(_Strict):
    blobs: Path = Path("var/blobs")


class LimitSettings(_Strict):
    max_message_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    max_parts: int = Field(default=500, gt=0)
    max_depth: int = Field(default=30, gt=0)
    max_attachment_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    parse_seconds: float = Field(default=10.0, gt=0)
    attachment_text_bytes: int = Field(default=200_000, gt=0)
    attachment_text_pages: int = Field(default=20, gt=0)
    attachment_text_seconds: float = Field(default=5.0, gt=0)
    attachment_text_file_bytes: int = Field(default=8 * 1024 * 1024, gt=0)
    ocr: bool = True
    ocr_pages: int = Field(default=5, gt=0)
    ocr_max_pixels: int = Field(default=25_000_000, gt=0)
    ocr_seconds: float = Field(default=20.0, gt=0)


def _read_secret(env: str | None, file: Path | None, literal: str | None, what: str) -> str | None:
    if env:
        value = os.environ.get(env)
        if value is None:
            raise SettingsError(f"{what}: environment variable {env} is not set")
        return value
    if file:
        mode = file.stat().st_mode
        if mode & stat.S_IROTH:
            raise SettingsError(f"{what}: password file {file} is readable by everyone; chmod 600")
        return file.read_text(encoding="utf-8").strip()
    return literal


class OAuthSettings(_Strict):
    """Where a mailbox's OAuth2 tokens come from (`intake.sources.oauth`).

    `command`: the mailbox's `token_command` prints the token. `microsoft`: the client-credentials
    flow of Microsoft Entra ID. `secret_expires_at`: when the client secret (or the refresh
    credential behind the command) ends; the health report warns `warn_days` before.
    """

    provider: Literal["command", "microsoft"] = "command"
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret_env: str | None = None
    client_secret_file: Path | None = None
    scope: str = "https://outlook.office365.com/.default"
    secret_expires_at: datetime | None = None
    refresh_margin_seconds: int = Field(default=300, ge=0)
    warn_days: int = Field(default=14, ge=0)

    @model_validator(mode="after")
    def _microsoft_needs_ids(self) -> OAuthSettings:
        secret = self.client_secret_env or self.client_secret_file
        if self.provider == "microsoft" and not (self.tenant_id and self.client_id and secret):
            raise ValueError(
                "provider microsoft needs tenant_id, client_id and client_secret_env or _file"
            )
        return self

    def client_secret(self) -> str | None:
        return _read_secret(
            self.client_secret_env, self.client_secret_file, None, "oauth.client_secret"
        )


class MailboxSettings(_Strict):
    name: str
    host: str
    port: int = 993
    tls: Literal["ssl", "starttls", "none"] = "ssl"
    tls_verify: bool = True
    username: str
    password: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    auth: Literal["password", "xoauth2", "oauthbearer"] = "password"
    token_command: str | None = None
    oauth: OAuthSettings | None = None  # token source details when auth is not "password"
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    idle: bool = True
    idle_renew_seconds: int = Field(default=300, gt=0, le=29 * 60)
    poll_seconds: int = Field(default=60, gt=0)
    batch_size: int = Field(default=200, gt=0)
    timeout_seconds: float = Field(default=60.0, gt=0)
    # the reply language for mail whose text does not tell and whose sender has no registry
    # language; unset: the routing config's extraction.default_language
    language: Literal["nl", "fr", "en"] | None = None

    @model_validator(mode="after")
    def _warn_literal(self) -> MailboxSettings:
        if self.password is not None:
            log.warning("mailbox %s: literal password in settings; prefer password_env", self.name)
        return self

    def secret(self) -> str | None:
        return _read_secret(
            self.password_env, self.password_file, self.password, f"mailboxes.{self.name}"
        )


class SmtpSettings(_Strict):
    host: str
    port: int = 587
    tls: Literal["ssl", "starttls", "none"] = "starttls"
    tls_verify: bool = True
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    auth: Literal["password", "xoauth2", "oauthbearer"] = "password"
    token_command: str | None = None  # prints the bearer token (auth xoauth2 / oauthbearer)
    oauth: OAuthSettings | None = None  # token source details when auth is not "password"
    from_: str = Field(default="Contract Support <support@contracts.example.com>", alias="from")
    envelope_sender: str | None = None
    message_id_domain: str = "contracts.example.com"
    timeout_seconds: float = Field(default=60.0, gt=0)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _oauth_needs_a_source(self) -> SmtpSettings:
        if self.auth == "password":
            return self
        if not self.username:
            raise ValueError(f"auth {self.auth} needs username (the mailbox that sends)")
        microsoft = self.oauth is not None and self.oauth.provider == "microsoft"
        if not microsoft and not self.token_command:
            raise ValueError(f"auth {self.auth} needs token_command or [smtp.oauth] microsoft")
        return self

    @property
    def name(self) -> str:
        """The credential's name in health reports and metrics."""
        return "smtp"

    def secret(self) -> str | None:
        return _read_secret(self.password_env, self.password_file, self.password, "smtp")


class OutboundSettings(_Strict):
    folder: Path = Path("var/outbox")
    from_: str = Field(default="Contract Support <support@contracts.example.com>", alias="from")
    message_id_domain: str = "contracts.example.com"
    retry_horizon_hours: float = Field(default=48.0, gt=0)
    per_sender_daily_limit: int = Field(default=40, gt=0)
    global_hourly_limit: int = Field(default=2000, gt=0)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RoutingSettings(_Strict):
    config: Path = Path("config/routing.yaml")
    templates: Path = Path("templates")
    registry: Path | None = None  # optional CSV imported at start


class WebSettings(_Strict):
    """Section `[web]`. `metrics_token`: the bearer token a Prometheus scraper sends to
    `/metrics` (`authorization: {type: Bearer, credentials: ...}`); unset, `/metrics` is not
    served. Prefer the environment: POSTKAMER_WEB__METRICS_TOKEN."""

    metrics_token: str | None = Field(default=None, min_length=16)
    presence_seconds: int = Field(default=30, ge=5, le=600)


class MetricsSettings(_Strict):
    """Section `[metrics]`. `listen` ("127.0.0.1:9109"): `postkamer run` serves its own
    counters (mail read/stored/quarantined, IMAP lag, replies, credentials) in the Prometheus
    text format on that address; unset, it serves nothing."""

    listen: str | None = Field(default=None, pattern=r"^[^:\s]+:[0-9]{1,5}$")

    def address(self) -> tuple[str, int] | None:
        if self.listen is None:
            return None
        host, port = self.listen.rsplit(":", 1)
        return host, int(port)


class TrustSettings(_Strict):
    """Section `[trust]`: whose word proves a mail's sender (DOMAIN.md 4a, `intake.proof`).

    `authserv_ids`: the authserv-ids of the desk's own mail servers, whose
    Authentication-Results headers are believed (empty: none, so every cancellation that
    would be accepted waits for the contact's confirmation by reply). `microsoft365`: believe
    the topmost Authentication-Results header without an authserv-id, the form Exchange Online
    writes. `verify_dkim`: check DKIM signatures here (DNS lookups) when the headers prove
    nothing. `confirmation_days`: how long the one-time code of a confirmation request is
    valid."""

    authserv_ids: list[str] = []
    microsoft365: bool = False
    verify_dkim: bool = False
    dkim_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    confirmation_days: int = Field(default=14, ge=1, le=365)

    @field_validator("authserv_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip().lower() for v in value]
        for v in cleaned:
            if not v or any(c.isspace() or c in ";()" for c in v):
                raise ValueError(
                    f"{v!r} is not an authserv-id (a host name such as mx.example.com)"
                )
        return cleaned

    def config(self) -> TrustConfig:
        """The value `intake.proof` and routing take."""
        return TrustConfig(
            authserv_ids=tuple(self.authserv_ids),
            microsoft365=self.microsoft365,
            verify_dkim=self.verify_dkim,
            dkim_timeout=self.dkim_timeout_seconds,
        )


class Settings(BaseSettings):
    """All settings. Environment variables use the prefix POSTKAMER_ and `__` for nesting."""

    model_config = SettingsConfigDict(
        env_prefix="POSTKAMER_", env_nested_delimiter="__", extra="forbid"
    )

    database: DatabaseSettings = DatabaseSettings()
    storage: StorageSettings = StorageSettings()
    limits: LimitSettings = LimitSettings()
    mailboxes: list[MailboxSettings] = []
    smtp: SmtpSettings | None = None
    outbound: OutboundSettings = OutboundSettings()
    routing: RoutingSettings = RoutingSettings()
    sla: SlaConfig = SlaConfig()  # business hours, holidays, SLA targets, quiet nights
    lifecycle: LifecycleConfig = LifecycleConfig()  # reminders, automatic close, assignment
    scheduler: SchedulerConfig = SchedulerConfig()  # tick intervals, digest time
    web: WebSettings = WebSettings()  # /metrics token, presence window
    metrics: MetricsSettings = MetricsSettings()  # where `run` serves its own counters
    trust: TrustSettings = TrustSettings()  # whose Authentication-Results prove a sender

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # environment first: it overrides what the TOML file (passed as init values) says
        return (env_settings, init_settings)


def load_settings(path: str | Path | None = None) -> Settings:
    """Read the TOML file (if any) and the environment; raise SettingsError naming the key."""
    if path is None:
        path = os.environ.get("POSTKAMER_CONFIG") or None
    data: dict[str, Any] = {}
    source = "environment"
    if path is not None:
        p = Path(path)
        source = str(p)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(f"{p}: no such settings file") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{p}: {exc}") from None
    try:
        return Settings(**data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"])
            problems.append(f"{source}: {key}: {err['msg']}")
        raise SettingsError("\n".join(problems)) from None
