"""User accounts, login sessions and login rate limiting for the web app.

Passwords are hashed with argon2id; a session cookie carries a random token of which only the
sha256 is stored, so a copy of the database cannot be used to log in. Login attempts are kept
per address and per client IP so that guessing is slowed down across every web process.
Called by `postkamer users` (accounts) and `postkamer.web.auth` (logins and sessions).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from storage.models import LoginAttempt, User, WebSession, utcnow

ROLES = ("owner", "supervisor", "admin")
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, 3 passes)
# verified against when the address is unknown, so both cases take the same time
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash with `hasher` from now on (tests use cheaper parameters); returns the previous one.

    Existing hashes still verify; `authenticate` re-hashes them with the new parameters.
    """
    global _hasher, _DUMMY_HASH
    previous, _hasher = _hasher, hasher
    _DUMMY_HASH = hasher.hash(secrets.token_hex(16))
    return previous


class UserError(ValueError):
    """A user account that cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `per_email` failed logins for one address, `per_ip` from one IP, per `window`."""

    per_email: int = 5
    per_ip: int = 20
    window: timedelta = timedelta(minutes=15)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    email: str,
    password: str,
    role: str,
    queues: Sequence[str] = (),
    language: str | None = None,
) -> User:
    """Add an active user; raise UserError for a bad role, a short password or a taken address."""
    email = normalize_email(email)
    if "@" not in email or any(c.isspace() for c in email):
        raise UserError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "owner" and not queues:
        raise UserError("a queue owner needs at least one --queue")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if get_user(session, email) is not None:
        raise UserError(f"user {email} already exists")
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        queues=sorted(set(queues)),
        language=language,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this address and password, or None (same cost either way)."""
    user = get_user(session, email)
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def create_session(session: Session, user: User, ip: str = "") -> tuple[str, WebSession]:
    """A new login session; returns the cookie token (shown once) and the stored row."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        token_hash=_token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
        ip=ip,
    )
    session.add(row)
    session.flush()
    return token, row


def load_session(
    session: Session, token: str, now: datetime | None = None
) -> tuple[WebSession, User] | None:
    """The live session and its active user for a cookie token, or None."""
    if not token:
        return None
    now = now or utcnow()
    row = session.get(WebSession, _token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return row, user


def end_session(session: Session, token: str) -> None:
    session.exec(delete(WebSession).where(col(WebSession.token_hash) == _token_hash(token)))


def end_user_sessions(session: Session, user: User) -> None:
    session.exec(delete(WebSession).where(col(WebSession.user_id) == user.id))


def record_attempt(session: Session, email: str, ip: str, success: bool) -> None:
    session.add(LoginAttempt(email=normalize_email(email), ip=ip, success=success))


def login_blocked(
    session: Session, email: str, ip: str, limit: RateLimit, now: datetime | None = None
) -> bool:
    """True when this address or this IP had too many failed logins within the window.

    For the address, only failures after its last successful login count; for the IP, all do
    (logging into one's own account must not reset an IP's count).
    """
    email = normalize_email(email)
    since = (now or utcnow()) - limit.window
    last_ok = session.exec(
        select(func.max(LoginAttempt.at)).where(
            (LoginAttempt.email == email) & (LoginAttempt.success == True)  # noqa: E712
        )
    ).one()
    email_since = max(since, last_ok) if last_ok is not None else since
    by_email = session.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            (LoginAttempt.email == email)
            & (LoginAttempt.at > email_since)
            & (LoginAttempt.success == False)  # noqa: E712
        )
    ).one()
    if by_email >= limit.per_email:
        return True
    by_ip = session.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            (LoginAttempt.ip == ip) & (LoginAttempt.at > since) & (LoginAttempt.success == False)  # noqa: E712
        )
    ).one()
    return by_ip >= limit.per_ip


def prune(session: Session, limit: RateLimit, now: datetime | None = None) -> None:
    """Forget expired sessions and attempts older than the rate-limit window."""
    now = now or utcnow()
    session.exec(delete(WebSession).where(col(WebSession.expires_at) <= now))
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - limit.window))
