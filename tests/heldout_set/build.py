# ruff: noqa: E501  (mail text is kept as the customer wrote it, long lines included)
"""Writes the held-out set: `mails/NNN-slug.eml`, `labels.json` and `contracts.csv`.

The committed files are the set; this script is how they were made, and
`python -m tests.heldout_set.build` writes the same bytes again. The MIME toolkit is the
requests set's (`tests/requests_set/kit.py`: Outlook/Gmail/Thunderbird habits, hand-made PDFs,
DOCX forms, the desk MX's Authentication-Results); the mails, the registry and every label
are this set's own, written from DOMAIN.md sections 2-6 and the FAQ only. The scanned images
in `assets/` are drawn once with Pillow (`draw_assets` below) when missing.

For a cancellation judged on one registered contract (`judge=`), the build checks the
hand-written policy against `kit.policy_of` (an independent reading of DOMAIN.md section 4)
and stops on any difference; the remaining cases (no number, unknown number, several
contracts, unreadable scan) are labelled by hand and say why in their `note`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import date
from pathlib import Path

from tests.requests_set.kit import (
    Attachment,
    Mail,
    at,
    docx_form,
    esc,
    outlook_html,
    outlook_quote,
    pdf_scan,
    pdf_text,
    policy_of,
    quote,
    table,
)

HERE = Path(__file__).resolve().parent
MAILS_DIR = HERE / "mails"
ASSETS = HERE / "assets"
LABELS = HERE / "labels.json"
REGISTRY = HERE / "contracts.csv"

MAILS: list[Mail] = []

# --- the registry (DOMAIN.md section 5) -------------------------------------------------------

CLAEYS = "jan.claeys@drukkerij-claeys.example.be;boekhouding@drukkerij-claeys.example.be"
GREENFIELD = "ops@greenfield-analytics.example.com;sarah.okoro@greenfield-analytics.example.com"
NORTHGATE = "d.meyer@northgate-shipping.example.com;finance@northgate-shipping.example.com"
VDBROECK = "it@vdbroeck-logistiek.example.be;k.vandenbroeck@vdbroeck-logistiek.example.be"
RENARD = "direction@transports-renard.example.be;atelier@transports-renard.example.be"
DUFOUR = "m.dufour@imprimerie-dufour.example.be;compta@imprimerie-dufour.example.be"
CLINIQUE = "it@clinique-saintroch.example.org"

CONTRACTS: list[tuple[str, str, str, str, str, str, str]] = [
    ("MNT-2019-4471", "maintenance", "hardware", "Drukkerij Claeys BV", CLAEYS, "2019-03-01", "nl"),
    ("MNT-2019-4480", "maintenance", "hardware", "Drukkerij Claeys BV", CLAEYS, "2019-03-01", "nl"),
    ("MNT-2025-8120", "maintenance", "hardware", "Drukkerij Claeys BV", "jan.claeys@drukkerij-claeys.example.be", "2025-11-20", "nl"),
    ("LIC-M-30412", "monthly_license", "software", "Cabinet Dentaire Lambert", "dr.lambert@dentaire-lambert.example.be", "2023-06-01", "fr"),
    ("LIC-M-55230", "monthly_license", "software", "Greenfield Analytics Ltd", GREENFIELD, "2024-09-01", "en"),
    ("LIC-M-55248", "monthly_license", "software", "Greenfield Analytics Ltd", GREENFIELD, "2025-01-01", "en"),
    ("7734120", "passport_advantage", "software", "Greenfield Analytics Ltd", GREENFIELD, "2022-05-01", "en"),
    ("MNT-2023-1204", "maintenance", "hardware", "Brouwerij De Kroon", "piet@brouwerij-dekroon.example.be", "2023-08-31", "nl"),
    ("LIC-M-62001", "monthly_license", "software", "Brouwerij De Kroon", "piet@brouwerij-dekroon.example.be", "2025-02-01", "nl"),
    ("MNT-2024-5560", "maintenance", "hardware", "Northgate Shipping NV", NORTHGATE, "2024-01-31", "en"),
    ("MNT-2024-5575", "maintenance", "hardware", "Northgate Shipping NV", NORTHGATE, "2024-03-01", "en"),
    ("LIC-M-70015", "monthly_license", "software", "Northgate Shipping NV", NORTHGATE, "2023-03-01", "en"),
    ("MNT-2021-0907", "maintenance", "hardware", "Logistiek Van den Broeck NV", VDBROECK, "2021-02-15", "nl"),
    ("MNT-2021-0908", "maintenance", "hardware", "Logistiek Van den Broeck NV", VDBROECK, "2021-02-15", "nl"),
    ("LIC-M-41187", "monthly_license", "software", "Logistiek Van den Broeck NV", VDBROECK, "2024-01-10", "nl"),
    ("LIC-M-29954", "monthly_license", "software", "Transports Renard SA", RENARD, "2023-01-01", "fr"),
    ("MNT-2021-7432", "maintenance", "hardware", "Transports Renard SA", "direction@transports-renard.example.be", "2021-07-01", "fr"),
    ("MNT-2018-2277", "maintenance", "hardware", "Apotheek Goossens", "apotheek@goossens-apotheek.example.be;luc@goossens-apotheek.example.be", "2018-05-15", "nl"),
    ("LIC-M-51515", "monthly_license", "software", "Orion Data Services BV", "it@oriondata.example.net", "2024-04-01", "en"),
    ("MNT-2020-9001", "maintenance", "hardware", "Orion Data Services BV", "it@oriondata.example.net", "2020-06-30", "en"),
    ("MNT-2022-3030", "maintenance", "hardware", "Schrijnwerkerij Peeters", "info@schrijnwerkerij-peeters.example.be", "2022-03-30", "nl"),
    ("MNT-2020-3318", "maintenance", "hardware", "Imprimerie Dufour SA", DUFOUR, "2020-10-31", "fr"),
    ("MNT-2020-3325", "maintenance", "hardware", "Imprimerie Dufour SA", DUFOUR, "2020-11-15", "fr"),
    ("ADD-2022-0051", "maintenance_addendum", "hardware", "Imprimerie Dufour SA", DUFOUR, "2022-04-01", "fr"),
    ("LIC-M-73310", "monthly_license", "software", "Fiduciaire Collignon SRL", "a.collignon@fiduciaire-collignon.example.be", "2024-02-01", "fr"),
    ("LIC-M-60310", "monthly_license", "software", "Kinetic Labs BV", "admin@kineticlabs.example.com", "2025-06-01", "en"),
    ("LIC-M-44902", "monthly_license", "software", "Clinique Saint-Roch", CLINIQUE, "2021-05-01", "fr"),
    ("LIC-M-44915", "monthly_license", "software", "Clinique Saint-Roch", CLINIQUE, "2022-02-01", "fr"),
    ("MNT-2022-6610", "maintenance", "hardware", "Clinique Saint-Roch", CLINIQUE, "2022-09-01", "fr"),
    ("MNT-2026-0214", "maintenance", "hardware", "Van Acker Bouw BV", "els.vanacker@vanacker-bouw.example.be", "2026-01-14", "nl"),
    ("LIC-M-38870", "monthly_license", "software", "Notariaat Verhulst", "secretariaat@notaris-verhulst.example.be", "2022-11-01", "nl"),
    ("LIC-M-80877", "monthly_license", "software", "Hennebert & Associes", "secretariat@hennebert-avocats.example.be", "2023-09-01", "fr"),
    ("LIC-M-35512", "monthly_license", "software", "Garage Hubert SRL", "garage.hubert@garage-hubert.example.be", "2022-01-01", "fr"),
    ("6612045", "passport_advantage", "software", "Atelier Mertens", "info@atelier-mertens.example.be", "2021-01-01", "fr"),
]


def norm(number: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", number).upper()


# --- labels ------------------------------------------------------------------------------------


def lab(
    queue: str | None,
    lang: str,
    nums: list[str],
    intent: str,
    shape: str,
    note: str,
    *,
    disp: str = "ticket",
    destr: bool = False,
    oou: bool = False,
    end: str | None = None,
    outcome: str | None = None,
    eff: str | None = None,
    earliest: str | None = None,
    judge: str | None = None,
    breach: bool = False,
) -> dict[str, object]:
    return {
        "disposition": disp,
        "queue": queue,
        "language": lang,
        "contract_numbers": sorted(norm(n) for n in nums),
        "destruction_confirmation": destr,
        "machine_out_of_use": oou,
        "requested_end_date": end,
        "policy": {"outcome": outcome, "effective_date": eff, "earliest_notice_date": earliest},
        "intent": intent,
        "shape": shape,
        "note": note,
        "_judge": judge,
        "_breach": breach,
    }


def add(mail: Mail) -> None:
    MAILS.append(mail)


def html_of(text: str) -> str:
    """The HTML alternative Outlook sends beside its text part."""
    return outlook_html([esc(line) for line in text.split("\n")])


# --- people, signatures, disclaimers ------------------------------------------------------------

JAN = "Jan Claeys <jan.claeys@drukkerij-claeys.example.be>"
LAMBERT = "Dr Sophie Lambert <dr.lambert@dentaire-lambert.example.be>"
GF_OPS = "Greenfield Operations <ops@greenfield-analytics.example.com>"
SARAH = "Sarah Okoro <sarah.okoro@greenfield-analytics.example.com>"
PIET = "Piet Vermeulen <piet@brouwerij-dekroon.example.be>"
MEYER = "Daniel Meyer <d.meyer@northgate-shipping.example.com>"
NG_FINANCE = "Northgate Finance <finance@northgate-shipping.example.com>"
VDB_IT = "ICT Logistiek Van den Broeck <it@vdbroeck-logistiek.example.be>"
KATRIEN = "Katrien Van den Broeck <k.vandenbroeck@vdbroeck-logistiek.example.be>"
RENARD_DIR = "Olivier Renard <direction@transports-renard.example.be>"
RENARD_ATELIER = "Atelier Transports Renard <atelier@transports-renard.example.be>"
GOOSSENS = "Apotheek Goossens <apotheek@goossens-apotheek.example.be>"
LUC = "Luc Goossens <luc@goossens-apotheek.example.be>"
ORION_IT = "Orion Data IT <it@oriondata.example.net>"
ORION_PROC = "Liesbeth Wouters <procurement@oriondata.example.net>"
PEETERS = "Schrijnwerkerij Peeters <info@schrijnwerkerij-peeters.example.be>"
DUFOUR_M = "Marc Dufour <m.dufour@imprimerie-dufour.example.be>"
DUFOUR_COMPTA = "Comptabilité Imprimerie Dufour <compta@imprimerie-dufour.example.be>"
COLLIGNON = "Anne Collignon <a.collignon@fiduciaire-collignon.example.be>"
KINETIC = "Kinetic Labs Admin <admin@kineticlabs.example.com>"
CLINIQUE_IT = "Service informatique - Clinique Saint-Roch <it@clinique-saintroch.example.org>"
VANACKER = "Els Van Acker <els.vanacker@vanacker-bouw.example.be>"
VERHULST = "Notariaat Verhulst <secretariaat@notaris-verhulst.example.be>"
HENNEBERT = "Secrétariat Hennebert <secretariat@hennebert-avocats.example.be>"
HUBERT = "Garage Hubert <garage.hubert@garage-hubert.example.be>"
MERTENS = "Atelier Mertens <info@atelier-mertens.example.be>"
MERIDIAN = "Hannah Brooks <h.brooks@meridianprint.example.com>"
DESK = "Contract Support <support@contracts.example.com>"

SIG_CLAEYS = """Jan Claeys
Zaakvoerder | Drukkerij Claeys BV
Industrieweg 112, 9032 Wondelgem
T +32 9 226 44 71 | GSM 0475 12 34 56
BTW BE0423.561.778 | IBAN BE68 5390 0754 7034"""

SIG_MEYER = """Daniel Meyer
Fleet & Facilities | Northgate Shipping NV
Noorderlaan 147, 2030 Antwerpen
M +32 478 90 55 60"""

SIG_ORION = """Maarten Claes
Infrastructure Lead, Orion Data Services BV
Philipssite 5, 3001 Leuven
T +32 16 39 90 01 | VAT BE0811.902.001
IBAN BE71 0961 2345 6769"""

SIG_MASSON = """Julien Masson
Service informatique
Clinique Saint-Roch
Rue des Lilas 12, 7000 Mons
Tél. 065 39 66 10"""

SIG_RENARD = """Olivier Renard
Transports Renard SA
Chaussée de Mons 512, 7170 Manage
Tél. 064 55 29 95 — TVA BE0438.299.541"""

DISCLAIMER_VDB = """Dit bericht en de eventuele bijlagen zijn vertrouwelijk. Bent u niet de bedoelde bestemmeling, verwittig dan de afzender en vernietig dit bericht en alle kopieën ervan."""

DISCLAIMER_NG = """DISCLAIMER: This e-mail and any attachments are confidential and may be privileged. If you have received it in error, please notify the sender immediately and destroy all copies. Northgate Shipping NV, VAT BE0455.560.175, RPR Antwerpen."""


def asset(name: str) -> bytes:
    path = ASSETS / name
    if not path.exists():
        draw_assets(ASSETS)
    return path.read_bytes()


def draw_assets(folder: Path) -> None:  # pragma: no cover - run by hand, needs Pillow
    """The two scans of the set: a readable signed certificate from a copier (put in an
    image-only PDF) and a phone photo of a certificate too blurred and dark to read."""
    import random

    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    fonts = Path("/usr/share/fonts/truetype")
    regular = next(fonts.rglob("DejaVuSerif.ttf"), None) or next(fonts.rglob("DejaVuSans.ttf"))
    bold = next(fonts.rglob("DejaVuSans-Bold.ttf"))
    rng = random.Random(2026)
    folder.mkdir(exist_ok=True)

    def page(lines: list[str], size: tuple[int, int], paper: int) -> Image.Image:
        img = Image.new("L", size, paper)
        draw = ImageDraw.Draw(img)
        y = 150
        for line in lines:
            big = line.startswith("# ")
            font = ImageFont.truetype(str(bold if big else regular), 42 if big else 29)
            draw.text((120, y), line[2:] if big else line, fill=30, font=font)
            y += 86 if big else 48
        # a handwritten signature: a wavy stroke under the last line
        pts = [(170 + i * 11, y + 30 + int(22 * rng.random())) for i in range(28)]
        draw.line(pts, fill=35, width=3)
        for _ in range(900):  # copier dust
            x, yy = rng.randrange(size[0]), rng.randrange(size[1])
            draw.point((x, yy), fill=rng.randrange(120, 200))
        return img

    fr = page(
        [
            "# ATTESTATION DE DESTRUCTION",
            "Client : Transports Renard SA",
            "Chaussée de Mons 512, 7170 Manage",
            "Licence : LIC-M-29954 (logiciel de planning)",
            "",
            "Nous attestons que toutes les copies du logiciel,",
            "sauvegardes comprises, ont été détruites.",
            "",
            "Fait à Manage, le 09/06/2026",
            "Olivier Renard, administrateur délégué",
            "Signature :",
        ],
        (1240, 1754),
        240,
    ).rotate(-0.7, fillcolor=240, expand=False)
    fr.save(folder / "copier-scan-renard.jpg", quality=72)

    blurred = page(
        [
            "# ATTESTATION DE DESTRUCTION",
            "Garage Hubert SRL",
            "Licence LIC-M-35512",
            "Toutes les copies du logiciel ont été détruites.",
            "Date : 16/11/2026",
            "Signature :",
        ],
        (1240, 1754),
        170,
    )
    blurred = blurred.rotate(7, fillcolor=90, expand=True)
    blurred = blurred.resize((110, 150)).resize((660, 900)).filter(ImageFilter.GaussianBlur(4))
    blurred = blurred.point(lambda v: 70 + v // 5)
    blurred.save(folder / "photo-attestation-hubert.jpg", quality=30)


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from a baseline JPEG's SOF0 marker."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        i += 2 + length
    raise ValueError("no SOF marker")


def pdf(name: str, lines: list[str], producer: str = "Microsoft: Print To PDF") -> Attachment:
    return Attachment(name, pdf_text(lines, producer), "application/pdf")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# =============================================================================================
# Cancellations that a careful desk accepts (proven sender, registered contact, rules met)
# =============================================================================================

add(Mail(
    "001-opzeg-vouwmachine-per-1-5.eml", JAN, "Opzeg onderhoudscontract vouwmachine",
    at(2026, 2, 3, 10, 12),
    text=f"""Goedemorgen,

