"""What of a sender's own words an automatic reply may repeat: the greeting name and the
subject echo.

An automatic reply goes from the company's address to whatever From a mail claimed, so
anything it repeats is a way to put someone's text in front of a third party: a display name
such as 'Your account is suspended, log in at https://evil.test/login' would come back as
'Dear Your account is suspended, ...'. `greeting_name` keeps a display name only when it
looks like a name (no link, no e-mail address or domain, at most `MAX_WORDS` words); else the
template's neutral greeting is used. The registry holds no names for its contacts (only
their addresses), so there is no trusted name to fall back on. `echo_subject` strips links,
addresses and domains from the subject and cuts it to `MAX_WORDS` words.

Pure functions; `outbound.replies` applies them before `outbound.templates` renders and
`outbound.compose` writes the reply.
"""

from __future__ import annotations

import re
import unicodedata

from outbound.compose import REPLY_PREFIX, clean_text

MAX_WORDS = 5  # a name or an echoed subject longer than this is someone's message
MAX_NAME_CHARS = 60

_DOT = r"[.\u3002\uff0e\uff61]"  # full stops a client may read as one in a host name
_LABEL = r"[^\W_](?:[\w-]{0,62}[^\W_])?"
_LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]{1,20}:/+|www" + _DOT + r")\S*"  # scheme://..., www....
    r"|\S*@\S*"  # an address, or anything with an @
    r"|(?<![\w.@-])" + _LABEL + r"(?:" + _DOT + _LABEL + r")*" + _DOT + r"[^\W\d_]{2,24}"
    r"(?![\w-])(?:[/:?#]\S*)?",  # a bare domain such as evil.test/login
    re.IGNORECASE,
)
_TAG = re.compile(r"\[\s*[A-Za-z][A-Za-z0-9]{0,9}-[A-Za-z0-9]{4,20}\s*\]")
_SPACE = re.compile(r"\s+")


def _plain(value: str) -> str:
    """One clean line, compatibility forms folded (a fullwidth `．` reads as `.`)."""
    return clean_text(unicodedata.normalize("NFKC", clean_text(value)))


def has_link(text: str) -> bool:
    """True when the text carries a URL, an e-mail address or a domain name."""
    return _LINK.search(_plain(text)) is not None


def greeting_name(display_name: str) -> str:
    """The display name to greet with, or "" for the template's neutral greeting: a name
    with a link, an address, a domain, more than `MAX_WORDS` words or `MAX_NAME_CHARS`
    characters is not a name but a message, and is never echoed."""
    name = _plain(display_name).strip(" \"'")
    if not name or len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_WORDS:
        return ""
    if _LINK.search(name):
        return ""
    return name


def echo_subject(subject: str, max_words: int = MAX_WORDS) -> str:
    """The part of the sender's subject a reply may repeat: without reply prefixes, ticket
    tags, links, addresses and domains, cut to `max_words` words (with an ellipsis). ""
    when nothing is left: the reply then carries the template's own subject."""
    text = _TAG.sub(" ", _plain(subject))
    text = REPLY_PREFIX.sub("", text)
    text = _LINK.sub(" ", text)
    words = _SPACE.sub(" ", text).strip(" -:;,|").split()
    if not words:
        return ""
    if len(words) > max_words:
        return " ".join(words[:max_words]).rstrip(" -:;,.|") + "…"
    return " ".join(words)
