"""Extraction: what the desk needs to know about one mail (DOMAIN.md section 3).

`mail_text(parsed)` cuts the parsed body into the author's new text, the quoted history and the
signature (`intake.quoting`) and collects attachment names and texts; `extract(text, registry,
config)` reads the facts from it. Both are pure: the same mail, registry and config always give
the same `Extraction`, so live intake, `route --json` and replays agree. Routing
(`routing.decide`) comes next and decides which findings matter for the mail's queue.

Which view each finding reads:
- language, destruction statements, machine out of use, requested end date, breach, kind hints:
  the subject and the new text (a quoted promise or an old date in a quote header is not what
  this sender says); destruction also reads attachment names and texts (scans read with OCR),
  and a certificate attached but unreadable is said so (`certificates`); a forward ("FW:",
  "TR:") whose own words name no end date takes the forwarded request's date;
- contract numbers: subject, the whole body (a reply often names the contract only in the quoted
  mail) and, for registry numbers, attachment texts;
- phone: the signature;
- intent (what the mail asks, `intake.extract.intent`): the new text, then the forwarded request
  a forward passes on, then the subject as a tie-break; never the quoted history;
- the role of each contract number (`intake.extract.roles`): the sentence it is written in.

Each finding also comes as `Evidence` in `Extraction.found` (`intake.extract.views` says where
each part of a text came from): its source (`subject`, `body`, `quoted`, `forwarded`,
`signature`, `attachment:<name>`), the sentence, and the candidates that were dropped with why
(a number that is a phone number or a date, a destruction statement that is negated or only a
file name, ...). Routing passes them on in the decision.
"""

from __future__ import annotations

from dataclasses import replace

from intake.extract.certificates import unreadable_certificate
from intake.extract.config import DEFAULT, ExtractionConfig
from intake.extract.contracts import contract_numbers
from intake.extract.dates import requested_end_date
from intake.extract.destruction import OVERRULED, destruction_confirmation
from intake.extract.intent import cues, detect_intent, forwarded_body
from intake.extract.language import detect_known, language_evidence
from intake.extract.phone import phone_from_signature
from intake.extract.roles import contract_roles
from intake.extract.signals import breach_claimed, kind_hints, machine_out_of_use
from intake.extract.text import compiled, prepare
from intake.extract.views import views
from intake.model import Evidence, Extraction, MailText, ParsedMail
from intake.quoting import split_reply
from routing.dates import local_date
from routing.registry import Registry

__all__ = ["DEFAULT", "ExtractionConfig", "extract", "mail_text"]


def mail_text(parsed: ParsedMail) -> MailText:
    """The text views of a parsed mail. `attachment_texts` runs parallel to
    `attachment_names` ("" for an attachment without extracted text); inline images are left out.
    `sent` is the Date header's day in Brussels (dates written without a year are read from it).
    """
    parts = split_reply(parsed.text)
    attachments = [a for a in parsed.attachments if not (a.inline and not a.text)]
    return MailText(
        sent=local_date(parsed.date) if parsed.date is not None else None,
        subject=parsed.subject,
        new_text=parts.new_text,
        full_text=parsed.text,
        signature=parts.signature,
        attachment_names=tuple(a.filename for a in attachments),
        attachment_texts=tuple(a.text or "" for a in attachments),
        attachment_errors=tuple(a.text_error or "" for a in attachments),
        quoted=parts.quoted,
    )


def quoted_history(text: MailText) -> str:
    """The quoted history: as `mail_text` cut it, or cut here for a hand-built `MailText`."""
    if text.quoted or not text.full_text or text.full_text.strip() == text.new_text.strip():
        return text.quoted
    return split_reply(text.full_text[: DEFAULT.max_text_chars]).quoted