Wij hebben beslist het onderhoud van onze Horizon-vouwmachine voortaan zelf te doen. Daarom wensen wij ons onderhoudscontract MNT-2019-4471 op te zeggen per 1/5.

Mijn contactgegevens staan hieronder, bel gerust als er nog iets nodig is.

Met vriendelijke groeten,

{SIG_CLAEYS}
""",
    label=lab("cancellation", "nl", ["MNT-2019-4471"], "cancel", "yearless-date",
              "'per 1/5' without a year: the next 1 May after 3 Feb 2026; later than received + 1 month (3 Mar), so it is the effective date",
              end="2026-05-01", outcome="accepted", eff="2026-05-01", judge="MNT-2019-4471"),
))

add(Mail(
    "002-resiliation-licence-imagerie-1er-mai.eml", LAMBERT,
    "Résiliation licence logiciel imagerie - LIC-M-30412", at(2026, 3, 12, 14, 5),
    text="""Madame, Monsieur,

Suite au passage à un autre logiciel de radiologie, je souhaite mettre fin à ma licence mensuelle LIC-M-30412 à partir du 1er mai.

Vous trouverez en pièce jointe l'attestation de destruction signée : le logiciel a été supprimé des trois postes du cabinet.

Bien à vous,

Dr Sophie Lambert
Cabinet Dentaire Lambert
Rue de Fer 27, 5000 Namur
Tél. 081 22 30 41
INAMI 3-12345-67-890
""",
    attachments=(pdf("attestation-destruction-LIC-M-30412.pdf", [
        "# ATTESTATION DE DESTRUCTION",
        "Licence : LIC-M-30412",
        "Client : Cabinet Dentaire Lambert, Rue de Fer 27, 5000 Namur",
        "",
        "Je soussignée, Dr Sophie Lambert, atteste que toutes les copies du logiciel",
        "couvert par la licence ci-dessus, y compris les sauvegardes, ont été détruites.",
        "",
        "Fait à Namur, le 11/03/2026",
        "Signé électroniquement par Dr Sophie Lambert le 11/03/2026 à 18:02",
    ]),),
    label=lab("cancellation", "fr", ["LIC-M-30412"], "cancel", "yearless-date",
              "'à partir du 1er mai' without a year = 1 May 2026; signed certificate in the PDF; received + 30 days = 11 Apr, so 1 May decides. The certificate's own date (11/03/2026) is not an end date",
              destr=True, end="2026-05-01", outcome="accepted", eff="2026-05-01", judge="LIC-M-30412"),
))

add(Mail(
    "003-monthly-licence-end-of-q3-server-decommissioned.eml", GF_OPS,
    "Cancellation of monthly licence LIC-M-55230", at(2026, 4, 20, 9, 30),
    text="""Hello,

We're moving our reporting stack to the cloud, so we'd like to cancel monthly licence LIC-M-55230 by end of Q3.

For your records: the on-prem server the software was installed on (GF-APP-02) was decommissioned on 14 April and has been wiped. All copies of the software, including the backup images, have been destroyed.

Could you confirm the end date in writing?

Kind regards,

Sarah Okoro
Operations Manager, Greenfield Analytics Ltd
Avenue Louise 231, 1050 Brussels
+32 2 555 01 87 | VAT BE0712.345.908
""",
    client="gmail",
    label=lab("cancellation", "en", ["LIC-M-55230"], "cancel", "relative-date",
              "'by end of Q3' on 20 Apr 2026 = 30 Sep 2026; machine decommissioned, so the floor is received (20 Apr) and the requested date decides; '14 April' is the decommissioning date, not an end date",
              destr=True, oou=True, end="2026-09-30", outcome="accepted", eff="2026-09-30", judge="LIC-M-55230"),
))

add(Mail(
    "004-opzeg-afvullijn-eind-volgende-maand.eml", PIET, "opzeg onderhoud afvullijn",
    at(2026, 5, 28, 16, 40),
    text="""Dag,

