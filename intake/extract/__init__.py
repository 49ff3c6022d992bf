"""Extraction: what the desk needs to know about one mail (DOMAIN.md section 3).

`mail_text(parsed)` cuts the parsed body into the author's new text, the quoted history and the
signature (`intake.quoting`) and collects attachment names and texts; `extract(text, registry,
config)` reads the facts from it. Both are pure: the same mail, registry and config always give
the same `Extraction`, so live intake, `route --json` and replays agree. Routing
(`routing.decide`) comes next and decides which findings matter for the mail's queue.

Which view each finding reads:
- language, destruction statements, machine out of use, requested end date, breach, kind hints:
  the subject and the new text (a quoted promise or an old date in a quote header is not what
  this sender says); destruction also reads attachment names and texts; a forward ("FW:",
  "TR:") whose own words name no end date takes the forwarded request's date;
- contract numbers: subject, the whole body (a reply often names the contract only in the quoted
  mail) and, for registry numbers, attachment texts;
- phone: the signature;
- intent (what the mail asks, `intake.extract.intent`): the new text, then the forwarded request
  a forward passes on, then the subject as a tie-break; never the quoted history;
- the role of each contract number (`intake.extract.roles`): the sentence it is written in.
"""

from __future__ import annotations

from intake.extract.config import DEFAULT, ExtractionConfig
from intake.extract.contracts import contract_numbers
from intake.extract.dates import requested_end_date
from intake.extract.destruction import destruction_confirmation
from intake.extract.intent import cues, detect_intent, forwarded_body
from intake.extract.language import detect
from intake.extract.phone import phone_from_signature
from intake.extract.roles import contract_roles
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
        quoted=parts.quoted,
    )


def quoted_history(text: MailText) -> str:
    """The quoted history: as `mail_text` cut it, or cut here for a hand-built `MailText`."""
    if text.quoted or not text.full_text or text.full_text.strip() == text.new_text.strip():
        return text.quoted
    return split_reply(text.full_text[: DEFAULT.max_text_chars]).quoted


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
    out_of_use, why_out = machine_out_of_use(own, c)
    end_date, why_end = requested_end_date(own, c, text.sent)
    if end_date is None and c.forward_subject.search(text.subject):
        # "FW: opzeggen onderhoud" + "kunnen jullie dit in orde brengen?": the sender passes
        # on the forwarded request, and its date is what is asked
        end_date, why_end = requested_end_date(prepare(text.full_text, limit), c, text.sent)
        if why_end:
            why_end += " (in the forwarded mail)"
    breach, why_breach = breach_claimed(own, c)
    kinds, why_kinds = kind_hints(own, c)
    for line in (why_destroyed, why_out, why_end, why_breach):
        if line:
            evidence.append(line)
    evidence.extend(why_kinds)
    read_limit = config.intent.max_chars
    quoted = prepare(quoted_history(text), read_limit)
    intent, intent_found = detect_intent(text, config.intent, numbers, quoted)
    evidence.extend(f"intent: {line}" for line in intent.reasons)
    role_parts = [("body", prepare(text.new_text, read_limit))]
    if intent.source == "forwarded":
        role_parts.append(("forwarded", forwarded_body(quoted)))
    role_parts.extend([("subject", subject[:read_limit]), ("quoted", quoted)])
    role_parts.append(("signature", prepare(text.signature, read_limit)))
    role_parts.extend(
        (f"attachment:{name}", prepare(t, read_limit))
        for name, t in zip(text.attachment_names, text.attachment_texts, strict=False)
        if t
    )
    roles = contract_roles(role_parts, numbers, cues(config.intent))
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
        found=(*intent_found, *roles),
        intent=intent,
    )
