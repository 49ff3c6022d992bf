"""RELIABILITY.md items 16-18 end to end: strangers cannot join a ticket by its tag or a forged
In-Reply-To, ticket references are not a guessable sequence, and a sender who is not a contact
of a contract learns nothing about it from an automatic reply.
"""

from __future__ import annotations

import itertools
import re

from sqlmodel import Session, col, select

from storage.models import Message, Participant
from storage.tickets import REF_ALPHABET
from tests.hostile.conftest import SQLITE_ONLY, Pipeline, reply_of
from tests.hostile.mails import plain

CONTACT = "Jan Deprez <jan.deprez@zevenlinden.example.be>"  # contact of HW-2207-4418
STRANGER = "Mallory <mallory@elders.example.org>"


def _reply_text(row_raw: bytes) -> str:
    from email import message_from_bytes, policy

    msg = message_from_bytes(row_raw, policy=policy.default)
    parts = [str(msg["Subject"])]
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def test_stranger_with_tag_or_forged_in_reply_to_gets_a_new_unverified_ticket(
    pipeline: Pipeline,
) -> None:
    pipeline.ingest(
        {
            "first.eml": plain(
                "Graag een technieker voor de printer, contract HW-2207-4418.\n",
                sender=CONTACT,
                subject="Printer stuk",
            )
        }
    )
    original = pipeline.stored("first.eml")
    assert original.ticket is not None and original.message is not None
    (ack,) = original.replies
    ref = original.ticket.ref
    pipeline.ingest(
        {
            "tag.eml": plain(
                "Wij bevestigen dat alle kopieën vernietigd werden.\n",
                sender=STRANGER,
                subject=f"Re: Printer stuk [{ref}]",
            ),
            "in-reply-to.eml": plain(
                "Stuur alle facturen naar mijn adres.\n",
                sender="Eve <eve@elders.example.org>",
                subject="Re: Printer stuk",
                extra=f"In-Reply-To: {ack.message_id}\nReferences: "
                f"{original.message.message_id} {ack.message_id}",
            ),
        }
    )
    for name in ("tag.eml", "in-reply-to.eml"):
        stored = pipeline.stored(name)
        assert stored.ticket is not None and stored.message is not None
        assert stored.ticket.id != original.ticket.id, f"{name} was appended to {ref}"
        assert "sender_unverified" in stored.ticket.flags, name
        assert stored.ticket.linked_ticket_id == original.ticket.id
        assert stored.message.disposition == "ticket"
    with Session(pipeline.engine) as s:
        on_original = list(s.exec(select(Message).where(Message.ticket_id == original.ticket.id)))
        people = set(
            s.exec(select(Participant.email).where(Participant.ticket_id == original.ticket.id))
        )
    assert [m.from_email for m in on_original if m.direction == "in"] == [
        "jan.deprez@zevenlinden.example.be"
    ]
    assert people == {"jan.deprez@zevenlinden.example.be"}
    # the real requester's follow-up with the same tag still joins the ticket
    pipeline.ingest(
        {"real.eml": plain("Nog steeds stuk.\n", sender=CONTACT, subject=f"Re: Printer [{ref}]")}
    )
    real = pipeline.stored("real.eml")
    assert real.ticket is not None and real.ticket.id == original.ticket.id
    assert real.message is not None and real.message.disposition == "followup"


_REF = re.compile(rf"^PK-[{REF_ALPHABET}]{{6}}$")


@SQLITE_ONLY
def test_ticket_references_are_random_not_a_sequence(pipeline: Pipeline) -> None:
    count = 60
    pipeline.ingest(
        {f"m{n:03}.eml": plain(f"Vraag nummer {n}\n", subject=f"Vraag {n}") for n in range(count)}
    )
    with Session(pipeline.engine) as s:
        refs = [
            t.ref
            for t in pipeline.tickets()
            if s.exec(select(Message.id).where(Message.ticket_id == t.id)).first() is not None
        ]
    assert len(refs) == count and len(set(refs)) == count
    assert all(_REF.match(r) for r in refs), refs[:5]
    values = [_base31(r[3:]) for r in refs]  # in creation order
    steps = {b - a for a, b in itertools.pairwise(values)}
    assert len(steps) > count // 2, "references advance by a fixed step"
    ups = sum(1 for a, b in itertools.pairwise(values) if b > a)
    assert 10 < ups < count - 10, "references increase with time"
    used = {c for r in refs for c in r[3:]}
    assert len(used) >= len(REF_ALPHABET) - 6, "references use only part of the alphabet"
    assert not used & set("01ILO"), "look-alike characters in a reference"


def _base31(text: str) -> int:
    value = 0
    for char in text:
        value = value * len(REF_ALPHABET) + REF_ALPHABET.index(char)
    return value


CONTRACT = "HW-2207-4418"
CONTRACT_FACTS = (
    "4418",
    "Zeven Linden",
    "2021",  # start year
    "2026-",  # ISO dates of the policy
    "01/",  # any dd/mm date
)


def test_a_non_contact_learns_nothing_about_a_contract_from_automatic_replies(
    pipeline: Pipeline,
) -> None:
    requests = {
        "copy.eml": (
            f"Kunt u mij een kopie van onderhoudscontract {CONTRACT} bezorgen?\n",
            "Kopie contract",
        ),
        "cancel.eml": (
            f"Hierbij zeggen wij onderhoudscontract {CONTRACT} op.\n",
            "Opzegging contract",
        ),
        "info.eml": (
            f"Tot wanneer loopt onderhoudscontract {CONTRACT} en wat kost het?\n",
            "Vraag over contract",
        ),
    }
    mails = {}
    for name, (body, subject) in requests.items():
        mails[f"stranger-{name}"] = plain(body, sender=STRANGER, subject=subject)
        mails[f"contact-{name}"] = plain(body, sender=CONTACT, subject=subject)
    pipeline.ingest(mails)
    contact_saw_facts = False
    for name in requests:
        stranger = pipeline.stored(f"stranger-{name}")
        assert stranger.ticket is not None
        assert (stranger.ticket.policy or {}).get("outcome") != "accepted", name
        for row in stranger.replies:
            text = _reply_text(row.raw)
            assert row.recipients == ["mallory@elders.example.org"]
            for fact in CONTRACT_FACTS:
                assert fact not in text, f"{name}: reply to a stranger contains {fact!r}"
            assert list(reply_of(row).iter_attachments()) == []
        contact = pipeline.stored(f"contact-{name}")
        for row in contact.replies:
            contact_saw_facts |= "4418" in _reply_text(row.raw)
    assert contact_saw_facts, "the check above would pass for any reply: contacts see facts"
    with Session(pipeline.engine) as s:
        strangers = list(
            s.exec(
                select(Message)
                .where(Message.from_email == "mallory@elders.example.org")
                .order_by(col(Message.id))
            )
        )
    assert len(strangers) == len(requests)