we gaan de oude afvullijn stilleggen, de nieuwe wordt deze zomer geplaatst door een andere firma. Daarom willen wij het onderhoudscontract MNT-2023-1204 opzeggen tegen eind volgende maand.

Kunde gij mij laten weten of dat in orde is?

Groetjes,
Piet Vermeulen
Brouwerij De Kroon
Kerkstraat 3, 8970 Poperinge
0476 55 12 04
""",
    client="apple",
    label=lab("cancellation", "nl", ["MNT-2023-1204"], "cancel", "relative-date",
              "Flemish; 'tegen eind volgende maand' on 28 May = 30 Jun 2026, later than received + 1 month (28 Jun). The phone number ends in 12 04, not a contract number",
              end="2026-06-30", outcome="accepted", eff="2026-06-30", judge="MNT-2023-1204"),
))

add(Mail(
    "005-re-notice-period-weighbridge-terminate.eml", MEYER,
    "RE: Notice period weighbridge maintenance", at(2026, 1, 30, 11, 0),
    text=f"""Hi,

Thanks for the quick answer. In that case please terminate maintenance agreement MNT-2024-5560 (weighbridge at quay 4) with the standard one month notice.

Best regards,

{SIG_MEYER}

"""
    + outlook_quote("en", DESK, "Thursday, 29 January 2026 16:02", MEYER,
                    "RE: Notice period weighbridge maintenance",
                    """Dear Mr Meyer,

Standard maintenance on a machine can be ended with one month's notice, provided the machine has been under contract for at least six months. Please send us the contract number with your request.

Kind regards,
Contract Support""")
    + "\n"
    + outlook_quote("en", MEYER, "Thursday, 29 January 2026 09:14", DESK,
                    "Notice period weighbridge maintenance",
                    """Hello,

What is the notice period if we want to stop the maintenance on our weighbridge? We may replace it this year.

Daniel"""),
    label=lab("cancellation", "en", ["MNT-2024-5560"], "cancel", "quoted-history",
              "new text asks to terminate; the quoted history is a question and the desk's answer. Received 30 Jan 2026 + 1 calendar month clamps to 28 Feb",
              outcome="accepted", eff="2026-02-28", judge="MNT-2024-5560"),
))

add(Mail(
    "006-opzegging-sorteerder-html-tabel.eml", VDB_IT, "Opzegging onderhoud sorteerder",
    at(2026, 4, 14, 8, 55),
    html=outlook_html([
        "Beste,",
        "",
        "Namens Logistiek Van den Broeck NV zeggen wij het onderhoud op van onderstaande machine:",
        "",
        table([
            ("Contractnummer", "MNT-2021-&nbsp;0907"),
            ("Machine", "Kruisbandsorteerder S1"),
            ("Gewenste einddatum", "30/06/2026"),
            ("Contactpersoon", "Katrien Van den Broeck, 03 541 09 07"),
        ]),
        "",
        "De tweede sorteerder blijft in onderhoud.",
        "",
        "Met vriendelijke groet,",
        "",
        "Dienst ICT",
        "Logistiek Van den Broeck NV | Zwaluwstraat 8, 2040 Antwerpen | BTW BE0456.112.907",
        "",
        f"<span style='font-size:8.0pt;color:gray'>{esc(DISCLAIMER_VDB)}</span>",
    ]),
    label=lab("cancellation", "nl", ["MNT-2021-0907"], "cancel", "html-table",
              "HTML-only Outlook; the number in a table cell is split by &nbsp; after its last hyphen; requested 30/06/2026 is later than received + 1 month (14 May). The disclaimer's 'vernietig' is no confirmation (and does not matter for maintenance)",
              end="2026-06-30", outcome="accepted", eff="2026-06-30", judge="MNT-2021-0907"),
))

add(Mail(
    "007-resiliation-planning-scan-copieur.eml", RENARD_DIR, "Licence planning LIC-M-29954",
    at(2026, 6, 10, 10, 20),
    text=f"""Bonjour,

Nous arrêtons le logiciel de planning : merci de résilier la licence mensuelle LIC-M-29954. Le PC du dispatching sur lequel il tournait est hors service depuis la semaine passée.

Ci-joint le document signé, scanné au bureau.

Cordialement,
{SIG_RENARD}
""",
    attachments=(),  # filled below (the scan is an image-only PDF)
    label=lab("cancellation", "fr", ["LIC-M-29954"], "cancel", "scan",
              "the signed certificate is only in an image-only PDF from the copier (neutral file name); PC 'hors service', so the 30 days do not apply: effective = received (10 Jun 2026)",
              destr=True, oou=True, outcome="accepted", eff="2026-06-10", judge="LIC-M-29954"),
))

add(Mail(
    "008-fw-onderhoud-robotkast-vanaf-1-september.eml", GOOSSENS, "FW: onderhoud robotkast",
    at(2026, 7, 7, 9, 10),
    text="""Goedemiddag,

Zie onderstaand bericht van apotheker Goossens. Willen jullie het contract MNT-2018-2277 stopzetten zoals hieronder gevraagd?

Vriendelijke groeten,
Nele (assistente)
Apotheek Goossens
Markt 14, 2800 Mechelen
015 20 22 77

"""
    + outlook_quote("nl", LUC, "maandag 6 juli 2026 21:48", GOOSSENS, "onderhoud robotkast",
                    """Nele,

De nieuwe robotkast van de groothandel komt eind augustus. Het onderhoudscontract van de oude kast (MNT-2018-2277) mag dus stoppen vanaf 1 september. Kan jij dat doorgeven aan de leverancier?

Luc"""),
    label=lab("cancellation", "nl", ["MNT-2018-2277"], "cancel", "forward",
              "the added line asks to end the contract 'zoals hieronder gevraagd'; the date is in the forwarded mail: 'vanaf 1 september' = 1 Sep 2026 ('eind augustus' is when the new machine arrives). Received + 1 month = 7 Aug",
              end="2026-09-01", outcome="accepted", eff="2026-09-01", judge="MNT-2018-2277"),
))

add(Mail(
    "009-terminate-licence-maintenance-continues.eml", ORION_IT,
    "Termination licence LIC-M-51515 (maintenance MNT-2020-9001 continues)",
    at(2026, 3, 31, 17, 45),
    text=f"""Dear Contract Support,

Please accept this as our notice to end monthly licence LIC-M-51515 (backup software). The signed certificate of destruction is attached.

Our maintenance agreement MNT-2020-9001 for the storage array is not concerned by this and continues as before.

Regards,

{SIG_ORION}
""",
    attachments=(pdf("Certificate_of_Destruction_signed.pdf", [
        "# CERTIFICATE OF DESTRUCTION",
        "Customer: Orion Data Services BV, Philipssite 5, 3001 Leuven",
        "Licence: LIC-M-51515",
        "",
        "We hereby certify that all copies of the licensed software, including",
        "backups and installation media, have been destroyed.",
        "",
        "Date: 30/03/2026",
        "Digitally signed by Maarten Claes, Infrastructure Lead, 30/03/2026 17:20 CEST",
    ]),),
    label=lab("cancellation", "en", ["LIC-M-51515", "MNT-2020-9001"], "cancel", "two-contracts",
              "two contracts: the licence ends, the maintenance 'is not concerned and continues'. Received 31 Mar 2026 (CEST) + 30 days = 30 Apr",
              destr=True, outcome="accepted", eff="2026-04-30", judge="LIC-M-51515"),
))

add(Mail(
    "010-opzeggen-cnc-nummer-over-twee-regels.eml", PEETERS, "opzeggen onderhoudscontract",
    at(2026, 9, 30, 22, 30, utc=True),
    text="""Beste mevrouw, meneer,

Wij laten het onderhoud van onze CNC-freesmachine voortaan doen door de
fabrikant zelf. Bijgevolg zeggen wij ons onderhoudscontract MNT-2022-
3030 op met de gebruikelijke opzegtermijn van een maand.

Gelieve de opzegging schriftelijk te bevestigen aan dit adres.

Met vriendelijke groeten,
Koen Peeters
Schrijnwerkerij Peeters
Steenweg op Lier 88, 2500 Lier
03 480 30 30
""",
    client="webmail",
    label=lab("cancellation", "nl", ["MNT-2022-3030"], "cancel", "broken-number",
              "the number is broken over a line by the mailer's hard wrap; the Date is 22:30 UTC on 30 Sep, i.e. 1 Oct 2026 00:30 in Brussels: received + 1 month = 1 Nov 2026",
              outcome="accepted", eff="2026-11-01", judge="MNT-2022-3030"),
))

add(Mail(
    "011-ne-plus-prolonger-massicot.eml", DUFOUR_M, "Contrat de maintenance MNT-2020-3318",
    at(2026, 1, 31, 11, 0),
    text="""Bonjour,

Après réflexion, nous ne souhaitons plus prolonger le contrat de maintenance MNT-2020-3318 de notre massicot Polar : la machine est désormais entretenue par notre propre technicien. Nous vous demandons donc de le résilier, moyennant le préavis d'un mois.

Je reste joignable au 04 344 33 18.

