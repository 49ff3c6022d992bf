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

Before either, phone numbers, VAT and enterprise numbers, IBANs, dates, e-mail addresses, URLs
and our own ticket tags are masked: nothing inside them is ever a contract number. A postal code
with its municipality ("site de 4020 Liège") is not taken next to a keyword either. Every step is
a single RE2 pass or a walk over tokens with a bounded look-ahead: linear in the text.
"""

from __future__ import annotations

import bisect
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import re2

from intake.extract.dates import find_dates
from intake.extract.text import Compiled
from routing.registry import Registry, normalize_number

# one character class, no alternation: stdlib re runs it in linear time, faster than re2 here
_TOKEN = re.compile(r"[^\W_]+")
_MASKS = re2.compile(
    r"(?i)"
    r"\[[a-z]{1,8}-[a-z0-9]{4,12}\]"  # ticket tag [PK-7F3K9Q]
    r"|\bPK-[A-Z0-9]{6}\b"
    r"|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+"  # e-mail address
    r"|(?:https?://|www\.)[^\s<>]+"  # URL
    r"|\b(?:BE|NL|LU|FR|DE|GB|IT|ES|CH)\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b"
    r"|\b(?:BE|BTW|TVA|VAT)[\s:.]{0,3}0?\d{3}[.\s]?\d{3}[.\s]?\d{3}\b"  # VAT
    r"|\b(?:NL|FR|LU|DE)\d{8,12}(?:B\d{2})?\b"
    r"|\b0\d{3}\.\d{3}\.\d{3}\b"  # enterprise number 0587.331.040
    r"|(?:\+|\b00)\d{2}[\s./-]{0,2}(?:\(0\)\s?)?\d(?:[\s./-]{0,2}\d){6,11}"  # phone, intl
    r"|\b0\d(?:[\s./-]{0,2}\d){7,9}\b"  # phone, national
    r"|\b\d{4}:\d{6,12}\b"  # Peppol participant id
)
# separators allowed inside a written number (with the dashes a word processor makes)
_GAP_INSIDE = frozenset(" -./\\_:\u2010\u2011\u2012\u2013\u2014")
_MAX_GAP = 3
_MAX_TOKENS = 6


class Token(NamedTuple):
    """A run of letters and digits (a tuple: built for every word of every mail, so cheap)."""

    text: str
    start: int
    end: int
    has_digit: bool


@dataclass(frozen=True, slots=True)
class Found:
    number: str  # normalized
    start: int
    end: int
    evidence: str


class _Masks:
    """Character spans that can never hold a contract number; O(log n) overlap test. The
    spans are found on the first question (most texts never have a candidate to ask about)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._spans: list[tuple[int, int]] | None = None
        self._starts: list[int] = []

    def _find(self) -> list[tuple[int, int]]:
        text = self._text
        spans: list[tuple[int, int]] = [(m.start(), m.end()) for m in _MASKS.finditer(text)]
        spans.extend((d.start, d.end) for d in find_dates(text))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self._starts = [s for s, _ in merged]
        return merged

    def hits(self, start: int, end: int) -> bool:
        if self._spans is None:
            self._spans = self._find()
        i = bisect.bisect_right(self._starts, end - 1) - 1
        return i >= 0 and self._spans[i][1] > start


def _tokens(text: str) -> list[Token]:
    return [
        Token(m.group(0), m.start(), m.end(), not m.group(0).isalpha())
        for m in _TOKEN.finditer(text)
    ]


def _gap(text: str, left: Token, right: Token) -> str | None:
    """The separator between two tokens if a written number may continue across it."""
    gap = text[left.end : right.start]
    if len(gap) > _MAX_GAP or any(ch not in _GAP_INSIDE for ch in gap):
        return None
    return gap


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


def in_registry(
    text: str, tokens: list[Token], masks: _Masks, registry: Registry, where: str
) -> list[Found]:
    """(b): consecutive tokens whose joined normalized form is a registry number; longest wins."""
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
            if j > i and _gap(text, tokens[j - 1], tokens[j]) is None:
                break
            joined += tokens[j].text.upper()
            if joined not in prefixes:
                break
            if joined in numbers:
                best = j
            j += 1
        if best is not None and not masks.hits(tokens[i].start, tokens[best].end):
            start, end = tokens[i].start, tokens[best].end
            written = text[start:end]
            number = normalize_number(written)
            found.append(
                Found(
                    number,
                    start,
                    end,
                    f"contract number {number} ('{written}') is in the registry, found in {where}",
                )
            )
            i = best + 1
            continue
        i += 1
    return found


