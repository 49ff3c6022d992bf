"""Values that flow through intake: raw mail, the parsed mail, and what was extracted from it.

Sources produce `RawMail`; `intake.parse` turns it into `ParsedMail`; `intake.extract` turns a
`MailText` view of it into an `Extraction`. All are plain immutable values so that live intake,
`route --json` and replay run the same code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class RawMail:
    """One mail as a source delivered it, before anything is interpreted."""

    data: bytes
    source: str  # mailbox name from the settings, or "files"
    ref: str  # where it came from: a path, or "FOLDER/UID"
    uidvalidity: int | None = None
    uid: int | None = None
    internaldate: datetime | None = None  # timezone-aware arrival time


@dataclass(frozen=True, slots=True)
class Address:
    """A parsed mailbox: display name and lower-cased address."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True, slots=True)
class Attachment:
    """One non-body MIME part. `filename` is metadata only, never a path."""

    filename: str
    content_type: str  # as declared in the mail
    sniffed_type: str  # from the first bytes
    size: int
    sha256: str
    data: bytes | None  # None when the part exceeded the size limit
    text: str | None = None  # extracted text of PDF/DOCX/TXT
    text_error: str | None = None  # why text extraction failed or was skipped
    inline: bool = False
    content_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """One recipient block of a delivery status notification (RFC 3464)."""

    action: str  # failed | delayed | delivered | relayed | expanded
    recipient: str
    status: str  # e.g. "5.1.1"
    diagnostic: str


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """A mail decoded into what the rest of the service reads. Produced by `intake.parse`."""

    headers: tuple[tuple[str, str], ...]  # decoded, unfolded, in order
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None
    content_type: str  # top-level type, lower case
    text: str  # the readable body: text/plain, or the HTML turned into text
    html: str | None  # the original HTML body, unsanitized (sanitize before showing)
    attachments: tuple[Attachment, ...] = ()
    delivery_reports: tuple[DeliveryReport, ...] = ()
    returned_message_id: str | None = None  # Message-ID of the mail a bounce or report is about
    # what kind of machine report this is: the report-type of a multipart/report
    # (`delivery-status`, `disposition-notification`, `feedback-report`, ...) or of a report
    # part sent on its own (`message/delivery-status`); None for other mail
    report_type: str | None = None
    defects: tuple[str, ...] = ()
    size: int = 0

    def header(self, name: str) -> str | None:
        """First value of a header, case-insensitive, or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]


class Disposition(enum.StrEnum):
    """What kind of mail this is (DOMAIN.md section 2)."""

    TICKET = "ticket"
    FOLLOWUP = "followup"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    BULK = "bulk"
    QUARANTINE = "quarantine"


@dataclass(frozen=True, slots=True)
class DispositionResult:
    disposition: Disposition
    reasons: tuple[str, ...]  # human-readable: "header Auto-Submitted: auto-replied"


@dataclass(frozen=True, slots=True)
class MailText:
    """The text views extraction reads; built from a ParsedMail by `intake.extract`."""

    subject: str
    new_text: str  # the author's own words: quoted history and signature removed
    full_text: str  # the whole readable body
    signature: str  # the signature block, if one was found
    attachment_names: tuple[str, ...] = ()
    attachment_texts: tuple[str, ...] = ()
    # why an attachment's text could not be read ("" where it was, or nothing was tried):
    # parallel to attachment_names, e.g. "OCR stopped after 20 s at page 1"
    attachment_errors: tuple[str, ...] = ()
    # the day the mail was written (Date header, Europe/Brussels): the year of a date written
    # without one ("per 1 maart")
    sent: date | None = None
    quoted: str = ""  # the quoted history (with a forward: the mail passed on)


FactValue = str | bool | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where one fact was read, or why a candidate for it was dropped (DOMAIN.md section 6,
    `evidence`). `fact` is the key it belongs to (`contract_numbers`, `destruction_confirmation`,
    `machine_out_of_use`, `requested_end_date`, `breach_claimed`, `language`, `intent`, ...);
    `source` is `subject`, `body`, `quoted`, `forwarded`, `signature` or `attachment:<name>`;
    `text` is the sentence or words it came from. A dropped candidate carries `dropped` (why it
    was not taken); a contract number may carry its `role` in the request (`concerned`,
    `continues`, `replaces`, `replaced`, `mentioned`). `span` is where the finding is in the
    text it was read from (`intake.extract.views`; contract numbers: the subject, the whole
    body with line ends normalized, or the attachment's text), for stages that look at its
    surroundings; it is not part of the JSON."""

    fact: str
    value: FactValue
    source: str
    text: str
    dropped: str | None = None
    role: str | None = None
    span: tuple[int, int] | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, FactValue]:
        out: dict[str, FactValue] = {"value": self.value, "source": self.source, "text": self.text}
        if self.role is not None:
            out["role"] = self.role
        if self.dropped is not None:
            out["dropped"] = self.dropped
        return out

    @classmethod
    def from_json(cls, fact: str, data: dict[str, FactValue]) -> Evidence:
        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        return cls(
            fact=fact,
            value=data.get("value"),
            source=str(data.get("source", "")),
            text=str(data.get("text", "")),
            dropped=text("dropped"),
            role=text("role"),
        )