Bien cordialement,
Marc Dufour
Imprimerie Dufour SA
Rue Saint-Gilles 58, 4000 Liège
TVA BE0401.234.567
""",
    label=lab("cancellation", "fr", ["MNT-2020-3318"], "cancel", "negated-intent",
              "'ne souhaitons plus prolonger' is a negation that asks to end, followed by an explicit 'de le résilier'. Received 31 Jan 2026 + 1 month clamps to 28 Feb",
              outcome="accepted", eff="2026-02-28", judge="MNT-2020-3318"),
))

add(Mail(
    "012-resiliation-licence-comptable-espaces-insecables.eml", COLLIGNON,
    "Résiliation licence comptable", at(2026, 6, 22, 13, 15),
    html=outlook_html([
        "Bonjour,",
        "",
        "Nous passons à un autre logiciel comptable et résilions donc notre licence mensuelle n°&nbsp;LIC-M&nbsp;73&nbsp;310 avec effet au 1/8.",
        "",
        "Toutes les copies du logiciel ont été détruites&nbsp;: les trois postes et la sauvegarde sur le NAS ont été effacés le 19&nbsp;juin.",
        "",
        "Pouvez-vous nous confirmer la date de fin&nbsp;?",
        "",
        "Meilleures salutations,",
        "",
        "Anne Collignon",
        "Fiduciaire Collignon SRL",
        "Boulevard Tirou 130, 6000 Charleroi",
        "Tél. 071 30 73 31 | TVA BE0867.733.100",
    ], lang="FR-BE"),
    label=lab("cancellation", "fr", ["LIC-M-73310"], "cancel", "broken-number",
              "HTML-only; Word grouped the digits with no-break spaces (LIC-M 73 310); 'avec effet au 1/8' = 1 Aug 2026, later than received + 30 days (22 Jul); '19 juin' is the destruction date",
              destr=True, end="2026-08-01", outcome="accepted", eff="2026-08-01", judge="LIC-M-73310"),
))

add(Mail(
    "013-cancel-licence-dkim-numeric-date.eml", KINETIC, "Cancel LIC-M-60310 as of 15/09/2026",
    at(2026, 8, 28, 15, 0),
    text="""Hi there,

Please cancel our monthly licence LIC-M-60310 as of 15/09/2026. We uninstalled the software from all workstations and destroyed every copy on 27/08/2026 - signed certificate attached.

Thanks,
Tom Aerts
Office & IT, Kinetic Labs BV
Gaston Geenslaan 11, 3001 Leuven
+32 16 60 31 00
""",
    client="gmail",
    auth="dkim",
    attachments=(pdf("destruction-certificate-kinetic.pdf", [
        "# Certificate of destruction",
        "Kinetic Labs BV - licence LIC-M-60310",
        "",
        "I confirm that all copies of the software covered by the licence above,",
        "including backups, were destroyed on 27/08/2026.",
        "",
        "Signed: Tom Aerts, Office & IT",
        "Signature on file - signed 28/08/2026",
    ]),),
    label=lab("cancellation", "en", ["LIC-M-60310"], "cancel", "numeric-date",
              "proven by DKIM aligned with the From domain (DMARC none). Requested 15/09/2026 is earlier than received + 30 days (27 Sep): the 30 days decide; 27/08/2026 is the destruction date",
              destr=True, end="2026-09-15", outcome="accepted", eff="2026-09-27", judge="LIC-M-60310"),
))

add(Mail(
    "014-re-opzeg-sorteerder-2-interne-vraag.eml", KATRIEN, "RE: opzeg onderhoud sorteerder 2",
    at(2026, 7, 15, 8, 20),
    text="""Goedemorgen,

Hierbij dus de opzegging waar Tom het hieronder over heeft. Alvast bedankt.

Katrien Van den Broeck
Logistiek Van den Broeck NV
03 541 09 00

"""
    + outlook_quote("nl", "Tom Wouters <t.wouters@vdbroeck-logistiek.example.be>",
                    "dinsdag 14 juli 2026 17:05", KATRIEN, "opzeg onderhoud sorteerder 2",
                    """Katrien,

Kan jij het onderhoudscontract MNT-2021-0908 van sorteerder 2 laten opzeggen bij de leverancier, tegen 31/08? De machine wordt in september vervangen door de nieuwe lijn.

Tom"""),
    label=lab("cancellation", "nl", ["MNT-2021-0908"], "cancel", "quoted-history",
              "the new text only points at the quoted internal mail, which holds the request and the date: 'tegen 31/08' = 31 Aug 2026, later than received + 1 month (15 Aug)",
              end="2026-08-31", outcome="accepted", eff="2026-08-31", judge="MNT-2021-0908"),
))

add(Mail(
    "015-re-question-resiliation-bottom-posted.eml", CLINIQUE_IT,
    "Re: Question résiliation imprimante étiquettes", at(2026, 10, 5, 9, 0),
    text="Le 02/10/2026 à 15:12, Contract Support a écrit :\n"
    + quote("""Bonjour,

Un contrat de maintenance standard peut être résilié avec un préavis d'un
mois, si la machine est sous contrat depuis au moins six mois. Merci de
nous communiquer le numéro de contrat et vos coordonnées.

Cordialement,
Contract Support""")
    + f"""

Bonjour,

