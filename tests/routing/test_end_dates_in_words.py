"""End dates in words through the whole routing path (`route_bytes` with a registry): the date
is counted from the mail's day in Brussels, the policy takes it, and `route --json` evidence
names the sentence, or says why a phrase gave no date."""

from __future__ import annotations

from typing import Any

import pytest

from routing.config import DEFAULT_CONFIG_PATH, load_routing_config, parse_routing_config
from routing.decide import route_bytes
from tests.routing.helpers import registry
from tests.support.mx import TRUST, stamped

CONFIG = load_routing_config(DEFAULT_CONFIG_PATH)


def mail(date_header: str, body: str, sender: str = "bob@beta.example.be") -> bytes:
    return (
        f"From: Bob <{sender}>\r\n"
        "To: support@contracts.example.com\r\n"
        "Subject: Opzegging onderhoudscontract HW-200\r\n"
        f"Date: {date_header}\r\n"
        "Message-ID: <end-words@beta.example.be>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Beste,\r\n\r\n{body}\r\n\r\nGroeten,\r\nBob\r\n"
    ).encode()


def decide(date_header: str, body: str) -> dict[str, Any]:
    raw = stamped(mail(date_header, body))
    return route_bytes(raw, registry=registry(), config=CONFIG, trust=TRUST).to_json()


@pytest.mark.parametrize(
    ("date_header", "body", "requested", "effective"),
    [
        # received + 1 month = 15 February; the end of the quarter is later
        (
            "Thu, 15 Jan 2026 10:00:00 +0100",
            "Wij zeggen het onderhoudscontract HW-200 op tegen het einde van het kwartaal.",
            "2026-03-31",
            "2026-03-31",
        ),
        # 31 January + 1 month clamps to 28 February, the end of next month too
        (
            "Sat, 31 Jan 2026 10:00:00 +0100",
            "Graag zeggen wij het onderhoudscontract HW-200 op tegen eind volgende maand.",
            "2026-02-28",
            "2026-02-28",
        ),
        # 23:30 UTC on 31 January is 1 February in Brussels: next month is March
        (
            "Sat, 31 Jan 2026 23:30:00 +0000",
            "Graag zeggen wij het onderhoudscontract HW-200 op tegen eind volgende maand.",
            "2026-03-31",
            "2026-03-31",
        ),
        # a leap day: received + 1 month = 29 March; the end of next month is 31 March
        (
            "Tue, 29 Feb 2028 09:00:00 +0100",
            "Please terminate maintenance agreement HW-200 at the end of next month.",
            "2028-03-31",
            "2028-03-31",
        ),
        # "per 1/4" is 1 April (day/month), in the next year once 1 April has passed
        (
            "Mon, 14 Dec 2026 09:00:00 +0100",
            "Wij zeggen het onderhoudscontract HW-200 op per 1/4.",
            "2027-04-01",
            "2027-04-01",
        ),
        # two weeks from 25 December is before the month of notice ends
        (
            "Fri, 25 Dec 2026 09:00:00 +0100",
            "Nous souhaitons résilier le contrat de maintenance HW-200 dans deux semaines.",
            "2027-01-08",
            "2027-01-25",
        ),
    ],
)
def test_end_dates_in_words_reach_the_policy(
    date_header: str, body: str, requested: str, effective: str
) -> None:
    decision = decide(date_header, body)
    assert decision["queue"] == "cancellation"
    assert decision["requested_end_date"] == requested
    assert decision["policy"]["outcome"] == "accepted"
    assert decision["policy"]["effective_date"] == effective
    [item] = decision["evidence"]["requested_end_date"]
    assert item == {"value": requested, "source": "body", "text": body}


def test_an_ambiguous_phrase_gives_no_date_and_the_evidence_says_why() -> None:
    body = "We willen het onderhoudscontract HW-200 volgende maand opzeggen."
    decision = decide("Tue, 10 Mar 2026 09:00:00 +0100", body)
    assert decision["requested_end_date"] is None
    assert decision["policy"]["effective_date"] == "2026-04-10"  # received + 1 month
    [item] = decision["evidence"]["requested_end_date"]
    assert item["value"] is None and item["text"] == body
    assert "ambiguous" in item["dropped"] and "volgende maand" in item["dropped"]


def test_an_impossible_date_is_dropped_with_the_reason() -> None:
    body = "Wij zeggen het onderhoudscontract HW-200 op per 29/02/2027."
    decision = decide("Tue, 10 Mar 2026 09:00:00 +0100", body)
    assert decision["requested_end_date"] is None
    [item] = decision["evidence"]["requested_end_date"]
    assert item["dropped"] == "not a valid date: February 2027 has 28 days, not 29"


def test_the_date_words_come_from_the_routing_config() -> None:
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    narrowed = parse_routing_config(
        text + "\nextraction:\n  date_words:\n    within: [binnen]\n", "narrowed.yaml"
    )
    body = "Nous souhaitons résilier le contrat de maintenance HW-200 dans deux semaines."
    raw = mail("Fri, 25 Dec 2026 09:00:00 +0100", body)
    found = route_bytes(stamped(raw), registry=registry(), config=CONFIG, trust=TRUST)
    assert found.requested_end_date is not None
    decision = route_bytes(stamped(raw), registry=registry(), config=narrowed, trust=TRUST)
    assert decision.requested_end_date is None
