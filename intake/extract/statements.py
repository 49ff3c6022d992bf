"""Statements the customer makes in the body, judged sentence by sentence.

A pattern hit counts only when its sentence is an assertion: not a question, not a promise or
intention ("we will destroy", "zullen ... vernietigen", "dès que", "worden volgende week
verwijderd"), not negated in the words just before it ("nog niet vernietigd", "pas encore
détruit", "none of the copies have been deleted"; a negation in an earlier clause with its own
subject does not reach: "de pc wordt niet meer gebruikt, we hebben alles gewist"), and not part
of a mail disclaimer ("if you received this in error, destroy it"). `judged` says for every hit
why it does not count (for the evidence of dropped candidates); `asserted` keeps those that do.
Used by `destruction` and `signals`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import re2

from intake.extract.text import Compiled, clause_start, sentence_at, words_before

QUESTION, PROMISED, DISCLAIMER, NEGATED = "question", "promised", "disclaimer", "negated"


@dataclass(frozen=True, slots=True)
class Hit:
    """One pattern hit at text[start:end] in `sentence` (one line); `dropped` says why it is
    not an assertion (`question`, `promised`, `disclaimer`, `negated`), None when it is."""

    words: str
    sentence: str
    start: int
    end: int
    dropped: str | None


def judged(text: str, pattern: re2._Regexp, c: Compiled) -> Iterator[Hit]:
    """Every hit of `pattern` in `text`, with why it is not an assertion if it is not."""
    for m in pattern.finditer(text):
        lo, hi = sentence_at(text, m.start(), m.end())
        sentence = text[lo:hi]
        dropped: str | None = None
        if sentence.rstrip().endswith("?"):
            dropped = QUESTION
        elif c.promise.search(sentence):
            dropped = PROMISED
        elif c.disclaimer.search(sentence):
            dropped = DISCLAIMER
        else:
            clause = clause_start(text, m.start(), lo, c.clause_start)
            before = words_before(text, m.start(), clause, c.config.negation_window)
            if c.negation.search(before):
                dropped = NEGATED
        yield Hit(m.group(0), " ".join(sentence.split()), m.start(), m.end(), dropped)


def asserted(text: str, pattern: re2._Regexp, c: Compiled) -> Iterator[tuple[str, str]]:
    """(matched words, sentence) for every hit of `pattern` in an asserted sentence."""
    for hit in judged(text, pattern, c):
        if hit.dropped is None:
            yield hit.words, hit.sentence
