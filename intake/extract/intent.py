"""Intent: what the mail asks, read from the author's own words.

One act per mail: `cancel`, `retraction` (of an earlier request), `copy`, `quote`, `fault`,
`question` or `none` (`intake.model.Intent`). Each sentence of the new text is read for cues
(`extraction.intent` in `config/routing.yaml`); a cancellation word counts as asked only in a
sentence that asks it: not negated ("pas question de résilier", "geen opzegging", "we are
certainly not cancelling"), not under a condition ("mocht de prijs stijgen, dan zouden we
opzeggen", "au cas où", "if the price rises we might cancel"), not a question whether or how it
can be done ("kan ik opzeggen?"), and not in a sentence that takes an earlier request back
("vergeet mijn vorige mail", "nous gardons finalement le contrat").

Where the act is read, in order:
1. the new text (quoted history and signature removed, `intake.quoting`), when it asks
   something definite (cancel, retraction, copy, quote, fault);
2. for a forward whose new text only passes the mail on ("kunnen jullie dit in orde brengen?"),
   the forwarded request;
3. the subject, as a tie-break: for a new mail when its text only asks a general question or
   nothing, for a reply ("RE:") only when its text asks nothing at all; the subject counts as
   the author's own words when the text points at it ("zie onderwerp").
Quoted history never decides. A cancellation is `clear` only when asked in the new text or the
passed-on request; `contradictions` lists what in the mail speaks against acting on it (the
acceptance guard in `routing.acceptance` reads both). Every finding is an `Evidence` item
(fact `intent`), dropped cancellation words with the reason. `intake.extract.extract` calls
`detect_intent`; routing (`routing.classify`, `routing.decide`) uses the result next.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import re2

from intake.extract.intent_config import IntentConfig
from intake.extract.sentences import Sentence, fold, number_spans, sentences
from intake.extract.text import compile_large
from intake.model import Evidence, Intent, MailText
from intake.quoting import split_reply

STRONG_ACTS = ("cancel", "retraction", "copy", "quote", "fault")
MAX_SENTENCES = 200  # of each part: what a mail asks is said near its start
MAX_HITS = 8  # cancellation words judged per sentence
OTHER_ACTS = ("copy", "quote", "fault")  # in this order when a sentence has several
_SOURCE = {"new_text": "body", "forwarded": "forwarded", "subject": "subject"}  # Evidence.source
_WORD = re2.compile(r"[\p{L}\p{N}'-]+")
_HEADER_LINE = re2.compile(
    r"(?i)^\s*\*{0,2}(?:from|van|de|von|da|sent|date|verzonden|datum|envoy[ée]|gesendet|"
    r"inviato|to|aan|à|a|an|cc|subject|onderwerp|objet|betreff|oggetto)\s{0,2}\*{0,2}\s?:"
)


def _alternation(patterns: Sequence[str]) -> re2._Regexp:
    if not patterns:
        return re2.compile(r"[^\s\S]")
    return compile_large("|".join(f"(?:{p})" for p in patterns))


@dataclass(frozen=True, slots=True)
class Cues:
    """An `IntentConfig` compiled once."""

    config: IntentConfig
    cancel: re2._Regexp
    not_renew: re2._Regexp
    retraction: re2._Regexp
    negation: re2._Regexp
    negation_after: re2._Regexp
    split_before: re2._Regexp
    split_after: re2._Regexp
    clause_breaks: re2._Regexp
    subordinators: re2._Regexp
    hypothetical: re2._Regexp
    neutral: re2._Regexp
    possibility: re2._Regexp
    request_forms: re2._Regexp
    indirect_questions: re2._Regexp
    acts: tuple[tuple[str, re2._Regexp], ...]
    question_starts: re2._Regexp
    pass_on: re2._Regexp
    see_subject: re2._Regexp
    reply_subjects: re2._Regexp
    forward_separators: re2._Regexp
    continues: re2._Regexp
    replaces: re2._Regexp
    replaced_by: re2._Regexp
    instead_of: re2._Regexp


@functools.lru_cache(maxsize=16)
def _compile_json(raw: str) -> Cues:
    c = IntentConfig.model_validate_json(raw)
    return Cues(
        config=c,
        cancel=_alternation(c.cancel),
        not_renew=_alternation(c.not_renew),
        retraction=_alternation(c.retraction),
        negation=_alternation(c.negation),
        negation_after=_alternation(c.negation_after),
        split_before=_alternation(c.negation_split_before),
        split_after=_alternation(c.negation_split_after),
        clause_breaks=_alternation(c.clause_breaks),
        subordinators=_alternation(c.subordinators),
        hypothetical=_alternation(c.hypothetical),
        neutral=_alternation(c.neutral),
        possibility=_alternation(c.possibility),
        request_forms=_alternation(c.request_forms),
        indirect_questions=_alternation(c.indirect_questions),
        acts=(
            ("copy", _alternation(c.copy_request)),
            ("quote", _alternation(c.quote)),
            ("fault", _alternation(c.fault)),
        ),
        question_starts=_alternation(c.question_starts),
        pass_on=_alternation(c.pass_on),
        see_subject=_alternation(c.see_subject),
        reply_subjects=_alternation(c.reply_subjects),
        forward_separators=_alternation(c.forward_separators),
        continues=_alternation(c.continues),
        replaces=_alternation(c.replaces),
        replaced_by=_alternation(c.replaced_by),
        instead_of=_alternation(c.instead_of),
    )


def cues(config: IntentConfig) -> Cues:
    """The config's patterns, compiled once per distinct config."""
    return _compile_json(config.model_dump_json())


