"""A signed destruction certificate sent as a scan, through the whole routing path
(`route_bytes` with a registry): read with OCR it confirms the destruction and the monthly
licence's cancellation is accepted; unreadable, the request goes to a person (`manual_review`,
"certificate attached but unreadable") instead of being accepted or refused."""

from __future__ import annotations

from typing import Any

import pytest

from intake.extract import extract, mail_text
from intake.model import Evidence, SenderProof
from intake.parse import parse_mail
from routing.config import DEFAULT_CONFIG_PATH, load_routing_config
from routing.decide import combine_extractions, route_bytes
from routing.policy import evaluate
from tests.routing.helpers import d, extraction, registry
from tests.support.mx import TRUST, stamped
from tests.support.ocr import (
    BLANK_FORM_NL,
    CERTIFICATE_FR,
    CERTIFICATE_NL,
    cancellation_mail,
    certificate,
    encoded,
    noise,
    require_tesseract,
)

CONFIG = load_routing_config(DEFAULT_CONFIG_PATH)
TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff", "PDF": "application/pdf"}
UNREADABLE = "certificate attached but unreadable"


@pytest.fixture(autouse=True)
def tesseract() -> None:
    require_tesseract()


def decide(raw: bytes) -> dict[str, Any]:
    decision = route_bytes(stamped(raw), registry=registry(), config=CONFIG, trust=TRUST)
    out = decision.to_json()
    out["explanation"] = list(decision.explanation)
    return out


@pytest.mark.parametrize(
    ("kind", "lines", "filename"),
    [
        ("PNG", CERTIFICATE_NL, "scan_0001.png"),
        ("JPEG", CERTIFICATE_FR, "IMG_20260303_0915.jpg"),
        ("TIFF", CERTIFICATE_NL, "scan.tif"),
        ("PDF", CERTIFICATE_FR, "DOC_20260303.pdf"),
    ],
)
def test_a_scanned_signed_certificate_is_read_and_accepted(
    kind: str, lines: tuple[str, ...], filename: str
) -> None:
    raw = cancellation_mail(encoded(certificate(lines), kind), filename, TYPES[kind])
    decision = decide(raw)
    assert decision["queue"] == "cancellation"
    assert decision["destruction_confirmation"] is True
    assert decision["policy"] == {
        "outcome": "accepted",
        "effective_date": "2026-04-02",  # received 3 March + 30 days
        "earliest_notice_date": None,
    }
    # the statement was read from the scan: a neutral file name does not confirm anything
    found = extract(mail_text(parse_mail(raw)), registry(), CONFIG.extraction)
    assert any(f"in the text of '{filename}'" in line for line in found.evidence)
    assert "certificate_unreadable" not in decision["evidence"]


@pytest.mark.parametrize("kind", ["PNG", "PDF"])
def test_a_scan_of_the_blank_form_sent_back_unfilled_confirms_nothing(kind: str) -> None:
    # OCR reads no dotted line: what is left of each field is its label alone on its line
    blank = encoded(certificate(BLANK_FORM_NL, signed=False), kind)
    body = "Wij zeggen de maandelijkse licentie ML-100 op. In bijlage de verklaring."
    decision = decide(cancellation_mail(blank, f"scan_0001.{kind.lower()}", TYPES[kind], body))
    assert decision["policy"]["outcome"] == "needs_destruction_confirmation"
    assert decision["destruction_confirmation"] is False
    why = {e.get("dropped") for e in decision["evidence"]["destruction_confirmation"]}
    assert "blank form" in why and None not in why
    assert "certificate_unreadable" not in decision["evidence"]


