"""Has the customer confirmed that ALL copies of the software were destroyed?

What a person at the desk would accept: a statement that the copies were destroyed, not
negated, promised or asked about, (1) in the text of an attachment (a signed attestation, even
neutrally named `scan001.pdf`), (2) in the author's new words ("Wij bevestigen dat alle kopieën
... vernietigd werden"), or (3) a sentence saying a destruction certificate is attached ("in
bijlage het vernietigingsattest"; "please find attached the signed declaration" when an
attachment's name or text says it is a destruction certificate) with an attachment there.

Never enough, whatever else the mail says:
- an attachment's file name alone (`vernietigingsverklaring.pdf` with nothing that says what it
  is): the file may be the desk's empty form or anything else;
- a certificate whose text, or the mail, says it is not signed or not filled in ("het attest is
  nog niet ondertekend", "unsigned"), or the desk's own blank form sent back (empty fields
  "Naam: ........", placeholders "[handtekening]", or in a scan the labels left alone on their
  lines, "Naam:\nHandtekening:\nDatum:", since OCR reads no dotted line): its wording is the
  form's, not the customer's.
A negation about the destruction or the certificate anywhere in the subject, the new words or an
attachment's text ("we have NOT destroyed the copies yet", "the certificate is not signed",
"het vernietigingsattest heb ik nog niet") wins over every statement that would confirm.

Every candidate becomes an `Evidence` item of fact `destruction_confirmation` with value True:
those that confirm without `dropped`, the others with why not (`negated`, `promised`,
`question`, `disclaimer`, `file name only`, `unsigned`, `blank form`, `nothing attached`, or
`a negation in the same mail wins`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import re2

from intake.extract.statements import NEGATED, PROMISED, QUESTION, Hit, judged
from intake.extract.text import Compiled, blank_form, clause_start, sentence_at, words_before
from intake.extract.views import View, Views
from intake.model import Evidence

FACT = "destruction_confirmation"
FILE_NAME_ONLY = "file name only"
UNSIGNED = "unsigned"
BLANK_FORM = "blank form"
NOTHING_ATTACHED = "nothing attached"
OVERRULED = "a negation in the same mail wins"
_NEAR_BEFORE = 3  # words before a certificate's name that a negation must be among
_NEAR_AFTER = 4  # ... or words after it, up to a comma
# "attached you will find the certificate" says what is attached, it promises nothing
_YOU_WILL_FIND = re2.compile(r"(?i)\b(?:you\s+will|you'll)\s+find\b")
_MAX_ITEMS = 10  # evidence items of one kind (confirming, dropped, vetoes) per mail


@dataclass(frozen=True, slots=True)
class Destruction:
    """The finding, one evidence line for explanations, and the evidence items. `vetoed`: the
    mail itself says the copies are not destroyed or the certificate is not signed, so no
    attachment, readable or not, can confirm it."""

    confirmed: bool
    line: str | None
    evidence: tuple[Evidence, ...]
    vetoed: bool = False


def _statements(text: str, c: Compiled) -> Iterator[Hit]:
    """Destruction statements about the copies, judged (see `statements`)."""
    for hit in judged(text, c.destruction_verbs, c):
        if not c.destruction_objects.search(hit.sentence):
            continue
        # a pattern of several words may hold its own negation ("destruction ... has not been")
        if hit.dropped is None and c.negation.search(hit.words):
            yield Hit(hit.words, hit.sentence, hit.start, hit.end, NEGATED)
        else:
            yield hit


def _negated_near(text: str, start: int, end: int, c: Compiled) -> bool:
    """A negation in the few words before text[start:end] (same clause) or after it (up to a
    comma): "we hebben geen vernietigingsattest", "le certificat de destruction n'est pas
    joint"."""
    lo, hi = sentence_at(text, start, end)
    if _negated_before(text, start, lo, c):
        return True
    after = text[end:hi].split(",", 1)[0]
    return bool(c.negation.search(" ".join(after.split()[:_NEAR_AFTER])))


