"""Contract numbers in a mail's text (DOMAIN.md section 3).

Two ways to find one, both over alphanumeric tokens (runs of letters and digits) so that a number
written with spaces, dashes, dots or slashes (`HW 2207 5120`, `PZ 0417 / HW`, `9W.550.211`) is
one candidate:

(a) right after a contract keyword ("contract", "onderhoudscontract", "n° de contrat",
    "agreement no.", "Passport Advantage site", ...), possibly past a few filler words
    ("met nummer", "de maintenance n°"): kept even when unknown, so the policy can say
    `unknown_contract`;
(b) anywhere (subject, body, attachment text): consecutive tokens whose normalized join is a
    number in the registry.

Phone numbers, VAT and enterprise numbers, IBANs, dates, Peppol ids and postal codes with their
municipality ("site de 4020 Liège") are not contract numbers, with two exceptions: a number the
registry knows, and a number right after the keyword or a number word ("contractnummer
0032-4471-09", "contrat n° 0475 12 34 56", "contract: 31-12-2026"): the writer said what it is.
E-mail addresses, URLs and our own ticket tags never hold a contract number.

Numbers are read as people write them: with spaces, no-break or thin spaces (also as `&nbsp;`),
table cells side by side, and over a line break after a dash ("OH-5521-\\n0093"), at a
format=flowed soft break, or where a long line was wrapped ("... HW 2207\\n5120"); two numbers
in a row ("MA-1234567 / MA-7654321", one a line) stay two. Each finding, and each candidate
that was dropped, comes back with its position so that `intake.extract` can say where it was
found and why a candidate was not taken (`Evidence`). Every step is a single RE2 pass or a walk
over tokens with a bounded look-ahead: linear in the text.
"""

from __future__ import annotations

import bisect
import itertools
import re
import sys
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import re2

from intake.extract.dates import find_dates
from intake.extract.text import Compiled
from intake.extract.views import View
from intake.model import Evidence
from routing.registry import Registry, normalize_number

# one character class, no alternation: stdlib re runs it in linear time, faster than re2 here
_TOKEN = re.compile(r"[^\W_]+")

# what is never a contract number, by kind; the first three even when a keyword precedes them
_MASK_KINDS: tuple[tuple[str, str], ...] = (
    ("ticket tag", r"\[[a-z]{1,8}-[a-z0-9]{4,12}\]|\bPK-[A-Z0-9]{6}\b"),
    ("e-mail address", r"[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+"),
    ("URL", r"(?:https?://|www\.)[^\s<>]+"),
    (
        "IBAN",
        r"\b(?:BE|NL|LU|FR|DE|GB|IT|ES|CH)\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b",
    ),
    (
        "VAT number",
        r"\b(?:BE|BTW|TVA|VAT)[\s:.]{0,3}0?\d{3}[.\s]?\d{3}[.\s]?\d{3}\b"
        r"|\b(?:NL|FR|LU|DE)\d{8,12}(?:B\d{2})?\b",
    ),
    ("enterprise number", r"\b0\d{3}\.\d{3}\.\d{3}\b"),
    (
        "phone number",
        r"(?:\+|\b00)\d{2}[\s./-]{0,2}(?:\(0\)\s?)?\d(?:[\s./-]{0,2}\d){6,11}"
        r"|\b0\d(?:[\s./-]{0,2}\d){7,9}\b",
    ),
    ("Peppol id", r"\b\d{4}:\d{6,12}\b"),
)
_HARD = frozenset(kind for kind, _ in _MASK_KINDS[:3])  # whatever precedes them
_MASKS = re2.compile("(?i)" + "|".join(f"({pattern})" for _, pattern in _MASK_KINDS))
# separators allowed inside a written number (with the dashes a word processor makes)
_GAP_INSIDE = frozenset(" -./\\_:\u2010\u2011\u2012\u2013\u2014")
# what may end a line inside a number: "OH-5521-" + newline + "0093"
_GAP_BEFORE_BREAK = frozenset("-/\\_\u2010\u2011\u2012\u2013\u2014")
_MAX_GAP = 3  # separator characters, with runs of spaces counted as one
_MAX_SPACES = 14  # spaces in a gap (two `&nbsp;` entities and a space)
_MAX_TOKENS = 6
#: a line at least this long that ends inside a number was wrapped by the writer's program
WRAPPED_LINE = 60
_MAX_OCCURRENCES = 5  # evidence items per number and view
_MAX_DROPPED = 20  # dropped candidates reported per mail
_MAX_FOUND = 60  # places where numbers were read, reported per mail


