"""Evidence through the production path (`route_bytes`, `postkamer route --json`): a named but
negated destruction certificate does not complete a cancellation, a sample cancellation's
evidence names the sentences, and mail that is not a cancellation carries no evidence for the
cancellation-only facts (they are false/null there, DOMAIN.md section 3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from postkamer.cli import main
from routing.config import DEFAULT_CONFIG_PATH, load_routing_config
from routing.decide import route_bytes
from tests.routing.helpers import SAMPLES, registry

RECEIVED = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _mail(body: str, subject: str = "Opzegging maandelijkse licentie ML-100") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Anna <anna@alpha.example.be>"  # the registered contact of ML-100
    msg["To"] = "support@contracts.example.com"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 03 Mar 2026 10:00:00 +0100"
    msg["Message-ID"] = "<evidence-1@alpha.example.be>"
    msg.set_content(body)
    msg.add_attachment(
        b"", maintype="application", subtype="pdf", filename="vernietigingsverklaring.pdf"
    )
    return bytes(msg)


def _route(data: bytes) -> dict[str, Any]:
    config = load_routing_config(DEFAULT_CONFIG_PATH)
    decision = route_bytes(data, registry=registry(), config=config, received=RECEIVED)
    return decision.to_json()


def test_a_named_certificate_with_a_negation_still_needs_the_confirmation() -> None:
    out = _route(
        _mail(
            "Hierbij zeggen wij onze maandelijkse licentie ML-100 op.\n"
            "We hebben de kopieën NOG NIET vernietigd, het attest is nog niet ondertekend.\n"
        )
    )
    assert (out["queue"], out["destruction_confirmation"]) == ("cancellation", False)
    assert out["policy"]["outcome"] == "needs_destruction_confirmation"
    assert out["reply_template"] == "cancellation/needs_destruction_confirmation"
    evidence = out["evidence"]["destruction_confirmation"]
    assert {(e["source"], e["dropped"]) for e in evidence} == {
        ("body", "negated"),
        ("body", "unsigned"),
        ("attachment:vernietigingsverklaring.pdf", "file name only"),
    }
    negated = next(e for e in evidence if e["dropped"] == "negated")
    assert negated["text"] == (
        "We hebben de kopieën NOG NIET vernietigd, het attest is nog niet ondertekend."
    )


def test_the_same_certificate_with_a_statement_completes_the_request() -> None:
    out = _route(
        _mail(
            "Hierbij zeggen wij onze maandelijkse licentie ML-100 op.\n"
            "Alle kopieën van de software werden vernietigd; in bijlage het getekende attest.\n"
        )
    )
    assert out["destruction_confirmation"] is True
    assert out["policy"]["outcome"] != "needs_destruction_confirmation"
    kept = [e for e in out["evidence"]["destruction_confirmation"] if "dropped" not in e]
    assert [e["source"] for e in kept] == ["body", "body"]


def test_no_cancellation_evidence_outside_cancellations() -> None:
    out = _route(
        _mail(
            "Onze printer geeft een papierstoring sinds de update. Alle kopieën van de oude "
            "software werden verwijderd, maar het probleem blijft.",
            subject="Storing printer HW-200",
        )
    )
    assert out["queue"] != "cancellation"
    assert out["destruction_confirmation"] is False
    assert "destruction_confirmation" not in out["evidence"]
    assert out["evidence"]["contract_numbers"][0]["value"] == "HW200"


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not present")
def test_route_json_evidence_of_a_sample_cancellation_names_the_sentences(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample = SAMPLES / "017-cancel-licence-certificate.eml"
    code = main(["route", "--json", str(sample), "--registry", str(SAMPLES / "contracts.csv")])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    evidence = out["evidence"]
    subject = {
        "value": "T2118660",
        "source": "subject",
        "text": "Termination monthly licence T2-118-660",
    }
    assert subject in evidence["contract_numbers"]
    body = next(e for e in evidence["contract_numbers"] if e["source"] == "body")
    assert body["text"].startswith("Hydrotec Engineering hereby gives notice to terminate")
    assert "T2-118-660" in body["text"]
    destruction = evidence["destruction_confirmation"]
    assert {
        "value": True,
        "source": "attachment:certificate_of_destruction.pdf",
        "text": destruction[0]["text"],
    } == destruction[0]
    assert "have been permanently destroyed" in destruction[0]["text"]
    assert evidence["requested_end_date"] == [
        {
            "value": "2026-12-31",
            "source": "body",
            "text": body["text"],
        }
    ]
    phones = [e for e in evidence["contract_numbers"] if e.get("dropped") == "phone number"]
    assert phones and all(e["source"] == "signature" for e in phones)