# -- one sentence ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CancelHit:
    """A cancellation word in a sentence and how the sentence says it."""

    words: str  # the matched words, folded
    start: int  # in the sentence
    end: int
    status: str  # asked | negated | hypothetical | possibility | questioned | retracted
    why: str


@dataclass(slots=True)
class Reading:
    """What one sentence says."""

    sentence: Sentence
    cancels: list[CancelHit] = field(default_factory=list)
    retraction: str | None = None  # the retraction words
    acts: list[tuple[str, str]] = field(default_factory=list)  # (act, words) copy/quote/fault
    question: bool = False
    hypothetical: str | None = None

    def asked(self) -> list[CancelHit]:
        return [h for h in self.cancels if h.status == "asked"]


def _clause(breaks: list[tuple[int, int]], size: int, start: int, end: int) -> tuple[int, int]:
    """Bounds of the clause around [start, end), from the sentence's clause breaks (in order)."""
    lo = 0
    for b_start, b_end in breaks:
        if b_end <= start:
            lo = b_end
        elif b_start >= end:
            return lo, b_start
    return lo, size


def _last_words(text: str, count: int) -> str:
    found = [m.group(0) for m in _WORD.finditer(text[-24 * count :])]
    return " ".join(found[-count:])


def _first_words(text: str, count: int) -> str:
    found: list[str] = []
    for m in _WORD.finditer(text):
        found.append(m.group(0))
        if len(found) >= count:
            break
    return " ".join(found)


@dataclass(frozen=True, slots=True)
class _SentenceFacts:
    """What is read once per sentence for judging its cancellation words."""

    breaks: list[tuple[int, int]]
    hypothetical: str | None
    possibility: str | None
    request: str | None
    indirect: str | None


