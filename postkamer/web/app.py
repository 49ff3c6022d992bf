"""The FastAPI application: routers for login, pages and the JSON API, static assets served by
the app itself, and error pages in the user's language. `postkamer.web.guard` wraps all of it:
security headers on every response (errors included) and request body limits.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from postkamer.web import api, auth, ops, pages, supervisor
from postkamer.web.access import Principal
from postkamer.web.config import WebConfig
from postkamer.web.guard import SECURITY_HEADERS, Guard
from postkamer.web.templating import render
from storage.db import session_scope

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger(__name__)

__all__ = ["SECURITY_HEADERS", "PostkamerApp", "create_app"]


class PostkamerApp(FastAPI):
    """FastAPI with `Guard` outside Starlette's own error middleware, so that even the 500 of
    an unhandled exception carries the security headers."""

    def build_middleware_stack(self) -> Any:
        return Guard(super().build_middleware_stack())


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
    app = PostkamerApp(
        title="Postkamer",
        description="Tickets from contract-support mail: queues, tickets, notes, re-routing.",
        version="0.1.0",
        docs_url=None,  # the stock docs pages load scripts from a CDN; the JSON is enough
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.config = config

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

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        if _is_api(request):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        return PlainTextResponse("500: internal error\n", status_code=500)

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
