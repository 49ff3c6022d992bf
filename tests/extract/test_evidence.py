"""Where each fact was found (`Extraction.found`), and the rules that evidence made visible:
a destruction certificate's file name alone, a certificate that is not signed or the desk's
blank form never confirm; a negation about the destruction anywhere in the mail wins; a number
right after a contract keyword is read as written; numbers as people write them (over a line
break, with no-break spaces, in HTML table cells)."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from intake.extract import ExtractionConfig, extract, mail_text
from intake.extract.destruction import OVERRULED
from intake.model import Evidence, Extraction, MailText
from intake.parse import parse_mail
from routing.registry import Contract, Registry

REG = Registry(
    [
        Contract(
            "0032447109",
            "0032-4471-09",
            "maintenance",
            "hardware",
            "X",
            frozenset(),
            date(2020, 1, 1),
            "nl",
        ),
        Contract(
            "OH55210093",
            "OH-5521-0093",
            "maintenance",
            "hardware",
            "Y",
            frozenset(),
            date(2020, 1, 1),
            "nl",
        ),
    ]
)
NO_REGISTRY = Registry([])


def run(
    body: str,
    subject: str = "",
    signature: str = "",
    names: tuple[str, ...] = (),
    texts: tuple[str, ...] = (),
    full: str | None = None,
    registry: Registry = REG,
    config: ExtractionConfig | None = None,
) -> Extraction:
    mail = MailText(
        subject=subject,
        new_text=body,
        full_text=full if full is not None else body + ("\n\n" + signature if signature else ""),
        signature=signature,
        attachment_names=names,
        attachment_texts=texts or tuple("" for _ in names),
    )
    return extract(mail, registry, config) if config else extract(mail, registry)


def items(found: Extraction, fact: str) -> list[Evidence]:
    return [e for e in found.found if e.fact == fact]


def why_not(found: Extraction) -> set[str | None]:
    return {e.dropped for e in items(found, "destruction_confirmation")}


# -- destruction -------------------------------------------------------------------------------

NEGATED_BODY = "We have NOT destroyed the copies yet, the certificate is not signed."


def test_a_file_name_never_beats_a_negation() -> None:
    found = run(NEGATED_BODY, names=("vernietigingsverklaring.pdf",))
    assert not found.destruction_confirmation
    assert why_not(found) == {"negated", "unsigned", "file name only"}
    negated = next(e for e in items(found, "destruction_confirmation") if e.dropped == "negated")
    assert (negated.source, negated.text) == ("body", NEGATED_BODY)


def test_a_negation_anywhere_wins_over_a_confirming_statement() -> None:
    scan = "Attestation: toutes les copies du logiciel ont été détruites. Signé: L. Dupont"
    found = run(
        "Voici l'attestation. Les copies sur le serveur n'ont pas encore été supprimées.",
        names=("scan.pdf",),
        texts=(scan,),
    )
    assert not found.destruction_confirmation
    assert why_not(found) == {"negated", OVERRULED}
    overruled = [e for e in items(found, "destruction_confirmation") if e.dropped == OVERRULED]
    assert overruled[0].source == "attachment:scan.pdf"
    # in the subject too
    subject = run("Gelieve op te zeggen.", subject="Opzeg - software nog niet verwijderd")
    assert [e.source for e in items(subject, "destruction_confirmation")] == ["subject"]


@pytest.mark.parametrize(
    "text",
    [
        # the certificate says it is not signed
        "Vernietigingsverklaring. Alle kopieën van de software werden vernietigd.\n"
        "Deze verklaring is nog niet ondertekend.",
        "Certificate of destruction. All copies of the software have been destroyed.\n"
        "Status: not signed",
        "Vernietigingsverklaring (ongetekend). Alle kopieën van de software werden vernietigd.",
        # the desk's own form sent back empty
        "VERNIETIGINGSVERKLARING\nOndergetekende verklaart dat alle kopieën van de software "
        "vernietigd werden.\nNaam: ........................\nHandtekening: ______________\n"
        "Datum: ..../..../......",
        "Attestation de destruction. [nom du client] certifie que toutes les copies du logiciel "
        "ont été détruites. [signature]",
    ],
)
def test_an_unsigned_certificate_or_a_blank_form_does_not_confirm(text: str) -> None:
    for body in ("In bijlage het attest.", "Please find attached the signed certificate."):
        found = run(body, names=("vernietigingsverklaring.pdf",), texts=(text,))
        assert not found.destruction_confirmation, (body, text)
        assert why_not(found) & {"unsigned", "blank form"}


#: the desk's form as OCR reads a scan of it sent back unfilled: the dotted and underlined
#: lines to write on are not text, so only the field labels remain, each alone on its line
SCANNED_BLANK = (
    "VERNIETIGINGSVERKLARING\n\nOndergetekende verklaart dat alle kopieën van de software\n"
    "vernietigd werden.\n\nNaam:\nHandtekening:\nDatum: / /"
)


@pytest.mark.parametrize(
    "text",
    [
        SCANNED_BLANK,
        SCANNED_BLANK + "\nContract Support - Antwerpen",  # a footer is no value
        # a slash of the date's line read as "1": one stray character is no value
        "VERNIETIGINGSVERKLARING\nAlle kopieën van de software werden vernietigd.\n"
        "Naam:\nDatum: \u2026.. 1...\n\nHandtekening:",
        "ATTESTATION DE DESTRUCTION\nToutes les copies du logiciel ont été détruites.\n"
        "Nom :\n\nSociété :\n\nSignature :\n",
    ],
)
def test_a_scanned_blank_form_with_only_its_labels_does_not_confirm(text: str) -> None:
    found = run("In bijlage het attest.", names=("scan_0001.png",), texts=(text,))
    assert not found.destruction_confirmation
    assert why_not(found) == {"blank form"}


@pytest.mark.parametrize(
    "text",
    [
        # signed: the signature line's label stands alone, the scribble is below it
        "VERNIETIGINGSVERKLARING\nAlle kopieën van de software werden vernietigd.\n"
        "Naam: Anna Peeters, zaakvoerder\nHandtekening:\n",
        # a two-column form read column by column: the values follow their labels
        "VERNIETIGINGSVERKLARING\nAlle kopieën van de software werden vernietigd.\n"
        "Naam:\nDatum:\nHandtekening:\n\nAnna Peeters\n03/03/2026\nA. Peeters\n",
        # each value on the line under its label
        "VERNIETIGINGSVERKLARING\nAlle kopieën van de software werden vernietigd.\n"
        "Naam:\nAnna Peeters\nDatum:\n03/03/2026\n",
    ],
)
def test_a_scanned_filled_in_form_still_confirms(text: str) -> None:
    found = run("In bijlage het attest.", names=("scan_0001.png",), texts=(text,))
    assert found.destruction_confirmation, why_not(found)


def test_a_filled_in_certificate_still_confirms() -> None:
    filled = (
        "VERNIETIGINGSVERKLARING\nOndergetekende verklaart dat alle kopieën van de software "
        "vernietigd werden.\nNaam: Jan Peeters\nHandtekening: J. Peeters\nDatum: 12/03/2026\n"
        "Dit attest is niet geldig tenzij ondertekend."
    )
    found = run("Zie bijlage.", names=("scan002.pdf",), texts=(filled,))
    assert found.destruction_confirmation
    [item] = items(found, "destruction_confirmation")
    assert item.source == "attachment:scan002.pdf" and item.dropped is None
    assert "vernietigd werden" in item.text


def test_the_desk_form_filled_in_and_signed_confirms() -> None:
    found = run(
        "Het blanco formulier dat jullie stuurden heb ik ingevuld en ondertekend, zie bijlage.",
        names=("scan.jpg",),
    )
    assert not found.destruction_confirmation  # no destruction certificate named, no statement
    found = run(
        "Alle kopieën van de software zijn gewist. Het blanco formulier dat jullie stuurden "
        "heb ik ingevuld en ondertekend, zie bijlage.",
        names=("scan.jpg",),
    )
    assert found.destruction_confirmation
    assert not why_not(found) - {None}


def test_a_blank_form_named_so_does_not_confirm() -> None:
    found = run("In bijlage het attest.", names=("blanco_formulier_vernietiging.pdf",))
    assert not found.destruction_confirmation
    assert why_not(found) == {"blank form"}


def test_the_accepted_forms_keep_working_with_their_sentence() -> None:
    statement = run("Wij bevestigen dat alle kopieën van de software vernietigd werden.")
    [item] = items(statement, "destruction_confirmation")
    assert (item.value, item.source, item.dropped) == (True, "body", None)
    assert item.text == "Wij bevestigen dat alle kopieën van de software vernietigd werden."
    cover = run(
        "Please find attached our signed certificate of destruction.", names=("IMG_0001.jpg",)
    )
    assert cover.destruction_confirmation
    assert items(cover, "destruction_confirmation")[0].source == "body"
    nothing = run("Please find attached our signed certificate of destruction.")
    assert why_not(nothing) == {"nothing attached"}
    promised = run("All copies of the software will be deleted next week.")
    assert why_not(promised) == {"promised"}


def test_certificate_words_are_configuration() -> None:
    body = "In bijlage het document, getekend."
    names = ("vernietigingsverklaring.pdf",)
    assert not run(body, names=names).destruction_confirmation
    config = ExtractionConfig(certificate_words=[r"\bdocument"])
    assert run(body, names=names, config=config).destruction_confirmation


def test_signature_words_unsigned_cues_and_blank_form_keys_are_configuration() -> None:
    names = ("attest.pdf",)
    text = "Alle kopieën van de software werden vernietigd."
    body = "In bijlage het vernietigingsattest, nog niet geparafeerd."
    assert run(body, names=names, texts=(text,)).destruction_confirmation
    config = ExtractionConfig(signature_words=[r"geparafeerd"])
    assert not run(body, names=names, texts=(text,), config=config).destruction_confirmation
    draft = "In bijlage het vernietigingsattest (ontwerp)."
    assert run(draft, names=names, texts=(text,)).destruction_confirmation
    config = ExtractionConfig(unsigned_cues=[r"\bontwerp\b"])
    assert not run(draft, names=names, texts=(text,), config=config).destruction_confirmation
    see = "Zie bijlage."
    form = (text + "\nKlantnummer: ........",)
    assert run(see, names=names, texts=form).destruction_confirmation
    config = ExtractionConfig(blank_form_fields=["klantnummer"])
    assert not run(see, names=names, texts=form, config=config).destruction_confirmation
    marked = (text + " %%KLANT%%",)
    assert run(see, names=names, texts=marked).destruction_confirmation
    config = ExtractionConfig(blank_form_placeholders=[r"%%\w+%%"])
    assert not run(see, names=names, texts=marked, config=config).destruction_confirmation


# -- contract numbers --------------------------------------------------------------------------

PHONE_LIKE = "Het gaat om contractnummer 0032-4471-09"


def test_a_number_right_after_the_keyword_is_read_as_written() -> None:
    for registry in (REG, NO_REGISTRY):
        found = run(PHONE_LIKE, registry=registry)
        assert found.contract_numbers == ("0032447109",)
        [item] = items(found, "contract_numbers")
        assert (item.source, item.text, item.dropped) == ("body", PHONE_LIKE, None)
    # ... also after a number word or a colon, and with a date's shape
    assert run("contrat de maintenance n° 0475 12 34 56").contract_numbers == ("0475123456",)
    assert run("Contract: 31-12-2026", registry=NO_REGISTRY).contract_numbers == ("31122026",)
    # past an ordinary filler the look-alike tests still apply, and say so
    dated = run("Ons contract van 15/03/2019 loopt af.", registry=NO_REGISTRY)
    assert dated.contract_numbers == ()
    assert [(e.value, e.dropped) for e in items(dated, "contract_numbers")] == [
        ("15032019", "date")
    ]
    postal = run("le contrat de maintenance de notre site de 4020 Liège", registry=NO_REGISTRY)
    assert [(e.value, e.dropped) for e in items(postal, "contract_numbers")] == [
        ("4020", "postal code")
    ]


def test_a_registry_number_beats_the_phone_look_alike_anywhere() -> None:
    found = run("Bel ons over 0032 4471 09 aub.")
    assert found.contract_numbers == ("0032447109",)
    assert run("Bel ons over 0032 4471 09 aub.", registry=NO_REGISTRY).contract_numbers == ()


def test_number_words_are_configuration() -> None:
    body = "Ons contract ref 0475 12 34 56"
    assert run(body, registry=NO_REGISTRY).contract_numbers == ("0475123456",)
    config = ExtractionConfig(number_words=["nummer"])
    found = run(body, registry=NO_REGISTRY, config=config)
    assert found.contract_numbers == ()
    assert [e.dropped for e in items(found, "contract_numbers")] == ["phone number"]


def test_a_phone_number_in_the_signature_is_dropped_as_a_phone_number() -> None:
    signature = "Met vriendelijke groeten,\nJan Peeters\nTel. +32 3 541 22 80\nBTW BE0412.986.408"
    found = run("Kunnen jullie mij bellen over ons onderhoudscontract?", signature=signature)
    assert found.contract_numbers == ()
    dropped = {(e.value, e.source, e.dropped) for e in items(found, "contract_numbers")}
    assert dropped == {
        ("3235412280", "signature", "phone number"),
        ("BE0412986408", "signature", "VAT number"),
    }
    [phone] = items(found, "phone")
    assert (phone.value, phone.source, phone.text) == (
        "+32 3 541 22 80",
        "signature",
        "Tel. +32 3 541 22 80",
    )


@pytest.mark.parametrize(
    ("body", "number"),
    [
        ("Wij zeggen ons contract OH-5521-\n0093 op.", "OH55210093"),  # after a dash
        ("Wij zeggen ons contract OH 5521 \n0093 op.", "OH55210093"),  # format=flowed
        (
            "Goedemorgen, hierbij willen wij graag het onderhoudscontract HW 2207\n"
            "5120 van onze afvullijn opzeggen.",
            "HW22075120",
        ),  # a long line wrapped by the mail program
        ("contract nr. MA 123 4567 graag opzeggen", "MA1234567"),  # spaces, an upper-case 'ma'
        ("contract MA\u00a0123\u202f4567", "MA1234567"),  # no-break and thin spaces
        ("contract MA\u200b1234567", "MA1234567"),  # a zero-width space
        ("Contractnummer:\tMA\t123 4567", "MA1234567"),  # a plain-text table
        ("contractnummer MA&nbsp;123&nbsp;4567 (uit ons formulier)", "MA1234567"),
    ],
)
def test_numbers_as_people_write_them(body: str, number: str) -> None:
    assert run(body, registry=NO_REGISTRY).contract_numbers == (number,)


def test_two_numbers_stay_two() -> None:
    assert run("Contract: MA 1234\n5678 klanten", registry=NO_REGISTRY).contract_numbers == (
        "MA1234",
    )
    assert run("contract MA-1234567 / MA-7654321", registry=NO_REGISTRY).contract_numbers == (
        "MA1234567",
    )
    assert run("contract 1234567 / 7654321", registry=NO_REGISTRY).contract_numbers == ("1234567",)
    # in a shouted mail a capitalised stopword is not a prefix
    assert run("OPZEGGEN CONTRACT IN 2019 AFGESLOTEN", registry=NO_REGISTRY).contract_numbers == ()


def _html_mail(html: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "jan@klant.example.be"
    msg["To"] = "support@contracts.example.com"
    msg["Subject"] = "Opzegging"
    msg["Date"] = "Tue, 03 Mar 2026 10:00:00 +0100"
    msg.set_content(html, subtype="html")
    return bytes(msg)


@pytest.mark.parametrize(
    "cells",
    [
        "<td>Contractnummer:</td><td>MA&nbsp;123&nbsp;4567</td>",
        "<td>Contract&nbsp;nr.</td><td>MA</td><td>1234567</td>",
        "<td>Contract</td><td>MA-123-<br>4567</td>",
    ],
)
def test_numbers_in_html_table_cells(cells: str) -> None:
    html = f"<p>Graag opzeggen.</p><table><tr>{cells}</tr></table>"
    found = extract(mail_text(parse_mail(_html_mail(html))), NO_REGISTRY)
    assert found.contract_numbers == ("MA1234567",)
    [item] = items(found, "contract_numbers")
    assert item.source == "body" and item.span is not None


# -- the other facts ---------------------------------------------------------------------------


def test_every_fact_says_where_it_was_found() -> None:
    found = run(
        "Wij zeggen de maandelijkse licentie op per 31/12/2026. De server is niet meer in "
        "gebruik. Jullie zijn jullie verplichtingen niet nagekomen.",
        subject="Opzegging contract OH-5521-0093",
        full="Wij zeggen de maandelijkse licentie op per 31/12/2026. De server is niet meer in "
        "gebruik. Jullie zijn jullie verplichtingen niet nagekomen.\n\n"
        "> Op 2 maart schreef de desk:\n> Uw contract OH-5521-0093 loopt tot 2027.",
    )
    sources = {(e.fact, e.source) for e in found.found if e.dropped is None}
    assert sources >= {
        ("language", "body"),
        ("contract_numbers", "subject"),
        ("contract_numbers", "quoted"),
        ("requested_end_date", "body"),
        ("machine_out_of_use", "body"),
        ("breach_claimed", "body"),
        ("kind_hints", "body"),
    }
    [end] = items(found, "requested_end_date")
    assert end.value == "2026-12-31"
    assert end.text == "Wij zeggen de maandelijkse licentie op per 31/12/2026."
    [out] = items(found, "machine_out_of_use")
    assert out.text == "De server is niet meer in gebruik."
    not_out = run("The machine is not decommissioned yet.")
    assert [e.dropped for e in items(not_out, "machine_out_of_use")] == ["negated"]


def test_forwarded_history_is_named_as_such() -> None:
    body = "Kunnen jullie dit in orde brengen?"
    forwarded = (
        body + "\n\n---------- Forwarded message ---------\nFrom: Jan <jan@klant.example.be>\n"
        "Subject: opzeggen\n\nGraag contract OH-5521-0093 opzeggen."
    )
    found = run(body, subject="FW: opzeggen", full=forwarded)
    assert [e.source for e in items(found, "contract_numbers")] == ["forwarded"]


def test_attachments_with_the_same_name_are_read_apart() -> None:
    blank = "Verklaring van vernietiging. Naam: ........ Handtekening: ........"
    signed = "Verklaring van vernietiging: alle kopieën van de software werden vernietigd."
    found = run("Zie bijlage.", names=("scan.pdf", "scan.pdf"), texts=(blank, signed))
    assert found.destruction_confirmation
    assert why_not(found) == {None, "blank form"}
