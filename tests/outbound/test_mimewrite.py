"""The MIME writer replies are made with: what a mail client parses back (stdlib parser,
`policy.default`) is what we meant, lines stay within 78 characters, and no value can add a
header line."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outbound.compose import Recipient, clean_text, compose_raw_reply
from outbound.mimewrite import (
    Value,
    address_list,
    alternative,
    header,
    normal_text,
    text_part,
    unstructured,
)
from outbound.templates import RenderedReply

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), min_codepoint=1, max_codepoint=0x2FFFF),
    max_size=220,
)


def _parse(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def _head(name: str, value: Value) -> EmailMessage:
    return _parse((header(name, value) + "\r\n\r\n").encode("ascii"))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_subject_reads_back_as_one_clean_line(value: str) -> None:
    subject = clean_text(value)
    line = header("Subject", unstructured(subject))
    assert all(len(part) <= 78 or " " not in part.strip() for part in line.split("\r\n"))
    parsed = _head("Subject", unstructured(subject))
    assert list(parsed.keys()) == ["Subject"]
    assert str(parsed["Subject"]) == subject


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), min_codepoint=1), max_size=14))
def test_any_display_name_reads_back(value: str) -> None:
    name = clean_text(value)
    recipient = Recipient("jan@klant.example.be", name)
    parsed = _head("To", address_list([recipient]))
    (address,) = parsed["To"].addresses
    assert address.addr_spec == "jan@klant.example.be"
    assert address.display_name == name


def test_long_headers_fold_at_78_and_address_lists_keep_their_commas() -> None:
    people = [Recipient(f"person{i}@klant.example.be", f"Persoon Nummer {i}") for i in range(6)]
    people.append(Recipient("c@klant.example.be", 'Dupont, "Jean" (Sales)'))
    line = header("To", address_list(people))
    assert all(len(part) <= 78 for part in line.split("\r\n"))
    parsed = _head("To", address_list(people))
    got = [(a.display_name, a.addr_spec) for a in parsed["To"].addresses]
    assert got == [(p.name, p.email) for p in people]
    subject = "Vraag " * 40
    folded = header("Subject", unstructured(subject.strip()))
    assert folded.count("\r\n") >= 3 and all(len(p) <= 78 for p in folded.split("\r\n"))


@pytest.mark.parametrize("evil", ["a\r\nBcc: x@evil.example", "a\nb", "a\x00b"])
def test_line_breaks_are_refused_even_if_a_caller_forgot_to_clean(evil: str) -> None:
    with pytest.raises(ValueError):
        unstructured(evil)
    with pytest.raises(ValueError):
        header("To", address_list([Recipient("jan@klant.example.be", evil)]))


def test_bodies_are_7bit_or_quoted_printable_and_decode_to_the_text() -> None:
    assert b"Content-Transfer-Encoding: 7bit" in text_part("plain", "Hello\nworld\n")
    long_ascii = "word " * 40 + "\n"
    assert b"quoted-printable" in text_part("plain", long_ascii)
    text = "Geachte meneer Müller,  \n\n" + "é" * 200 + "\n.\nFrom here = there\n"
    html = "<p>Résiliation</p>"
    raw, plain = alternative([("Subject", unstructured("x"))], text, html, language="nl")
    assert plain == normal_text(text)
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    msg = _parse(raw)
    assert msg.get_content_type() == "multipart/alternative" and msg["Content-Language"] == "nl"
    body = msg.get_body(("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n") == plain
    html_part = msg.get_body(("html",))
    assert html_part is not None and html_part.get_content().strip() == html


def test_composed_reply_carries_what_the_outbox_stores() -> None:
    rendered = RenderedReply("ack/general", "fr", "Accusé", "Bonjour Zoë\n", "<p>Bonjour</p>")
    reply = compose_raw_reply(
        rendered,
        from_addr="Contract Support <support@contracts.example.com>",
        to=[Recipient("Zoe@Klant.example.be", "Zoë Lefèvre")],
        cc=[Recipient("zoe@klant.example.be"), Recipient("b@klant.example.be")],
        ticket_ref="PK-7F3K9Q",
        domain="contracts.example.com",
        now=NOW,
        original_subject="Résiliation",
        in_reply_to="<a@klant.example.be>",
        references=["<root@klant.example.be>"],
    )
    msg = _parse(reply.raw)
    assert reply.recipients == ("zoe@klant.example.be", "b@klant.example.be")
    assert str(msg["Message-ID"]) == reply.message_id
    assert str(msg["Subject"]) == reply.subject == "Re: Résiliation [PK-7F3K9Q]"
    assert reply.in_reply_to == "<a@klant.example.be>" == str(msg["In-Reply-To"])
    assert reply.references == ("<root@klant.example.be>", "<a@klant.example.be>")
    assert msg["To"].addresses[0].display_name == "Zoë Lefèvre"
    assert reply.text == "Bonjour Zoë\n" and reply.language == "fr"
    assert reply.message()["Message-ID"] == reply.message_id
