"""Dates written in Dutch, French or English mails, and the requested end date among them.

`find_dates` yields every complete date (day, month and year) with its position:
31/12/2026, 31-12-2026, 31.12.2026, 2026-12-31, 31 december 2026, 1er mars 2026,
31 décembre 2026, December 31, 2026, and month ends ("eind juni 2026", "fin mars 2026",
"end of June 2026"). `requested_end_date` keeps the first one that follows an end-date cue
("met ingang van", "tegen", "à partir du", "au", "effective", "as of", ...). Dates are also
what `contracts` masks so that they are never taken for contract numbers.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import re2

from intake.extract.text import Compiled

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "januari jan janvier janv january",
        "februari feb febr février fevrier févr fevr february",
        "maart mrt mars march mar",
        "april apr avril avr",
        "mei mai may",
        "juni jun juin june",
        "juli jul juillet juil july",
        "augustus aug août aout august",
        "september sep sept septembre",
        "oktober okt octobre oct october",
        "november nov novembre",
        "december dec décembre decembre déc",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATES = re2.compile(
    r"(?i)"
    r"(?P<iso>\b(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})\b)"
    r"|(?P<num>\b(?P<nd>\d{1,2})[/.-](?P<nm>\d{1,2})[/.-](?P<ny>\d{4})\b)"
    rf"|(?P<txt>\b(?P<td>\d{{1,2}})(?:er|e|ste|de|st|nd|rd|th)?\.?\s{{1,3}}(?P<tm>{_MONTH})\.?"
    r",?\s{1,3}(?P<ty>\d{4})\b)"
    rf"|(?P<us>\b(?P<um>{_MONTH})\.?\s{{1,3}}(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?,?\s{{1,3}}"
    r"(?P<uy>\d{4})\b)"
    rf"|(?P<end>\b(?:eind|einde|fin|end\s+of)\s{{1,3}}(?:de\s+|d')?(?P<em>{_MONTH})\.?"
    r"\s{1,3}(?P<ey>\d{4})\b)"
)


@dataclass(frozen=True, slots=True)
class FoundDate:
    value: date
    start: int
    end: int
    text: str


def _make(year: str, month: str | int, day: str | int | None) -> date | None:
    try:
        y = int(year)
        m = (
            MONTHS[month.lower().rstrip(".")]
            if isinstance(month, str) and not month.isdigit()
            else int(month)
        )
        d = calendar.monthrange(y, m)[1] if day is None else int(day)
        if not 1900 <= y <= 2200:
            return None
        return date(y, m, d)
    except (ValueError, KeyError):
        return None


def find_dates(text: str) -> Iterator[FoundDate]:
    """Every complete, valid date in `text`, in order."""
    for m in _DATES.finditer(text):
        if m.group("iso"):
            value = _make(m.group("iy"), m.group("im"), m.group("id"))
        elif m.group("num"):
            value = _make(m.group("ny"), m.group("nm"), m.group("nd"))
        elif m.group("txt"):
            value = _make(m.group("ty"), m.group("tm"), m.group("td"))
        elif m.group("us"):
            value = _make(m.group("uy"), m.group("um"), m.group("ud"))
        else:
            value = _make(m.group("ey"), m.group("em"), None)
        if value is not None:
            yield FoundDate(value, m.start(), m.end(), m.group(0))


def requested_end_date(text: str, c: Compiled) -> tuple[date | None, str | None]:
    """The first date right after an end-date cue, and an evidence line."""
    for found in find_dates(text):
        before = text[max(0, found.start - 40) : found.start]
        cue = c.end_date_cue.search(before)
        if cue is not None:
            said = " ".join((before[cue.start() :] + found.text).split())
            return found.value, f"requested end date {found.value.isoformat()} from '{said}'"
    return None, None