class Token(NamedTuple):
    """A run of letters and digits (a tuple: built for every word of every mail, so cheap)."""

    text: str
    start: int
    end: int
    has_digit: bool


@dataclass(frozen=True, slots=True)
class Found:
    """A contract number at text[start:end]; `how` says why it is one, for explanations."""

    number: str  # normalized
    start: int
    end: int
    how: str


@dataclass(frozen=True, slots=True)
class Dropped:
    """A candidate that is not a contract number, and why (`phone number`, `postal code`, ...)."""

    number: str  # normalized
    start: int
    end: int
    why: str


class _Spans:
    """Sorted, merged character spans with the kind of the first one; O(log n) overlap test."""

    def __init__(self, spans: list[tuple[int, int, str]]) -> None:
        spans.sort()
        merged: list[tuple[int, int, str]] = []
        for start, end, kind in spans:
            if merged and start <= merged[-1][1]:
                last = merged[-1]
                merged[-1] = (last[0], max(last[1], end), last[2])
            else:
                merged.append((start, end, kind))
        self.spans = merged
        self._starts = [s for s, _, _ in merged]

    def hit(self, start: int, end: int) -> str | None:
        i = bisect.bisect_right(self._starts, end - 1) - 1
        if i >= 0 and self.spans[i][1] > start:
            return self.spans[i][2]
        return None


class _Masks:
    """What can never hold a contract number (`hard`) and what holds none unless the writer or
    the registry says so (`soft`: phone, VAT, IBAN, dates, ...). Found on the first question:
    most texts never have a candidate to ask about."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._hard: _Spans | None = None
        self._soft: _Spans | None = None
        self._numbers: list[tuple[int, int, str]] | None = None

    def numbers(self) -> list[tuple[int, int, str]]:
        """Every masked span that looks like a number (not e-mail addresses, URLs, dates)."""
        if self._numbers is None:
            # each kind is one capturing group with none inside: lastindex names the kind
            self._numbers = [
                (m.start(), m.end(), _MASK_KINDS[(m.lastindex or 1) - 1][0])
                for m in _MASKS.finditer(self._text)
            ]
        return self._numbers

    def hit(self, start: int, end: int, soft: bool = True) -> str | None:
        """The kind of mask over text[start:end], or None; `soft=False`: only the hard ones."""
        if self._hard is None:
            self._hard = _Spans([n for n in self.numbers() if n[2] in _HARD])
        kind = self._hard.hit(start, end)
        if kind is None and soft:
            if self._soft is None:
                spans = [n for n in self.numbers() if n[2] not in _HARD]
                spans.extend((d.start, d.end, "date") for d in find_dates(self._text))
                self._soft = _Spans(spans)
            kind = self._soft.hit(start, end)
        return kind


def _tokens(text: str) -> list[Token]:
    return [
        Token(m.group(0), m.start(), m.end(), not m.group(0).isalpha())
        for m in _TOKEN.finditer(text)
    ]


def _line_length(text: str, pos: int) -> int:
    """Length of the line that ends at the first line break at or after `pos`."""
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    return end - (text.rfind("\n", 0, end) + 1)


def _gap(
    text: str, left: Token, right: Token, wraps: bool = False, any_break: bool = False
) -> str | None:
    """The separators between two tokens if a written number may continue across them ("" or
    " " for spaces only), or None. A line break only after a dash or slash ("OH-5521-\\n0093");
    with `wraps` (a number next to a keyword) also at a soft line break (a space before it,
    format=flowed) or at the end of a long line that was wrapped; with `any_break` (a registry
    number: the registry checks the join) any single line break."""
    gap = text[left.end : right.start]
    if gap == " ":  # the common case first
        return gap
    gap = gap.replace("\t", " ")  # a plain-text table: "MA\t1234567"
    if "\n" in gap:
        if gap.count("\n") > 1:
            return None
        before, _, after = gap.partition("\n")
        mark = before.rstrip(" \t")
        dash = bool(mark) and mark[-1] in _GAP_BEFORE_BREAK
        wrapped = (
            wraps
            and right.has_digit
            and not after.strip(" \t")
            and (before.endswith(" ") or _line_length(text, left.end) >= WRAPPED_LINE)
        )
        if not (dash or any_break or wrapped):
            return None
        gap = before + " " + after
    if len(gap) > _MAX_SPACES + _MAX_GAP or any(ch not in _GAP_INSIDE for ch in gap):
        return None
    separators = gap.replace(" ", "")
    if len(separators) > _MAX_GAP:
        return None
    return separators if separators else " "


def _spaced(gap: str, text: str, left: Token, right: Token) -> bool:
    """A separator with spaces around it (" / ", " - "): between two numbers, not inside one."""
    raw = text[left.end : right.start]
    return gap.strip() != "" and raw[:1].isspace() and raw[-1:].isspace()


def _is_ascii_alnum(word: str) -> bool:
    return word.isascii() and word.isalnum()


_PREFIX_CACHE: dict[int, tuple[weakref.ref[Registry], frozenset[str], frozenset[str]]] = {}


def _prefixes(registry: Registry) -> tuple[frozenset[str], frozenset[str]]:
    """The registry's numbers and all their prefixes, computed once per registry object."""
    cached = _PREFIX_CACHE.get(id(registry))
    if cached is not None and cached[0]() is registry:
        return cached[1], cached[2]
    numbers = frozenset(registry)
    prefixes = frozenset(n[:i] for n in numbers for i in range(1, len(n) + 1))
    if len(_PREFIX_CACHE) > 32:
        _PREFIX_CACHE.clear()
    _PREFIX_CACHE[id(registry)] = (weakref.ref(registry), numbers, prefixes)
    return numbers, prefixes


