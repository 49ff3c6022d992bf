"""Jinja2 rendering for the pages: autoescaped templates from `templates/`, the translator for
the request's language, and the navigation entries of the pages that exist.

Customer data only ever reaches a template as a variable, so `{{7*7}}` in a subject is shown
as typed. Supervisor pages register their nav entry in `NAV` when they are added.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from postkamer.web.access import Principal
from postkamer.web.i18n import Translator, negotiate

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True, slots=True)
class NavEntry:
    key: str  # catalog key of the label
    path: str
    roles: frozenset[str]  # who sees the entry


NAV: list[NavEntry] = [
    NavEntry("nav.queues", "/", frozenset({"owner", "supervisor", "admin"})),
    NavEntry("nav.routing", "/routing", frozenset({"supervisor", "admin"})),
    NavEntry("nav.quarantine", "/quarantine", frozenset({"supervisor", "admin"})),
    NavEntry("nav.stats", "/stats", frozenset({"supervisor", "admin"})),
    NavEntry("nav.users", "/admin/users", frozenset({"admin"})),
]

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _plain(value: object) -> str:
    """A value from an event's data, for people: lists joined, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


_env.filters["plain"] = _plain


def translator_for(request: Request, principal: Principal | None) -> Translator:
    preferred = principal.language if principal else None
    return Translator(negotiate(request.headers.get("accept-language"), preferred))


def render(
    request: Request,
    principal: Principal | None,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    t = translator_for(request, principal)
    nav = [e for e in NAV if principal and principal.role in e.roles]
    html = _env.get_template(template).render(
        t=t,
        lang=t.language,
        me=principal,
        nav=nav,
        path=request.url.path,
        csrf=principal.csrf_token if principal else "",
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
