"""Real-world header shapes that must be read as Python's own parser reads them: RFC 5322
comments and obsolete routes in address headers, a UTF-8 byte-order mark before the first
header (and before an mbox's first "From " line)."""

from __future__ import annotations

import mailbox
from pathlib import Path

from intake.model import RawMail
from intake.parse import parse_mail
from intake.sources.files import read_file
from tests.intake.helpers import mail

# RFC 5322 appendix A.5 and A.6.1
PETE = r"Pete(A wonderful \) chap) <pete(his account)@silly.test(his host)>"
MARY = "Mary Smith <@machine.tld:mary@example.net>, , jdoe@test  . example"
GROUP = (
    "A Group(Some people)\n     :Chris Jones <c@(Chris's host.)public.example>,\n"
    "         joe@example.org,\n  John <jdoe@one.test> (my dear friend); (the end of the group)"
)


def test_comments_inside_an_address_give_the_sender() -> None:
    parsed = parse_mail(mail(f"From: {PETE}\nTo: support@contracts.example.com\nSubject: x"))
    assert parsed.from_ is not None
    assert (parsed.from_.name, parsed.from_.email) == ("Pete", "pete@silly.test")
    assert not any(d.lower().startswith("from") for d in parsed.defects)


def test_obsolete_route_and_empty_list_element_keep_the_to_header() -> None:
    parsed = parse_mail(mail(f"From: a@example.be\nTo: {MARY}\nCc: {GROUP}\nSubject: x"))
    assert [(a.name, a.email) for a in parsed.to] == [
        ("Mary Smith", "mary@example.net"),
        ("", "jdoe@test.example"),
    ]
    assert [a.email for a in parsed.cc] == ["c@public.example", "joe@example.org", "jdoe@one.test"]


def test_an_empty_group_with_comments_is_no_address_and_no_defect() -> None:
    parsed = parse_mail(
        mail(
            "From: a@example.be\n"
            "Cc: (Empty list)(start)Hidden recipients  :(nobody(that I know))  ;"
        )
    )
    assert parsed.cc == ()
    assert not any(d.lower().startswith("cc") for d in parsed.defects)


def test_words_around_an_address_without_brackets_are_still_refused() -> None:
    for header in (
        '"alice" bob@example.org',
        "alice@example.org bob@example.org",
        "jan peeters@example.be",
        "alice@example.org(<bob@example.org>",
    ):
        parsed = parse_mail(mail(f"From: {header}\nSubject: x"))
        assert parsed.from_ is None, header
        assert any(d.lower().startswith("from") for d in parsed.defects), header


BOM = b"\xef\xbb\xbf"


def test_byte_order_mark_before_the_headers_keeps_the_first_header() -> None:
    parsed = parse_mail(BOM + mail("From: Jan <jan@klant.example.be>\nSubject: vraag"))
    assert parsed.from_ is not None and parsed.from_.email == "jan@klant.example.be"
    assert parsed.subject == "vraag"


def test_mbox_starting_with_a_byte_order_mark_is_split_into_its_mails(tmp_path: Path) -> None:
    plain = tmp_path / "plain.mbox"
    box = mailbox.mbox(plain)
    for i in (1, 2, 3):
        box.add(mail(f"From: jan{i}@klant.example.be\nSubject: vraag {i}", f"tekst {i}\n"))
    box.flush()
    marked = tmp_path / "marked.mbox"
    marked.write_bytes(BOM + plain.read_bytes())
    mails = [m for m in read_file(marked, 1 << 20) if isinstance(m, RawMail)]
    assert [parse_mail(m.data).subject for m in mails] == ["vraag 1", "vraag 2", "vraag 3"]
    assert all("Subject: vraag" not in parse_mail(m.data).text for m in mails)