Merci. Nous résilions donc le contrat de maintenance MNT-2022-6610 (imprimante d'étiquettes de la stérilisation), avec le préavis d'un mois.

Contact : Julien Masson, 065 39 66 10, it@clinique-saintroch.example.org

Cordialement,
{SIG_MASSON}
""",
    client="thunderbird",
    label=lab("cancellation", "fr", ["MNT-2022-6610"], "cancel", "bottom-posted",
              "bottom-posted: the quoted desk answer comes first, the request below it. Received 5 Oct 2026 + 1 month = 5 Nov; the quoted '02/10/2026' is no end date",
              outcome="accepted", eff="2026-11-05", judge="MNT-2022-6610"),
))

# =============================================================================================
# Cancellations that must not be accepted
# =============================================================================================

add(Mail(
    "016-opzegging-snijmachine-zonder-bewijs.eml", JAN, "Opzegging MNT-2019-4480",
    at(2026, 10, 20, 19, 5),
    text="""Hallo,

We zeggen het onderhoudscontract MNT-2019-4480 voor de snijmachine op met ingang van volgende maand.

Groeten,
Jan Claeys

Verzonden vanaf mijn iPhone
""",
    client="apple",
    auth=None,
    label=lab("cancellation", "nl", ["MNT-2019-4480"], "cancel", "relative-date",
              "registered contact, rules met, but no Authentication-Results from the desk MX: unproven, so awaiting_sender_confirmation. 'met ingang van volgende maand' on 20 Oct = 1 Nov 2026",
              end="2026-11-01", outcome="awaiting_sender_confirmation", judge="MNT-2019-4480"),
))

add(Mail(
    "017-resiliation-plieuse-entete-du-client.eml", DUFOUR_M, "Résiliation maintenance",
    at(2026, 3, 2, 10, 30),
    text="""Bonjour,

Par la présente, je résilie le contrat de maintenance n° MNT-2020-3325 (plieuse Stahl).

Salutations distinguées,
Marc Dufour
Imprimerie Dufour SA
TVA BE0401.234.567
""",
    auth="foreign",
    label=lab("cancellation", "fr", ["MNT-2020-3325"], "cancel", "forged-sender",
              "the only Authentication-Results comes from the sender's own server (mail.imprimerie-dufour...), which the desk does not believe: unproven, awaiting_sender_confirmation",
              outcome="awaiting_sender_confirmation", judge="MNT-2020-3325"),
))

add(Mail(
    "018-urgent-termination-dmarc-fail.eml", NG_FINANCE, "URGENT: termination MNT-2024-5575",
    at(2026, 5, 5, 3, 12),
    text="""Dear Sir/Madam,

We hereby terminate the maintenance agreement MNT-2024-5575 effective immediately. Please send the final settlement and your confirmation to our new finance mailbox (see reply address).

Regards,
Accounts Payable
Northgate Shipping NV
""",
    client="webmail",
    auth="fail",
    extra=(("Reply-To", "Northgate Finance <northgate.finance@mailbox.example.org>"),),
    label=lab("cancellation", "en", ["MNT-2024-5575"], "cancel", "forged-sender",
              "dmarc=fail for the From domain, reply address elsewhere: possibly forged; the would-be acceptance becomes awaiting_sender_confirmation. 'effective immediately' names no date",
              outcome="awaiting_sender_confirmation", judge="MNT-2024-5575"),
))

add(Mail(
    "019-licence-cancellation-procurement-not-a-contact.eml", ORION_PROC,
    "Licence cancellation LIC-M-51515", at(2026, 2, 24, 14, 0),
    text="""Hello,

On behalf of Orion Data Services, please cancel monthly licence LIC-M-51515. All copies of the software have been destroyed; our IT team can confirm this.

Best regards,
Liesbeth Wouters
Procurement, Orion Data Services BV
+32 16 39 90 40
""",
    label=lab("cancellation", "en", ["LIC-M-51515"], "cancel", "unregistered-sender",
              "proven sender from the customer's domain, but not a registered contact of the licence: sender_unverified (the destruction statement is still extracted)",
              destr=True, outcome="sender_unverified", judge="LIC-M-51515"),
))

add(Mail(
    "020-ending-yard-licence-will-destroy.eml", MEYER, "Ending our yard management licence",
    at(2026, 9, 8, 11, 11),
    text=f"""Dear support team,

We would like to cancel monthly licence LIC-M-70015 (yard management) at the end of October. Once you have confirmed the cancellation we will uninstall the software, destroy all copies and send you the certificate.

Kind regards,

{SIG_MEYER}

{DISCLAIMER_NG}
""",
    label=lab("cancellation", "en", ["LIC-M-70015"], "cancel", "look-alike",
              "a promise to destroy and a disclaimer asking to destroy copies of the mail: neither confirms. 'at the end of October' = 31 Oct 2026",
              end="2026-10-31", outcome="needs_destruction_confirmation", judge="LIC-M-70015"),
))

add(Mail(
    "021-resiliation-stocks-attestation-non-signee.eml", CLINIQUE_IT,
    "Résiliation licence LIC-M-44915 - attestation", at(2026, 4, 2, 16, 30),
    text=f"""Bonjour,

Nous souhaitons résilier la licence mensuelle LIC-M-44915 (gestion des stocks de la pharmacie hospitalière).

Vous trouverez ci-joint l'attestation de destruction. Elle n'est pas encore signée : notre directeur est absent jusqu'au 14 avril, je vous renverrai la version signée dès son retour.

Cordialement,
{SIG_MASSON}
""",
    attachments=(pdf("attestation_destruction_LIC-M-44915.pdf", [
        "# ATTESTATION DE DESTRUCTION",
        "Client : Clinique Saint-Roch",
        "Licence : LIC-M-44915",
        "",
        "Nous attestons que toutes les copies du logiciel, sauvegardes comprises,",
        "ont été détruites.",
        "",
        "Date : ..........................",
        "Signature du directeur : ..........................",
        "",
        "VERSION NON SIGNÉE - PROJET",
    ]),),
    label=lab("cancellation", "fr", ["LIC-M-44915"], "cancel", "unsigned-certificate",
              "the certificate says it is not signed (and the mail says so): no confirmation. '14 avril' is the director's return, not an end date",
              outcome="needs_destruction_confirmation", judge="LIC-M-44915"),
))

add(Mail(
    "022-opzeg-etiketsoftware-leeg-formulier.eml", PIET, "opzeg software etiketten",
    at(2026, 11, 3, 9, 45),
    text="""Dag,

De pc in de bottelarij waarop het etiketprogramma stond is niet meer in gebruik, hij is vervangen door een nieuwe met een ander programma. Dus mogen jullie de maandlicentie LIC-M-62001 stopzetten.

In bijlage jullie formulier.

Groetjes,
Piet Vermeulen
Brouwerij De Kroon
0476 55 12 04
""",
    client="apple",
    attachments=(Attachment("Formulier_vernietiging_software.docx", docx_form(
        "Verklaring van vernietiging van software",
        "Ondergetekende verklaart dat alle kopieën van de hieronder vermelde software, inclusief back-ups, vernietigd werden.",
        [("Klant", ""), ("Contractnummer", ""), ("Datum van vernietiging", ""),
         ("Naam", ""), ("Handtekening", "")],
        "Ingevuld en ondertekend terug te bezorgen aan support@contracts.example.com",
    ), DOCX),),
    label=lab("cancellation", "nl", ["LIC-M-62001"], "cancel", "blank-form",
              "the desk's own form comes back with every field empty: its printed sentence is no confirmation. The PC is out of use (machine_out_of_use), which only waives the 30 days",
              oou=True, outcome="needs_destruction_confirmation", judge="LIC-M-62001"),
))

add(Mail(
    "023-resiliation-avocats-formulaire-vierge.eml", HENNEBERT,
    "Résiliation licence LIC-M-80877", at(2026, 5, 11, 10, 0),
    text="""Madame, Monsieur,

Comme convenu par téléphone, je vous renvoie votre formulaire. Merci de clôturer notre licence mensuelle LIC-M-80877 au 30 juin.

Bien à vous,

Caroline Dumont
Secrétariat - Hennebert & Associés
Avenue de la Toison d'Or 77, 1060 Bruxelles
Tél. 02 880 77 00
""",
    attachments=(pdf("formulaire_destruction.pdf", [
        "# ATTESTATION DE DESTRUCTION DE LOGICIEL",
        "Le/la soussigné(e) atteste que toutes les copies du logiciel mentionné",
        "ci-dessous, y compris les sauvegardes, ont été détruites.",
        "",
        "Client : ..............................................",
        "N° de contrat : ......................................",
        "Date de destruction : .............................",
        "Nom : ................................................",
        "Signature : ..........................................",
        "",
        "À renvoyer complété et signé à support@contracts.example.com",
    ], producer="Contract Support forms"),),
    label=lab("cancellation", "fr", ["LIC-M-80877"], "cancel", "blank-form",
              "the desk's blank form sent back with dotted lines only: no confirmation. 'au 30 juin' = 30 Jun 2026",
              end="2026-06-30", outcome="needs_destruction_confirmation", judge="LIC-M-80877"),
))

add(Mail(
    "024-stopzetten-onderhoud-betonmixer-te-jong.eml", VANACKER, "Stopzetten onderhoud",
    at(2026, 4, 9, 12, 0),
    text="""Goeiedag,

Wij willen het onderhoudscontract MNT-2026-0214 voor de nieuwe betonmixer stopzetten. We hebben dit contract in januari afgesloten, maar de machine blijkt nog onder garantie van de verkoper te vallen. Graag stopzetten ten laatste tegen het einde van deze maand.

Mvg,
Els Van Acker
Van Acker Bouw BV
BTW BE0634.021.400
0497 02 14 00
""",
    label=lab("cancellation", "nl", ["MNT-2026-0214"], "cancel", "relative-date",
              "contract started 14 Jan 2026, under 6 months on 9 Apr: not_yet_eligible, earliest 14 Jul 2026. 'tegen het einde van deze maand' = 30 Apr 2026",
              end="2026-04-30", outcome="not_yet_eligible", earliest="2026-07-14", judge="MNT-2026-0214"),
))

add(Mail(
    "025-opzeg-tweede-vouwmachine-andere-loopt-door.eml", JAN, "Opzeg tweede vouwmachine",
    at(2026, 3, 16, 8, 30),
    text=f"""Goedemiddag,

Ons contract MNT-2019-4480 voor de snijmachine blijft gewoon lopen, daar verandert niets aan.

Het nieuwe contract MNT-2025-8120 voor de tweede vouwmachine (geleverd in november) mogen jullie wel opzeggen: het onderhoud daarvan wordt voortaan door de leverancier van de machine gedaan.

Met vriendelijke groeten,

{SIG_CLAEYS}
""",
    label=lab("cancellation", "nl", ["MNT-2019-4480", "MNT-2025-8120"], "cancel", "two-contracts",
              "the first contract continues, the second is ended; it started 20 Nov 2025: not_yet_eligible on 16 Mar 2026, earliest 20 May 2026",
              outcome="not_yet_eligible", earliest="2026-05-20", judge="MNT-2025-8120"),
))

add(Mail(
    "026-tr-fin-avenant-maintenance-presse.eml", DUFOUR_COMPTA,
    "TR: Fin de l'avenant maintenance presse", at(2026, 6, 1, 15, 20),
    text="""Bonjour,

À la demande de M. Dufour, je vous transmets ci-dessous sa demande de résiliation.

Cordialement,
Nathalie Lenoir
Comptabilité - Imprimerie Dufour SA

"""
    + outlook_quote("fr", DUFOUR_M, "vendredi 29 mai 2026 18:03", DUFOUR_COMPTA,
                    "Fin de l'avenant maintenance presse",
                    """Nathalie,

Peux-tu envoyer au fournisseur notre résiliation de l'avenant de maintenance ADD-2022-0051 (presse Heidelberg, interventions le week-end) ? Nous n'en avons plus besoin depuis que nous ne travaillons plus le samedi.

Merci,
Marc"""),
    label=lab("cancellation", "fr", ["ADD-2022-0051"], "cancel", "forward",
              "the request and the number are in the forwarded mail; a non-standard maintenance addendum: manual_review",
              outcome="manual_review", judge="ADD-2022-0051"),
))

add(Mail(
    "027-termination-for-non-performance.eml", ORION_IT,
    "Termination of maintenance agreement MNT-2020-9001 for non-performance",
    at(2026, 8, 3, 10, 0),
    text=f"""Dear Sir or Madam,

Under our maintenance agreement MNT-2020-9001 you are required to have an engineer on site within 8 business hours. On 12 June, 3 July and 28 July your engineer arrived two to four days late, and the storage array was down for a total of six days. You have not met your obligations under the agreement.

We therefore terminate agreement MNT-2020-9001 with immediate effect.

Yours faithfully,

{SIG_ORION}
""",
    label=lab("cancellation", "en", ["MNT-2020-9001"], "cancel", "plain",
              "termination for breach: manual_review; the three dates are incidents, 'with immediate effect' names no date",
              outcome="manual_review", judge="MNT-2020-9001", breach=True),
))

add(Mail(
    "028-cancel-licence-digits-swapped.eml", KINETIC, "Cancellation licence",
    at(2026, 7, 21, 13, 40),
    text="""Hello,

We'd like to cancel our licence contract LIC-M-63010 at the end of this month. All copies have been removed and destroyed, see the statement below.

Statement: we confirm that all copies of the software were destroyed on 20/07/2026.

Tom Aerts
Kinetic Labs BV
+32 16 60 31 00
""",
    client="gmail",
    label=lab("cancellation", "en", ["LIC-M-63010"], "cancel", "look-alike",
              "the number as written is not in the registry (the customer's licence is LIC-M-60310, digits swapped): unknown_contract, whatever else is right. 'at the end of this month' = 31 Jul 2026",
              destr=True, end="2026-07-31", outcome="unknown_contract"),
))

add(Mail(
    "029-resiliation-pont-elevateur-sans-numero.eml", RENARD_ATELIER,
    "résiliation contrat entretien pont élévateur", at(2026, 6, 16, 9, 0),
    text="""Bonjour,

Nous voudrions résilier le contrat de maintenance du pont élévateur de l'atelier. Le numéro de contrat, je ne le retrouve pas, mais notre n° client est le 40217. Le pont a été remplacé en mai.

Merci de me recontacter au 064 55 29 96.

Patrick Lemaire
Chef d'atelier
Transports Renard SA
TVA BE0438.299.541
IBAN BE43 0682 4021 7001
""",
    label=lab("cancellation", "fr", [], "cancel", "look-alike",
              "no contract number: customer number, phone, VAT and IBAN are not contract numbers; needs_contract_number",
              outcome="needs_contract_number"),
))

add(Mail(
    "030-cancel-passport-advantage-site.eml", GF_OPS, "Cancel Passport Advantage",
    at(2026, 1, 12, 10, 0),
    text="""Hello,

We no longer need our Passport Advantage licences. Please cancel Passport Advantage site number 7734120 so that it does not renew in June.

Kind regards,
Greenfield Operations
Greenfield Analytics Ltd | +32 2 555 01 87
""",
    client="gmail",
    label=lab("cancellation", "en", ["7734120"], "cancel", "plain",
              "a registered Passport Advantage site: nothing to cancel, pa_no_cancellation_needed",
              outcome="pa_no_cancellation_needed", judge="7734120"),
))

add(Mail(
    "031-arret-licence-passport-advantage-sans-numero.eml", MERTENS, "arrêt licence",
    at(2026, 9, 15, 11, 30),
    text="""Bonjour,

nous aimerions arrêter notre licence Passport Advantage pour le logiciel de dessin, nous n'en avons plus l'usage. Que devons-nous faire ?

Merci d'avance,
Isabelle Mertens
Atelier Mertens - architecture d'intérieur
Rue du Page 41, 1050 Ixelles
""",
    client="webmail",
    label=lab("cancellation", "fr", [], "cancel", "plain",
              "no number, but the text names Passport Advantage: pa_no_cancellation_needed (step 1)",
              outcome="pa_no_cancellation_needed"),
))

add(Mail(
    "032-onderhoud-sorteerder-welk-nummer.eml", KATRIEN, "onderhoud sorteerder stopzetten",
    at(2026, 3, 10, 14, 10),
    text="""Hallo,

We willen het onderhoud van één van onze twee sorteerders stopzetten, die in hal A wordt binnenkort afgebroken. Ik weet niet meer welk contractnummer bij welke machine hoort: het is MNT-2021-0907 of MNT-2021-0908. Kunnen jullie dat nakijken en de juiste opzeggen?

Bedankt,
Katrien Van den Broeck
Logistiek Van den Broeck NV
03 541 09 00
""",
    label=lab("cancellation", "nl", ["MNT-2021-0907", "MNT-2021-0908"], "cancel", "two-contracts",
              "one of two contracts is to end and the mail does not say which: a careful agent asks, manual_review (DOMAIN.md leaves it open)",
              outcome="manual_review"),
))

add(Mail(
    "033-ending-maintenance-and-licence-depot.eml", MEYER, "Ending maintenance and licence",
    at(2026, 10, 12, 16, 0),
    text=f"""Hello,

As we are closing our Zeebrugge depot, we want to end both contracts we have with you there:
- maintenance agreement MNT-2024-5575 (weighbridge)
- monthly licence LIC-M-70015 (yard management software). All copies of this software have been destroyed.

Please confirm the end dates.

Best regards,

{SIG_MEYER}
""",
    label=lab("cancellation", "en", ["LIC-M-70015", "MNT-2024-5575"], "cancel", "two-contracts",
              "two contracts ended at once under different rules (one month for the maintenance, 30 days for the licence): one decision cannot state both, manual_review (DOMAIN.md leaves it open); destruction confirmed for the licence",
              destr=True, outcome="manual_review"),
))

add(Mail(
    "034-resiliation-diagnostic-photo-illisible.eml", HUBERT, "Résiliation licence LIC-M-35512",
    at(2026, 11, 17, 10, 45),
    text="""Bonjour,

Nous résilions la licence mensuelle LIC-M-35512 (logiciel de diagnostic). Voici l'attestation en photo.

Gérard Hubert
Garage Hubert SRL
Route de Marche 200, 6900 Marche-en-Famenne
084 31 55 12
""",
    client="apple",
    attachments=(),  # filled below (the photo)
    label=lab("cancellation", "fr", ["LIC-M-35512"], "cancel", "scan",
              "the only proof of destruction is a photo too blurred and dark to read: a careful agent cannot confirm it and does not ask for what may already be there: manual_review (the set's convention)",
              outcome="manual_review"),
))

add(Mail(
    "035-opzegging-wms-verklaring-niet-ondertekend.eml", VDB_IT,
    "opzegging maandlicentie WMS LIC-M-41187", at(2026, 6, 30, 9, 30),
    text=f"""Beste,

Wij zeggen de maandelijkse licentie LIC-M-41187 (magazijnbeheer) op. In bijlage de verklaring van vernietiging; die is nog niet ondertekend, onze zaakvoerder tekent ze volgende week en dan sturen we ze opnieuw.

Met vriendelijke groet,
Dienst ICT
Logistiek Van den Broeck NV

{DISCLAIMER_VDB}
""",
    attachments=(pdf("verklaring_vernietiging_LIC-M-41187.pdf", [
        "# VERKLARING VAN VERNIETIGING",
        "Klant: Logistiek Van den Broeck NV",
        "Licentie: LIC-M-41187",
        "",
        "Wij verklaren dat alle kopieën van de software, ook de back-ups,",
        "vernietigd werden.",
        "",
        "Datum: 29/06/2026",
        "Handtekening zaakvoerder:",
        "",
        "(niet ondertekend)",
    ]),),
    label=lab("cancellation", "nl", ["LIC-M-41187"], "cancel", "unsigned-certificate",
              "the certificate is marked not signed and the mail says the signature follows: needs_destruction_confirmation; 29/06/2026 is the form's date",
              outcome="needs_destruction_confirmation", judge="LIC-M-41187"),
))

add(Mail(
    "036-resiliation-station-lavage-via-crm.eml", RENARD_DIR,
    "Résiliation contrat maintenance MNT-2021-7432", at(2026, 2, 17, 17, 20),
    html=outlook_html([
        "Bonjour,",
        "",
        "Par la présente, nous résilions le contrat de maintenance MNT-2021-7432 (station de lavage camions) à dater du 1er mars.",
        "",
        "Bien cordialement,",
        "",
        "Olivier Renard",
        "Transports Renard SA",
        "Tél. 064 55 29 95",
    ], lang="FR-BE"),
    auth="esp",
    label=lab("cancellation", "fr", ["MNT-2021-7432"], "cancel", "yearless-date",
              "signed only by an unrelated mailing service (DKIM of esp-mailing..., DMARC none): unproven, awaiting_sender_confirmation. 'à dater du 1er mars' = 1 Mar 2026",
              end="2026-03-01", outcome="awaiting_sender_confirmation", judge="MNT-2021-7432"),
))

# =============================================================================================
# Mail that is not a cancellation (some look like one)
# =============================================================================================

add(Mail(
    "037-re-terminate-weighbridge-forget-it-repair.eml", MEYER,
    "RE: Terminate maintenance MNT-2024-5575", at(2026, 9, 14, 8, 5),
    text=f"""Hello,

Please forget my earlier mail, we keep the contract after all - management decided to keep the Zeebrugge weighbridge for another year.

The display of that weighbridge went dead this morning (error E-17). Does MNT-2024-5575 cover this repair, and can an engineer come this week?

Thanks,

{SIG_MEYER}

"""
    + outlook_quote("en", NG_FINANCE, "Tuesday, 8 September 2026 10:41", MEYER,
                    "Terminate maintenance MNT-2024-5575",
                    """Daniel,

Draft for the supplier, please send it from your mailbox:

"Dear Sir or Madam, we hereby terminate maintenance agreement MNT-2024-5575 with one month's notice, effective 31/10/2026."

Thanks,
Ingrid (Finance)"""),
    label=lab("hardware", "en", ["MNT-2024-5575"], "fault", "quoted-history",
              "subject and quoted internal draft ask to terminate; the new text withdraws it and asks whether the contract covers a repair: hardware, no cancellation"),
))

add(Mail(
    "038-re-opzeg-afvullijn-toch-offerte.eml", PIET, "Re: opzeg onderhoud afvullijn",
    at(2026, 6, 9, 10, 25),
    text="Op 28/05/2026 om 16:40 schreef Piet Vermeulen:\n"
    + quote("""Dag,

we gaan de oude afvullijn stilleggen. Daarom willen wij het
onderhoudscontract MNT-2023-1204 opzeggen tegen eind volgende maand.

Groetjes,
Piet""")
    + """

We hebben het intern nog eens bekeken: de nieuwe lijn komt pas volgend jaar, dus we houden de oude nog in gebruik en gaan toch verder met het onderhoud. Kunt ge ons een prijsofferte sturen voor het onderhoud van de afvullijn in 2027?

Groetjes,
Piet Vermeulen
Brouwerij De Kroon
0476 55 12 04
""",
    client="thunderbird",
    label=lab("hardware", "nl", ["MNT-2023-1204"], "quote", "bottom-posted",
              "Flemish, bottom-posted under their own old cancellation: the new text takes it back and asks a price quote for maintenance: hardware"),
))

add(Mail(
    "039-tr-resiliation-massicot-dabord-une-copie.eml", DUFOUR_COMPTA,
    "TR: Résiliation contrat maintenance massicot", at(2026, 1, 19, 9, 40),
    text="""Bonjour,

Avant de donner suite au message de M. Dufour ci-dessous, pourriez-vous nous envoyer une copie du contrat MNT-2020-3318 ? Nous ne retrouvons plus l'original signé et voudrions vérifier les conditions de préavis.

Merci d'avance,
Nathalie Lenoir
Comptabilité - Imprimerie Dufour SA

"""
    + outlook_quote("fr", DUFOUR_M, "vendredi 16 janvier 2026 17:52", DUFOUR_COMPTA,
                    "Résiliation contrat maintenance massicot",
                    """Nathalie,

Pour le massicot : on arrête le contrat de maintenance MNT-2020-3318, fais le nécessaire auprès du fournisseur s'il te plaît.

Marc"""),
    label=lab("copy-request", "fr", ["MNT-2020-3318"], "copy", "forward",
              "the forwarded mail asks to cancel, the added line asks only for a copy of the contract first: copy-request"),
))

add(Mail(
    "040-pas-question-de-resilier-offre-25-postes.eml", CLINIQUE_IT,
    "Licence LIC-M-44902 - hausse de prix et extension", at(2026, 11, 24, 11, 50),
    text=f"""Bonjour,

Nous avons bien reçu l'annonce de la hausse de prix. Pas question de résilier la licence LIC-M-44902 pour autant : le logiciel de planning des blocs fonctionne bien. Envoyez-nous plutôt l'offre pour passer de 15 à 25 utilisateurs à partir du 1er janvier.

Cordialement,
{SIG_MASSON}
""",
    label=lab("software", "fr", ["LIC-M-44902"], "quote", "negated-intent",
              "'pas question de résilier' negates the cancellation; the request is a quote for more users of a software licence: software"),
))

add(Mail(
    "041-technieker-cnc-anders-opzeggen.eml", PEETERS, "technieker CNC machine??",
    at(2026, 9, 9, 7, 50),
    text="""Goeiemorgen,

Onze CNC-freesmachine staat al sinds maandag stil (spindelfout, code SP-302). Er is beloofd dat er een technieker zou komen maar we hebben nog niemand gezien. Als dat nog lang duurt zullen we het contract MNT-2022-3030 moeten opzeggen, want zo hebben we er niks aan.

Wanneer komt er iemand?

Koen Peeters
Schrijnwerkerij Peeters
03 480 30 30
""",
    client="webmail",
    label=lab("hardware", "nl", ["MNT-2022-3030"], "fault", "hypothetical",
              "Flemish; a conditional threat to cancel ('als dat nog lang duurt zullen we ... moeten opzeggen') beside a machine fault: hardware"),
))

add(Mail(
    "042-if-we-were-to-cancel-notice-period.eml", KINETIC, "Question about licence LIC-M-60310",
    at(2026, 6, 3, 14, 25),
    text="""Hi,

We're reviewing our software costs. If we were to cancel licence LIC-M-60310, what notice period would apply, and would we need to do anything with the installed copies? We haven't decided anything yet, just gathering information.

Cheers,
Tom Aerts
Kinetic Labs BV
""",
    client="gmail",
    label=lab("software", "en", ["LIC-M-60310"], "question", "hypothetical",
              "a hypothetical cancellation asked as a question about the terms: no request to end; a question about a software licence: software"),
))

add(Mail(
    "043-re-stopzetten-onderhoud-als-onbestaande.eml", VANACKER, "RE: Stopzetten onderhoud",
    at(2026, 4, 10, 9, 5),
    text="""Goeiedag,

Gelieve onze mail van gisteren als onbestaande te beschouwen: na overleg met de verkoper behouden we het onderhoudscontract MNT-2026-0214 toch. Excuses voor de verwarring.

Mvg,
Els Van Acker
Van Acker Bouw BV
0497 02 14 00

"""
    + outlook_quote("nl", VANACKER, "donderdag 9 april 2026 12:00", DESK, "Stopzetten onderhoud",
                    """Goeiedag,

Wij willen het onderhoudscontract MNT-2026-0214 voor de nieuwe betonmixer stopzetten. Graag stopzetten ten laatste tegen het einde van deze maand.

Mvg,
Els Van Acker"""),
    label=lab("general", "nl", ["MNT-2026-0214"], "retraction", "quoted-history",
              "a pure withdrawal of yesterday's cancellation, which is quoted below: nothing to do but note it, general (the set's convention)"),
))

add(Mail(
    "044-copies-for-audit-two-agreements.eml", ORION_IT, "Copy of contracts for audit",
    at(2026, 1, 21, 9, 15),
    text=f"""Good morning,

Our external auditor asks for copies of our agreements with you. Could you send us a copy of maintenance agreement MNT-2020-9001 and of licence LIC-M-51515, including the current price schedule?

Many thanks,

{SIG_ORION}
""",
    label=lab("copy-request", "en", ["LIC-M-51515", "MNT-2020-9001"], "copy", "two-contracts",
              "copies of two contracts; VAT and IBAN in the signature are no contract numbers"),
))

add(Mail(
    "045-storing-sorteerder-html-tabel.eml", VDB_IT, "Storing sorteerder 2 - dringend",
    at(2026, 2, 20, 6, 48),
    html=outlook_html([
        "Goedemorgen,",
        "",
        "Sinds vannacht geeft sorteerder 2 een foutmelding en staat de lijn stil. Gegevens:",
        "",
        table([
            ("Contract", "MNT-2021-0908"),
            ("Serienummer", "XS-7720-114"),
            ("Foutcode", "E-0907 / belt overload"),
            ("Locatie", "Hal A, Zwaluwstraat 8, 2040 Antwerpen"),
        ]),
        "",
        "Kan er vandaag nog een technieker langskomen? Bereikbaar op 03 541 09 00.",
        "",
        "Met vriendelijke groet,",
        "Dienst ICT",
        "Logistiek Van den Broeck NV",
    ]),
    label=lab("hardware", "nl", ["MNT-2021-0908"], "fault", "html-table",
              "HTML-only fault report with a table; serial number and error code E-0907 are no contract numbers"),
))

add(Mail(
    "046-probleme-logiciel-planning-mise-a-jour.eml", RENARD_DIR,
    "Problème logiciel planning après mise à jour", at(2026, 3, 24, 7, 35),
    text=f"""Bonjour,

Depuis la mise à jour 8.2 d'hier soir, le logiciel de planning (licence LIC-M-29954) ne démarre plus sur le PC du dispatching : message « Licence server not reachable ». Pouvez-vous nous aider rapidement ? Nos chauffeurs attendent leurs tournées.

Cordialement,
{SIG_RENARD}
""",
    label=lab("software", "fr", ["LIC-M-29954"], "fault", "plain",
              "a software fault under a registered licence: software"),
))

add(Mail(
    "047-quote-label-printers-new-customer.eml", MERIDIAN,
    "Quote request - maintenance for two label printers", at(2026, 5, 26, 15, 5),
    text="""Hello,

We have just installed two industrial label printers (serials 99J201904471 and 99J201904472) at our Ghent site and are looking for a hardware maintenance contract with next-business-day on-site service. Could you send us a price quote?

Best regards,
Hannah Brooks
Facilities Coordinator, Meridian Print Services
Kortrijksesteenweg 1044, 9051 Gent
+32 9 245 10 44
""",
    client="webmail",
    auth=None,
    label=lab("hardware", "en", [], "quote", "plain",
              "a prospect asks a quote for hardware maintenance; serial numbers are no contract numbers; no desk MX header, unproven (irrelevant for a quote)"),
))

add(Mail(
    "048-contracten-online-bekijken.eml", VERHULST, "contracten online bekijken",
    at(2026, 3, 3, 13, 30),
    text="""Goedemiddag,

Waar kan ik onze contracten online raadplegen? Ik heb een login gekregen maar vind in het portaal enkel facturen terug, geen contracten.

Alvast bedankt,
Sofie De Wilde
Notariaat Verhulst
Lange Nieuwstraat 12, 2000 Antwerpen
03 232 88 70
""",
    label=lab("general", "nl", [], "question", "plain", "how to view contracts online: general"),
))

add(Mail(
    "049-reponse-automatique-absence.eml", "Julien Masson <it@clinique-saintroch.example.org>",
    "Réponse automatique : Accusé de réception de votre demande", at(2026, 8, 10, 9, 1),
    text="""Bonjour,

Je suis absent jusqu'au 24 août inclus. Pour toute urgence informatique, contactez le helpdesk au 065 39 60 00.

Cordialement,
Julien Masson
""",
    in_reply_to="<pk.20260810.0701.a81f@contracts.example.com>",
    extra=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")),
    label=lab(None, "fr", [], "nothing", "auto-reply",
              "out-of-office answer to one of our replies: auto_reply, never answered", disp="auto_reply"),
))

BOUNCE = b"""Authentication-Results: mx.contracts.example.com; spf=pass smtp.helo=mail.greenfield-analytics.example.com; dkim=none; dmarc=none header.from=mail.greenfield-analytics.example.com
Return-Path: <>
Received: from mail.greenfield-analytics.example.com (mail.greenfield-analytics.example.com [198.51.100.77]) by mx1.contracts.example.com (Postfix) with ESMTPS id 4F2A9C01 for <support@contracts.example.com>; Wed, 13 May 2026 10:02:41 +0200 (CEST)
From: Mail Delivery System <MAILER-DAEMON@mail.greenfield-analytics.example.com>
To: support@contracts.example.com
Subject: Undelivered Mail Returned to Sender
Date: Wed, 13 May 2026 10:02:39 +0200 (CEST)
Message-ID: <20260513080239.7C1D2A0042@mail.greenfield-analytics.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="7C1D2A0042.1778659359/mail.greenfield-analytics.example.com"

This is a MIME-encapsulated message.

--7C1D2A0042.1778659359/mail.greenfield-analytics.example.com
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.greenfield-analytics.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<p.jacobs@greenfield-analytics.example.com>: user unknown; the mailbox of
    the former employee was removed

--7C1D2A0042.1778659359/mail.greenfield-analytics.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.greenfield-analytics.example.com
X-Postfix-Queue-ID: 7C1D2A0042
Arrival-Date: Wed, 13 May 2026 10:02:38 +0200 (CEST)

Final-Recipient: rfc822; p.jacobs@greenfield-analytics.example.com
Original-Recipient: rfc822;p.jacobs@greenfield-analytics.example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: x-unix; user unknown

--7C1D2A0042.1778659359/mail.greenfield-analytics.example.com
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Contract Support <support@contracts.example.com>
To: p.jacobs@greenfield-analytics.example.com
Subject: Re: Passport Advantage - renewal quote
Date: Wed, 13 May 2026 10:02:30 +0200
Message-ID: <pk.20260513.0802.77c1@contracts.example.com>

--7C1D2A0042.1778659359/mail.greenfield-analytics.example.com--
"""

add(Mail(
    "050-undelivered-mail-returned.eml", "MAILER-DAEMON@mail.greenfield-analytics.example.com",
    "Undelivered Mail Returned to Sender", at(2026, 5, 13, 10, 2, 39),
    raw=BOUNCE.replace(b"\n", b"\r\n"),
    auth=None,
    label=lab(None, "en", [], "nothing", "bounce",
              "delivery status notification for one of our replies: bounce, queue null", disp="bounce"),
))

NEWSLETTER_TEXT = """PrintTech Nieuws - oktober 2026

5 tips om uw onderhoudscontract te optimaliseren

1. Kijk elk jaar na welke machines nog in gebruik zijn.
2. Wanneer zegt u best uw onderhoudscontract op? Respecteer altijd de opzegtermijn van uw leverancier.
3. Laat software die u niet meer gebruikt tijdig vernietigen en bewaar het attest.
4. Vraag een offerte voor meerdere machines tegelijk.
5. Bewaar een kopie van elk contract op een centrale plaats.

Lees het volledige artikel op https://printtech-news.example.org/artikels/onderhoud-2026

U ontvangt deze nieuwsbrief omdat u ingeschreven bent op PrintTech Nieuws.
Wilt u deze nieuwsbrief niet meer ontvangen? Schrijf u hier uit: https://printtech-news.example.org/uitschrijven?id=8812
"""

add(Mail(
    "051-nieuwsbrief-onderhoudscontract-tips.eml",
    "PrintTech Nieuws <nieuws@printtech-news.example.org>",
    "Nieuwsbrief oktober: 5 tips om uw onderhoudscontract te optimaliseren",
    at(2026, 10, 6, 7, 0),
    text=NEWSLETTER_TEXT,
    html=outlook_html([esc(line) for line in NEWSLETTER_TEXT.split("\n")]),
    client="webmail",
    extra=(
        ("List-Id", "PrintTech Nieuws <nieuwsbrief.printtech-news.example.org>"),
        ("List-Unsubscribe", "<mailto:unsubscribe@printtech-news.example.org?subject=8812>, <https://printtech-news.example.org/uitschrijven?id=8812>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Precedence", "bulk"),
    ),
    label=lab("general", "nl", [], "nothing", "bulk",
              "a newsletter about cancelling contracts: bulk, general, no reply", disp="bulk"),
))

add(Mail(
    "052-fw-passport-advantage-cancel-quote-first.eml", SARAH,
    "FW: Passport Advantage - cancel?", at(2026, 1, 5, 10, 40),
    text="""Hello,

Before we decide anything on the thread below: what would the renewal of Passport Advantage site 7734120 cost for another year? Please send us a quote.

Thanks,
Sarah Okoro
Greenfield Analytics Ltd

"""
    + outlook_quote("en", "Peter Jacobs <p.jacobs@greenfield-analytics.example.com>",
                    "Friday, 2 January 2026 17:30", GF_OPS, "Passport Advantage - cancel?",
                    """Sarah,

Should we just cancel the Passport Advantage subscription? We hardly use the modelling tool any more. Please check with the supplier.

Peter"""),
    label=lab("software", "en", ["7734120"], "quote", "forward",
              "the forwarded internal mail wonders about cancelling; the added line asks for a renewal quote: software"),
))

add(Mail(
    "053-factuur-licentie-zeker-niet-opzeggen.eml", VERHULST, "factuur maart licentie",
    at(2026, 4, 7, 15, 45),
    text="""Goeiemiddag,

Om misverstanden te vermijden: we willen de licentie LIC-M-38870 zeker niet opzeggen. Maar op de factuur van maart (factuurnummer F26-0311) worden 8 gebruikers aangerekend terwijl we er maar 5 hebben. Kunt u dat nakijken en een creditnota sturen?

Vriendelijke groeten,
Sofie De Wilde
Notariaat Verhulst
03 232 88 70
""",
    label=lab("software", "nl", ["LIC-M-38870"], "question", "negated-intent",
              "'zeker niet opzeggen': a negated cancellation; the request is a billing correction on a software licence: software"),
))

add(Mail(
    "054-demande-copie-contrat-references.eml", CLINIQUE_IT, "Demande de copie de contrat",
    at(2026, 9, 22, 10, 10),
    text=f"""Bonjour,

Pourriez-vous m'envoyer une copie du contrat de maintenance n° MNT-2022-6610 (imprimante d'étiquettes, stérilisation) ? Notre service achats en a besoin pour le bon de commande PO-2026-6610.