def _judge(
    s: Sentence, start: int, end: int, own_negation: bool, facts: _SentenceFacts, c: Cues
) -> tuple[str, str]:
    """How a cancellation word at folded[start:end] is said: (status, why)."""
    f = s.folded
    lo, hi = _clause(facts.breaks, len(f), start, end)
    before = _last_words(f[lo:start], c.config.negation_window)
    m = c.negation.search(before)
    if m is not None:
        return "negated", f"negated by '{m.group(0)}' before it"
    if c.split_before.search(_last_words(f[lo:start], 2)) is not None:
        after = _first_words(f[end:hi], 3)
        m = c.split_after.search(after)
        if m is not None:
            return "negated", f"negated around it ('... {m.group(0)}')"
    if not own_negation:
        span = f[start:end]
        if " " in span.strip():
            m = c.negation.search(span)
            if m is not None:
                return "negated", f"negated by '{m.group(0)}' inside it"
        tail = f[end:hi]
        sub = c.subordinators.search(f, start + 1, hi)  # may end the cue's own words ("op omdat")
        if sub is not None:
            tail = f[end : max(end, sub.start())]
        after = _first_words(tail, c.config.negation_after_window)
        m = c.negation_after.search(after) if after else None
        if m is not None:
            return "negated", f"negated by '{m.group(0)}' after it"
    if facts.hypothetical is not None:
        return "hypothetical", f"under a condition or doubt ('{facts.hypothetical}')"
    if facts.possibility is not None:
        return "possibility", f"asks whether or how it can be done ('{facts.possibility}')"
    if facts.indirect is not None:
        return "questioned", f"in a question ('{facts.indirect}')"
    if s.is_question:
        if facts.request is not None:
            return "asked", f"asked as a request ('{facts.request}')"
        return "questioned", "in a question"
    return "asked", "stated as a request"


def _blank(text: str, pattern: re2._Regexp) -> str:
    """`text` with every match of `pattern` replaced by spaces (positions kept)."""
    out = text
    for m in pattern.finditer(text):
        out = out[: m.start()] + " " * (m.end() - m.start()) + out[m.end() :]
    return out


def _facts(f: str, hypothetical: str | None, c: Cues) -> _SentenceFacts:
    possibility = c.possibility.search(f)
    request = c.request_forms.search(f)
    indirect = c.indirect_questions.search(f)
    return _SentenceFacts(
        breaks=[(m.start(), m.end()) for m in c.clause_breaks.finditer(f)],
        hypothetical=hypothetical,
        possibility=possibility.group(0) if possibility is not None else None,
        request=request.group(0) if request is not None else None,
        indirect=indirect.group(0) if indirect is not None else None,
    )


def read_sentence(s: Sentence, c: Cues) -> Reading:
    """Every cue of one sentence, judged."""
    r = Reading(s)
    f = s.folded
    hyp = c.hypothetical.search(_blank(f, c.neutral))
    r.hypothetical = hyp.group(0) if hyp is not None else None
    retraction = c.retraction.search(f)
    if retraction is not None:
        r.retraction = retraction.group(0)
    taken: list[tuple[int, int]] = []
    facts: _SentenceFacts | None = None
    for pattern, own_negation in ((c.not_renew, True), (c.cancel, False)):
        for m in pattern.finditer(f):
            if len(taken) >= MAX_HITS:
                break
            if any(m.start() < e and s0 < m.end() for s0, e in taken):
                continue
            if facts is None:
                facts = _facts(f, r.hypothetical, c)
            taken.append((m.start(), m.end()))
            words = " ".join(m.group(0).split())
            if r.retraction is not None:
                status, why = (
                    "retracted",
                    f"in a sentence that takes a request back ('{r.retraction}')",
                )
            else:
                status, why = _judge(s, m.start(), m.end(), own_negation, facts, c)
            r.cancels.append(CancelHit(words, m.start(), m.end(), status, why))
    for act, pattern in c.acts:  # "if you could send a quote" still asks for one
        m = pattern.search(f)
        if m is not None:
            r.acts.append((act, " ".join(m.group(0).split())))
    r.question = s.is_question or c.question_starts.search(f.lstrip(" -*>\t")) is not None
    return r


def read(text: str, c: Cues) -> list[Reading]:
    """The sentences of `text` (at most MAX_SENTENCES), read."""
    return [read_sentence(s, c) for s in sentences(text)[:MAX_SENTENCES]]


# -- one part of the mail ----------------------------------------------------------------------


@dataclass(slots=True)
class PartReading:
    """What one part of the mail (new text, forwarded request, subject) asks."""

    source: str
    readings: list[Reading]
    act: str = "none"
    clear: bool = False
    sentence: str = ""
    why: str = ""
    remaining: str | None = None

    @property
    def strong(self) -> bool:
        return self.act in STRONG_ACTS