def in_registry(text: str, tokens: list[Token], masks: _Masks, registry: Registry) -> list[Found]:
    """(b): consecutive tokens whose joined normalized form is a registry number; longest wins.
    The registry's word beats the phone, VAT, IBAN and date look-alikes."""
    if not registry:
        return []
    numbers, prefixes = _prefixes(registry)
    found: list[Found] = []
    i = 0
    while i < len(tokens):
        joined = ""
        best: int | None = None
        j = i
        while j < len(tokens) and j - i < _MAX_TOKENS:
            if j > i and _gap(text, tokens[j - 1], tokens[j], any_break=True) is None:
                break
            joined += tokens[j].text.upper()
            if joined not in prefixes:
                break
            if joined in numbers:
                best = j
            j += 1
        if best is not None and not masks.hit(tokens[i].start, tokens[best].end, soft=False):
            start, end = tokens[i].start, tokens[best].end
            found.append(Found(normalize_number(text[start:end]), start, end, "is in the registry"))
            i = best + 1
            continue
        i += 1
    return found


def _prefix_ok(word: str, c: Compiled, shouting: bool) -> bool:
    """A letter group that may start a number: short, and not a common word unless written as
    a code ("MA-123", or "MA 123" in upper case in a text that is not all capitals)."""
    return (
        _is_ascii_alnum(word)
        and len(word) <= 4
        and (word.lower() not in c.all_stopwords or (word.isupper() and not shouting))
    )


