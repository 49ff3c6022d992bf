"""Threading: does a mail continue an existing ticket, and may its sender write on it?

Pure logic, run after `intake.disposition`. It asks a `ThreadIndex` (the database in
production, `storage.tickets.DbThreadIndex`; a dict in tests) which ticket owns the mail's
In-Reply-To / References Message-IDs, or the ticket tag in its subject. The caller then
appends the mail to that ticket when the sender is a participant (`followup`), and otherwise
opens a new ticket flagged `sender_unverified`, linked to the named one: a guessed tag or a
forged In-Reply-To must never let a stranger join a ticket (RELIABILITY.md items 16-17).

Which mail counts (DOMAIN.md 4a): only `ticket` and `followup` mail adds facts to the ticket
it is stored on; auto-replies, bounces and bulk mail naming a ticket are only linked to it.
Participants are the requester, the registered contacts of the ticket's contracts, and the
addresses a *proven* participant puts in To/Cc of their own mail (`people_added`); an
unproven mail adds nobody.

Ticket references (`PK-7F3K9Q`) are random draws from an alphabet without look-alike
characters, so they cannot be guessed from one another.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from random import Random
from typing import Protocol

from intake.model import Disposition, ParsedMail

REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
REF_LENGTH = 6

HOW_IN_REPLY_TO = "in-reply-to"
HOW_REFERENCES = "references"
HOW_SUBJECT_TAG = "subject tag"

#: mail of these dispositions adds facts to the ticket it is stored on; any other mail that
#: names a ticket is only linked to it for the record (DOMAIN.md 4a)
COUNTING_DISPOSITIONS = frozenset({Disposition.TICKET, Disposition.FOLLOWUP})


@dataclass(frozen=True, slots=True)
class TagFormat:
    """How ticket references look: `{prefix}-{length chars of alphabet}`, shown as `[ref]`."""

    prefix: str = "PK"
    alphabet: str = REF_ALPHABET
    length: int = REF_LENGTH

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,9}", self.prefix):
            raise ValueError(f"ticket prefix {self.prefix!r}: 1-10 letters/digits")
        if len(set(self.alphabet)) < 10 or not self.alphabet.isalnum():
            raise ValueError("ticket alphabet: at least 10 distinct letters/digits")
        if not 4 <= self.length <= 20:
            raise ValueError("ticket reference length: 4-20")


DEFAULT_FORMAT = TagFormat()


@functools.lru_cache(maxsize=16)
def _tag_pattern(fmt: TagFormat) -> re.Pattern[str]:
    chars = re.escape("".join(sorted(set(fmt.alphabet.upper()))))
    return re.compile(
        rf"\[\s*({re.escape(fmt.prefix)}-[{chars}]{{{fmt.length}}})\s*\]", re.IGNORECASE
    )


def new_ticket_ref(rng: Random | None = None, fmt: TagFormat = DEFAULT_FORMAT) -> str:
    """A random reference such as `PK-7F3K9Q` (cryptographic randomness unless `rng` is
    given, e.g. a seeded `random.Random` in tests). Uniqueness is the caller's check."""
    choose = rng.choice if rng is not None else secrets.choice
    return f"{fmt.prefix}-" + "".join(choose(fmt.alphabet) for _ in range(fmt.length))


def ticket_tag(ref: str) -> str:
    """The subject tag for a reference: `[PK-7F3K9Q]`."""
    return f"[{ref}]"


def find_ticket_refs(subject: str, fmt: TagFormat = DEFAULT_FORMAT) -> list[str]:
    """Ticket references tagged in a subject, upper-cased, first occurrence first."""
    found = (m.group(1).upper() for m in _tag_pattern(fmt).finditer(subject[:2000]))
    return list(dict.fromkeys(found))


class TicketLike(Protocol):
    """What threading needs to know about a ticket (a `storage.models.Ticket` fits)."""

    @property
    def id(self) -> int | None: ...
    @property
    def ref(self) -> str: ...
    @property
    def queue(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TicketRefInfo:
    """A ticket as an index without a database reports it."""

    id: int | None
    ref: str
    queue: str = ""
    participants: frozenset[str] = frozenset()


class ThreadIndex(Protocol):
    """Look-ups threading needs; `storage.tickets.DbThreadIndex` answers from the database.
    `participants` are the lower-case addresses that may write on the ticket: its requester,
    the people a proven participant brought in, and the registered contacts of its contracts."""

    def ticket_for_message_ids(self, ids: Sequence[str]) -> TicketLike | None: ...
    def ticket_for_ref(self, ref: str) -> TicketLike | None: ...
    def participants(self, ticket_id: int) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class ThreadMatch:
    """The ticket a mail names, how it was found, and whether its sender may write on it."""

    ticket_id: int
    ticket_ref: str
    how: str  # HOW_IN_REPLY_TO | HOW_REFERENCES | HOW_SUBJECT_TAG
    is_participant: bool
    queue: str = ""

    @property
    def sender_unverified(self) -> bool:
        """True: the caller opens a new ticket flagged sender_unverified, linked to this one."""
        return not self.is_participant


def match_thread(
    mail: ParsedMail, known: ThreadIndex, fmt: TagFormat = DEFAULT_FORMAT
) -> ThreadMatch | None:
    """The ticket this mail continues, if any: In-Reply-To first, then References, then a
    ticket tag in the subject. Header matches win over the tag, since clients keep them
    while people edit subjects."""
    found: TicketLike | None = None
    how = ""
    if mail.in_reply_to:
        found, how = known.ticket_for_message_ids(mail.in_reply_to), HOW_IN_REPLY_TO
    if found is None and mail.references:
        found, how = known.ticket_for_message_ids(mail.references), HOW_REFERENCES
    if found is None:
        for ref in find_ticket_refs(mail.subject, fmt):
            found, how = known.ticket_for_ref(ref), HOW_SUBJECT_TAG
            if found is not None:
                break
    if found is None or found.id is None:
        return None
    sender = mail.from_.email.lower() if mail.from_ is not None else ""
    participants = known.participants(found.id)
    return ThreadMatch(
        ticket_id=found.id,
        ticket_ref=found.ref,
        how=how,
        is_participant=bool(sender) and sender in participants,
        queue=found.queue,
    )


def people_added(mail: ParsedMail, *, proven: bool, own: frozenset[str] = frozenset()) -> list[str]:
    """The addresses a participant's mail makes participants of its ticket: those in its
    To and Cc when the sender is proven (DOMAIN.md 4a), none when it is not, since anyone can
    write any From and Cc. `own` holds our own addresses and domains, which never join."""
    if not proven:
        return []
    out: list[str] = []
    for address in (*mail.to, *mail.cc):
        email = address.email.strip().lower()
        if not email or "@" not in email or email in out:
            continue
        if email in own or email.rsplit("@", 1)[1] in own:
            continue
        out.append(email)
    return out
