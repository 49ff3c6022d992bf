"""Dates written in Dutch, French or English mails, and the requested end date among them.

`find_dates` yields every complete date (day, month and year) with its position:
31/12/2026, 31-12-2026, 31.12.2026, 2026-12-31, 31 december 2026, 1er mars 2026,
31 décembre 2026, 31 dec. 2026, the 30th of June 2026, December 31, 2026, and month ends
("eind juni 2026", "fin mars 2026", "à la fin du mois de décembre 2026", "end of June 2026").
Given a `reference` date (the day the mail was written), it also reads two-digit years
(31/12/26) and dates without a year ("per 1 maart", "per 1/4", "à partir du 31/03", "au 31
décembre prochain", "by June 30"): the first such day on or after the reference. Numbers are
always day/month ("1/4" is 1 April), and a date must exist (31/02 never does, 29/02 only in a
leap year). Complete dates are also what `contracts` masks so that they are never taken for
contract numbers.

`requested_end_date` keeps the first date that follows an end-date cue ("met ingang van",
"tegen", "à partir du", "au", "effective", "as of", "by", "until", "laten eindigen op", ...),
except in a sentence saying someone is away ("absente jusqu'au 21 août"). It also reads end
dates in words, counted from the reference with `routing.dates` (words configured in
`ExtractionConfig.date_words`): "eind volgende maand", "fin du mois prochain", "end of next
month" (the last day of next month), "end of Q2", "einde van het kwartaal", "fin du trimestre",
"eind dit jaar" (the last day of that quarter or year), "met ingang van volgende maand", "à
partir du mois prochain" (its first day), "binnen twee weken", "dans deux semaines", "in two
weeks" (14 days after the mail). Such words count after a cue or in a sentence that ends
something ("wij willen volgende maand opzeggen"). Where the words name no day ("volgende maand"
without more, "by next month", "eind volgende week", "in a few weeks") there is no date, and
the evidence says it was ambiguous. Every date considered is an `Evidence` item with the
sentence it came from; a dropped one says why (ambiguous, not a valid date, someone's absence).
"""

from __future__ import annotations

import calendar
import functools
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import re2

from intake.extract.config import DateWords
from intake.extract.text import Compiled, compile_large, sentence_at
from intake.model import Evidence
from routing.dates import (
    add_days,
    add_months,
    end_of_month,
    end_of_quarter,
    month_end,
    next_quarter_end,
    quarter_end,
    start_of_month,
    start_of_quarter,
)

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
MONTH_NAMES = ("", *(calendar.month_name[m] for m in range(1, 13)))

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
_INDEX: dict[str, int] = _DATES_OR_YEARLESS.groupindex  # _DATES numbers its groups alike
_EVIDENCE_CHARS = 300
_MAX_DROPPED = 20  # dropped candidates listed per mail: a long mail may repeat a phrase


class _Groups:
    """Named groups of a match, looked up by number: the re2 module rebuilds its name table
    on every lookup by name, which made date matching the slowest part of a long mail."""

    __slots__ = ("_index", "_match")

    def __init__(self, match: re2._Match, index: dict[str, int]) -> None:
        self._match = match
        self._index = index

    def group(self, name: str | int = 0) -> str:
        """The group's text; "" when it took no part in the match."""
        value: str | None = self._match[name if isinstance(name, int) else self._index[name]]
        return value or ""

    def start(self) -> int:
        start: int = self._match.start()
        return start

    def end(self) -> int:
        end: int = self._match.end()
        return end


