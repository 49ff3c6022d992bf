"""Has the customer confirmed that ALL copies of the software were destroyed?

Yes when (1) an attachment's file name says so (`vernietigingsverklaring.pdf`,
`attestation_de_destruction.pdf`, `certificate_of_destruction.pdf`), (2) an attachment's
extracted text asserts the destruction of the copies (a neutrally named scan of a signed
attestation), (3) the body asserts it ("Wij bevestigen dat alle kopieën ... vernietigd werden"),
or (4) the body says a destruction certificate is attached and the mail has an attachment.
A promise, a negation, a question or a disclaimer is not a confirmation (see `statements`).
"""

from __future__ import annotations

from intake.extract.statements import asserted
from intake.extract.text import Compiled, prepare, sentence_at
from intake.model import MailText


def _statement(text: str, c: Compiled) -> str | None:
    for words, sentence in asserted(text, c.destruction_verbs, c):
        # a pattern of several words may hold its own negation ("destruction ... has not been")
        if c.negation.search(words):
            continue
        if c.destruction_objects.search(sentence):
            return sentence
    return None


def destruction_confirmation(mail: MailText, c: Compiled) -> tuple[bool, str | None]:
    """The finding and one evidence line."""
    limit = c.config.max_text_chars
    for name in mail.attachment_names:
        readable = name.replace("_", " ").replace("-", " ")
        if c.destruction_file_names.search(readable):
            return True, f"destruction confirmed by attachment '{name}'"
    for index, attachment_text in enumerate(mail.attachment_texts):
        sentence = _statement(prepare(attachment_text, limit), c)
        if sentence is not None:
            # attachment_texts runs parallel to attachment_names ("" where there is no text)
            name = mail.attachment_names[index] if index < len(mail.attachment_names) else "?"
            return True, f"destruction confirmed in the text of '{name}': '{sentence[:160]}'"
    body = prepare(mail.new_text, limit)
    sentence = _statement(body, c)
    if sentence is not None:
        return True, f"destruction confirmed in the body: '{sentence[:160]}'"
    if mail.attachment_names:
        for m in c.destruction_documents.finditer(body):
            lo, hi = sentence_at(body, m.start(), m.end())
            here = body[lo:hi]
            if here.rstrip().endswith("?") or not c.attachment_cues.search(here):
                continue
            if c.promise.search(here) or c.negation.search(here):
                continue
            said = " ".join(here.split())[:160]
            return True, f"destruction certificate said to be attached: '{said}'"
    return False, None
