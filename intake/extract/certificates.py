"""Is a destruction certificate attached that could not be read?

A certificate is attached when an attachment's name says so (`vernietigingsverklaring.jpg`,
`attestation_de_destruction.pdf`) or the body says one is attached ("In bijlage de
ondertekende vernietigingsverklaring"; then every attachment may be it). It is unreadable when
its text is empty: OCR failed, timed out, was refused (too many pixels, OCR off), found no sure
words, or the file type has no reader. The finding holds only when nothing readable confirms
the destruction (a statement in the body or in another attachment's text): then the desk can
neither accept nor refuse on it, and the cancellation policy sends the request to a person
(`routing.policy`, "certificate attached but unreadable").
"""

from __future__ import annotations

from dataclasses import replace

from intake.extract.destruction import destruction_confirmation
from intake.extract.text import Compiled, prepare, sentence_at
from intake.extract.views import views
from intake.model import Evidence, MailText


def said_attached(body: str, c: Compiled) -> str | None:
    """The sentence saying a destruction certificate is attached, if the body has one (not a
    question, a promise or a negation)."""
    for m in c.destruction_documents.finditer(body):
        lo, hi = sentence_at(body, m.start(), m.end())
        here = body[lo:hi]
        if here.rstrip().endswith("?") or not c.attachment_cues.search(here):
            continue
        if c.promise.search(here) or c.negation.search(here):
            continue
        return " ".join(here.split())[:300]
    return None


def unreadable_certificate(mail: MailText, c: Compiled) -> tuple[bool, tuple[Evidence, ...]]:
    """Whether a certificate is attached but unreadable, with one Evidence item for each such
    attachment (source `attachment:<name>`, the reason as text)."""
    if not mail.attachment_names:
        return False, ()
    body = prepare(mail.new_text, c.config.max_text_chars)
    cover = said_attached(body, c)
    texts = list(mail.attachment_texts) + [""] * len(mail.attachment_names)
    errors = list(mail.attachment_errors) + [""] * len(mail.attachment_names)
    unreadable: list[Evidence] = []
    for index, name in enumerate(mail.attachment_names):
        if texts[index].strip():
            continue
        named = c.destruction_file_names.search(name.replace("_", " ").replace("-", " "))
        if named is None and cover is None:
            continue
        why = errors[index] or "no text could be read from it"
        how = "its name says it is a destruction certificate" if named else f"the mail: '{cover}'"
        unreadable.append(
            Evidence(
                "certificate_unreadable",
                True,
                f"attachment:{name}",
                f"certificate attached but unreadable ({how}): {why}",
            )
        )
    if not unreadable:
        return False, ()
    # a statement the desk can read (in the body or a readable attachment) is enough
    readable = replace(
        mail,
        attachment_names=(),
        attachment_texts=tuple(t for t in mail.attachment_texts if t.strip()),
    )
    confirmed = destruction_confirmation(views(readable, c), c)
    if confirmed.confirmed:
        kept = f"{confirmed.line}; so the unreadable attachment is not needed"
        return False, tuple(replace(e, value=False, dropped=kept) for e in unreadable)
    return True, tuple(unreadable)
