"""Transports: the one I/O boundary of outbound delivery.

`SmtpTransport` speaks SMTP through aiosmtplib, one connection reused for a whole batch,
STARTTLS / implicit TLS / plain and AUTH as `SmtpSettings` say: a password, or with
`auth = "xoauth2"` / `"oauthbearer"` a bearer token from `intake.sources.oauth` (the cached,
refreshed token of the `smtp` credential; a refused token is replaced once, a second refusal
marks the credential failing and the reply stays queued). It reports each message's outcome as
a `SendResult` instead of raising, classified for the sender:

    SENT       the server accepted the message for at least one recipient
    TEMPORARY  4xx, or no connection at all (`connection_error`): try again later
    PERMANENT  5xx: do not try again
    UNKNOWN    the connection broke while the message data was being sent or before the
               server's final reply: it may have been delivered

`FileTransport` writes `<folder>/<outbox id>.eml` (the demo, and any setup without `[smtp]`).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import aiosmtplib

from intake.sources.oauth import (
    CredentialError,
    Mechanism,
    ProviderRegistry,
    default_registry,
    sasl_initial_response,
)
from postkamer.settings import Settings, SmtpSettings

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Envelope:
    """What a transport needs to deliver one outbox row."""

    outbox_id: int
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    raw: bytes


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    detail: str = ""
    connection_error: bool = False  # nothing could be tried; later messages will fail too
    refused: dict[str, str] = field(default_factory=dict)  # recipient -> server reply


class Transport(Protocol):
    async def send(self, envelope: Envelope) -> SendResult: ...

    async def close(self) -> None: ...


def _code_outcome(code: int) -> Outcome:
    return Outcome.PERMANENT if 500 <= code < 600 else Outcome.TEMPORARY


AUTH_OK = 235
AUTH_CHALLENGE = 334
AUTH_REFUSED = 535  # the token is not (or no longer) accepted: fetch a fresh one, once


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "[redacted]") if token else text


async def sasl_bearer_auth(
    smtp: aiosmtplib.SMTP, mechanism: Mechanism, user: str, token: str
) -> aiosmtplib.SMTPResponse:
    """`AUTH XOAUTH2 <b64>` or `AUTH OAUTHBEARER <b64>`; returns the server's final reply.

    A server that refuses the token first sends a 334 challenge with a JSON error; the client
    answers it with an empty line (XOAUTH2) or a lone ^A (OAUTHBEARER, RFC 7628 3.2.3) and
    then gets the final 5xx."""
    if smtp.is_ehlo_or_helo_needed:
        await smtp.ehlo()
    initial = sasl_initial_response(mechanism, user, token).encode("ascii")
    response = await smtp.execute_command(b"AUTH", mechanism.upper().encode("ascii"), initial)
    if response.code == AUTH_CHALLENGE:
        response = await smtp.execute_command(b"" if mechanism == "xoauth2" else b"AQ==")
    return response


class SmtpTransport:
    """One SMTP connection, opened on first use and kept for the batch.

    `tokens`: where bearer tokens come from when `settings.auth` is not "password"; the
    process-wide `default_registry()` by default, so the cached token outlives a transport."""

    def __init__(self, settings: SmtpSettings, tokens: ProviderRegistry | None = None) -> None:
        self.settings = settings
        self._tokens = tokens if tokens is not None else default_registry()
        self._smtp: aiosmtplib.SMTP | None = None

    def _client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            use_tls=s.tls == "ssl",
            start_tls=s.tls == "starttls",
            validate_certs=s.tls_verify,
            timeout=s.timeout_seconds,
        )

    async def _connect(self) -> aiosmtplib.SMTP:
        smtp = self._client()
        await smtp.connect()
        try:
            username = self.settings.username
            if self.settings.auth != "password":
                await self._bearer_login(smtp)
            elif username:
                await smtp.login(username, self.settings.secret() or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    async def _bearer_login(self, smtp: aiosmtplib.SMTP) -> None:
        """AUTH with the cached token; when the server refuses it (535), once more with a
        freshly fetched one. A second refusal marks the credential failing."""
        s = self.settings
        assert s.username is not None  # checked by the settings validator
        mechanism: Mechanism = "xoauth2" if s.auth == "xoauth2" else "oauthbearer"
        provider = self._tokens.provider(s)
        token = await asyncio.to_thread(provider.token)
        response = await sasl_bearer_auth(smtp, mechanism, s.username, token)
        if response.code == AUTH_REFUSED:
            log.info("SMTP server refused the cached %s token; fetching a new one", mechanism)
            provider.invalidate()
            token = await asyncio.to_thread(provider.token)
            response = await sasl_bearer_auth(smtp, mechanism, s.username, token)
        if response.code == AUTH_OK:
            return
        message = _scrub(response.message, token)
        if 500 <= response.code < 600:
            provider.record_refusal(f"SMTP AUTH {mechanism.upper()} refused: {response.code}")
        raise aiosmtplib.SMTPAuthenticationError(response.code, message)

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    async def send(self, envelope: Envelope) -> SendResult:
        reused = self._smtp is not None and self._smtp.is_connected
        try:
            smtp = self._smtp if reused and self._smtp is not None else await self._connect()
        except aiosmtplib.SMTPAuthenticationError as exc:
            self._drop()
            return SendResult(Outcome.TEMPORARY, f"login refused: {exc.code} {exc.message}", True)
        except CredentialError as exc:  # no token to log in with; the message never holds one
            self._drop()
            return SendResult(Outcome.TEMPORARY, f"no SMTP token: {exc}", True)
        except (aiosmtplib.SMTPException, OSError) as exc:
            self._drop()
            return SendResult(Outcome.TEMPORARY, f"cannot connect: {exc}", True)
        try:
            await smtp.mail(envelope.sender)
        except aiosmtplib.SMTPSenderRefused as exc:
            await self._reset()
            return SendResult(_code_outcome(exc.code), f"sender refused: {exc.code} {exc.message}")
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self._drop()
            if reused:  # the server closed an idle connection: one fresh try, nothing was sent
                return await self.send(envelope)
            return SendResult(Outcome.TEMPORARY, f"connection lost: {exc}", True)
        except aiosmtplib.SMTPException as exc:
            self._drop()
            return SendResult(Outcome.TEMPORARY, f"MAIL failed: {exc}", True)
        return await self._rcpt_and_data(smtp, envelope)

    async def _reset(self) -> None:
        if self._smtp is None:
            return
        try:
            await self._smtp.rset()
        except (aiosmtplib.SMTPException, OSError):
            self._drop()

    async def _rcpt_and_data(self, smtp: aiosmtplib.SMTP, envelope: Envelope) -> SendResult:
        refused: dict[str, str] = {}
        codes: list[int] = []
        try:
            for rcpt in envelope.recipients:
                try:
                    await smtp.rcpt(rcpt)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    refused[rcpt] = f"{exc.code} {exc.message}"
                    codes.append(exc.code)
        except (aiosmtplib.SMTPException, OSError) as exc:
            self._drop()
            return SendResult(Outcome.TEMPORARY, f"connection lost before DATA: {exc}", True)
        if len(refused) == len(envelope.recipients):
            await self._reset()
            outcome = Outcome.PERMANENT if all(500 <= c < 600 for c in codes) else Outcome.TEMPORARY
            detail = "; ".join(f"{r}: {why}" for r, why in refused.items())
            return SendResult(outcome, f"recipients refused: {detail}", refused=refused)
        try:
            response = await smtp.data(envelope.raw)
        except aiosmtplib.SMTPDataError as exc:
            await self._reset()
            return SendResult(
                _code_outcome(exc.code),
                f"message refused: {exc.code} {exc.message}",
                refused=refused,
            )
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self._drop()
            return SendResult(Outcome.UNKNOWN, f"connection lost during DATA: {exc}")
        except aiosmtplib.SMTPException as exc:
            self._drop()
            return SendResult(Outcome.UNKNOWN, f"DATA failed: {exc}")
        return SendResult(Outcome.SENT, f"{response.code} {response.message}", refused=refused)


class FileTransport:
    """Writes each message to `<folder>/<outbox id>.eml` (atomically; a retry overwrites)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    async def send(self, envelope: Envelope) -> SendResult:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / f"{envelope.outbox_id}.eml"
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(envelope.raw)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            return SendResult(Outcome.TEMPORARY, f"cannot write {self.folder}: {exc}", True)
        return SendResult(Outcome.SENT, f"written to {target}")

    async def close(self) -> None:
        return None


def transport_from_settings(settings: Settings) -> Transport:
    """SMTP when the settings have `[smtp]`, else .eml files in `outbound.folder`."""
    if settings.smtp is not None:
        return SmtpTransport(settings.smtp)
    return FileTransport(settings.outbound.folder)
