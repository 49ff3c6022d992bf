"""match_thread against an in-memory ticket index; ticket references and tags."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from intake.parse import parse_mail
from intake.threading import (
    HOW_IN_REPLY_TO,
    HOW_REFERENCES,
    HOW_SUBJECT_TAG,
    REF_ALPHABET,
    TagFormat,
    ThreadIndex,
    TicketRefInfo,
    find_ticket_refs,
    match_thread,
    new_ticket_ref,
    people_added,
    ticket_tag,
)
from tests.intake.helpers import mail


@dataclass
class MemoryIndex:
    """Tickets by id, the Message-IDs each owns, and their participants."""

    tickets: dict[int, TicketRefInfo] = field(default_factory=dict)
    message_ids: dict[str, int] = field(default_factory=dict)

    def add(self, ticket: TicketRefInfo, *message_ids: str) -> None:
        assert ticket.id is not None
        self.tickets[ticket.id] = ticket
        for message_id in message_ids:
            self.message_ids[message_id] = ticket.id

    def ticket_for_message_ids(self, ids: Sequence[str]) -> TicketRefInfo | None:
        for message_id in reversed(ids):
            if message_id in self.message_ids:
                return self.tickets[self.message_ids[message_id]]
        return None

    def ticket_for_ref(self, ref: str) -> TicketRefInfo | None:
        return next((t for t in self.tickets.values() if t.ref == ref.upper()), None)

    def participants(self, ticket_id: int) -> frozenset[str]:
        return self.tickets[ticket_id].participants


REF = "PK-7F3K9Q"
OTHER = "PK-M4XW2B"
CLIENT = "sofie@kmw.example.be"
COLLEAGUE = "wim@kmw.example.be"
OUR_ACK = "<ack-1@contracts.example.com>"
CLIENT_FIRST = "<first-1@kmw.example.be>"


@pytest.fixture
def index() -> ThreadIndex:
    known = MemoryIndex()
    known.add(
        TicketRefInfo(7, REF, "cancellation", frozenset({CLIENT, COLLEAGUE})),
        CLIENT_FIRST,
        OUR_ACK,
    )
    known.add(TicketRefInfo(9, OTHER, "hardware", frozenset({"other@x.example"})), "<o@x>")
    return known


def reply(sender: str, subject: str, extra: str = "") -> bytes:
    return mail(f"From: {sender}\nTo: support@contracts.example.com\nSubject: {subject}\n{extra}")


def test_reply_with_in_reply_to(index: ThreadIndex) -> None:
    data = reply(CLIENT, "Re: opzegging", f"In-Reply-To: {OUR_ACK}\nReferences: {OUR_ACK}")
    match = match_thread(parse_mail(data), index)
    assert match is not None
    assert (match.ticket_id, match.ticket_ref, match.how) == (7, REF, HOW_IN_REPLY_TO)
    assert match.is_participant and not match.sender_unverified
    assert match.queue == "cancellation"


def test_client_that_kept_only_references(index: ThreadIndex) -> None:
    data = reply(COLLEAGUE, "Re: opzegging", f"References: <zz@a> {CLIENT_FIRST}")
    match = match_thread(parse_mail(data), index)
    assert match is not None and match.how == HOW_REFERENCES and match.is_participant


def test_client_that_dropped_references_keeps_in_reply_to(index: ThreadIndex) -> None:
    match = match_thread(parse_mail(reply(CLIENT, "Re: x", f"In-Reply-To: {OUR_ACK}")), index)
    assert match is not None and match.ticket_id == 7 and match.how == HOW_IN_REPLY_TO


def test_reply_with_only_the_subject_tag(index: ThreadIndex) -> None:
    match = match_thread(parse_mail(reply(CLIENT, f"Re: opzegging [{REF.lower()}]")), index)
    assert match is not None and match.how == HOW_SUBJECT_TAG and match.is_participant


def test_stranger_with_a_valid_tag_is_unverified(index: ThreadIndex) -> None:
    match = match_thread(parse_mail(reply("eve@evil.example", f"[{REF}] cancel all")), index)
    assert match is not None and match.ticket_id == 7
    assert not match.is_participant and match.sender_unverified


def test_stranger_with_a_forged_in_reply_to_is_unverified(index: ThreadIndex) -> None:
    data = reply("eve@evil.example", "Re: opzegging", f"In-Reply-To: {OUR_ACK}")
    match = match_thread(parse_mail(data), index)
    assert match is not None and match.sender_unverified


def test_forward_from_participant_is_a_followup(index: ThreadIndex) -> None:
    match = match_thread(parse_mail(reply(COLLEAGUE, f"Fwd: Re: opzegging [{REF}]")), index)
    assert match is not None and match.is_participant


def test_forward_from_stranger_is_unverified(index: ThreadIndex) -> None:
    match = match_thread(parse_mail(reply("boss@kmw-group.example", f"Fwd: x [{REF}]")), index)
    assert match is not None and match.sender_unverified


def test_spoof_attempt_with_unparseable_from_is_never_a_participant(index: ThreadIndex) -> None:
    data = reply(f"eve@evil.example(<{CLIENT}>", f"Re: [{REF}]")
    match = match_thread(parse_mail(data), index)
    assert match is not None and match.sender_unverified


def test_headers_win_over_the_tag(index: ThreadIndex) -> None:
    data = reply(CLIENT, f"Re: [{OTHER}]", f"In-Reply-To: {OUR_ACK}")
    match = match_thread(parse_mail(data), index)
    assert match is not None and match.ticket_ref == REF


def test_unknown_ids_and_tags_match_nothing(index: ThreadIndex) -> None:
    data = reply(CLIENT, "Re: [PK-ZZZZZZ] vraag", "In-Reply-To: <nobody@x>")
    assert match_thread(parse_mail(data), index) is None
    assert match_thread(parse_mail(reply(CLIENT, "nieuwe vraag")), index) is None


def test_new_refs_are_random_and_unambiguous() -> None:
    refs = {new_ticket_ref() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        assert re.fullmatch(rf"PK-[{REF_ALPHABET}]{{6}}", ref)
        assert not set(ref[3:]) & set("01OIL")
    seeded = [new_ticket_ref(random.Random(5)) for _ in range(2)]
    assert seeded[0] == seeded[1]


def test_find_ticket_refs() -> None:
    assert find_ticket_refs(f"Re: AW: vraag [{REF}] en [ pk-m4xw2b ]") == [REF, OTHER]
    assert find_ticket_refs("PK-7F3K9Q zonder haken, [PK-7F3K9] te kort, [PK-0O1IL2]") == []
    assert ticket_tag(REF) == f"[{REF}]"
    assert find_ticket_refs(f"x {ticket_tag(REF)}") == [REF]


def test_configurable_format() -> None:
    fmt = TagFormat(prefix="CS", length=8)
    ref = new_ticket_ref(fmt=fmt)
    assert ref.startswith("CS-") and len(ref) == 11
    assert find_ticket_refs(f"Re: [{ref}]", fmt) == [ref]
    assert find_ticket_refs(f"Re: [{REF}]", fmt) == []
    with pytest.raises(ValueError):
        TagFormat(prefix="P K")


def test_only_a_proven_mail_brings_its_to_and_cc_in() -> None:
    parsed = parse_mail(
        reply(
            CLIENT,
            f"Re: opzegging [{REF}]",
            "Cc: Wim <WIM@kmw.example.be>, support@contracts.example.com, "
            "Desk <desk@contracts.example.com>, wim@kmw.example.be",
        )
    )
    own = frozenset({"contracts.example.com", "support@contracts.example.com"})
    assert people_added(parsed, proven=True, own=own) == [COLLEAGUE]
    assert people_added(parsed, proven=False, own=own) == []
    assert people_added(parsed, proven=True) == [
        "support@contracts.example.com",
        COLLEAGUE,
        "desk@contracts.example.com",
    ]