Références pour la facturation : TVA BE0412.660.100, IBAN BE12 0015 6610 2026.

Merci,
{SIG_MASSON}
""",
    label=lab("copy-request", "fr", ["MNT-2022-6610"], "copy", "look-alike",
              "a copy request; order number, VAT and IBAN repeat the contract's digits but are no contract numbers"),
))

add(Mail(
    "055-calibration-weighbridge-disclaimer.eml", MEYER, "Calibration of the Zeebrugge weighbridge",
    at(2026, 5, 12, 12, 5),
    text=f"""Hello,

Does our maintenance agreement MNT-2024-5575 include the yearly legal calibration of the weighbridge, or is that invoiced separately? The current calibration certificate expires on 30/06/2026.

Kind regards,

{SIG_MEYER}

{DISCLAIMER_NG}
""",
    label=lab("hardware", "en", ["MNT-2024-5575"], "question", "look-alike",
              "a coverage question; the disclaimer's 'destroy all copies' and the certificate's expiry date are not cancellation facts"),
))

add(Mail(
    "056-si-le-prix-augmente-tarif.eml", COLLIGNON, "Tarif licence comptable",
    at(2026, 1, 15, 16, 20),
    text="""Bonjour,

Si le prix de la licence LIC-M-73310 augmente encore cette année, nous devrions envisager de la résilier. Pouvez-vous déjà nous communiquer le tarif applicable à partir du 1er juillet ?

