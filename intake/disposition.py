"""Disposition: is a parsed mail a customer inquiry, or a bounce, auto-reply or bulk mail?

Runs right after `intake.parse` and before threading and extraction. Each rule is a small
function that returns a human-readable reason when it applies; the rules are grouped by
disposition and the groups are tried in order bounce -> auto_reply -> bulk (DOMAIN.md
section 2, RELIABILITY.md items 12-15). The first group with a hit decides; all its hits
are kept as reasons. Nothing matched: `ticket` (whether it is a follow-up is decided by
`intake.threading` afterwards; unparseable mail never gets here, it is quarantined).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from intake.model import DeliveryReport, Disposition, DispositionResult, ParsedMail

LOOP_HEADER = "X-Postkamer-Loop"

_NDR_SENDER = re.compile(r"^(?:mailer-daemon|mail-daemon|mailerdaemon)(?:@|$)", re.I)
# postmaster@ is a role a person reads (RFC 5321 4.5.1): alone it is no bounce
_POSTMASTER = re.compile(r"^postmaster(?:@|$)", re.I)
# report types of multipart/report that are machine reports about a mail, not a failure to
# deliver it: never answered, linked to the mail they name (DOMAIN.md section 2, auto_reply)
MACHINE_REPORTS = {
    "disposition-notification": "a read receipt (MDN, RFC 8098)",
    "feedback-report": "an abuse or spam report (ARF, RFC 5965)",
}
_NDR_SUBJECT = re.compile(
    r"^\s*(?:"
    r"undeliverable|undelivered mail|undeliverable mail|mail delivery failed|"
    r"delivery status notification \((?:failure|delay)\)|delivery failure|"
    r"returned mail|failure notice|mail system error|message not delivered|"
    r"delivery has failed|"
    r"onbestelbaar|niet bezorgd|niet afgeleverd|onbezorgbaar|"
    r"non remis|non distribuable|échec de la remise|echec de la remise|"
    r"unzustellbar|nicht zustellbar"
    r")(?!\w)",
    re.I,
)
_DSN_TEXT = re.compile(
    r"could not be delivered|couldn't be delivered|was not delivered|delivery has failed|"
    r"undeliverable|permanent error|user unknown|mailbox unavailable|recipient address rejected|"
    r"kon niet worden afgeleverd|niet worden bezorgd|n'a pas pu être remis|"
    r"n'a pas pu etre remis|konnte nicht zugestellt",
    re.I,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:"
    r"automatisch antwoord|automatische? (?:reactie|beantwoording|antwoord)|"
    r"afwezigheidsmelding|afwezig|"
    r"réponse automatique|reponse automatique|message d'absence|absence|absent(?:e)?|"
    r"out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|"
    r"vacation(?: reply)?|away from (?:the )?office|"
    r"abwesenheitsnotiz|automatische antwort|"
    # "Absence du bureau : ...", "Afwezig tot 14/08: ...", "Out of office until Monday - ..."
    r"absence du bureau|absente? du bureau|absente? jusqu'au\b[^:\[]{0,40}|"
    r"(?:afwezig|out of (?:the )?office|niet op kantoor|not in the office|en congé|"
    r"on leave|on holiday|op vakantie|met vakantie|away)"
    r"\s+(?:tot|t/m|until|till|through|jusqu'au|du|from|van)\b[^:\[]{0,40}|"
    r"niet op kantoor|not in the office|en congé|on (?:annual )?leave|on holiday|"
    r"op vakantie|met vakantie"
    r")\s*(?:[:\-–(\[]|$)",
    re.I,
)
_AUTO_BODY = re.compile(
    r"this is an automatic(?:ally generated)? (?:reply|response|message)|"
    r"this is an automated (?:reply|response|message)|"
    r"dit is een automatisch(?:e)? (?:antwoord|bericht|reactie)|"
    r"ceci est une réponse automatique|ceci est un message automatique",
    re.I,
)
_AWAY_BODY = re.compile(
    r"out of (?:the )?office|ik ben (?:momenteel )?afwezig|afwezig (?:tot|van)|"
    r"je suis (?:actuellement )?absente?|absente? du bureau|en congé|on (?:annual )?leave|"
    r"on vacation|with (?:limited|no) access to e-?mail|"
    r"niet (?:op|aanwezig op) (?:het )?kantoor|not in the office|pas au bureau|"
    r"(?:met|op) vakantie|en vacances|on holiday|congés annuels",
    re.I,
)
# what an out-of-office says besides "I am away": thanks for the mail, no mail access, an
# answer on return, someone else for urgent matters
_AWAY_FORMULA = re.compile(
    r"(?:limited|no) access to (?:my )?e-?mails?|"
    r"(?:reply|respond|answer|get back to you) (?:to your (?:e-?mail|message) )?"
    r"(?:when|upon|as soon as|on my return)|"
    r"(?:upon|on|after) my return|when i (?:am back|return)|"
    r"à mon retour|dès mon retour|a mon retour|na mijn terugkeer|bij mijn terugkeer|"
    r"for urgent (?:matters|questions|issues)|in urgent cases|"
    r"voor dringende (?:zaken|vragen)|in dringende gevallen|"
    r"en cas d'urgence|pour toute (?:question |demande )?urgente?|"
    r"thank you for your (?:e-?mail|message)|thanks for your (?:e-?mail|message)|"
    r"bedankt voor uw (?:e-?mail|bericht)|dank u voor uw (?:e-?mail|bericht)|"
    r"merci (?:pour|de) votre (?:message|e-?mail|courriel)",
    re.I,
)
_AWAY_MAX_TEXT = 1000  # an out-of-office is short; a long mail that mentions leave is not one
_MSGID_DOMAIN = re.compile(r"@([^<>@\s]+)>?\s*$")

Rule = Callable[["_Context"], str | None]


@dataclass(frozen=True, slots=True)
class _Context:
    mail: ParsedMail
    own_domains: tuple[str, ...]
    own_message_id_domain: str | None

    def header(self, name: str) -> str | None:
        return self.mail.header(name)

    @property
    def sender(self) -> str:
        if self.mail.from_ is not None:
            return self.mail.from_.email
        raw = self.header("From") or ""
        return raw.strip().lower()

    def opening(self, lines: int = 6) -> str:
        return "\n".join(self.mail.text.strip().splitlines()[:lines])


# --- bounce -------------------------------------------------------------------------------


def _report_part(ctx: _Context) -> str | None:
    mail = ctx.mail
    if mail.report_type == "delivery-status":
        if mail.content_type == "message/delivery-status":
            return "a delivery status report (message/delivery-status) on its own"
        return "multipart/report; report-type=delivery-status"
    if mail.delivery_reports and mail.report_type not in MACHINE_REPORTS and mail.report_type:
        return "delivery status part"
    return None


def _daemon_sender(ctx: _Context) -> str | None:
    sender = ctx.sender
    local = sender.split("<")[-1].strip()
    if _NDR_SENDER.match(local) or _NDR_SENDER.match(sender):
        return f"sender {sender[:80]} is a mail system"
    return None


def _postmaster_report(ctx: _Context) -> str | None:
    """postmaster@ with what a bounce says: delivery reports, or failure text up front."""
    if not _POSTMASTER.match(ctx.sender):
        return None
    if ctx.mail.delivery_reports or ctx.mail.returned_message_id:
        return f"sender {ctx.sender[:80]} with delivery reports"
    if _DSN_TEXT.search(ctx.opening(20)):
        return f"sender {ctx.sender[:80]} with delivery-failure text"
    return None


def _ndr_subject(ctx: _Context) -> str | None:
    if _NDR_SUBJECT.match(ctx.mail.subject):
        return f"delivery-failure subject {ctx.mail.subject[:60]!r}"
    return None


def _null_sender_with_dsn(ctx: _Context) -> str | None:
    if (ctx.header("Return-Path") or "x").strip() != "<>" or _machine_report(ctx):
        return None
    if ctx.mail.delivery_reports or ctx.mail.returned_message_id:
        return "empty Return-Path and delivery reports"
    if _DSN_TEXT.search(ctx.opening(20)):
        return "empty Return-Path and delivery-failure text"
    return None


# --- auto_reply ---------------------------------------------------------------------------


def _machine_report(ctx: _Context) -> str | None:
    kind = ctx.mail.report_type
    if kind in MACHINE_REPORTS:
        return f"report-type={kind}: {MACHINE_REPORTS[kind]}, a machine report"
    return None


def _auto_submitted(ctx: _Context) -> str | None:
    value = (ctx.header("Auto-Submitted") or "").split(";", 1)[0].strip().lower()
    if value and value != "no":
        return f"header Auto-Submitted: {value[:40]}"
    return None


def _autoreply_headers(ctx: _Context) -> str | None:
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autogenerated"):
        value = ctx.header(name)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            return f"header {name}: {value[:40]}"
    return None


def _precedence_auto(ctx: _Context) -> str | None:
    if (ctx.header("Precedence") or "").strip().lower() == "auto_reply":
        return "header Precedence: auto_reply"
    return None


def _exchange_generated(ctx: _Context) -> str | None:
    value = ctx.header("X-MS-Exchange-Generated-Message-Source")
    if value is not None:
        return f"header X-MS-Exchange-Generated-Message-Source: {value[:40]}"
    return None


def _auto_subject(ctx: _Context) -> str | None:
    if _AUTO_SUBJECT.match(ctx.mail.subject):
        return f"auto-reply subject {ctx.mail.subject[:60]!r}"
    return None


def _auto_body(ctx: _Context) -> str | None:
    """The opening says it is automatic; or says 'away' while the mail also carries
    X-Auto-Response-Suppress (which normal Outlook mail does not)."""
    opening = ctx.opening()
    if _AUTO_BODY.search(opening):
        return "the text says it is an automatic reply"
    if ctx.header("X-Auto-Response-Suppress") is not None and _AWAY_BODY.search(opening):
        return "X-Auto-Response-Suppress and an out-of-office text"
    return None


def _away_text(ctx: _Context) -> str | None:
    """No header at all, but a short text that opens like an out-of-office: 'I am away' in
    its first lines together with an out-of-office formula (no mail access, an answer on
    return, a contact for urgent matters, thanks for the mail)."""
    text = ctx.mail.text.strip()
    if len(text) > _AWAY_MAX_TEXT or "?" in text:  # a question is for a person to answer
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    if not _AWAY_BODY.search("\n".join(lines[:3])):
        return None
    if not _AWAY_FORMULA.search("\n".join(lines[:8])):
        return None
    return "the text opens like an out-of-office reply"


def _own_mail(ctx: _Context) -> str | None:
    if ctx.header(LOOP_HEADER) is not None:
        return f"our own mail (header {LOOP_HEADER})"
    domains = (
        {ctx.own_message_id_domain.lower()}
        if ctx.own_message_id_domain
        else {d.lower() for d in ctx.own_domains}
    )
    if ctx.mail.message_id and domains:
        match = _MSGID_DOMAIN.search(ctx.mail.message_id)
        if match and match.group(1).lower() in domains:
            return f"our own mail (Message-ID on {match.group(1).lower()})"
    return None


# --- bulk -----------------------------------------------------------------------------------


def _list_headers(ctx: _Context) -> str | None:
    for name in ("List-Id", "List-Unsubscribe"):
        if ctx.header(name) is not None:
            return f"header {name}"
    return None


def _precedence_bulk(ctx: _Context) -> str | None:
    value = (ctx.header("Precedence") or "").strip().lower()
    if value in ("bulk", "list", "junk"):
        return f"header Precedence: {value}"
    return None


RULES: tuple[tuple[Disposition, tuple[Rule, ...]], ...] = (
    (
        Disposition.BOUNCE,
        (_report_part, _daemon_sender, _postmaster_report, _ndr_subject, _null_sender_with_dsn),
    ),
    (
        Disposition.AUTO_REPLY,
        (
            _machine_report,
            _own_mail,
            _auto_submitted,
            _autoreply_headers,
            _precedence_auto,
            _exchange_generated,
            _auto_subject,
            _auto_body,
            _away_text,
        ),
    ),
    (Disposition.BULK, (_list_headers, _precedence_bulk)),
)


def classify_disposition(
    mail: ParsedMail,
    *,
    own_domains: Sequence[str] = (),
    own_message_id_domain: str | None = None,
) -> DispositionResult:
    """ticket, bounce, auto_reply or bulk, with the reasons that decided it."""
    ctx = _Context(mail, tuple(own_domains), own_message_id_domain)
    for disposition, rules in RULES:
        reasons = tuple(r for r in (rule(ctx) for rule in rules) if r is not None)
        if reasons:
            return DispositionResult(disposition, reasons)
    return DispositionResult(Disposition.TICKET, ("no bounce, auto-reply or bulk signs",))


def no_auto_reply_reason(mail: ParsedMail) -> str | None:
    """Header signs that forbid an automatic reply even to a mail that stays a ticket
    (RFC 3834, RELIABILITY 12): the sender's `X-Auto-Response-Suppress`, a loop marker
    (`X-Loop`), an empty Return-Path. A person still sees the ticket; only the reply is withheld.
    A robot-looking address (`postmaster@`, `noreply@`) is refused later, by the outbox's own
    check (`outbound.limits.block_reason`)."""
    suppress = (mail.header("X-Auto-Response-Suppress") or "").strip().lower()
    if suppress and suppress != "none":
        return f"header X-Auto-Response-Suppress: {suppress[:40]}"
    loop = mail.header("X-Loop")
    if loop is not None:
        return f"header X-Loop: {loop.strip()[:60]}"
    if (mail.header("Return-Path") or "x").replace(" ", "") == "<>":
        return "empty Return-Path"
    return None


@dataclass(frozen=True, slots=True)
class BounceFailure:
    """What a delivery report claims failed: the Message-ID of the returned mail and the
    recipients it names with `Action: failed`. Anyone can write a report, so the caller marks
    one of our replies failed only when both its Message-ID and one of its recipients match
    (DOMAIN.md 4a); everything else in the report is the sender's text, not a fact."""

    message_id: str
    recipients: tuple[str, ...]  # lower case, without angle brackets, in report order
    reports: tuple[DeliveryReport, ...]  # the failed recipient blocks


def bounce_failure(mail: ParsedMail) -> BounceFailure | None:
    """The failure this bounce reports, if any. `delayed` (and `delivered`, `relayed`,
    `expanded`) is not a failure, so a delay notice returns None."""
    if mail.returned_message_id is None:
        return None
    failed = tuple(r for r in mail.delivery_reports if r.action == "failed")
    if not failed:
        return None
    recipients: list[str] = []
    for report in failed:
        address = report.recipient.strip().strip("<>").strip().lower()
        if address and address not in recipients:
            recipients.append(address)
    return BounceFailure(mail.returned_message_id, tuple(recipients), failed)


def bounce_failed_message_ids(mail: ParsedMail) -> list[str]:
    """Message-IDs of our mails this bounce reports as failed (see `bounce_failure` for the
    recipients it names)."""
    failure = bounce_failure(mail)
    return [failure.message_id] if failure is not None else []
