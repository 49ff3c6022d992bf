"""The FastAPI application: routers for login, pages and the JSON API, static assets served by
the app itself, security headers on every response, and error pages in the user's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from postkamer.web import api, auth, ops, pages, supervisor
from postkamer.web.access import Principal
from postkamer.web.config import WebConfig
from postkamer.web.templating import render
from storage.db import session_scope

STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _maybe_principal(request: Request) -> Principal | None:
    """The logged-in user for an error page's header, if there is one."""
    try:
        with session_scope(auth.config(request).engine) as session:
            return auth.current_principal(request, session)
    except auth.LoginRequired:
        return None


def create_app(config: WebConfig) -> FastAPI:
    app = FastAPI(
        title="Postkamer",
        description="Tickets from contract-support mail: queues, tickets, notes, re-routing.",
        version="0.1.0",
        docs_url=None,  # the stock docs pages load scripts from a CDN; the JSON is enough
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.config = config

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, _exc: auth.LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "login required"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return render(
            request,
            _maybe_principal(request),
            "error.html",
            status_code=exc.status_code,
            status=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        return render(request, None, "error.html", status_code=400, status=400)

    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(ops.router)  # /metrics (bearer token) and /healthz
    for router in supervisor.routers():  # routing config, quarantine, statistics
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
