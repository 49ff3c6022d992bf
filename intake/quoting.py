"""Split a reply into the author's new words, the quoted history and the signature.

Called by `intake.extract.mail_text` on the readable body of a parsed mail; extraction then
reads intent and confirmations from `new_text` only, so that a quoted promise, an old date in a
quote header or a forwarded colleague's words do not count as what this sender says.

Recognised (Dutch, French, English, German clients): "On ... wrote:", "Op ... schreef ...:",
"Le ... a écrit :", "Am ... schrieb ...:", "-----Original Message-----" and its translations,
forwarded-message separators, Outlook header blocks ("From:/Sent:/To:/Subject:",
"Van:/Verzonden:/Aan:/Onderwerp:", "De :/Envoyé :/À :/Objet :", "Von:/Gesendet:/An:/Betreff:"),
and ">" quote lines (inline answers between quoted lines stay new text). The signature starts
at a "-- " delimiter, a closing formula ("Met vriendelijke groeten", "Cordialement",
"Kind regards", ...) or a "Sent from my iPhone" line.

Linear time: one pass over the lines, every pattern anchored at a line start with bounded
repetition, and a fixed look-ahead of a few lines.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_MAX_LINE = 400  # header and signature patterns only look at the start of a line
_HEADER_LOOKAHEAD = 6

# "On <date>, <name> wrote:" and translations; one line or joined with the next two.
_ATTRIBUTION_START = re.compile(r"(?:on|op|le|am|el|il)\s", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"(?:on|op|le|am|el|il)\s.{0,300}?"
    r"(?:wrote|writes|schreef|schrieb|geschreven|a\s+écrit|a\s+ecrit|escribió|ha\s+scritto)"
    r"[^:\n]{0,120}:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_VERBS = (
    "wrote",
    "writes",
    "schreef",
    "schrieb",
    "geschreven",
    "crit",
    "escribi",
    "scritto",
)
_SEPARATOR = re.compile(
    r"(?:-{2,}|_{2,}|\*{2,})?\s{0,3}(?:"
    r"original\s+message|original\s+e-?mail\s+message|oorspronkelijk\s+bericht|"
    r"origineel\s+bericht|message\s+d'origine|message\s+original|"
    r"ursprüngliche\s+nachricht|forwarded\s+message|doorgestuurd\s+bericht|"
    r"message\s+transféré|message\s+transfere|weitergeleitete\s+nachricht"
    r")\s{0,3}(?:-{2,}|_{2,}|\*{2,})\s*$",
    re.IGNORECASE,
)
_FORWARD_LINE = re.compile(
    r"(?:begin\s+forwarded\s+message|begin\s+doorgestuurd\s+bericht|"
    r"début\s+du\s+message\s+(?:réexpédié|transféré)|anfang\s+der\s+weitergeleiteten)"
    r"\s{0,3}:?\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"\*{0,2}(?:from|van|de|von|da)\s{0,2}\*{0,2}:\s{0,2}\S", re.IGNORECASE)
_HEADER_DATE = re.compile(
    r"\*{0,2}(?:sent|date|verzonden|datum|envoyé|envoye|gesendet|inviato|enviado)"
    r"\s{0,2}\*{0,2}:",
    re.IGNORECASE,
)
_HEADER_TO = re.compile(r"\*{0,2}(?:to|aan|à|a|an|cc|per)\s{0,2}\*{0,2}:", re.IGNORECASE)
_HEADER_SUBJECT = re.compile(
    r"\*{0,2}(?:subject|onderwerp|objet|betreff|oggetto|asunto)\s{0,2}\*{0,2}:",
    re.IGNORECASE,
)
_RULE_LINE = re.compile(r"(?:_{5,}|-{5,}|={5,})\s*$")

_SIG_DASHES = re.compile(r"(?:--|—|–)\s?$")
_SIG_RULE = re.compile(r"_{10,}")  # mailing-list footers
_SENT_FROM = re.compile(
    r"(?:sent\s+from\s+(?:my|a)\s|verzonden\s+(?:vanaf|van|met)\s+mijn\s|"
    r"verstuurd\s+(?:vanaf|van|met)\s+mijn\s|envoyé\s+(?:de|depuis)\s+mon\s|"
    r"envoye\s+(?:de|depuis)\s+mon\s|von\s+meinem\s|get\s+outlook\s+for\s)",
    re.IGNORECASE,
)
_CLOSINGS = (
    # Dutch
    "met vriendelijke groeten",
    "met vriendelijke groet",
    "vriendelijke groeten",
    "vriendelijke groet",
    "met beste groeten",
    "beste groeten",
    "hartelijke groeten",
    "groeten",
    "groetjes",
    "mvg",
    "m.v.g",
    "met hoogachting",
    "hoogachtend",
    # French
    "cordialement",
    "bien cordialement",
    "bien à vous",
    "bien a vous",
    "salutations distinguées",
    "sincères salutations",
    "meilleures salutations",
    "avec nos remerciements",
    "avec mes remerciements",
    "bonne journée",
    "bien à toi",
    "amicalement",
    # English
    "kind regards",
    "best regards",
    "regards",
    "warm regards",
    "best wishes",
    "sincerely",
    "yours sincerely",
    "yours faithfully",
    "many thanks",
    "cheers",
    # German
    "mit freundlichen grüßen",
    "freundliche grüße",
    "viele grüße",
    "beste grüße",
)
# thanks-type formulas count only as a line of their own
_THANKS = (
    "thanks",
    "thank you",
    "thanks in advance",
    "thank you in advance",
    "many thanks",
    "merci",
    "merci d'avance",
    "d'avance merci",
    "merci beaucoup",
    "merci bien",
    "bedankt",
    "alvast bedankt",
    "dank u",
    "dank u wel",
    "dank je",
    "dank je wel",
    "alvast dank",
    "danke",
    "vielen dank",
)
_CLOSING_WORDS = frozenset(_CLOSINGS + _THANKS)
_TRIM = " \t,.!;:"


@dataclass(frozen=True, slots=True)
class ReplyParts:
    """A body cut in three. Joined, the parts hold every line of the input."""

    new_text: str
    quoted: str
    signature: str


def _clean(line: str) -> str:
    return line[:_MAX_LINE].strip().lstrip("*").strip()


def _is_quote_line(line: str) -> bool:
    return line.lstrip()[:1] == ">"


def _is_closing(line: str) -> bool:
    """A short line that is, or ends with, a closing formula ("Alvast bedankt, met
    vriendelijke groeten,")."""
    text = _clean(line).lower().strip(_TRIM)
    if not text or len(text) > 120:
        return False
    if text in _CLOSING_WORDS:
        return True
    # the formula after a short lead-in: "Merci d'avance et bonne journée"
    for closing in _CLOSINGS:
        if text.endswith(closing) and len(text) - len(closing) <= 80:
            before = text[: len(text) - len(closing)]
            if before == "" or before[-1] in " ,":
                return closing != "groeten" or len(text) < 40
    return False


def _is_sent_from(line: str) -> bool:
    text = _clean(line)
    return bool(_SENT_FROM.match(text)) and "," not in text and len(text.split()) <= 8


def _header_block_at(lines: list[str], i: int) -> bool:
    """An Outlook/Gmail header block: From: then Sent/Date, To and Subject in a few lines."""
    if not _HEADER_FROM.match(_clean(lines[i])):
        return False
    seen_date = seen_to = seen_subject = False
    for line in lines[i + 1 : i + 1 + _HEADER_LOOKAHEAD]:
        text = _clean(line)
        seen_date = seen_date or bool(_HEADER_DATE.match(text))
        seen_to = seen_to or bool(_HEADER_TO.match(text))
        seen_subject = seen_subject or bool(_HEADER_SUBJECT.match(text))
    return (seen_date + seen_to + seen_subject) >= 2


def _attribution_at(lines: list[str], i: int) -> int:
    """Number of lines (1-3) of an "On ... wrote:" attribution starting at line i, or 0."""
    first = _clean(lines[i])
    if not _ATTRIBUTION_START.match(first):
        return 0
    joined = first
    for span in range(1, 4):
        lowered = joined.lower()
        if not any(verb in lowered for verb in _ATTRIBUTION_VERBS):
            if i + span >= len(lines):
                break
            joined = joined + " " + _clean(lines[i + span])
            continue
        if _ATTRIBUTION.match(joined):
            return span
        if i + span >= len(lines):
            break
        joined = joined + " " + _clean(lines[i + span])
    return 0


def _quote_header_at(lines: list[str], i: int) -> int:
    """Lines taken by a quote header starting at line i (0 when there is none)."""
    text = _clean(lines[i])
    if not text:
        return 0
    if _SEPARATOR.match(text) or _FORWARD_LINE.match(text):
        return 1
    if _header_block_at(lines, i):
        return 1
    return _attribution_at(lines, i)


def _rest_is_gt_quoted(lines: list[str], start: int) -> bool:
    """After a header: does the quote continue as ">" lines (so answers may follow inline)?"""
    for line in lines[start : start + _HEADER_LOOKAHEAD]:
        if line.strip():
            return _is_quote_line(line)
    return False


def _signature_start(lines: list[str]) -> int | None:
    """Index of the first signature line among the author's own lines, or None. A closing
    formula counts only after some text and with at most 25 non-blank lines below it."""
    nonblank_below = [0] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        nonblank_below[i] = nonblank_below[i + 1] + (1 if lines[i].strip() else 0)
    seen_text = False
    for i, line in enumerate(lines):
        if (
            _SIG_DASHES.fullmatch(line.rstrip())
            or _SIG_RULE.fullmatch(line.strip())
            or _is_sent_from(line)
        ):
            return i
        if seen_text and nonblank_below[i + 1] <= 25 and _is_closing(line):
            return i
        seen_text = seen_text or bool(line.strip())
    return None


#: what a line of a body is, for `line_roles`
BODY, QUOTED, FORWARDED, SIGNATURE = "body", "quoted", "forwarded", "signature"


def _forward_header(line: str) -> bool:
    """A quote header that passes a mail on ("---------- Forwarded message ---------",
    "Begin forwarded message:"), as opposed to one that quotes it in a reply."""
    text = _clean(line)
    if _FORWARD_LINE.match(text):
        return True
    lowered = text.lower()
    return bool(_SEPARATOR.match(text)) and any(
        word in lowered for word in ("forward", "doorgestuurd", "transf", "weitergeleitet")
    )


@functools.lru_cache(maxsize=2)
def line_roles(text: str) -> tuple[str, ...]:
    """The role of every line of `text` (split on line ends like `split_reply`): `body` (the
    author's new words), `quoted` (history in a reply), `forwarded` (a mail passed on after a
    forward separator) or `signature`. `split_reply` is these roles joined by kind. The last
    two answers are kept: extraction asks again for the body `mail_text` just cut."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    roles = [BODY] * len(lines)
    own: list[int] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if _is_quote_line(line):
            roles[i] = QUOTED
            i += 1
            continue
        span = _quote_header_at(lines, i)
        if span:
            if _rest_is_gt_quoted(lines, i + span):
                roles[i : i + span] = [QUOTED] * span
                i += span
                continue
            role = FORWARDED if _forward_header(line) else QUOTED
            roles[i:] = [role] * (n - i)
            break
        own.append(i)
        i += 1
    # a rule line right before the quote belongs to the quote, not to the author
    while own and (not lines[own[-1]].strip() or _RULE_LINE.match(lines[own[-1]].strip())):
        last = own.pop()
        if lines[last].strip():
            later = (r for r in roles[last + 1 :] if r in (QUOTED, FORWARDED))
            roles[last] = next(later, QUOTED)
    sig_at = _signature_start([lines[k] for k in own])
    if sig_at is not None:
        for k in own[sig_at:]:
            roles[k] = SIGNATURE
    return tuple(roles)


def split_reply(text: str) -> ReplyParts:
    """Cut `text` into the new text, the quoted history and the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    roles = line_roles(text)
    own = [line for line, role in zip(lines, roles, strict=True) if role == BODY]
    quoted = [line for line, role in zip(lines, roles, strict=True) if role in (QUOTED, FORWARDED)]
    signature = [line for line, role in zip(lines, roles, strict=True) if role == SIGNATURE]
    return ReplyParts(
        new_text="\n".join(own).strip(),
        quoted="\n".join(quoted).strip(),
        signature="\n".join(signature).strip(),
    )