Meilleures salutations,
Anne Collignon
Fiduciaire Collignon SRL
Tél. 071 30 73 31
""",
    label=lab("software", "fr", ["LIC-M-73310"], "quote", "hypothetical",
              "a conditional cancellation ('si le prix augmente ... nous devrions'); the request is the price from 1 July: software"),
))

add(Mail(
    "057-fw-robotkast-eerst-opzegtermijn.eml", GOOSSENS, "FW: onderhoud robotkast",
    at(2026, 7, 1, 8, 45),
    text="""Goedemorgen,

Voor we onderstaande vraag van apotheker Goossens uitvoeren: klopt het dat we voor het onderhoudscontract MNT-2018-2277 een opzegtermijn van één maand hebben, en blijft de robotkast tot dan volledig in onderhoud? Dan kunnen we beslissen.

Vriendelijke groeten,
Nele
Apotheek Goossens
015 20 22 77

"""
    + outlook_quote("nl", LUC, "dinsdag 30 juni 2026 22:10", GOOSSENS, "onderhoud robotkast",
                    """Nele,

Kan je het onderhoud van de oude robotkast (MNT-2018-2277) opzeggen bij de leverancier? De nieuwe komt eind augustus.

Luc"""),
    label=lab("hardware", "nl", ["MNT-2018-2277"], "question", "forward",
              "the forwarded mail asks to cancel; the added line asks about the notice period and coverage before deciding: a question about a maintenance contract, hardware"),
))

add(Mail(
    "058-not-cancelling-renew-dashboards.eml", SARAH, "Renewal LIC-M-55248 - not a cancellation",
    at(2026, 2, 2, 11, 20),
    text="""Hello,

