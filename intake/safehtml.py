"""Making a mail's HTML body safe to show, once, when the mail is stored.

`sanitize_html` keeps an nh3 allowlist of tags and attributes and drops every image source that
is not inline data. The HTML5 tree builder behind nh3 costs time in proportion to the square of
the nesting depth (100,000 nested `<div>` took 82 s), so the markup is first measured with a
linear scan: a body nested deeper than `MAX_DEPTH` or longer than `MAX_CHARS` is not sanitized
at all, and the ticket shows the text part with a notice instead (`withheld`).

`postkamer.processing` stores the result with the message; the web app shows what was stored
and never sanitizes on a page view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nh3

MAX_DEPTH = 200  # element nesting; real mail (Outlook tables in tables) stays far below
MAX_CHARS = 1_000_000  # nh3 takes about 0.5 s for a megabyte of markup

TOO_DEEP = "too_deep"
TOO_LARGE = "too_large"

_TAGS = set(nh3.ALLOWED_TAGS) - {"map", "area"}
_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
}
# data: and cid: pass the scheme check only so that `keep` sees (and counts) them on images
_URL_SCHEMES = {"http", "https", "mailto", "data", "cid"}
_LINK_SCHEMES = ("http:", "https:", "mailto:")
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]*$")

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_-]{0,40})(?:\s[^<>]*)?(/?)>")
_VOID = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
        "param", "source", "track", "wbr", "basefont", "bgsound", "frame", "image",
    }
)  # fmt: skip
# an open one of these is closed by the next of its kind while it is the innermost element
_SIBLINGS = frozenset({"p", "li", "dt", "dd", "option", "tr", "td", "th"})


@dataclass(frozen=True, slots=True)
class SafeHtml:
    html: str  # sanitized: no scripts, handlers, styles, remote resources ("" when withheld)
    blocked_images: int  # images whose remote (or cid:) source was removed
    withheld: str | None = None  # TOO_DEEP / TOO_LARGE: not sanitized, not to be shown


def nesting_depth(markup: str, stop_at: int) -> int:
    """How deep elements nest, never less than the tree builder will make it (unclosed tags
    count as open); the scan stops as soon as the depth passes `stop_at`. Linear time."""
    stack: list[str] = []
    deepest = 0
    for match in _TAG.finditer(markup):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or self_closing:
            continue
        if closing:
            if name in stack:
                while stack.pop() != name:
                    pass
            continue
        if stack and stack[-1] == name and name in _SIBLINGS:
            stack.pop()
        stack.append(name)
        if len(stack) > deepest:
            deepest = len(stack)
            if deepest > stop_at:
                break
    return deepest


def sanitize_html(html: str, max_depth: int = MAX_DEPTH, max_chars: int = MAX_CHARS) -> SafeHtml:
    """Keep an allowlist of tags and attributes; drop every image source that is not inline data.

    Links keep http(s)/mailto targets (a person may click them) with rel="noopener noreferrer";
    the page's CSP (`img-src 'self' data:`) is a second line that blocks any remote fetch.
    Markup over `max_chars` or nested deeper than `max_depth` is withheld, not sanitized.
    """
    if nesting_depth(html[: max_chars + 1], max_depth) > max_depth:
        return SafeHtml("", 0, TOO_DEEP)
    if len(html) > max_chars:
        return SafeHtml("", 0, TOO_LARGE)
    blocked = 0

    def keep(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if tag == "img" and attribute == "src":
            if _SAFE_DATA_IMAGE.match(value):
                return value
            blocked += 1
            return None
        if attribute == "href":  # only absolute web and mail links, never into this app
            return value if value.lower().startswith(_LINK_SCHEMES) else None
        return value

    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return SafeHtml(cleaned, blocked)


def stored_html(raw: str | None) -> dict[str, str | int | None]:
    """The message columns that keep the sanitized body (`safe_html`, `html_blocked`,
    `html_withheld`), for a mail whose HTML body is `raw` (None: it has none)."""
    if not raw:
        return {"safe_html": None, "html_blocked": 0, "html_withheld": None}
    safe = sanitize_html(raw)
    return {
        "safe_html": None if safe.withheld else safe.html,
        "html_blocked": safe.blocked_images,
        "html_withheld": safe.withheld,
    }


_HREF = re.compile(r'(<a\b[^<>]*?)\s(?:href|rel)="[^"<>]*"')


def inert_links(safe: str) -> str:
    """Sanitized HTML (the output of `sanitize_html`, where every attribute is double-quoted)
    with no link target left: the link's text stays, nothing is clickable. For mail only linked
    to a ticket (auto-replies, bounces, bulk, strangers). Linear in the markup."""
    previous = None
    while previous != safe:  # an <a> carries at most href and rel: two passes at most
        previous, safe = safe, _HREF.sub(r"\1", safe)
    return safe
