"""Statements the customer makes in the body, judged sentence by sentence.

A pattern hit counts only when its sentence is an assertion: not a question, not a promise or
intention ("we will destroy", "zullen ... vernietigen", "dès que", "worden volgende week
verwijderd"), not negated in the words just before it ("nog niet vernietigd", "pas encore
détruit", "none of the copies have been deleted"; a negation in an earlier clause with its own
subject does not reach: "de pc wordt niet meer gebruikt, we hebben alles gewist"), and not part
of a mail disclaimer ("if you received this in error, destroy it"). Used by `destruction` and
`signals`.
"""

from __future__ import annotations

from collections.abc import Iterator

import re2

from intake.extract.text import Compiled, clause_start, sentence_at, words_before


def asserted(text: str, pattern: re2._Regexp, c: Compiled) -> Iterator[tuple[str, str]]:
    """(matched words, sentence) for every hit of `pattern` in an asserted sentence."""
    for m in pattern.finditer(text):
        lo, hi = sentence_at(text, m.start(), m.end())
        sentence = text[lo:hi]
        if sentence.rstrip().endswith("?"):
            continue
        if c.promise.search(sentence) or c.disclaimer.search(sentence):
            continue
        clause = clause_start(text, m.start(), lo, c.clause_start)
        before = words_before(text, m.start(), clause, c.config.negation_window)
        if c.negation.search(before):
            continue
        yield m.group(0), " ".join(sentence.split())
