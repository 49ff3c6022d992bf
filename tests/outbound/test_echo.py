"""What an automatic reply repeats of the sender's words: a display name only when it is a
name, a subject without links or addresses and no longer than a few words."""

from __future__ import annotations

import pytest

from outbound.echo import MAX_WORDS, echo_subject, greeting_name, has_link


@pytest.mark.parametrize(
    "name",
    [
        "Jan Peeters",
        "Peeters, Jan",
        "Marie-Claire Dubois",
        "J.P. Morgan",
        "Sofie Van den Broeck",
        "{{7*7}} Peeters",
        "Zoë Ďurček",
    ],
)
def test_a_name_is_greeted_as_written(name: str) -> None:
    assert greeting_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "Your account is suspended, log in at https://evil.test/login",
        "evil.test/login",
        "www.evil.test",
        "Visit evil.test today",
        "jan@klant.example.be",
        "Jan (jan at evil.test)",
        "ｅｖｉｌ．ｔｅｓｔ",  # fullwidth letters and full stop read as evil.test
        "hxxps://evil.test",
        "Please call our helpdesk right now",  # five words may be a name; six are not
        "x" * 61,
    ],
)
def test_a_message_posing_as_a_name_is_not_greeted(name: str) -> None:
    assert greeting_name(name) == ""


def test_the_subject_echo_loses_links_addresses_and_length() -> None:
    assert echo_subject("Re: AW: Vraag over contract [PK-7F3K9Q]") == "Vraag over contract"
    assert echo_subject("Log in at https://evil.test/login now") == "Log in at now"
    assert echo_subject("Mail help@evil.test or see www.evil.test") == "Mail or see"
    long = "Opzegging onderhoudscontract HW-2207-4418 per 30 juni 2026"
    assert echo_subject(long) == "Opzegging onderhoudscontract HW-2207-4418 per 30…"
    assert len(echo_subject(long).split()) == MAX_WORDS
    assert echo_subject("https://evil.test/login") == ""
    assert echo_subject("v2.0 crasht in module x.y") == "v2.0 crasht in module x.y"


def test_has_link() -> None:
    assert has_link("zie evil.test") and has_link("a@b.example") and has_link("http://x")
    assert not has_link("Contract ML 402-118, versie 2.0")