def extract(text: MailText, registry: Registry, config: ExtractionConfig = DEFAULT) -> Extraction:
    """Every finding of DOMAIN.md section 3, with a human-readable evidence line for each and
    `Evidence` items saying where each was found (and which candidates were dropped, why)."""
    c = compiled(config)
    v = views(text, c)
    own = v.own.text
    evidence: list[str] = []
    found: list[Evidence] = []

    language, why, language_known = detect_known(own, c)
    evidence.append(why)
    found.append(language_evidence(v.own, language, why, c))

    numbers = contract_numbers(
        [(v.subject, True), (v.body, True), *((view, False) for view in v.texts())],
        registry,
        c,
    )
    evidence.extend(numbers.lines)
    found.extend(numbers.evidence)

    destruction = destruction_confirmation(v, c)
    found.extend(destruction.evidence)
    unreadable, why_unreadable = unreadable_certificate(text, c)
    if unreadable and destruction.vetoed:
        # "we have NOT destroyed the copies yet" beside an empty vernietigingsverklaring.pdf:
        # the mail says what the certificate would; it is not a certificate to read
        unreadable = False
        why_unreadable = tuple(
            replace(e, value=False, dropped=OVERRULED) for e in why_unreadable
        )
    if unreadable:
        evidence.extend(e.text for e in why_unreadable)
    found.extend(why_unreadable)
    out_of_use, why_out, out_items = machine_out_of_use(v.own, c)
    found.extend(out_items)

    end = requested_end_date(own, c, text.sent, subject_end=v.own.starts[-1])
    end_evidence = list(end.evidence)
    if end.value is None and c.forward_subject.search(text.subject):
        # "FW: opzeggen onderhoud" + "kunnen jullie dit in orde brengen?": the sender passes
        # on the forwarded request, and its date is what is asked
        end = requested_end_date(v.body.text, c, text.sent, source="forwarded")
        seen = {(e.text, e.dropped) for e in end_evidence}  # the new text is in the body too
        end_evidence.extend(e for e in end.evidence if (e.text, e.dropped) not in seen)
        if end.line:
            end = replace(end, line=end.line + " (in the forwarded mail)")
    end_date, why_end = end.value, end.line
    found.extend(end_evidence)

    breach, why_breach, breach_items = breach_claimed(v.own, c)
    found.extend(breach_items)
    kinds, why_kinds, kind_items = kind_hints(v.own, c)
    found.extend(kind_items)
    for line in (destruction.line, why_out, why_end, why_breach):
        if line:
            evidence.append(line)
    evidence.extend(why_kinds)
    read_limit = config.intent.max_chars
    quoted = prepare(quoted_history(text), read_limit)
    intent, intent_found = detect_intent(text, config.intent, numbers.numbers, quoted)
    evidence.extend(f"intent: {line}" for line in intent.reasons)
    role_parts = [("body", prepare(text.new_text, read_limit))]
    if intent.source == "forwarded":
        role_parts.append(("forwarded", forwarded_body(quoted)))
    role_parts.extend([("subject", v.subject.text[:read_limit]), ("quoted", quoted)])
    role_parts.append(("signature", prepare(text.signature, read_limit)))
    role_parts.extend(
        (f"attachment:{name}", prepare(t, read_limit))
        for name, t in zip(text.attachment_names, text.attachment_texts, strict=False)
        if t
    )
    roles = contract_roles(role_parts, numbers.numbers, cues(config.intent))
    phone = phone_from_signature(text.signature)
    if phone:
        evidence.append(f"phone {phone} from the signature")
        found.append(_phone_evidence(phone, text.signature))
    return Extraction(
        language=language,
        language_known=language_known,
        contract_numbers=numbers.numbers,
        destruction_confirmation=destruction.confirmed,
        machine_out_of_use=out_of_use,
        requested_end_date=end_date,
        breach_claimed=breach,
        phone=phone,
        kind_hints=kinds,
        evidence=tuple(evidence),
        certificate_unreadable=unreadable,
        found=(*intent_found, *with_roles(found, roles)),
        intent=intent,
    )


def _phone_evidence(phone: str, signature: str) -> Evidence:
    """The signature line that holds the phone number."""
    for line in signature[:5000].splitlines():
        if phone in " ".join(line.split()):
            return Evidence("phone", phone, "signature", " ".join(line.split()))
    return Evidence("phone", phone, "signature", phone)


def with_roles(found: list[Evidence], roles: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """The evidence with each contract number's role (`intake.extract.roles`) on the item that
    says where the number was found, preferring the item from the part the role was read in
    (the body over the subject): one role per number. A role for a number no item names stays
    its own item."""
    by_number = {r.value: r for r in roles}
    chosen: dict[object, int] = {}
    for index, item in enumerate(found):
        role = by_number.get(item.value) if item.fact == "contract_numbers" else None
        if role is None or item.dropped is not None:
            continue
        if item.value not in chosen or (
            item.source == role.source and found[chosen[item.value]].source != role.source
        ):
            chosen[item.value] = index
    out = [
        replace(item, role=by_number[item.value].role) if chosen.get(item.value) == i else item
        for i, item in enumerate(found)
    ]
    out.extend(r for r in roles if r.value not in chosen)
    return tuple(out)