def _unsigned(text: str, c: Compiled, about: bool) -> Iterator[tuple[int, int]]:
    """Where `text` says a certificate is not signed or not filled in: an unsigned cue, or a
    signature word with a negation just before it ("nog niet ondertekend", "not signed",
    "pas encore signée"); not in a question or a condition ("not valid unless signed").
    `about`: only in a sentence that names a certificate (the body; an attachment's text is
    the certificate itself)."""
    for pattern, negated in ((c.unsigned, False), (c.signature_words, True)):
        for m in pattern.finditer(text):
            lo, hi = sentence_at(text, m.start(), m.end())
            sentence = text[lo:hi]
            if sentence.rstrip().endswith("?") or c.promise.search(sentence):
                continue
            if about and not (
                c.certificate_words.search(sentence) or c.destruction_documents.search(sentence)
            ):
                continue
            if negated:
                if not _negated_before(text, m.start(), lo, c):
                    continue
            elif any(
                not _negated_before(text, lo + s.start(), lo, c)
                for s in c.signature_words.finditer(sentence)
            ):
                continue  # "het blanco formulier heb ik ingevuld en ondertekend"
            yield m.start(), m.end()


def _negated_before(text: str, start: int, lo: int, c: Compiled) -> bool:
    """A negation in the few words before text[start], in its clause (the sentence starts at
    `lo`)."""
    clause = clause_start(text, start, lo, c.clause_start)
    return bool(c.negation.search(words_before(text, start, clause, _NEAR_BEFORE)))


@dataclass(frozen=True, slots=True)
class _Attachment:
    name: str
    view: View | None  # None: no readable text
    named: bool  # its file name says it is a destruction certificate
    certificate: bool  # its name or text says so
    unusable: tuple[str, int, int] | None  # (why, start, end): unsigned or a blank form


def _attachments(v: Views, c: Compiled) -> list[_Attachment]:
    out: list[_Attachment] = []
    for name, view in v.attachments:
        readable = name.replace("_", " ").replace("-", " ")
        named = bool(c.destruction_file_names.search(readable))
        certificate = named
        unusable: tuple[str, int, int] | None = None
        if c.unsigned.search(readable):  # "blanco_formulier_vernietiging.pdf"
            unusable = (BLANK_FORM, -1, -1)  # said by the name: no position in a text
        elif view is not None:
            text = view.text
            states = any(_statements(text, c))
            certificate = certificate or bool(c.destruction_documents.search(text)) or states
            if certificate:
                unsigned = next(_unsigned(text, c, about=False), None)
                blank = blank_form(text, c)
                if unsigned is not None:
                    unusable = (UNSIGNED, *unsigned)
                elif blank is not None:
                    unusable = (BLANK_FORM, *blank)
        out.append(_Attachment(name, view, named, certificate, unusable))
    return out


def _said_attached(
    body: View, attachments: list[_Attachment], c: Compiled
) -> Iterator[tuple[int, int, str | None]]:
    """Sentences of the body saying a destruction certificate is attached: (start, end, why it
    does not count or None)."""
    text = body.text
    identified = [a for a in attachments if a.certificate]
    seen: set[int] = set()
    for pattern, specific in ((c.destruction_documents, True), (c.certificate_words, False)):
        for m in pattern.finditer(text):
            lo, hi = sentence_at(text, m.start(), m.end())
            if lo in seen:
                continue
            sentence = text[lo:hi]
            if not c.attachment_cues.search(sentence):
                continue
            if not specific and not identified:
                continue  # "the signed form" with an invoice attached: not about destruction
            seen.add(lo)
            why: str | None = None
            if sentence.rstrip().endswith("?"):
                why = QUESTION
            elif c.promise.search(_YOU_WILL_FIND.sub(" ", sentence)):
                why = PROMISED
            elif _negated_near(text, m.start(), m.end(), c):
                why = NEGATED
            elif not attachments:
                why = NOTHING_ATTACHED
            else:
                candidates = identified or attachments
                usable = [a for a in candidates if a.unusable is None]
                if not usable:
                    why = candidates[0].unusable[0] if candidates[0].unusable else BLANK_FORM
            yield m.start(), m.end(), why