def _candidate(
    text: str, tokens: list[Token], i: int, c: Compiled, shouting: bool
) -> tuple[int, int] | None:
    """Token range [i, j] that reads as a written contract number, or None. `shouting`: the
    keyword was written in capitals, so capitals say nothing about a word being a code."""
    first = tokens[i]
    if not _is_ascii_alnum(first.text):
        return None
    if not first.has_digit:
        # a letter prefix ("GC 2020 0585", "HWM 0788/44", "MA-1234567") followed by digits;
        # up to two letter groups joined by a separator: "NB-HW-1128", "PW/ML/0612"
        if len(first.text) > 4:
            return None
        if not _prefix_ok(first.text, c, shouting):
            joined = _gap(text, first, tokens[i + 1]) if i + 1 < len(tokens) else None
            if not (joined or " ").strip():
                return None
        k = i + 1
        if (
            k + 1 < len(tokens)
            and not tokens[k].has_digit
            and _is_ascii_alnum(tokens[k].text)
            and len(tokens[k].text) <= 4
            and tokens[k].text.lower() not in c.all_stopwords
            and (_gap(text, first, tokens[k]) or " ").strip()
        ):
            k += 1
        if k >= len(tokens) or not tokens[k].has_digit:
            return None
        if any(_gap(text, tokens[n], tokens[n + 1], wraps=True) is None for n in range(i, k)):
            return None
    j = i
    while j + 1 < len(tokens) and j + 1 - i < _MAX_TOKENS:
        nxt = tokens[j + 1]
        gap = _gap(text, tokens[j], nxt, wraps=True)
        if gap is None or not _is_ascii_alnum(nxt.text):
            break
        spaced = _spaced(gap, text, tokens[j], nxt)
        if not nxt.has_digit:
            # letters continue a number only as a short code: "PZ 0417 / HW", "88-ZT-1043"
            if len(nxt.text) > 3 or (gap.strip() == "" and not nxt.text.isupper()):
                break
            # ... and not as the prefix of the next number: "MA-1234567 / MA-7654321"
            after = tokens[j + 2] if j + 2 < len(tokens) else None
            if spaced and after is not None and after.has_digit and _gap(text, nxt, after):
                break
        elif spaced and _digits(nxt.text) >= 4 and _digits(text[first.start : nxt.start]) >= 4:
            break  # "1234567 / 7654321": two numbers
        j += 1
    # a trailing letters-only token after plain spaces is more likely a word ("… 0585 OP")
    while (
        j > i
        and not tokens[j].has_digit
        and text[tokens[j - 1].end : tokens[j].start] == " "
        and tokens[j].text.lower() in c.all_stopwords
    ):
        j -= 1
    return i, j


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _invalid(number: str, c: Compiled) -> str | None:
    """Why a written candidate cannot be a contract number, or None when it can."""
    cfg = c.config
    if len(number) < cfg.min_number_length:
        return "too short"
    if len(number) > cfg.max_number_length:
        return "too long"
    if number.isdigit() and len(number) == 4 and number[:2] in ("19", "20"):
        return "a year"
    if _digits(number) < 3:
        return "too few digits"
    return None


_POSTAL = re.compile(r"B?[1-9]\d{3}")
_PLACE_AFTER = re.compile(r" {1,2}[^\W\d_][^\W\d_]")
_SPACES = re.compile(r"[ \t]+")


def _postal_code(text: str, number: str, end: int) -> bool:
    """A Belgian postal code and its municipality ("notre site de 4020 Liège", "B-2000
    Antwerpen"): four digits followed on the same line by a capitalised name."""
    if not _POSTAL.fullmatch(number):
        return False
    after = _PLACE_AFTER.match(text, end)
    return after is not None and after.group(0).strip()[0].isupper()