def _summarise(source: str, readings: list[Reading]) -> PartReading:
    part = PartReading(source, readings)
    asked = [(r, h) for r in readings for h in r.asked()]
    retractions = [r for r in readings if r.retraction is not None]
    questioned = [
        (r, h) for r in readings for h in r.cancels if h.status in ("possibility", "questioned")
    ]
    others = [(act, r, words) for r in readings for act, words in r.acts]
    others.sort(key=lambda x: OTHER_ACTS.index(x[0]))
    questions = [r for r in readings if r.question]
    if retractions and not asked:
        r = retractions[0]
        part.act, part.sentence = "retraction", r.sentence.words
        part.why = f"takes an earlier request back ('{r.retraction}')"
        if others:
            part.remaining = others[0][0]
        elif questions:
            part.remaining = "question"
    elif asked:
        r, h = asked[0]
        part.act, part.clear, part.sentence = "cancel", True, r.sentence.words
        part.why = f"'{h.words}' {h.why}"
    elif questioned:
        r, h = questioned[0]
        part.act, part.sentence = "cancel", r.sentence.words
        part.why = f"'{h.words}' {h.why}: not a plain request"
    elif others:
        act, r, words = others[0]
        part.act, part.sentence, part.why = act, r.sentence.words, f"'{words}'"
    elif questions:
        part.act, part.sentence, part.why = "question", questions[0].sentence.words, "a question"
    return part


# -- numbers in sentences (the role of each contract is in intake.extract.roles) ----------------


def numbers_in(text: str, numbers: Iterable[str]) -> set[str]:
    """The normalized contract numbers written in `text` (any spacing or punctuation)."""
    return {n for n, _, _ in number_spans(text, numbers)}


# -- the mail ----------------------------------------------------------------------------------


def forwarded_body(quoted: str) -> str:
    """The first forwarded mail's own words: header lines and separators dropped, its own
    quoted history and signature cut off."""
    lines = quoted.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines) and (
        not lines[i].strip()
        or _HEADER_LINE.search(lines[i]) is not None
        or set(lines[i].strip()) <= set("-_*= ")
        or "forwarded" in lines[i].lower()
        or "doorgestuurd" in lines[i].lower()
        or "transf" in lines[i].lower()
        or "original" in lines[i].lower()
        or "oorspronkelijk" in lines[i].lower()
        or "d'origine" in lines[i].lower()
    ):
        i += 1
    return split_reply("\n".join(lines[i:])).new_text


def _subject_words(subject: str, c: Cues) -> str:
    out = subject
    while True:
        m = c.reply_subjects.search(fold(out))
        if m is None or m.end() == 0:
            return out.strip()
        out = out[m.end() :]


def _contradictions(
    parts: Sequence[PartReading], numbers: Sequence[str]
) -> tuple[list[str], list[Evidence]]:
    """What speaks against a cancellation in the author's words; a negated or conditional
    sentence about another contract than the one asked about is not a contradiction."""
    asked_numbers: set[str] = set()
    for part in parts:
        for r in part.readings:
            if r.asked():
                asked_numbers |= numbers_in(r.sentence.text, numbers)
    out: list[str] = []
    dropped: list[Evidence] = []
    for part in parts:
        for r in part.readings:
            named = numbers_in(r.sentence.text, numbers)
            about_other = bool(named) and bool(asked_numbers) and not (named & asked_numbers)
            for h in r.cancels:
                if h.status == "asked":
                    continue
                dropped.append(
                    Evidence(
                        "intent", "cancel", _SOURCE[part.source], r.sentence.words, dropped=h.why
                    )
                )
                if h.status == "questioned":
                    continue
                if about_other:
                    continue
                out.append(f"'{h.words}' {h.why}: '{r.sentence.words[:160]}'")
            if r.retraction is not None and not r.cancels:
                out.append(
                    f"takes an earlier request back ('{r.retraction}'): '{r.sentence.words[:160]}'"
                )
    return out, dropped


