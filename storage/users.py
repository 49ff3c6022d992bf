"""User accounts, login sessions and login rate limiting for the web app.

Passwords are hashed with argon2id; a session cookie carries a random token of which only the
sha256 is stored, so a copy of the database cannot be used to log in. A login form is bound to
a server-side pre-session (its cookie's hash and the form's CSRF token, used once), so a
cookie planted from a sibling domain cannot make a browser log into someone else's account.
Guessing is slowed by `storage.throttle`. Called by `postkamer users` (accounts) and
`postkamer.web.auth` (logins and sessions).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import LoginPresession, User, WebSession, utcnow

ROLES = ("owner", "supervisor", "admin")
SESSION_LIFETIME = timedelta(hours=12)
PRESESSION_LIFETIME = timedelta(hours=2)  # how long a login form may stay open
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


def open_presession(session: Session, now: datetime | None = None) -> tuple[str, str]:
    """A login form's pre-session: (cookie token, CSRF token for the form)."""
    now = now or utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        LoginPresession(
            token_hash=_token_hash(token), csrf_token=csrf, expires_at=now + PRESESSION_LIFETIME
        )
    )
    session.flush()
    return token, csrf


def take_presession(
    session: Session, token: str, csrf: str, now: datetime | None = None
) -> bool:
    """True when `token` names a live pre-session whose CSRF token is `csrf`; it is used up
    either way, so a form can be sent once."""
    if not token or not csrf:
        return False
    now = now or utcnow()
    row = session.get(LoginPresession, _token_hash(token))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return row.expires_at > now and secrets.compare_digest(row.csrf_token, csrf)


def prune(session: Session, now: datetime | None = None) -> None:
    """Forget expired sessions and login pre-sessions."""
    now = now or utcnow()
    session.exec(delete(WebSession).where(col(WebSession.expires_at) <= now))
    session.exec(delete(LoginPresession).where(col(LoginPresession.expires_at) <= now))
