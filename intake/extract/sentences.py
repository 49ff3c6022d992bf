"""Sentences and clauses of a mail's text, and a folding that keeps positions.

The intent stage (`intake.extract.intent`) and the contract roles (`intake.extract.roles`) read
a mail sentence by sentence: a cancellation word counts only in a sentence that asks for it, and
a contract number takes its role from the words around it. `fold` lowers case and strips accents
character by character, so a match in the folded text is at the same place in the original.

A sentence ends at `.`, `!`, `?` or `;` followed by a space and not by a lower-case letter or a
digit ("contractnr. gc2020", "nr. 2026/0781" stay whole), at a blank line, and at a line break
when the next line starts anew (an upper-case letter, a bullet, or the line before was short or
ended a thought); a line wrapped in the middle of a sentence is joined. Linear in the text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

MAX_SENTENCE = 600  # longer runs are cut: a sentence is read in bounded time
_ENDS = frozenset(".!?;")
_SHORT_LINE = 40  # a line this short before a break is a greeting, a title or a list item
_BULLETS = frozenset("-*•>–")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    if len(stripped) == 1:
        return stripped
    lowered = ch.lower()
    return lowered if len(lowered) == 1 else ch


_BASE_TABLE: dict[int, str] = {
    **{ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    0x2019: "'",
    0x2018: "'",
    0x02BC: "'",
    0x00A0: " ",
    0x202F: " ",
}


def fold(text: str) -> str:
    """Lower case without accents, apostrophes straightened, same length as `text`:
    `Résiliation d’un contrat` -> `resiliation d'un contrat`. One `str.translate` pass."""
    table = _BASE_TABLE
    if not text.isascii():
        table = dict(_BASE_TABLE)
        for ch in set(text):
            if not ch.isascii() and ord(ch) not in table:
                table[ord(ch)] = _fold_char(ch)
    return text.translate(table)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: where it is in the text, its words as written and folded."""

    start: int
    end: int
    text: str
    folded: str

    @property
    def words(self) -> str:
        """The sentence on one line, for explanations."""
        return " ".join(self.text.split())

    @property
    def is_question(self) -> bool:
        return self.text.rstrip().endswith("?")


def _line_ends_thought(line: str) -> bool:
    stripped = line.rstrip()
    return not stripped or stripped[-1] in ".!?;:" or len(stripped) < _SHORT_LINE


def _starts_anew(line: str) -> bool:
    stripped = line.lstrip()
    if not stripped:
        return True
    first = stripped[0]
    return first.isupper() or first in _BULLETS or first.isdigit()


def _cuts(text: str) -> list[int]:
    """Positions where a sentence ends (exclusive), in order, the last being len(text)."""
    cuts: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch in _ENDS:
            j = i + 1
            while j < n and text[j] in _ENDS:  # "?!", "..."
                j += 1
            if j >= n:
                break
            nxt = text[j]
            if nxt.isspace():
                k = j
                while k < n and text[k] in " \t":
                    k += 1
                follower = text[k] if k < n else ""
                if ch != "." or not (follower.islower() or follower.isdigit()):
                    cuts.append(j)
            i = j
            continue
        if ch == "\n":
            line_start = text.rfind("\n", 0, i) + 1
            line = text[line_start:i]
            nl_end = i + 1
            nxt_end = text.find("\n", nl_end)
            next_line = text[nl_end : nxt_end if nxt_end >= 0 else n]
            if (
                not line.strip()
                or not next_line.strip()
                or _line_ends_thought(line)
                or _starts_anew(next_line)
            ):
                cuts.append(i)
        i += 1
    cuts.append(n)
    return cuts


def sentences(text: str) -> list[Sentence]:
    """The non-blank sentences of `text`, in order (each at most MAX_SENTENCE characters)."""
    out: list[Sentence] = []
    start = 0
    for cut in _cuts(text):
        piece_start = start
        while piece_start < cut:
            piece_end = min(cut, piece_start + MAX_SENTENCE)
            piece = text[piece_start:piece_end]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                trail = len(piece.rstrip())
                s, e = piece_start + lead, piece_start + trail
                out.append(Sentence(s, e, text[s:e], fold(text[s:e])))
            piece_start = piece_end
        start = cut
    return out


def number_spans(text: str, numbers: Iterable[str]) -> list[tuple[str, int, int]]:
    """Where each normalized contract number (`MA1234567`) is written in `text`, whatever the
    spacing or punctuation (`MA-123 4567`): (number, start, end), not inside a longer token."""
    wanted = [n for n in numbers if n]
    if not wanted:
        return []
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isalnum():
            chars.append(ch)
            where.append(i)
    joined = "".join(chars)
    squeezed = joined.upper()
    if len(squeezed) != len(joined):  # 'ß' -> 'SS': keep such letters as they are
        squeezed = "".join(u if len(u := c.upper()) == 1 else c for c in joined)
    out: list[tuple[str, int, int]] = []
    for number in wanted:
        at = squeezed.find(number)
        while at >= 0:
            start, end = where[at], where[at + len(number) - 1] + 1
            clean_edges = (start == 0 or not text[start - 1].isalnum()) and (
                end >= len(text) or not text[end].isalnum()
            )
            if clean_edges and end - start <= 2 * len(number) + 6:
                out.append((number, start, end))
            at = squeezed.find(number, at + 1)
    return out
