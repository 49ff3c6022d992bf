"""Extraction rules on short mails written for the purpose (not the samples)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from intake.extract import ExtractionConfig, extract
from intake.extract.dates import find_dates
from intake.model import Extraction, MailText
from routing.registry import Contract, Registry

REG = Registry(
    [
        Contract(
            "AB12345",
            "AB-12345",
            "maintenance",
            "hardware",
            "X",
            frozenset(),
            date(2020, 1, 1),
            "nl",
        ),
        Contract(
            "7730152",
            "7730152",
            "passport_advantage",
            "software",
            "Y",
            frozenset(),
            date(2020, 1, 1),
            "nl",
        ),
    ]
)


def run(
    body: str,
    subject: str = "",
    signature: str = "",
    names: tuple[str, ...] = (),
    texts: tuple[str, ...] = (),
    full: str | None = None,
) -> Extraction:
    mail = MailText(
        subject=subject,
        new_text=body,
        full_text=full if full is not None else body + "\n" + signature,
        signature=signature,
        attachment_names=names,
        attachment_texts=texts or tuple("" for _ in names),
    )
    return extract(mail, REG)


@pytest.mark.parametrize(
    "body",
    [
        "Wij bevestigen dat alle kopieën van de software vernietigd zijn.",
        "Toutes les copies du logiciel ont été détruites.",
        "We confirm that all copies of the software have been destroyed.",
        "All installations and copies were deleted last week.",
    ],
)
def test_destruction_statements_confirm(body: str) -> None:
    assert run(body).destruction_confirmation


@pytest.mark.parametrize(
    "body",
    [
        "Zodra we uw bevestiging ontvangen, zullen we alle kopieën vernietigen.",
        "We will destroy all copies of the software next week.",
        "Nous détruirons toutes les copies du logiciel.",
        "De kopieën van de software zijn nog niet vernietigd.",
        "Nous n'avons pas encore détruit les copies du logiciel.",
        "We have not destroyed the copies yet.",
        "Moeten alle kopieën vernietigd zijn voor de opzegging?",
        "If you received this in error, all copies must be destroyed.",
        "Si vous avez reçu ce message par erreur, toutes les copies doivent être supprimées.",
    ],
)
def test_promises_negations_questions_and_disclaimers_do_not_confirm(body: str) -> None:
    assert not run(body).destruction_confirmation


def test_destruction_by_attachment_text_or_cover_sentence_never_by_name_alone() -> None:
    named = run("Zie bijlage.", names=("Vernietigingsverklaring-2026.pdf",))
    assert not named.destruction_confirmation
    assert [(e.source, e.dropped) for e in named.found if e.fact == "destruction_confirmation"] == [
        ("attachment:Vernietigingsverklaring-2026.pdf", "file name only")
    ]
    # the body says what the attached file is
    said = run("In bijlage het ondertekende attest.", names=("Vernietigingsverklaring-2026.pdf",))
    assert said.destruction_confirmation
    offer = run("In bijlage het ondertekende attest.", names=("offerte.pdf",))
    assert not offer.destruction_confirmation
    scan = "ATTESTATION\nNous certifions que toutes les copies du logiciel\nont été détruites."
    found = run("Ci-joint le document.", names=("scan001.pdf",), texts=(scan,))
    assert found.destruction_confirmation
    assert any("scan001.pdf" in line for line in found.evidence)
    body = "Please find attached our certificate of destruction."
    assert run(body, names=("IMG_0001.jpg",)).destruction_confirmation
    assert not run(body).destruction_confirmation  # says attached, but nothing is
    question = "Faut-il vous envoyer une attestation de destruction ?"
    assert not run(question, names=("facture.pdf",)).destruction_confirmation


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Gelieve op te zeggen met ingang van 31/12/2026.", date(2026, 12, 31)),
        ("Opzeggen per 31-12-2026 aub.", date(2026, 12, 31)),
        ("Wij zeggen op tegen 31 december 2026.", date(2026, 12, 31)),
        ("Résiliation à partir du 1er mars 2026.", date(2026, 3, 1)),
        ("Merci de résilier au 31 décembre 2026.", date(2026, 12, 31)),
        ("Please terminate effective 2026-12-31.", date(2026, 12, 31)),
        ("Termination as of December 31, 2026 please.", date(2026, 12, 31)),
        ("Opzeggen tegen eind juni 2026.", date(2026, 6, 30)),
        ("Onze factuur van 15/01/2026 is betaald.", None),
        ("Le technicien est venu le 02/04/2026.", None),
        ("Je suis absente jusqu'au 21 août 2026.", None),
        ("Opzeggen tegen 31 juni 2026.", None),  # not a real date
    ],
)
def test_requested_end_date(body: str, expected: date | None) -> None:
    assert run(body).requested_end_date == expected


def test_dates_in_quoted_history_are_not_requested() -> None:
    body = "Gelieve de licentie op te zeggen."
    full = body + "\n\nVan: X\nVerzonden: dinsdag 21 april 2026\nOnderwerp: opzeggen per 30/04/2026"
    assert run(body, full=full).requested_end_date is None


def test_numbers_that_are_not_contract_numbers() -> None:
    body = (
        "Ons contract loopt nog. Bel +32 56 24 81 90 of 0476 55 20 73. BTW BE0438.271.932, "
        "IBAN BE49 4730 2188 4571, ondernemingsnummer 0448.820.681, 8500 Kortrijk. "
        "Bestelbon PO-2019-0447, factuur nr. 2026/0781 van 02/06/2026, serienummer 9117-KX4, "
        "foutcode E-214. Re: [PK-7F3K9Q]. Contract sinds 2019."
    )
    assert run(body, subject="Vraag over contract [PK-7F3K9Q]").contract_numbers == ()


def test_contract_numbers_by_keyword_and_by_registry() -> None:
    found = run(
        "Wij zeggen het onderhoudscontract met nummer GC 2020 0585 op. "
        "Ook ab 123 45 graag. Passport Advantage sitenummer is 7730152.",
    )
    assert found.contract_numbers == ("7730152", "AB12345", "GC20200585")
    assert any("next to 'onderhoudscontract'" in line for line in found.evidence)
    assert run("contrat de maintenance n° MC/2024/00871").contract_numbers == ("MC202400871",)
    assert run("maintenance agreement no. 88-ZT-1043 for the lab").contract_numbers == ("88ZT1043",)
    # keyword without a number, and a keyword inside a longer word
    assert run("Het contractnummer heb ik niet bij de hand.").contract_numbers == ()
    assert run("De licentiesleutel 12345678 werkt niet.").contract_numbers == ()


def test_registry_numbers_in_attachments_and_quotes_count() -> None:
    found = run("Zie bijlage.", names=("x.pdf",), texts=("Contract AB-12345, pagina 1",))
    assert found.contract_numbers == ("AB12345",)
    found = run("Graag opzeggen.", full="Graag opzeggen.\n\n> Kan jij 7730152 laten opzeggen?")
    assert found.contract_numbers == ("7730152",)


def test_out_of_use_breach_kinds_and_phone() -> None:
    assert run("De server is niet meer in gebruik sinds maart.").machine_out_of_use
    assert run("Le serveur a été mis hors service.").machine_out_of_use
    assert run("The machine was decommissioned last month.").machine_out_of_use
    assert not run("The machine is not decommissioned yet.").machine_out_of_use
    assert not run("Het toestel start niet meer op.").machine_out_of_use
    assert run("Vous ne respectez pas vos obligations.").breach_claimed
    assert run("Jullie hebben de afspraken niet nagekomen.").breach_claimed
    assert not run("Gelieve het contract op te zeggen.").breach_claimed
    kinds = run("Opzeg maandlicentie en Passport Advantage, en het onderhoudsaddendum.").kind_hints
    assert kinds == ("passport_advantage", "monthly_license", "maintenance_addendum")
    sig = "Met vriendelijke groeten,\nJan\nBTW BE0412.986.408\nTel. +32 53 70 14 00"
    assert run("Vraag.", signature=sig).phone == "+32 53 70 14 00"
    assert run("Vraag.", signature="Groeten,\nJan").phone is None


def test_language_of_new_text() -> None:
    assert run("Gelieve ons contract op te zeggen, met vriendelijke groeten.").language == "nl"
    assert run("Nous souhaitons résilier notre contrat.").language == "fr"
    assert run("We would like to cancel our contract.").language == "en"
    assert run("").language == "nl"  # undecidable: the default


def test_config_is_validated_and_editable() -> None:
    with pytest.raises(ValidationError, match="does not compile"):
        ExtractionConfig(breach=["(unclosed"])
    with pytest.raises(ValidationError):
        ExtractionConfig.model_validate({"no_such_key": 1})
    custom = ExtractionConfig(contract_keywords=[r"dossier"], language_method="stopwords")
    mail = MailText(
        subject="", new_text="dossier 55-1234", full_text="dossier 55-1234", signature=""
    )
    assert extract(mail, REG, custom).contract_numbers == ("551234",)
    assert extract(mail, REG).contract_numbers == ()


def test_find_dates_formats() -> None:
    text = "31/12/2026 1-3-2026 2026-12-31 31 décembre 2026 1er mars 2026 December 31, 2026"
    assert [d.value for d in find_dates(text)] == [
        date(2026, 12, 31),
        date(2026, 3, 1),
        date(2026, 12, 31),
        date(2026, 12, 31),
        date(2026, 3, 1),
        date(2026, 12, 31),
    ]
