"""The role of each contract number in the request: which contract the mail is about.

When a mail names several contracts ("we end A; B is not concerned and continues", "A replaces
B"), each number gets a role from the sentence it is written in:

- `concerned`: named in a sentence that asks for a cancellation (`intake.extract.intent`);
- `continues`: named in a clause that says it goes on ("B loopt gewoon door", "B n'est pas
  concerné", "we keep B"), or whose cancellation is negated or taken back;
- `replaces` / `replaced`: "A replaces B", "B wordt vervangen door A", "A au lieu de B": the
  new contract goes on, the replaced one is what ends;
- `mentioned`: anything else (a number on a line of its own, in a condition, in an invoice
  reference).

A number in a sentence with several cues takes the cue inside whose words it stands, else the
nearest one in its clause, else the nearest in its sentence. The author's own words (new text,
or the forwarded request a forward passes on) come first; the subject, the quoted history,
the signature and the attachments fill in numbers those words only mention or do not name.
When the same number is both ended and kept in the author's words, ending wins (it is named in
a request). `routing.policy` judges the concerned contract and sends the mail to
`manual_review` when the roles leave more than one candidate, or none among several numbers.
The roles are `Evidence` items (fact `contract_numbers`, `role` set).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import re2

from intake.extract.intent import MAX_SENTENCES, Cues, read_sentence
from intake.extract.sentences import Sentence, number_spans, sentences
from intake.model import Evidence

ROLES = ("concerned", "continues", "replaces", "replaced", "mentioned")
_ENDS = ("concerned", "replaced")
_KEEPS = ("continues", "replaces")
MAX_NAMED = 24  # numbers written in one sentence that get a role from it
OWN = ("body", "forwarded")  # the author's own words; every other part only fills in


@dataclass(frozen=True, slots=True)
class _Cue:
    role: str  # for a number near it; directional cues give `before`/`after` roles
    start: int
    end: int
    before: str | None = None  # role of a number before a directional cue
    after: str | None = None


def _spans(pattern: re2._Regexp, folded: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pattern.finditer(folded)]


def _overlaps(a: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _cues(s: Sentence, c: Cues) -> list[_Cue]:
    f = s.folded
    reading = read_sentence(s, c)
    out: list[_Cue] = []
    for h in reading.cancels:
        if h.status == "asked" or h.status in ("possibility", "questioned"):
            out.append(_Cue("concerned", h.start, h.end))
        elif h.status in ("negated", "retracted"):
            out.append(_Cue("continues", h.start, h.end))
    passive = _spans(c.replaced_by, f)
    for s0, e0 in passive:
        out.append(_Cue("mentioned", s0, e0, before="replaced", after="replaces"))
    for s0, e0 in _spans(c.instead_of, f):
        out.append(_Cue("mentioned", s0, e0, before="replaces", after="replaced"))
    for s0, e0 in _spans(c.replaces, f):
        if not _overlaps((s0, e0), passive):
            out.append(_Cue("mentioned", s0, e0, before="replaces", after="replaced"))
    for s0, e0 in _spans(c.continues, f):
        if not _overlaps((s0, e0), [(x.start, x.end) for x in out]):
            out.append(_Cue("continues", s0, e0))
    return out


def _distance(a: tuple[int, int], cue: _Cue) -> int:
    if a[1] <= cue.start:
        return cue.start - a[1]
    if cue.end <= a[0]:
        return a[0] - cue.end
    return 0


def _role_in(s: Sentence, span: tuple[int, int], cues: list[_Cue], c: Cues) -> str:
    """The role of the number at `span` (relative to the sentence) among the sentence's cues."""
    if not cues:
        return "mentioned"
    inside = [q for q in cues if q.start <= span[0] and span[1] <= q.end]
    if inside:
        return inside[0].role
    clause_lo, clause_hi = 0, len(s.folded)
    for m in c.clause_breaks.finditer(s.folded, 0, span[0]):
        clause_lo = m.end()
    m = c.clause_breaks.search(s.folded, span[1])
    if m is not None:
        clause_hi = m.start()
    directional = [q for q in cues if q.before is not None]
    if directional:
        q = min(directional, key=lambda x: _distance(span, x))
        role = q.before if span[1] <= q.start else q.after
        if role is not None:
            return role
    in_clause = [q for q in cues if clause_lo <= q.start and q.end <= clause_hi]
    pool = in_clause or cues
    return min(pool, key=lambda x: _distance(span, x)).role


def contract_roles(
    parts: Sequence[tuple[str, str]], numbers: Sequence[str], c: Cues
) -> tuple[Evidence, ...]:
    """One `Evidence` per number (fact `contract_numbers`, with its `role`, the part and the
    sentence it was read from). `parts` are (source, text): the author's own words (`body`,
    `forwarded`) decide; the others (`subject`, `quoted`, `signature`, `attachment:<name>`, in
    the order given) fill in a number the author's words only mention or do not name. A number
    found in none of them is `mentioned` with an empty source."""
    found: dict[str, list[tuple[str, str, str]]] = {n: [] for n in numbers}
    for source, text in parts:
        for s in sentences(text)[:MAX_SENTENCES]:
            named = [(n, (a, b)) for n, a, b in number_spans(s.text, numbers)][:MAX_NAMED]
            if not named:
                continue
            cues = _cues(s, c)
            for number, (start, end) in named:
                found[number].append((source, _role_in(s, (start, end), cues, c), s.words))
    out: list[Evidence] = []
    for number in numbers:
        seen = found[number]
        if not seen:
            out.append(Evidence("contract_numbers", number, "", "", role="mentioned"))
            continue
        own = [x for x in seen if x[0] in OWN]
        pick = _pick(own) if own else None
        if pick is None or pick[1] == "mentioned":
            others = [x for x in seen if x[0] not in OWN]
            other = _pick([x for x in others if x[1] != "mentioned"])
            pick = other or pick or seen[0]
        out.append(Evidence("contract_numbers", number, pick[0], pick[2], role=pick[1]))
    return tuple(out)


def _pick(seen: list[tuple[str, str, str]]) -> tuple[str, str, str] | None:
    """Ending wins over keeping (it is named in a request), keeping over a mere mention."""
    for group in (_ENDS, _KEEPS):
        for x in seen:
            if x[1] in group:
                return x
    return seen[0] if seen else None