@dataclass(frozen=True, slots=True)
class FoundDate:
    value: date
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A date, or what looked like one, at text[start:end]. `value` is None when there is no
    date, and `problem` says why; `first_day` is the reading after a start cue ("vanaf
    volgende maand": the first day of next month), where the words alone are ambiguous."""

    start: int
    end: int
    text: str
    value: date | None
    problem: str | None = None
    words: bool = False  # written in words ("eind volgende maand"), not as a date
    first_day: date | None = None


@dataclass(frozen=True, slots=True)
class EndDate:
    """The requested end date, its evidence line for explanations, and the `Evidence` of
    every date considered (the one taken last, if any)."""

    value: date | None
    line: str | None
    evidence: tuple[Evidence, ...]


def _make(year: str | int, month: str | int, day: str | int | None) -> date | None:
    try:
        y = int(year)
        m = _month_number(month)
        d = calendar.monthrange(y, m)[1] if day is None else int(day)
        if not 1900 <= y <= 2200:
            return None
        return date(y, m, d)
    except (ValueError, KeyError):
        return None


def _month_number(month: str | int) -> int:
    if isinstance(month, str) and not month.isdigit():
        return MONTHS[month.lower().rstrip(".")]
    return int(month)


def _not_a_date(year: int | None, month: str | int, day: str | None, ref: date | None) -> str:
    """Why a day and month (and year) make no date, in words."""
    try:
        m = _month_number(month)
    except KeyError:
        return "not a valid date"
    if not 1 <= m <= 12:
        return f"not a valid date: there is no month {m} (numbers are read day/month)"
    if day is None:
        return "not a valid date"
    d = int(day)
    if year is not None:
        if not 1900 <= year <= 2200:
            return f"not a valid date: the year {year} is out of range"
        days = calendar.monthrange(year, m)[1]
        return f"not a valid date: {MONTH_NAMES[m]} {year} has {days} days, not {d}"
    years = (ref.year, ref.year + 1) if ref is not None else ()
    if m == 2 and d == 29 and years:
        return f"not a valid date: 29 February does not exist in {years[0]} or {years[1]}"
    return f"not a valid date: {MONTH_NAMES[m]} has no day {d}"


def _next(reference: date, month: str, day: str | None) -> date | None:
    """The first day `day`/`month` (the month's last day when `day` is None) on or after
    `reference`."""
    for year in (reference.year, reference.year + 1):
        value = _make(year, month, day)
        if value is not None and value >= reference:
            return value
    return None


def _numeric(text: str, reference: date | None) -> Iterator[Candidate]:
    """Every date-shaped match, valid or not (then with the reason)."""
    pattern = _DATES if reference is None else _DATES_OR_YEARLESS
    for match in pattern.finditer(text):
        m = _Groups(match, _INDEX)
        value: date | None
        year: int | None = None
        month: str
        day: str | None
        if m.group("iso"):
            year, month, day = int(m.group("iy")), m.group("im"), m.group("id")
        elif m.group("num"):
            year, month, day = int(m.group("ny")), m.group("nm"), m.group("nd")
        elif m.group("txt"):
            year, month, day = int(m.group("ty")), m.group("tm"), m.group("td")
        elif m.group("us"):
            year, month, day = int(m.group("uy")), m.group("um"), m.group("ud")
        elif m.group("end"):
            year, month, day = int(m.group("ey")), m.group("em"), None
        elif reference is None:
            continue
        elif m.group("yy"):
            year, month, day = 2000 + int(m.group("yyy")), m.group("yym"), m.group("yyd")
        elif m.group("ynum"):
            # "12.2.1", "1.5%": a version or a number, not a day and month
            after = text[m.end() : m.end() + 2]
            if after[:1] == "%" or (after[:1] in "./-" and after[1:2].isdigit()):
                continue
            month, day = m.group("ynm"), m.group("ynd")
        elif m.group("ytxt"):
            month, day = m.group("ytm"), m.group("ytd")
        elif m.group("yus"):
            month, day = m.group("yum"), m.group("yud")
        else:
            month, day = m.group("yem"), None
        if year is not None:
            value = _make(year, month, day)
        else:
            assert reference is not None
            value = _next(reference, month, day)
        problem = None if value is not None else _not_a_date(year, month, day, reference)
        yield Candidate(m.start(), m.end(), m.group(0), value, problem)


def find_dates(text: str, reference: date | None = None) -> Iterator[FoundDate]:
    """Every valid date in `text`, in order: complete dates, and with a `reference` also dates
    without a year (resolved to their first occurrence on or after it)."""
    for found in _numeric(text, reference):
        if found.value is not None:
            yield FoundDate(found.value, found.start, found.end, found.text)


# -- dates in words -----------------------------------------------------------------------------


def _alt(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(f"(?:{w})" for w in words) or r"[^\s\S]"


def _literal(words: dict[str, int]) -> str:
    return _alt([re2.escape(w) for w in sorted(words, key=len, reverse=True)])


def _whole(words: list[str]) -> re2._Regexp:
    return compile_large(rf"(?i)^(?:{_alt(words)})$")


@dataclass(frozen=True, slots=True)
class _Words:
    config: DateWords
    pattern: re2._Regexp
    index: dict[str, int]
    start_cue: re2._Regexp
    termination: re2._Regexp
    month: re2._Regexp
    quarter: re2._Regexp
    year: re2._Regexp
    quarter_names: tuple[re2._Regexp, ...]
    days: re2._Regexp
    weeks: re2._Regexp
    numbers: dict[str, int]
    ordinals: dict[str, int]


@functools.lru_cache(maxsize=16)
def _compile_words(raw: str) -> _Words:
    w = DateWords.model_validate_json(raw)
    period = _alt(w.month + w.quarter + w.year + w.week)
    nxt = _alt(w.next)
    qnames = _alt([p.replace("(?P<n>", "(?:") for p in w.quarter_names])
    fill = _alt(w.fillers + w.this)
    number = rf"\d{{1,3}}|{_literal(w.numbers)}"
    spec = (
        rf"(?:(?P<enx1>{nxt})\s{{1,3}})?(?P<ep>{period})(?:\s{{1,3}}(?P<enx2>{nxt}))?"
        rf"|(?P<eq>{qnames})(?:\s{{1,3}}(?P<eqy>\d{{4}}))?"
        rf"|(?P<eo>{_literal(w.ordinals)})\s{{1,3}}(?:{_alt(w.quarter)})"
        rf"(?:\s{{1,3}}(?P<eoy>\d{{4}}))?"
        r"|(?P<ey>\d{4})"
    )
    pattern = (
        rf"(?i)(?P<endp>\b(?:{_alt(w.end)})(?:\s{{1,3}}(?:{fill})\b)*\s{{0,3}}(?:{spec})\b)"
        rf"|(?P<bare>\b(?:(?P<bnx1>{nxt})\s{{1,3}}(?P<bp1>{period})"
        rf"|(?P<bp2>{period})\s{{1,3}}(?P<bnx2>{nxt})"
        rf"|(?P<bth>{_alt(w.this)})\s{{1,3}}(?P<bp3>{period}))\b)"
        rf"|(?P<dur>\b(?:{_alt(w.within)})\s{{1,3}}(?:(?:de|het|les|the)\s{{1,3}})?"
        rf"(?:(?:{nxt})\s{{1,3}})?(?:(?P<dn>{number})|(?P<dv>{_alt(w.vague)}))\s{{1,3}}"
        rf"(?P<du>{_alt(w.days + w.weeks + w.months)})\b)"
    )
    compiled_pattern = compile_large(pattern)
    return _Words(
        config=w,
        pattern=compiled_pattern,
        index=compiled_pattern.groupindex,
        start_cue=compile_large(
            rf"(?i)(?:^|[^\p{{L}}'])(?:{_alt(w.start_cues)})[\s,:]{{0,3}}"
            r"(?:(?:le|la|l'|de|du|het|the)\s{0,3})?$"
        ),
        termination=compile_large(rf"(?i)(?:^|[^\p{{L}}])(?:{_alt(w.termination_words)})\b"),
        month=_whole(w.month),
        quarter=_whole(w.quarter),
        year=_whole(w.year),
        quarter_names=tuple(compile_large(rf"(?i)^(?:{p})$") for p in w.quarter_names),
        days=_whole(w.days),
        weeks=_whole(w.weeks),
        numbers={k.lower(): v for k, v in w.numbers.items()},
        ordinals={k.lower(): v for k, v in w.ordinals.items()},
    )


def _words_for(c: Compiled) -> _Words:
    return _compile_words(c.config.date_words.model_dump_json())


def _quarter_number(words: _Words, name: str) -> int | None:
    for pattern in words.quarter_names:
        m = pattern.match(name.strip())
        if m is not None:
            return int(m.group("n"))
    return None


def _period_end(words: _Words, period: str, ahead: int, ref: date) -> date | None:
    if words.month.match(period):
        return end_of_month(ref, ahead)
    if words.quarter.match(period):
        return end_of_quarter(ref, ahead)
    if words.year.match(period):
        return month_end(ref.year + ahead, 12)
    return None  # a week, a weekend: which day ends it?


def _period_start(words: _Words, period: str, ahead: int, ref: date) -> date | None:
    if words.month.match(period):
        return start_of_month(ref, ahead)
    if words.quarter.match(period):
        return start_of_quarter(ref, ahead)
    if words.year.match(period):
        return date(ref.year + ahead, 1, 1)
    return None


def _end_form(words: _Words, m: _Groups, ref: date) -> tuple[date | None, str | None]:
    said = " ".join(m.group(0).split())
    if m.group("ep"):
        ahead = 1 if (m.group("enx1") or m.group("enx2")) else 0
        value = _period_end(words, m.group("ep"), ahead, ref)
        if value is None:
            return None, f"ambiguous: '{said}' names no day"
        return value, None
    if m.group("eq") or m.group("eo"):
        if m.group("eq"):
            number, year = _quarter_number(words, m.group("eq")), m.group("eqy")
        else:
            number, year = words.ordinals.get(m.group("eo").lower()), m.group("eoy")
        if number is None:
            return None, f"not a quarter: '{said}'"
        if year:
            if not 1900 <= int(year) <= 2200:
                return None, f"not a valid date: the year {year} is out of range"
            return quarter_end(int(year), number), None
        return next_quarter_end(ref, number), None
    whole_year = int(m.group("ey"))
    if not 1900 <= whole_year <= 2200:
        return None, f"not a valid date: the year {whole_year} is out of range"
    return month_end(whole_year, 12), None


def _duration(words: _Words, m: _Groups, ref: date) -> tuple[date | None, str | None]:
    said = " ".join(m.group(0).split())
    if m.group("dv"):
        return None, f"ambiguous: '{said}' is no number of days"
    raw = m.group("dn").lower()
    count = int(raw) if raw.isdigit() else words.numbers.get(raw)
    if count is None or count <= 0:
        return None, f"ambiguous: '{said}' is no number of days"
    unit = m.group("du")
    if words.days.match(unit):
        value = add_days(ref, count)
    elif words.weeks.match(unit):
        value = add_days(ref, 7 * count)
    else:
        value = add_months(ref, count)
    if value.year > 2200:
        return None, f"not a valid date: '{said}' is too far away"
    return value, None


def _in_words(text: str, c: Compiled, reference: date | None) -> Iterator[Candidate]:
    """End dates written in words, resolved from `reference`."""
    words = _words_for(c)
    for match in words.pattern.finditer(text):
        m = _Groups(match, words.index)
        said = " ".join(m.group(0).split())
        if reference is None:
            yield Candidate(
                m.start(), m.end(), m.group(0), None, "no mail date to count from", True
            )
            continue
        if m.group("endp"):
            value, problem = _end_form(words, m, reference)
            yield Candidate(m.start(), m.end(), m.group(0), value, problem, True)
        elif m.group("dur"):
            value, problem = _duration(words, m, reference)
            yield Candidate(m.start(), m.end(), m.group(0), value, problem, True)
        else:
            period = m.group("bp1") or m.group("bp2") or m.group("bp3")
            ahead = 0 if m.group("bth") else 1
            first = _period_start(words, period, ahead, reference) if ahead else None
            problem = f"ambiguous: '{said}' names no day (its first or its last?)"
            yield Candidate(m.start(), m.end(), m.group(0), None, problem, True, first)


def candidates(text: str, c: Compiled, reference: date | None = None) -> Iterator[Candidate]:
    """Dates and end dates in words, in text order; where two overlap, the one that starts
    first (then the longer) is kept: "fin du mois de juin 2026" is one date. Lazy, so the
    first end date found ends the search."""
    merged = heapq.merge(
        _numeric(text, reference),
        _in_words(text, c, reference),
        key=lambda x: (x.start, -(x.end - x.start)),
    )
    last_end = -1
    for item in merged:
        if item.start < last_end:
            continue
        last_end = item.end
        yield item


def requested_end_date(
    text: str,
    c: Compiled,
    reference: date | None = None,
    *,
    source: str = "body",
    subject_end: int = 0,
) -> EndDate:
    """The first date right after an end-date cue (or, in words, in a sentence that ends
    something), an evidence line, and an `Evidence` item for each date considered. `reference`
    (the day the mail was written) lets dates without a year and dates in words count.
    Positions before `subject_end` are in the subject; the rest is `source`."""
    words = _words_for(c)
    evidence: list[Evidence] = []
    for found in candidates(text, c, reference):
        before = text[max(0, found.start - 40) : found.start]
        cue = c.end_date_cue.search(before)
        start_cue = words.start_cue.search(before) if found.first_day is not None else None
        if cue is None and start_cue is None and not found.words:
            continue  # an invoice date, a visit: not an end date
        lo, hi = sentence_at(text, found.start, found.end)
        sentence = text[lo:hi]
        if cue is None and start_cue is None and not words.termination.search(sentence):
            continue
        where = "subject" if found.start < subject_end else source
        said = " ".join(sentence.split())[:_EVIDENCE_CHARS]
        value, problem = found.value, found.problem
        if start_cue is not None:
            value, problem = found.first_day, None
        if problem is None and c.absence.search(sentence):
            problem = "in a sentence saying someone is away, not an end date"
        if value is None or problem is not None:
            if len(evidence) < _MAX_DROPPED:
                dropped = problem or "not a date"
                iso = value.isoformat() if value is not None else None
                evidence.append(Evidence("requested_end_date", iso, where, said, dropped=dropped))
            continue
        evidence.append(Evidence("requested_end_date", value.isoformat(), where, said))
        head = before[cue.start() :] if cue is not None else ""
        shown = " ".join((head + found.text).split())
        line = f"requested end date {value.isoformat()} from '{shown}'"
        return EndDate(value, line, tuple(evidence))
    return EndDate(None, None, tuple(evidence))
