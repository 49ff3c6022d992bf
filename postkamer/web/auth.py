"""Logging in and out, the session cookie, and the CSRF check on every state change.

The session cookie is HttpOnly, SameSite=Lax, and Secure when the app is served over https.
Pages send the session's CSRF token as a hidden `csrf_token` field, API clients as the
`X-CSRF-Token` header (from `GET /api/me`). The login form is bound to a server-side
pre-session (`storage.users.open_presession`, used once) and refused when the browser says it
was sent from another origin. Guesses are throttled per account and address
(`storage.throttle`): checked and counted before the password is verified. Failed and
successful logins are recorded as Event rows (`login_failed` / `login`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from postkamer.web.access import Principal
from postkamer.web.config import LANGUAGES, WebConfig
from postkamer.web.templating import render
from storage import throttle, users
from storage.db import session_scope
from storage.models import Event, User

SESSION_COOKIE = "pk_session"
PRESESSION_COOKIE = "pk_prelogin"

router = APIRouter()


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, the API answers 401."""


def config(request: Request) -> WebConfig:
    cfg: WebConfig = request.app.state.config
    return cfg


def get_db(request: Request) -> Iterator[Session]:
    """The request's database session, committed when the route function returns and BEFORE
    the response is sent (scope "function"): a redirect always finds what the request wrote,
    and a commit that fails is a 500 the user sees instead of a change silently lost."""
    cfg = config(request)
    with session_scope(cfg.engine) as session:
        session.info["ticket_jobs"] = cfg.ticket_jobs  # read by the actions (`sync_jobs`)
        yield session


Db = Annotated[Session, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _secure(request: Request) -> bool:
    forced = config(request).secure_cookies
    return request.url.scheme == "https" if forced is None else forced


def current_principal(request: Request, db: Db) -> Principal:
    token = request.cookies.get(SESSION_COOKIE, "")
    found = users.load_session(db, token)
    if found is None:
        raise LoginRequired()
    row, user = found
    assert user.id is not None
    return Principal(
        user_id=user.id,
        email=user.email,
        role=user.role,
        queues=frozenset(user.queues or ()),
        language=user.language,
        csrf_token=row.csrf_token,
    )


Me = Annotated[Principal, Depends(current_principal)]


async def checked_principal(request: Request, principal: Me) -> Principal:
    """The principal, after the request proved it carries this session's CSRF token."""
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, principal.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return principal


Actor = Annotated[Principal, Depends(checked_principal)]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//host` or `https://host` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_form(
    request: Request,
    db: Session,
    error: str | None,
    email: str,
    status: int,
    headers: dict[str, str] | None = None,
) -> Response:
    """The login form with a fresh pre-session: its cookie and the CSRF token it must return."""
    token, csrf = users.open_presession(db)
    if secrets.randbelow(50) == 0:
        users.prune(db)
    response = render(
        request,
        None,
        "login.html",
        status_code=status,
        error=error,
        email=email,
        login_csrf=csrf,
        next=safe_next(request.query_params.get("next")),
    )
    response.set_cookie(
        PRESESSION_COOKIE,
        token,
        max_age=int(users.PRESESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/login",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def same_origin(request: Request) -> bool:
    """False when the browser says the form came from another origin (a sibling domain that
    planted a cookie, a foreign page); requests without these headers (scripts) pass.
    `Origin: null` (what browsers send under our `Referrer-Policy: no-referrer`) says nothing;
    `Sec-Fetch-Site` still does."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    parts = urlsplit(origin)
    return (parts.scheme, parts.netloc) == (request.url.scheme, request.url.netloc)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, db: Db) -> Response:
    return _login_form(request, db, None, "", 200)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    db: Db,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    cookie = request.cookies.get(PRESESSION_COOKIE, "")
    fresh = users.take_presession(db, cookie, csrf_token)
    if not fresh or not same_origin(request):
        return _login_form(request, db, "login.expired", email, 403)
    ip = client_ip(request)
    address = users.normalize_email(email)
    cfg = config(request)
    attempt = throttle.reserve(db, address, ip, cfg.login_limits)  # commits: locks held briefly
    if isinstance(attempt, throttle.Refusal):
        wait = max(1, int(attempt.retry_after.total_seconds() + 0.999))
        db.add(Event(kind="login_failed", actor=address, data={"ip": ip, "reason": "rate_limited"}))
        return _login_form(
            request, db, "login.too_many", email, 429, headers={"Retry-After": str(wait)}
        )
    user = users.authenticate(db, address, password)
    throttle.settle(db, attempt, user is not None, cfg.login_limits)
    if user is None:
        db.add(
            Event(kind="login_failed", actor=address, data={"ip": ip, "reason": "bad_credentials"})
        )
        return _login_form(request, db, "login.failed", email, 401)
    token, _row = users.create_session(db, user, ip)
    db.add(Event(kind="login", actor=user.email, data={"ip": ip}))
    if secrets.randbelow(50) == 0:
        throttle.prune(db, cfg.login_limits)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(users.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(PRESESSION_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, db: Db, actor: Actor) -> Response:
    users.end_session(db, request.cookies.get(SESSION_COOKIE, ""))
    db.add(Event(kind="logout", actor=actor.email, data={"ip": client_ip(request)}))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language", include_in_schema=False)
def set_language(
    db: Db,
    actor: Actor,
    language: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """The user's UI language; empty means: follow the browser."""
    user = db.get(User, actor.user_id)
    if user is not None:
        user.language = language if language in LANGUAGES else None
        db.add(user)
    return RedirectResponse(safe_next(next), status_code=303)