def destruction_confirmation(v: Views, c: Compiled) -> Destruction:
    """The finding from the new words and the attachments (quoted history never counts)."""
    confirming: list[tuple[Evidence, str]] = []  # (item, evidence line)
    dropped: list[Evidence] = []
    vetoes: list[Evidence] = []
    attachments = _attachments(v, c)

    def judge(view: View, where: str, hit: Hit, unusable: str | None) -> None:
        why = hit.dropped or unusable
        kept = vetoes if why == NEGATED else dropped if why is not None else confirming
        if len(kept) >= _MAX_ITEMS:
            return
        item = view.evidence(FACT, True, hit.start, hit.end, dropped=why)
        if why == NEGATED:
            vetoes.append(item)
        elif why is not None:
            dropped.append(item)
        else:
            confirming.append((item, f"destruction confirmed in {where}: '{item.text[:160]}'"))

    for a in attachments:
        statements = list(_statements(a.view.text, c)) if a.view is not None else []
        for hit in statements:
            if a.view is not None:
                unusable = a.unusable[0] if a.unusable else None
                judge(a.view, f"the text of '{a.name}'", hit, unusable)
        if a.unusable is not None and (a.unusable[0] == UNSIGNED or not statements):
            why, start, end = a.unusable
            (vetoes if why == UNSIGNED else dropped).append(
                a.view.evidence(FACT, True, start, end, why)
                if a.view is not None and start >= 0
                else Evidence(FACT, True, f"attachment:{a.name}", a.name, why)
            )
    body = v.new_text
    for hit in _statements(body.text, c):
        blank = blank_form(hit.sentence, c)
        judge(body, "the body", hit, BLANK_FORM if blank is not None else None)
    for hit in _statements(v.subject.text, c):
        if hit.dropped == NEGATED:
            vetoes.append(v.subject.evidence(FACT, True, hit.start, hit.end, NEGATED))
    for m in c.destruction_documents.finditer(body.text):
        lo, hi = sentence_at(body.text, m.start(), m.end())
        if body.text[lo:hi].rstrip().endswith("?"):
            continue
        if _negated_near(body.text, m.start(), m.end(), c):
            vetoes.append(body.evidence(FACT, True, m.start(), m.end(), NEGATED))
    for start, end in _unsigned(body.text, c, about=True):
        vetoes.append(body.evidence(FACT, True, start, end, UNSIGNED))
    for start, end, reason in _said_attached(body, attachments, c):
        item = body.evidence(FACT, True, start, end, dropped=reason)
        if reason is None:
            said = f"destruction certificate said to be attached: '{item.text[:160]}'"
            confirming.append((item, said))
        else:
            (vetoes if reason == NEGATED else dropped).append(item)
    if not confirming:
        # a name that says "destruction certificate" with nothing in the mail to back it
        for a in attachments:
            if a.named and a.unusable is None:
                dropped.append(Evidence(FACT, True, f"attachment:{a.name}", a.name, FILE_NAME_ONLY))

    vetoes = _unique(vetoes)
    if vetoes:
        first = vetoes[0]
        overruled = [
            Evidence(FACT, True, item.source, item.text, OVERRULED, span=item.span)
            for item, _ in confirming
        ]
        line = f"destruction not confirmed: {first.dropped} in {first.source}: '{first.text[:160]}'"
        return Destruction(False, line, (*vetoes, *overruled, *_unique(dropped)), vetoed=True)
    if confirming:
        items = _unique([item for item, _ in confirming])
        return Destruction(True, confirming[0][1], (*items, *_unique(dropped)))
    return Destruction(False, None, tuple(_unique(dropped)))


def _unique(items: list[Evidence]) -> list[Evidence]:
    """One item per (source, sentence, why), in order."""
    seen: set[tuple[str, str, str | None]] = set()
    out: list[Evidence] = []
    for item in items:
        key = (item.source, item.text, item.dropped)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
