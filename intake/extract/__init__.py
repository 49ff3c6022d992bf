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
- phone: the signature.
"""

from __future__ import annotations

from dataclasses import replace

from intake.extract.certificates import unreadable_certificate
from intake.extract.config import DEFAULT, ExtractionConfig
from intake.extract.contracts import contract_numbers
from intake.extract.dates import requested_end_date
from intake.extract.destruction import destruction_confirmation
from intake.extract.language import detect
from intake.extract.phone import phone_from_signature
from intake.extract.signals import breach_claimed, kind_hints, machine_out_of_use
from intake.extract.text import compiled, prepare
from intake.model import Extraction, MailText, ParsedMail
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
    )


def extract(text: MailText, registry: Registry, config: ExtractionConfig = DEFAULT) -> Extraction:
    """Every finding of DOMAIN.md section 3, with a human-readable evidence line for each."""
    c = compiled(config)
    limit = config.max_text_chars
    subject = prepare(text.subject, limit)
    own = subject + "\n\n" + prepare(text.new_text, limit)
    evidence: list[str] = []

    language, why = detect(own, c)
    evidence.append(why)

    views = [
        (subject, "the subject", True),
        (prepare(text.full_text, limit), "the body", True),
    ]
    views.extend(
        (prepare(t, limit), f"attachment '{name}'", False)
        for name, t in zip(text.attachment_names, text.attachment_texts, strict=False)
        if t
    )
    numbers, why_numbers = contract_numbers(views, registry, c)
    evidence.extend(why_numbers)

    destroyed, why_destroyed = destruction_confirmation(text, c)
    unreadable, why_unreadable = unreadable_certificate(text, c)
    if unreadable:
        evidence.extend(e.text for e in why_unreadable)
    out_of_use, why_out = machine_out_of_use(own, c)
    end = requested_end_date(own, c, text.sent, subject_end=len(subject))
    end_evidence = list(end.evidence)
    if end.value is None and c.forward_subject.search(text.subject):
        # "FW: opzeggen onderhoud" + "kunnen jullie dit in orde brengen?": the sender passes
        # on the forwarded request, and its date is what is asked
        end = requested_end_date(prepare(text.full_text, limit), c, text.sent, source="forwarded")
        seen = {(e.text, e.dropped) for e in end_evidence}  # the new text is in the body too
        end_evidence.extend(e for e in end.evidence if (e.text, e.dropped) not in seen)
        if end.line:
            end = replace(end, line=end.line + " (in the forwarded mail)")
    end_date, why_end = end.value, end.line
    breach, why_breach = breach_claimed(own, c)
    kinds, why_kinds = kind_hints(own, c)
    for line in (why_destroyed, why_out, why_end, why_breach):
        if line:
            evidence.append(line)
    evidence.extend(why_kinds)
    phone = phone_from_signature(text.signature)
    if phone:
        evidence.append(f"phone {phone} from the signature")
    return Extraction(
        language=language,
        contract_numbers=numbers,
        destruction_confirmation=destroyed,
        machine_out_of_use=out_of_use,
        requested_end_date=end_date,
        breach_claimed=breach,
        phone=phone,
        kind_hints=kinds,
        evidence=tuple(evidence),
        certificate_unreadable=unreadable,
        found=(*why_unreadable, *end_evidence),
    )
