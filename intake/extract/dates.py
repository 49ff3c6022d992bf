"""Dates written in Dutch, French or English mails, and the requested end date among them.

`find_dates` yields every complete date (day, month and year) with its position:
31/12/2026, 31-12-2026, 31.12.2026, 2026-12-31, 31 december 2026, 1er mars 2026,
31 décembre 2026, 31 dec. 2026, the 30th of June 2026, December 31, 2026, and month ends
("eind juni 2026", "fin mars 2026", "à la fin du mois de décembre 2026", "end of June 2026").
Given a `reference` date (the day the mail was written), it also reads two-digit years
(31/12/26) and dates without a year ("per 1 maart", "à partir du 31/03", "au 31 décembre
prochain", "by June 30"): the first such day on or after the reference. `requested_end_date`
keeps the first date that follows an end-date cue ("met ingang van", "tegen", "à partir du",
"au", "effective", "as of", "by", "until", "laten eindigen op", ...), except in a sentence
saying someone is away ("absente jusqu'au 21 août"). Complete dates are also what
`contracts` masks so that they are never taken for contract numbers.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import re2

from intake.extract.text import Compiled, sentence_at

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
_ORDINAL = r"(?:er|e|ste|de|st|nd|rd|th)?\.?"
# "fin du mois de", "end of the month of", "einde van de maand": words between the month-end
# word and the month
_END_FILLER = r"(?:\s{1,3}(?:of|van|du|de|the|la|mois|maand|month)){0,4}(?:\s{1,3}d'|\s{1,3})"
_COMPLETE = (
    r"(?P<iso>\b(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})\b)"
    r"|(?P<num>\b(?P<nd>\d{1,2})[/.-](?P<nm>\d{1,2})[/.-](?P<ny>\d{4})\b)"
    rf"|(?P<txt>\b(?P<td>\d{{1,2}}){_ORDINAL}\s{{1,3}}(?:of\s{{1,3}})?(?P<tm>{_MONTH})\.?"
    r",?\s{1,3}(?P<ty>\d{4})\b)"
    rf"|(?P<us>\b(?P<um>{_MONTH})\.?\s{{1,3}}(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?,?\s{{1,3}}"
    r"(?P<uy>\d{4})\b)"
    rf"|(?P<end>\b(?:einde?|fin|end){_END_FILLER}(?P<em>{_MONTH})\.?\s{{1,3}}(?P<ey>\d{{4}})\b)"
)
# a two-digit year, and the forms without a year; only tried where a complete date does not
# match, and only for the requested end date (never for masking: "LJ 12-05-21" may be a number)
_YEARLESS = (
    r"|(?P<yy>\b(?P<yyd>\d{1,2})[/.-](?P<yym>\d{1,2})[/.-](?P<yyy>\d{2})\b)"
    r"|(?P<ynum>\b(?P<ynd>\d{1,2})[/.](?P<ynm>\d{1,2})\b)"
    rf"|(?P<ytxt>\b(?P<ytd>\d{{1,2}}){_ORDINAL}\s{{1,3}}(?:of\s{{1,3}})?(?P<ytm>{_MONTH})\b)"
    rf"|(?P<yus>\b(?P<yum>{_MONTH})\.?\s{{1,3}}(?P<yud>\d{{1,2}})(?:st|nd|rd|th)?\b)"
    rf"|(?P<yend>\b(?:einde?|fin|end){_END_FILLER}(?P<yem>{_MONTH})\b)"
)
_DATES = re2.compile(r"(?i)" + _COMPLETE)
_DATES_OR_YEARLESS = re2.compile(r"(?i)" + _COMPLETE + _YEARLESS)


@dataclass(frozen=True, slots=True)
class FoundDate:
    value: date
    start: int
    end: int
    text: str


def _make(year: str | int, month: str | int, day: str | int | None) -> date | None:
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


def _next(reference: date, month: str, day: str | None) -> date | None:
    """The first day `day`/`month` (the month's last day when `day` is None) on or after
    `reference`."""
    for year in (reference.year, reference.year + 1):
        value = _make(year, month, day)
        if value is not None and value >= reference:
            return value
    return None


def find_dates(text: str, reference: date | None = None) -> Iterator[FoundDate]:
    """Every valid date in `text`, in order: complete dates, and with a `reference` also dates
    without a year (resolved to their first occurrence on or after it)."""
    pattern = _DATES if reference is None else _DATES_OR_YEARLESS
    for m in pattern.finditer(text):
        value: date | None
        if m.group("iso"):
            value = _make(m.group("iy"), m.group("im"), m.group("id"))
        elif m.group("num"):
            value = _make(m.group("ny"), m.group("nm"), m.group("nd"))
        elif m.group("txt"):
            value = _make(m.group("ty"), m.group("tm"), m.group("td"))
        elif m.group("us"):
            value = _make(m.group("uy"), m.group("um"), m.group("ud"))
        elif m.group("end"):
            value = _make(m.group("ey"), m.group("em"), None)
        elif reference is None:
            value = None
        elif m.group("yy"):
            value = _make(2000 + int(m.group("yyy")), m.group("yym"), m.group("yyd"))
        elif m.group("ynum"):
            # "12.2.1", "1.5%": a version or a number, not a day and month
            after = text[m.end() : m.end() + 2]
            if after[:1] == "%" or (after[:1] in "./-" and after[1:2].isdigit()):
                continue
            value = _next(reference, m.group("ynm"), m.group("ynd"))
        elif m.group("ytxt"):
            value = _next(reference, m.group("ytm"), m.group("ytd"))
        elif m.group("yus"):
            value = _next(reference, m.group("yum"), m.group("yud"))
        else:
            value = _next(reference, m.group("yem"), None)
        if value is not None:
            yield FoundDate(value, m.start(), m.end(), m.group(0))


def requested_end_date(
    text: str, c: Compiled, reference: date | None = None
) -> tuple[date | None, str | None]:
    """The first date right after an end-date cue, and an evidence line. `reference` (the day
    the mail was written) lets a date without a year count."""
    for found in find_dates(text, reference):
        before = text[max(0, found.start - 40) : found.start]
        cue = c.end_date_cue.search(before)
        if cue is not None:
            lo, hi = sentence_at(text, found.start, found.end)
            if c.absence.search(text[lo:hi]):
                continue  # "je suis absente jusqu'au 21 août": the writer's absence
            said = " ".join((before[cue.start() :] + found.text).split())
            return found.value, f"requested end date {found.value.isoformat()} from '{said}'"
    return None, None