def _candidate(text: str, tokens: list[Token], i: int, c: Compiled) -> tuple[int, int] | None:
    """Token range [i, j] that reads as a written contract number, or None."""
    first = tokens[i]
    if not _is_ascii_alnum(first.text):
        return None
    if not first.has_digit:
        # a letter prefix ("GC 2020 0585", "HWM 0788/44") must be followed by digits
        if len(first.text) > 4 or first.text.lower() in c.all_stopwords:
            return None
        # up to two letter groups joined by a separator: "NB-HW-1128", "PW/ML/0612"
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
        if any(_gap(text, tokens[n], tokens[n + 1]) is None for n in range(i, k)):
            return None
    j = i
    while j + 1 < len(tokens) and j + 1 - i < _MAX_TOKENS:
        nxt = tokens[j + 1]
        gap = _gap(text, tokens[j], nxt)
        if gap is None or not _is_ascii_alnum(nxt.text):
            break
        # letters continue a number only as a short code: "PZ 0417 / HW", "88-ZT-1043"
        if not nxt.has_digit and (
            len(nxt.text) > 3 or (gap.strip() == "" and not nxt.text.isupper())
        ):
            break
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


def _valid(number: str, c: Compiled) -> bool:
    cfg = c.config
    if not (cfg.min_number_length <= len(number) <= cfg.max_number_length):
        return False
    if not any(ch.isdigit() for ch in number):
        return False
    digits = sum(ch.isdigit() for ch in number)
    if number.isdigit() and len(number) == 4 and number[:2] in ("19", "20"):
        return False  # a year
    return digits >= 3


_POSTAL = re.compile(r"B?[1-9]\d{3}")
_PLACE_AFTER = re.compile(r" {1,2}[^\W\d_][^\W\d_]")


def _postal_code(text: str, number: str, end: int) -> bool:
    """A Belgian postal code and its municipality ("notre site de 4020 Liège", "B-2000
    Antwerpen"): four digits followed on the same line by a capitalised name."""
    if not _POSTAL.fullmatch(number):
        return False
    after = _PLACE_AFTER.match(text, end)
    return after is not None and after.group(0).strip()[0].isupper()


def near_keywords(
    text: str, tokens: list[Token], masks: _Masks, c: Compiled, where: str
) -> list[Found]:
    """(a): a number written right after a contract keyword (past at most a few fillers)."""
    starts = [t.start for t in tokens]
    found: list[Found] = []
    max_fillers = c.config.max_fillers
    for m in c.keywords.finditer(text):
        start, end = m.start(), m.end()
        # whole words only: "licentiesleutel" is not the keyword "licentie"
        if (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
            continue
        k = bisect.bisect_left(starts, end)
        skipped = 0
        previous_end = end
        while k < len(tokens):
            token = tokens[k]
            between = text[previous_end : token.start]
            if len(between) > 6 or between.count("\n") > 1:
                break
            word = token.text.lower()
            if word in c.fillers and not token.has_digit and skipped < max_fillers:
                skipped += 1
                previous_end = token.end
                k += 1
                continue
            span = _candidate(text, tokens, k, c)
            if span is None:
                break
            a, b = span
            s, e = tokens[a].start, tokens[b].end
            if masks.hits(s, e):
                break
            written = text[s:e]
            number = normalize_number(written)
            if _valid(number, c) and not _postal_code(text, number, e):
                keyword = " ".join(m.group(0).split())
                found.append(
                    Found(
                        number,
                        s,
                        e,
                        f"contract number {number} ('{written}') next to '{keyword}' in {where}",
                    )
                )
            break
    return found


def contract_numbers(
    texts: Iterable[tuple[str, str, bool]], registry: Registry, c: Compiled
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sorted unique numbers and evidence from (text, where, look_near_keywords) views."""
    numbers: dict[str, str] = {}
    for text, where, anchored in texts:
        tokens = _tokens(text)
        masks = _Masks(text)
        known = in_registry(text, tokens, masks, registry, where)
        for f in known:
            numbers.setdefault(f.number, f.evidence)
        if not anchored:
            continue
        known_starts = [k.start for k in known]  # registry matches never overlap each other
        for f in near_keywords(text, tokens, masks, c, where):
            # a registry match over the same characters wins ("swm 55120 b", not "SWM55120")
            i = bisect.bisect_right(known_starts, f.end - 1) - 1
            if i >= 0 and known[i].end > f.start:
                continue
            numbers.setdefault(f.number, f.evidence)
    ordered = tuple(sorted(numbers))
    return ordered, tuple(numbers[n] for n in ordered)