def near_keywords(
    text: str, tokens: list[Token], masks: _Masks, c: Compiled
) -> tuple[list[Found], list[Dropped]]:
    """(a): a number written right after a contract keyword (past at most a few fillers), and
    the candidates there that are not numbers. Right after the keyword or a number word
    ("nummer", "n°", "ref", ":"), the look-alike tests do not apply: the writer named it."""
    starts = [t.start for t in tokens]
    found: list[Found] = []
    dropped: list[Dropped] = []
    max_fillers = c.config.max_fillers
    for m in c.keywords.finditer(text):
        start, end = m.start(), m.end()
        # whole words only: "licentiesleutel" is not the keyword "licentie"
        if (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
            continue
        shouting = text[start:end].isupper()
        k = bisect.bisect_left(starts, end)
        skipped = 0
        previous_end = end
        named = True  # nothing but number words since the keyword
        while k < len(tokens):
            token = tokens[k]
            between = text[previous_end : token.start]
            if len(between) > 6 and len(_SPACES.sub(" ", between)) > 6:
                break
            if between.count("\n") > 1:
                break
            word = token.text.lower()
            if word in c.fillers and not token.has_digit and skipped < max_fillers:
                skipped += 1
                previous_end = token.end
                named = word in c.number_words
                k += 1
                continue
            named = named or ":" in between or "#" in between
            span = _candidate(text, tokens, k, c, shouting)
            if span is None:
                break
            a, b = span
            s, e = tokens[a].start, tokens[b].end
            why = masks.hit(s, e, soft=not named)
            if why is not None and len(dropped) >= _MAX_DROPPED:
                break  # enough look-alikes on record
            number = normalize_number(text[s:e])
            if why is None:
                why = _invalid(number, c)
            if why is None and not named and _postal_code(text, number, e):
                why = "postal code"
            if why is None:
                keyword = " ".join(text[start:end].split())
                found.append(Found(number, s, e, f"next to '{keyword}'"))
            elif len(dropped) < _MAX_DROPPED and any(ch.isdigit() for ch in number):
                dropped.append(Dropped(number, s, e, why))
            break
    return found, dropped


@dataclass(frozen=True, slots=True)
class Numbers:
    """What `contract_numbers` found: sorted unique numbers, one evidence line per number, and
    the evidence items (every place each number was read, and the dropped candidates)."""

    numbers: tuple[str, ...]
    lines: tuple[str, ...]
    evidence: tuple[Evidence, ...]


def contract_numbers(
    views: Iterable[tuple[View, bool]], registry: Registry, c: Compiled
) -> Numbers:
    """Contract numbers in (view, look near keywords) pairs: the subject and the body near
    keywords and by registry, attachment texts by registry only."""
    lines: dict[str, str] = {}
    items: list[Evidence] = []
    dropped_items: list[Evidence] = []
    seen_dropped: set[tuple[str, str]] = set()
    for view, anchored in views:
        text = view.text
        tokens = _tokens(text)
        masks = _Masks(text)
        known = in_registry(text, tokens, masks, registry)
        found = list(known)
        dropped: list[Dropped] = []
        if anchored:
            known_starts = [k.start for k in known]  # registry matches never overlap each other
            near, dropped = near_keywords(text, tokens, masks, c)
            for f in near:
                # a registry match over the same characters wins ("swm 55120 b", not "SWM55120")
                i = bisect.bisect_right(known_starts, f.end - 1) - 1
                if i < 0 or known[i].end <= f.start:
                    found.append(f)
            taken = sorted((f.start, f.end) for f in found)
            # look-alikes anywhere ("+32 3 541 22 80" in a signature), for the record
            lookalikes = (
                Dropped(normalize_number(text[s:e]), s, e, kind)
                for s, e, kind in masks.numbers()
                if kind not in ("e-mail address", "URL") and not _overlaps(taken, s, e)
            )
            dropped.extend(itertools.islice(lookalikes, _MAX_DROPPED))
        found.sort(key=lambda f: f.start)
        per_number: dict[str, int] = {}
        for f in found:
            written = text[f.start : f.end]
            lines.setdefault(
                f.number, f"contract number {f.number} ('{written}') {f.how}, found in {view.name}"
            )
            per_number[f.number] = per_number.get(f.number, 0) + 1
            if per_number[f.number] <= _MAX_OCCURRENCES and len(items) < _MAX_FOUND:
                items.append(view.evidence("contract_numbers", f.number, f.start, f.end))
        for d in sorted(dropped, key=lambda d: d.start):
            if (d.number, d.why) in seen_dropped or len(dropped_items) >= _MAX_DROPPED:
                continue
            seen_dropped.add((d.number, d.why))
            dropped_items.append(
                view.evidence("contract_numbers", d.number, d.start, d.end, dropped=d.why)
            )
    kept = {e.value for e in items}
    dropped_items = [d for d in dropped_items if d.value not in kept]
    ordered = tuple(sorted(lines))
    return Numbers(ordered, tuple(lines[n] for n in ordered), (*items, *dropped_items))


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Does text[start:end] overlap one of `spans` (sorted, not overlapping each other)?"""
    i = bisect.bisect_right(spans, (end - 1, sys.maxsize)) - 1
    return i >= 0 and spans[i][1] > start
