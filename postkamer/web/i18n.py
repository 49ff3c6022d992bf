"""UI strings in Dutch, French and English: one JSON catalog per language in `i18n/`.

The language is the user's own setting, else the best match of the browser's Accept-Language,
else Dutch. Customer data is never looked up here: only fixed UI keys are translated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from postkamer.web.config import LANGUAGES

CATALOGS = Path(__file__).resolve().parent / "i18n"
DEFAULT_LANGUAGE = "nl"
TIMEZONE = ZoneInfo("Europe/Brussels")
_LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_GB"}


@cache
def catalog(language: str) -> Mapping[str, str]:
    data: dict[str, str] = json.loads((CATALOGS / f"{language}.json").read_text("utf-8"))
    return data


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The UI language: the user's setting, else the browser's best supported choice."""
    if preferred in LANGUAGES:
        return preferred
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for position, item in enumerate((accept_language or "").split(",")):
        parts = item.strip().split(";")
        tag = parts[0].strip().lower().split("-")[0]
        q = 1.0
        for param in parts[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        q -= position * 1e-6  # earlier wins among equals
        if tag in LANGUAGES and q > best_q:
            best, best_q = tag, q
    return best


class Translator:
    """`t("key", name=value)`: the catalog string for the language, formatted with the values."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._strings = catalog(self.language)
        self._fallback = catalog("en")

    def __call__(self, key: str, **values: object) -> str:
        text = self._strings.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text

    def label(self, kind: str, value: str) -> str:
        """The label of a known value (`status`, `queue`, ...), else the value itself."""
        key = f"{kind}.{value}"
        return self._strings.get(key) or self._fallback.get(key) or value

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value, "medium", tzinfo=TIMEZONE, locale=_LOCALES[self.language])

    def date(self, value: date | str | None) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                return value
        else:
            day = value
        return format_date(day, "medium", locale=_LOCALES[self.language])