def detect_intent(
    text: MailText,
    config: IntentConfig | None = None,
    numbers: Sequence[str] = (),
    quoted: str | None = None,
) -> tuple[Intent, tuple[Evidence, ...]]:
    """What the mail asks, with the evidence for it. `numbers` are the extracted contract
    numbers (a negated sentence about another contract is no contradiction); `quoted` is the
    quoted history if the caller has it (else it is cut from `text.full_text`)."""
    c = cues(config or IntentConfig())
    limit = c.config.max_chars
    if quoted is None:
        quoted = text.quoted or (split_reply(text.full_text[: limit * 10]).quoted)
    quoted = quoted[:limit]
    new_text = text.new_text[:limit]
    new = _summarise("new_text", read(new_text, c))
    evidence: list[Evidence] = []
    chosen = new
    used = [new]
    reasons: list[str] = []

    subject_folded = fold(text.subject)
    is_reply = c.reply_subjects.search(subject_folded) is not None
    is_forward = bool(quoted) and (
        c.forward_separators.search(fold(quoted[:400])) is not None
        or (is_reply and subject_folded.lstrip()[:2] in ("fw", "tr", "wg", "rv", "do"))
    )
    passes_on = bool(quoted) and c.pass_on.search(fold(new_text)) is not None
    if not new.strong and (is_forward or passes_on):
        forwarded = _summarise("forwarded", read(forwarded_body(quoted), c))
        if forwarded.act != "none" and (forwarded.strong or new.act == "none"):
            chosen = forwarded
            used.append(forwarded)
            reasons.append(
                "the new text only passes the mail below on: the forwarded request decides"
            )
    if not chosen.strong:
        points_at_subject = c.see_subject.search(fold(new_text)) is not None
        may_use_subject = points_at_subject or (
            new.act == "none" if is_reply else new.act in ("none", "question")
        )
        if may_use_subject and text.subject.strip():
            subject = _summarise("subject", read(_subject_words(text.subject[:limit], c), c))
            if subject.strong:
                if not points_at_subject:
                    subject.clear = False
                    reasons.append(
                        "the author's own words ask "
                        + ("nothing" if new.act == "none" else "only a general question")
                        + ": the subject breaks the tie"
                    )
                else:
                    reasons.append("the text points at the subject: it counts as asked")
                chosen = subject
                used.append(subject)

    contradictions, dropped = _contradictions(used, numbers)
    if chosen.act == "retraction":
        contradictions = [c_ for c_ in contradictions if "takes an earlier request back" not in c_]
    evidence.extend(dropped)
    if chosen.act != "cancel":
        for r in read(quoted, c) if quoted and chosen.source != "forwarded" else ():
            if r.cancels:
                evidence.append(
                    Evidence(
                        "intent",
                        "cancel",
                        "quoted",
                        r.sentence.words,
                        dropped="in the quoted history: not what this mail asks",
                    )
                )
                break
    if chosen.act != "none":
        evidence.insert(0, Evidence("intent", chosen.act, _SOURCE[chosen.source], chosen.sentence))
    where = {
        "new_text": "the new text",
        "forwarded": "the forwarded request",
        "subject": "the subject",
    }
    if chosen.act == "none":
        head = "nothing definite asked"
    else:
        head = f"{chosen.act} in {where[chosen.source]}: {chosen.why}"
        if chosen.sentence:
            head += f" ('{chosen.sentence[:160]}')"
    reasons.insert(0, head)
    if chosen.act == "cancel" and not chosen.clear and chosen.source != "subject":
        reasons.append("the cancellation is only asked about, not asked for")
    if chosen.remaining:
        reasons.append(f"what it asks besides: {chosen.remaining}")
    reasons.extend(f"against acting on a cancellation: {x}" for x in contradictions)
    intent = Intent(
        act=chosen.act,
        source=chosen.source if chosen.act != "none" else "none",
        clear=chosen.clear,
        contradictions=tuple(contradictions),
        remaining=chosen.remaining,
        reasons=tuple(reasons),
    )
    return intent, tuple(evidence)