@pytest.mark.parametrize(
    ("filename", "body"),
    [
        ("vernietigingsverklaring.png", "Wij zeggen de maandelijkse licentie ML-100 op."),
        (
            "IMG_0001.png",
            "Wij zeggen de licentie ML-100 op. In bijlage de ondertekende vernietigingsverklaring.",
        ),
    ],
)
def test_an_unreadable_certificate_goes_to_manual_review(filename: str, body: str) -> None:
    decision = decide(cancellation_mail(encoded(noise(), "PNG"), filename, "image/png", body))
    assert decision["policy"]["outcome"] == "manual_review"
    assert decision["reply_template"] == "cancellation/manual_review"
    assert any(UNREADABLE in line for line in decision["explanation"])
    [item] = decision["evidence"]["certificate_unreadable"]
    assert item["value"] is True and item["source"] == f"attachment:{filename}"
    assert item["text"].startswith(UNREADABLE) and "OCR found no readable text" in item["text"]


def test_a_photo_that_is_not_said_to_be_a_certificate_changes_nothing() -> None:
    body = "Wij zeggen de maandelijkse licentie ML-100 op. Zie foto van de machine."
    decision = decide(
        cancellation_mail(encoded(noise(), "JPEG"), "IMG_0001.jpg", "image/jpeg", body)
    )
    assert decision["policy"]["outcome"] == "needs_destruction_confirmation"
    assert "certificate_unreadable" not in decision["evidence"]


def test_a_statement_in_the_body_is_enough_when_the_scan_is_unreadable() -> None:
    body = (
        "Wij zeggen de licentie ML-100 op. Wij bevestigen dat alle kopieën van de software "
        "vernietigd zijn."
    )
    raw = cancellation_mail(
        encoded(noise(), "PNG"), "vernietigingsverklaring.png", "image/png", body
    )
    decision = decide(raw)
    assert decision["policy"]["outcome"] == "accepted"
    [item] = decision["evidence"]["certificate_unreadable"]
    assert item["value"] is False and "not needed" in item["dropped"]


def test_a_certificate_over_the_pixel_limit_is_unreadable() -> None:
    huge = certificate(size=(7000, 4000))  # 28 million pixels: over the default limit
    raw = cancellation_mail(encoded(huge, "PNG"), "attest_vernietiging.png", "image/png")
    decision = decide(raw)
    assert decision["policy"]["outcome"] == "manual_review"
    [item] = decision["evidence"]["certificate_unreadable"]
    assert "over the OCR limit" in item["text"]


def test_the_policy_only_reviews_monthly_licences_for_it() -> None:
    common: dict[str, Any] = {
        "sender": "anna@alpha.example.be",
        "registry": registry(),
        "received": d("2026-03-03"),
        "destruction_confirmation": True,
        "machine_out_of_use": False,
        "requested_end_date": None,
        "breach_claimed": False,
        "sender_proof": SenderProof("proven", "dmarc"),
    }
    monthly = evaluate(contract_numbers=["ML-100"], certificate_unreadable=True, **common)
    assert monthly.outcome == "manual_review"
    assert any(step.startswith("Monthly licence: " + UNREADABLE) for step in monthly.steps)
    readable = evaluate(contract_numbers=["ML-100"], certificate_unreadable=False, **common)
    assert readable.outcome == "accepted"
    common["sender"] = "bob@beta.example.be"
    maintenance = evaluate(contract_numbers=["HW-200"], certificate_unreadable=True, **common)
    assert maintenance.outcome == "accepted"  # maintenance needs no certificate


def test_a_later_readable_confirmation_completes_the_request() -> None:
    unreadable = extraction(
        contract_numbers=("ML100",),
        destruction_confirmation=True,
        certificate_unreadable=True,
        found=(Evidence("certificate_unreadable", True, "attachment:scan.png", UNREADABLE),),
    )
    readable = extraction(contract_numbers=("ML100",), destruction_confirmation=True)
    assert combine_extractions([unreadable]).certificate_unreadable
    assert not combine_extractions([unreadable, readable]).certificate_unreadable
    assert not combine_extractions([readable, unreadable]).certificate_unreadable
    assert combine_extractions([extraction(), unreadable]).certificate_unreadable