Just to be clear, we are NOT cancelling anything: please renew licence LIC-M-55248 (dashboards) for another 12 months and send future invoices to our new address, Avenue Louise 231, 1050 Brussels (PO number GF-2026-0412).

Kind regards,
Sarah Okoro
Greenfield Analytics Ltd
""",
    client="gmail",
    label=lab("software", "en", ["LIC-M-55248"], "question", "negated-intent",
              "'we are NOT cancelling anything' and a renewal request for a software licence: software"),
))


def _attach_scans() -> None:
    """The scans are attached here so that a missing asset is drawn only when building."""
    by_name = {m.name: m for m in MAILS}
    scan = asset("copier-scan-renard.jpg")
    width, height = jpeg_size(scan)
    by_name["007-resiliation-planning-scan-copieur.eml"].attachments = (
        Attachment("SKM_C300i26061010200.pdf", pdf_scan(scan, width, height), "application/pdf"),
    )
    by_name["034-resiliation-diagnostic-photo-illisible.eml"].attachments = (
        Attachment("IMG_20261117_103512.jpg", asset("photo-attestation-hubert.jpg"), "image/jpeg"),
    )


# --- checks and output --------------------------------------------------------------------------


def _registry() -> dict[str, dict[str, str]]:
    return {
        norm(row[0]): dict(zip(("number", "kind", "scope", "customer", "contacts", "start", "lang"),
                               row, strict=True))
        for row in CONTRACTS
    }


def check(mail: Mail) -> None:
    label = mail.label
    policy = label["policy"]
    assert isinstance(policy, dict)
    judge = label["_judge"]
    if judge is None:
        return
    assert isinstance(judge, str)
    entry = _registry()[norm(judge)]
    contacts = {a.strip().lower() for a in entry["contacts"].split(";")}
    end = label["requested_end_date"]
    assert end is None or isinstance(end, str)
    outcome, eff, earliest = policy_of(
        entry["kind"],
        date.fromisoformat(entry["start"]),
        mail.received,
        date.fromisoformat(end) if end else None,
        destroyed=bool(label["destruction_confirmation"]),
        out_of_use=bool(label["machine_out_of_use"]),
        registered=mail.address in contacts,
        proven=mail.proof == "proven",
        breach=bool(label["_breach"]),
    )
    want = (outcome, eff.isoformat() if eff else None, earliest.isoformat() if earliest else None)
    have = (policy["outcome"], policy["effective_date"], policy["earliest_notice_date"])
    if want != have:
        raise SystemExit(f"{mail.name}: hand label {have} but DOMAIN.md section 4 gives {want}")


def main() -> None:
    _attach_scans()
    MAILS_DIR.mkdir(exist_ok=True)
    names = [m.name for m in MAILS]
    assert len(names) == len(set(names)), "duplicate file names"
    labels: dict[str, dict[str, object]] = {}
    for mail in MAILS:
        check(mail)
        label = {k: v for k, v in mail.label.items() if not k.startswith("_")}
        label["sender_proof"] = mail.proof
        order = ("disposition", "queue", "language", "contract_numbers",
                 "destruction_confirmation", "machine_out_of_use", "requested_end_date",
                 "policy", "sender_proof", "intent", "shape", "note")
        labels[mail.name] = {k: label[k] for k in order}
        (MAILS_DIR / mail.name).write_bytes(mail.build())
    for stale in MAILS_DIR.glob("*.eml"):
        if stale.name not in labels:
            stale.unlink()
    LABELS.write_text(json.dumps(labels, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["contract_number", "kind", "scope", "customer", "contacts", "start_date",
                     "language"])
    writer.writerows(CONTRACTS)
    REGISTRY.write_text(out.getvalue(), encoding="utf-8")
    print(f"{len(MAILS)} mails written to {MAILS_DIR}", file=sys.stderr)


if __name__ == "__main__":
    main()
