"""split_reply on real replies (email-reply-parser bodies, talon .eml files) and on Dutch and
French client formats."""

from __future__ import annotations

import time

from intake.quoting import split_reply
from tests.extract.helpers import CORPUS, parse

ERP = CORPUS / "email-reply-parser"


def _erp(name: str) -> str:
    return (ERP / name).read_text(encoding="utf-8")


def test_on_wrote_header_and_quoted_lines_are_not_new_text() -> None:
    parts = split_reply(_erp("email_1_2.txt"))
    assert parts.new_text.startswith("Hi,")
    assert "You can list the keys for the bucket" in parts.new_text
    assert "What is the best way to clear a Riak bucket" not in parts.new_text
    assert "Abhishek Kona wrote:" in parts.quoted


def test_attribution_wrapped_over_lines() -> None:
    parts = split_reply(_erp("email_1_6.txt"))
    assert parts.new_text == "I get proper rendering as well."
    assert "Was this caching related" not in parts.new_text
    parts = split_reply(_erp("email_gmail.txt"))
    assert parts.new_text == "This is a test for inbox replying to a github message."
    assert "personally too lazy" in parts.quoted


def test_inline_answers_between_quotes_stay_new_text() -> None:
    parts = split_reply(_erp("email_1_8.txt"))
    assert "I will reply under this one" in parts.new_text
    assert "and under this." in parts.new_text
    assert "here's some stuff I can write" not in parts.new_text
    assert "Hey there, this is my signature" in parts.signature


def test_outlook_header_blocks() -> None:
    for name, expected in (
        ("email_2_1.txt", "Outlook with a reply"),
        ("email_2_2.txt", "Outlook with a reply directly above line"),
        ("email_2_3.txt", "Outlook with a reply above headers using unusual format"),
        ("email_headers_no_delimiter.txt", "And another reply!"),
    ):
        parts = split_reply(_erp(name))
        assert parts.new_text == expected, name
        assert parts.quoted


def test_signatures() -> None:
    parts = split_reply(_erp("correct_sig.txt"))
    assert parts.new_text == "this is an email with a correct -- signature."
    assert parts.signature.endswith("rick")
    parts = split_reply(_erp("email_iPhone.txt"))
    assert parts.new_text == "Here is another email"
    assert parts.signature == "Sent from my iPhone"
    # not signatures: a long "Sent from my desk, ..." sentence, "--" inside a line
    assert "Sent from my desk" in split_reply(_erp("email_sent_from_my_not_signature.txt")).new_text
    parts = split_reply(_erp("email_sig_delimiter_in_middle_of_line.txt"))
    assert "this is not a signature" in parts.new_text
    assert "kthxbai" in parts.new_text


def test_lines_starting_with_on_are_not_headers() -> None:
    parts = split_reply(_erp("greedy_on.txt"))
    assert parts.new_text.startswith("On your remote host you can run:")
    assert "port forwarding stopped" not in parts.new_text
    parts = split_reply(_erp("email_one_is_not_on.txt"))
    assert "One outstanding question I had:" in parts.new_text
    assert "much better query" not in parts.new_text


def test_talon_client_replies() -> None:
    checked = 0
    for path in sorted((CORPUS / "talon").glob("*.eml")):
        mail = parse(path.read_bytes())
        parts = split_reply(mail.text)
        if parts.quoted:
            checked += 1
            first_quoted = parts.quoted.splitlines()[0]
            assert first_quoted not in parts.new_text, path.name
        assert len(parts.new_text) < len(mail.text) or not parts.quoted
    assert checked >= 8
    gmail = split_reply(parse((CORPUS / "talon" / "gmail.eml").read_bytes()).text)
    assert gmail.quoted and gmail.new_text
    assert "wrote:" not in gmail.new_text


def test_dutch_outlook_reply_with_signature() -> None:
    text = (
        "Beste,\n\nGelieve de licentie op te zeggen.\n\nMvg,\nWim Coucke\n+32 56 24 81 77\n\n"
        "-----Oorspronkelijk bericht-----\nVan: Sofie <s@example.be>\n"
        "Verzonden: dinsdag 21 april 2026 16:02\nAan: Wim <w@example.be>\n"
        "Onderwerp: opzeggen\n\nHoi Wim, kan jij dit opzeggen?\n"
    )
    parts = split_reply(text)
    assert parts.new_text == "Beste,\n\nGelieve de licentie op te zeggen."
    assert parts.signature.startswith("Mvg,") and "+32 56 24 81 77" in parts.signature
    assert "21 april 2026" in parts.quoted and "Hoi Wim" in parts.quoted


def test_french_headers_and_attribution() -> None:
    text = (
        "Bonjour,\nVoici le document.\nCordialement,\nLuc\n\n"
        "De : Chantal <c@example.net>\nEnvoyé : lundi 9 mars 2026 17:40\n"
        "À : Luc <l@example.net>\nObjet : Licence\n\nLuc, peux-tu résilier ?\n"
    )
    parts = split_reply(text)
    assert parts.new_text == "Bonjour,\nVoici le document."
    assert "peux-tu résilier" in parts.quoted
    text = (
        "Merci !\n\nLe mar. 10 mars 2026 à 09:15, Luc Dupont <l@example.net> a écrit :\n> vieux\n"
    )
    parts = split_reply(text)
    assert parts.new_text == "Merci !"
    assert "> vieux" in parts.quoted
    text = "Prima.\n\nOp di 10 mrt 2026 om 09:15 schreef Jan <j@example.be>:\n> oud\n"
    assert split_reply(text).new_text == "Prima."


def test_forwarded_message_is_quoted() -> None:
    text = (
        "Zie hieronder.\n\n---------- Forwarded message ---------\nFrom: Kevin <k@example.com>\n"
        "Date: Mon, 11 May 2026 at 07:41\nSubject: portal\n\nThe portal is down.\n"
    )
    parts = split_reply(text)
    assert parts.new_text == "Zie hieronder."
    assert "The portal is down." in parts.quoted


def test_linear_time_on_hostile_lines() -> None:
    hostile = ("On " + "x" * 250 + " wrote" * 20 + "\n") * 2000 + ("> a\n" * 50000)
    hostile += ("From: a\n" * 20000) + ("Met vriendelijke groeten " * 10 + "\n") * 2000
    start = time.perf_counter()
    split_reply(hostile)
    assert time.perf_counter() - start < 2.0
