"""The outermost layer of the web app, around everything FastAPI and Starlette do: the security
headers on every response (error pages and unhandled 500s included; `Cache-Control: no-store`
on all but static assets), and a limit on the size of every request body.

A body whose `Content-Length` is over the route's limit is answered 413 before one byte of it is
read; a body without a length (chunked) is counted while the app reads it and refused at the
limit, so no route ever holds more than its limit in memory. Logins get a small limit, the
routing editor a large one (a whole config in a form field), everything else `DEFAULT_BODY`.

`postkamer.web.app.create_app` installs it; nothing inside the app needs to know about it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

KIB = 1024
DEFAULT_BODY = 1024 * KIB  # a reply or note (20,000 characters) fits many times over
LOGIN_BODY = 64 * KIB
ROUTING_BODY = 8 * 1024 * KIB  # a routing config of up to 1,000,000 characters, form-encoded


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """Largest request body in bytes: per path prefix (first match wins), else `default`."""

    default: int = DEFAULT_BODY
    prefixes: tuple[tuple[str, int], ...] = (("/login", LOGIN_BODY), ("/routing", ROUTING_BODY))

    def for_path(self, path: str) -> int:
        for prefix, limit in self.prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return limit
        return self.default


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without a length passes the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body over {limit} bytes")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value)
    return None


def _with_security_headers(
    headers: list[tuple[bytes, bytes]], static: bool
) -> list[tuple[bytes, bytes]]:
    present = {key.lower() for key, _ in headers}
    out = list(headers)
    extra = SECURITY_HEADERS if static else {**SECURITY_HEADERS, "Cache-Control": "no-store"}
    for name, value in extra.items():
        if name.lower().encode() not in present:
            out.append((name.lower().encode(), value.encode()))
    return out


class Guard:
    """ASGI middleware: security headers on every response and per-route body limits."""

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path = str(scope.get("path") or "/")
        static = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                message["headers"] = _with_security_headers(headers, static)
            await send(message)

        limit = self.limits.for_path(path)
        length = _header(scope, b"content-length")
        if length is not None:
            text = length.strip()
            if not text.isdigit() or int(text) > limit:
                await _refuse(scope, send_with_headers, limit)
                return

        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted_receive, send_with_headers)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    """413 without reading the body; the server closes the connection after it."""
    path = str(scope.get("path") or "")
    if path.startswith("/api/"):
        body = json.dumps({"detail": f"request body over {limit} bytes"}).encode()
        media = b"application/json"
    else:
        body = f"413: request body over {limit} bytes\n".encode()
        media = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", media),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