def evidence_to_json(items: tuple[Evidence, ...]) -> dict[str, list[dict[str, FactValue]]]:
    """`evidence` of DOMAIN.md section 6: per fact, where each value was found, in order."""
    out: dict[str, list[dict[str, FactValue]]] = {}
    for item in items:
        out.setdefault(item.fact, []).append(item.to_json())
    return out


def evidence_from_json(data: object) -> tuple[Evidence, ...]:
    """The inverse of `evidence_to_json`; anything else (older rows) gives no evidence."""
    if not isinstance(data, dict):
        return ()
    return tuple(
        Evidence.from_json(str(fact), item)
        for fact, items in data.items()
        if isinstance(items, list)
        for item in items
        if isinstance(item, dict)
    )


@dataclass(frozen=True, slots=True)
class SenderProof:
    """Whether the mail's From is proven (DOMAIN.md section 4a). `status`: `proven`,
    `unproven` or `failed` (a believed header says the mail is forged); `method`: `dmarc`,
    `dkim`, `confirmation` or None; `reasons` say how, or why not, in words."""

    status: str
    method: str | None = None
    reasons: tuple[str, ...] = ()

    @property
    def proven(self) -> bool:
        return self.status == "proven"

    def to_json(self) -> dict[str, object]:
        return {"status": self.status, "method": self.method, "reasons": list(self.reasons)}


UNPROVEN = SenderProof("unproven", None, ("no sender proof was checked",))


INTENT_ACTS = ("cancel", "retraction", "copy", "quote", "fault", "question", "none")


@dataclass(frozen=True, slots=True)
class Intent:
    """What the mail asks (`intake.extract.intent`). `act`: `cancel`, `retraction` (of an
    earlier request), `copy`, `quote`, `fault`, `question` or `none`. `source` is where the act
    was read: `new_text`, `forwarded` (the request a forward passes on), `subject` (a tie-break:
    the author's own words said nothing) or `none`. `clear` is true when a cancellation is asked
    plainly in the author's words (or the forwarded request), not only as a question whether
    it can be done; `contradictions` name what in the mail speaks against acting on it (a
    negated, hypothetical or questioned cancellation, a retraction); `remaining` is, for a
    retraction, what else the mail asks; `reasons` say why, in words."""

    act: str
    source: str = "none"
    clear: bool = False
    contradictions: tuple[str, ...] = ()
    remaining: str | None = None
    reasons: tuple[str, ...] = ()

    @property
    def cancel_is_clear(self) -> bool:
        """A plainly asked cancellation that nothing in the mail contradicts."""
        return self.act == "cancel" and self.clear and not self.contradictions

    def to_json(self) -> dict[str, object]:
        return {
            "act": self.act,
            "source": self.source,
            "clear": self.clear,
            "contradictions": list(self.contradictions),
            "remaining": self.remaining,
            "reasons": list(self.reasons),
        }

    @classmethod
    def from_json(cls, data: object) -> Intent | None:
        """The inverse of `to_json`; None for anything else (rows written before intents)."""
        if not isinstance(data, dict) or data.get("act") not in INTENT_ACTS:
            return None
        remaining = data.get("remaining")
        return cls(
            act=str(data["act"]),
            source=str(data.get("source", "none")),
            clear=bool(data.get("clear")),
            contradictions=tuple(str(x) for x in data.get("contradictions") or ()),
            remaining=str(remaining) if remaining else None,
            reasons=tuple(str(x) for x in data.get("reasons") or ()),
        )


@dataclass(frozen=True, slots=True)
class Extraction:
    """What the desk needs to know about one mail (DOMAIN.md section 3). Raw findings:
    routing decides which of them matter for the decision it prints."""

    language: str
    contract_numbers: tuple[str, ...]  # normalized, sorted, unique
    destruction_confirmation: bool
    machine_out_of_use: bool
    requested_end_date: date | None
    breach_claimed: bool
    phone: str | None
    kind_hints: tuple[str, ...]  # contract kinds named in the text, e.g. "passport_advantage"
    evidence: tuple[str, ...] = field(default=())  # why each finding was made, for explanations
    # a destruction certificate is attached (by its name, or the mail says so) but its text
    # could not be read, and nothing readable confirms the destruction (DOMAIN.md section 3)
    certificate_unreadable: bool = False
    # where each fact was found and which candidates were dropped, why (DOMAIN.md section 6)
    found: tuple[Evidence, ...] = field(default=())
    # False when the text did not decide the language and `language` is the configured default
    # (routing then looks at the sender's registry language and the mailbox's default)
    language_known: bool = True
    intent: Intent | None = None  # what the mail asks; None only for rows stored before it
