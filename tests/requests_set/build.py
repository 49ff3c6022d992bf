# ruff: noqa: E501  (mail text is kept as the customer wrote it, long lines included)
"""Writes the requests set: `mails/NNN-slug.eml` and `labels.json` from the mails below.

The committed .eml files and labels.json are the set; this script is how they were made.
`python -m tests.requests_set.build` rewrites them (same bytes for the same inputs). The two
scanned images come from `assets/`; when an asset is missing it is drawn again with Pillow
(`pip install pillow`, not a project dependency).

Every label is written by hand from DOMAIN.md (sections 2-6) and the FAQ; for cancellations
judged on one registered contract (`judge=`) the build checks the hand-written policy against
an independent reading of section 4 (`kit.policy_of`) and stops on any difference.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path

from tests.requests_set.kit import (
    Attachment,
    Mail,
    at,
    docx_form,
    draw_assets,
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


def L(
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
        "contract_numbers": sorted(nums),
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
    """The HTML alternative an Outlook client sends next to its text part."""
    paragraphs = [esc(line) for line in text.split("\n")]
    return outlook_html(paragraphs)


# --- signatures and disclaimers ----------------------------------------------------------------

SIG_VH = """Pieter Van Hoecke
Zaakvoerder
Drukkerij Van Hoecke NV
Industrieweg 14, 9070 Destelbergen
T +32 9 228 14 70 | GSM +32 475 61 22 09
BTW BE 0428.613.552 | IBAN BE62 3630 8891 2261"""

DISCLAIMER_NL = """Dit e-mailbericht en eventuele bijlagen zijn vertrouwelijk en uitsluitend bestemd voor de geadresseerde. Indien u dit bericht per vergissing ontving, gelieve de afzender onmiddellijk te verwittigen en het bericht en alle kopieën ervan te vernietigen."""

SIG_MATHIEU = """Pascal Mathieu
Pharmacien titulaire – Pharmacie Mathieu SRL
Place Saint-Lambert 3, 4000 Liège
Tél. 04 223 17 45 – TVA BE0845.317.206"""

SIG_BRIGHT = """Tom Verbeke
CTO | Brightwave Analytics BV
Kortrijksesteenweg 1090, 9051 Gent
+32 9 335 71 44 | VAT BE0687.301.225"""

SIG_HARBOUR_JP = """Jens Peeters
Technical Manager | Harbour Cold Storage NV
Kaai 1240, 2030 Antwerpen
T +32 3 545 80 12 | VAT BE0712.445.908"""

SIG_THIJS = """An Thijs
Bouwbedrijf Thijs NV
Steenweg op Aalst 88, 9300 Aalst
T 053 78 20 11 – BTW BE 0416.227.390"""

SIG_MARCHAL = """Daniel Marchal
Administrateur délégué – Ateliers Marchal SA
Rue de l'Industrie 17, 4100 Seraing
Tél. +32 4 337 20 60 – TVA BE0423.551.067"""

DISCLAIMER_EN = """This e-mail and any attachments are confidential and intended solely for the addressee. If you received it in error, please notify the sender and delete or destroy all copies."""

PIETER = "Pieter Van Hoecke <pieter.vanhoecke@vanhoecke-druk.example.be>"
MARIE = "Marie Delcourt <marie.delcourt@delcourt-boulangerie.example.be>"
JENS = "Jens Peeters <j.peeters@harbourcold.example.com>"
HARBOUR_IT = "Bart Wuyts <it@harbourcold.example.com>"
HARBOUR_OPS = "Operations Harbour Cold Storage <ops@harbourcold.example.com>"
TOM = "Tom Verbeke <tom.verbeke@brightwave.example.com>"
THIJS = "An Thijs <an.thijs@bouwbedrijf-thijs.example.be>"
MARCHAL = "Daniel Marchal <d.marchal@ateliers-marchal.example.be>"
MATHIEU = "Pascal Mathieu <p.mathieu@pharmacie-mathieu.example.be>"
DESMET = "Dr. Eva De Smet <dr.desmet@tandarts-desmet.example.be>"
WIM = "Wim Lambrechts <wim@garage-lambrechts.example.be>"
CLINIQUE = "Service informatique Clinique du Parc <informatique@cliniqueduparc.example.org>"
TERLINDE_ICT = "Dienst ICT Ter Linde <ict@terlinde.example.org>"
TERLINDE_FAC = "Hilde Peeters <facility@terlinde.example.org>"
KESTREL = "Eline Moens <hello@kestrel-design.example.com>"
QUAYSIDE = "Quayside Events Operations <ops@quayside-events.example.com>"
WAUTERS_IT = "Service IT Transports Wauters <it@transports-wauters.example.be>"
VERSTRAETE = "Lies Verstraete <lies@verstraete-hout.example.be>"
LEBRUN = "Charles Lebrun <c.lebrun@brasserie-lebrun.example.be>"
DOCKSIDE = "Dockside Facilities <facilities@dockside-robotics.example.com>"
NEXORA_IT = "IT Admin Nexora <it-admin@nexora.example.net>"
FONTAINE = "Anne Fontaine <a.fontaine@fontaine-avocats.example.be>"


def asset(name: str) -> bytes:
    path = ASSETS / name
    if not path.exists():
        draw_assets(ASSETS)
    return path.read_bytes()


# === quoted history: the new text decides, not the quoted request =============================

t = f"""Goedemorgen,

Vergeet mijn vorige mail aub, we houden het onderhoudscontract toch aan. Na overleg met de werkplaats is beslist de snijmachine nog minstens een jaar te gebruiken.

Wel een vraag: sinds gisteren geeft de Polar snijmachine foutcode E-17 (het mes blokkeert halverwege). Valt die herstelling onder ons contract OND-2019-0331, of wordt dat apart aangerekend?

Met vriendelijke groeten,
{SIG_VH}

""" + outlook_quote(
    "nl",
    PIETER,
    "vrijdag 10 april 2026 16:48",
    "Boekhouding Van Hoecke <boekhouding@vanhoecke-druk.example.be>",
    "Opzeggen onderhoud OND-2019-0331",
    """Els,

Kan jij dit maandag naar de leverancier sturen?

"Geachte, hierbij zeggen wij het onderhoudscontract OND-2019-0331 (snijmachine Polar 92) op tegen 30/06/2026. Gelieve ons de ontvangst te bevestigen."

Bedankt,
Pieter""",
)
add(Mail("001-re-opzeggen-onderhoud-toch-houden", PIETER, "RE: Opzeggen onderhoud OND-2019-0331", at(2026, 4, 14, 9, 12), text=t, html=html_of(t),
         label=L("hardware", "nl", ["OND20190331"], "question", "quoted-history",
                 "New text withdraws the quoted internal draft ('Vergeet mijn vorige mail ... we houden het onderhoudscontract toch aan') and asks whether a repair is covered: a coverage question on a hardware-scope contract. The termination and 30/06/2026 are only in the quoted draft.")))

t = """Bonjour,

Oubliez mon mail de lundi : après en avoir parlé avec mon mari, nous gardons finalement le contrat d'entretien du four. Par contre, pourriez-vous m'envoyer une copie du contrat MNT 8820-B ? Je ne retrouve plus l'exemplaire signé.

Merci d'avance,
Marie Delcourt
Boulangerie Delcourt
Rue de Fer 22, 5000 Namur
0471 28 93 10

Le lun. 20 avr. 2026 à 10:02, Marie Delcourt <marie.delcourt@delcourt-boulangerie.example.be> a écrit :
""" + quote("""Bonjour,

Je souhaite résilier le contrat de maintenance MNT 8820-B (four à sole) à partir du 1er juin 2026.

Cordialement,
Marie Delcourt""")
add(Mail("002-re-resiliation-on-garde-copie", MARIE, "Re: Résiliation contrat de maintenance MNT 8820-B", at(2026, 4, 22, 16, 40), text=t, client="gmail",
         in_reply_to="<CAJf3kq0Zx9u8d1mWv7hPq2Lr5sT6yN0bE4cH8gK1aR3oD2@mail.gmail.example.com>",
         label=L("copy-request", "fr", ["MNT8820B"], "copy", "quoted-history",
                 "Gmail reply to her own earlier cancellation: the new text withdraws it ('Oubliez mon mail de lundi ... nous gardons finalement le contrat') and asks for a copy of the contract. '1er juin 2026' is only in the quote.")))

t = f"""Hello,

Please disregard the request below – management decided to keep the cover on the plate freezers for another year after all.

Instead, could you send us a quote for adding the second blast freezer (installed March 2026, serial BF-2-0915) to the same maintenance agreement?

Kind regards,
{SIG_HARBOUR_JP}

""" + outlook_quote("en", HARBOUR_OPS, "Monday, 4 May 2026 17:31", JENS, "Terminate maintenance HX-300-517", """Jens, draft for the supplier as discussed:

"Dear Sir or Madam, Harbour Cold Storage hereby terminates maintenance agreement HX-300-517 with effect from 31 July 2026. Please confirm receipt."

OK to send?
Ops""")
add(Mail("003-re-terminate-maintenance-keep-cover", JENS, "RE: Terminate maintenance HX-300-517", at(2026, 5, 5, 11, 3), text=t, html=html_of(t),
         label=L("hardware", "en", ["HX300517"], "quote", "quoted-history",
                 "New text disregards the quoted internal draft ('Please disregard the request below') and asks a quote to add a machine to the hardware maintenance agreement. The termination and 31 July 2026 are only quoted.")))

t = """Dag,

Laat maar, de opzeg gaat niet door, de baas wil de licentie toch houden.

Wel een ander probleem: sinds de update van vrijdag krijgen we bij het opstarten 'licentieserver niet bereikbaar' op alle 4 de pc's in de prepress. Kunnen jullie eens kijken?

Mvg
Kevin De Clercq
ICT – Drukkerij Van Hoecke NV
09 228 14 75

>>> Pieter Van Hoecke 24/04/2026 15:12 >>>
Kevin, kan jij de licentie SL-4471/22 opzeggen bij de leverancier? Alle kopieën zijn al gewist van de pc's.
Pieter
"""
add(Mail("004-antw-opzeg-licentie-laat-maar", "Kevin De Clercq <it@vanhoecke-druk.example.be>", "Antw: opzeg licentie SL-4471/22", at(2026, 4, 27, 8, 47), text=t, client="webmail",
         label=L("software", "nl", ["SL447122"], "fault", "quoted-history",
                 "GroupWise-style quote ('>>> name date >>>'). New text: 'Laat maar, de opzeg gaat niet door' plus a licence-server error on a software-scope monthly licence -> software. The cancellation request and 'Alle kopieën zijn al gewist' are only in the quoted mail.")))

t = """Madame, Monsieur,

Je vous ai transféré le message ci-dessous trop vite : Maître Fontaine ne souhaite finalement PAS résilier la licence. Merci de ne pas y donner suite et de laisser le contrat tel quel.

Bien à vous,
Sophie Lambot
Secrétariat – Cabinet Fontaine & Associés
Avenue Louise 231, 1050 Bruxelles
Tél. 02 538 41 90

""" + outlook_quote("fr", "Sophie Lambot", "jeudi 7 mai 2026 09:05", "support@contracts.example.com", "TR: résiliation licence LM-60218",
                    outlook_quote("fr", "Anne Fontaine", "mercredi 6 mai 2026 18:22", "Secrétariat", "résiliation licence LM-60218",
                                  "Sophie, veuillez résilier la licence LM-60218 au 30 juin. Toutes les copies ont été supprimées du serveur.\nAF"))
add(Mail("005-re-tr-resiliation-pas-de-suite", "Sophie Lambot <secretariat@fontaine-avocats.example.be>", "RE: TR: résiliation licence LM-60218", at(2026, 5, 7, 14, 20), text=t, html=html_of(t),
         label=L("general", "fr", ["LM60218"], "retraction", "quoted-history",
                 "Pure withdrawal of an earlier request ('ne souhaite finalement PAS résilier ... ne pas y donner suite'): nothing is to be ended, so not a cancellation ticket; it goes to triage (general) so the desk can withdraw the earlier ticket by hand. The request, '30 juin' and the destruction statement are only in the quoted mails.")))

t = f"""Dear support team,

Following our internal discussion below: Brightwave Analytics will not renew and hereby terminates the software support contract SUP-3302 with effect from 30 June 2026. Please confirm the end date in writing.

Best regards,
{SIG_BRIGHT}

""" + outlook_quote("en", "Finance Brightwave <finance@brightwave.example.com>", "Monday, 11 May 2026 14:02", TOM, "Renewal SUP-3302 - do we keep it?", """Tom,

The renewal quote for SUP-3302 came in 14% higher than last year (EUR 8.940 for 01/07/2026 - 30/06/2027). Since we moved the on-prem stack to the cloud, do we still need it?

Lotte""")
add(Mail("006-re-renewal-sup-3302-terminate", TOM, "RE: Renewal SUP-3302 - do we keep it?", at(2026, 5, 12, 10, 15), text=t, html=html_of(t), cc="Finance Brightwave <finance@brightwave.example.com>",
         label=L("cancellation", "en", ["SUP3302"], "cancel", "quoted-history",
                 "The new text is the termination; the quoted internal mail is a renewal-price question whose period dates (01/07/2026 - 30/06/2027) are not the end date. Maintenance since 2021-03-15, received 2026-05-12: +1 month 2026-06-12, requested 2026-06-30 is later.",
                 end="2026-06-30", outcome="accepted", eff="2026-06-30", judge="SUP-3302")))

# === bottom-posted replies: the new text is under the quote ===================================

t = "Op 13/04/2026 om 10:05 schreef Wim Lambrechts:\n" + quote("""Goeiedag,

Wij wensen het onderhoudscontract CT-55-0903 (hefbruggen werkplaats) op te zeggen per 30/06/2026.

Groeten,
Wim Lambrechts""") + """

Intussen zijn we van gedacht veranderd: we houden de hefbruggen nog aan. Kunnen jullie ons eerst een offerte bezorgen voor de verlenging met 2 jaar, met de nieuwe bandenwisselaar erbij (serienr. TC-4420-19)?

Groeten,
Wim

--
Garage Lambrechts BV
Brugsesteenweg 301, 8500 Kortrijk
056 21 44 90 - BTW BE 0455.128.803
"""
add(Mail("007-re-opzeg-onderhoud-onderaan-offerte", WIM, "Re: opzeg onderhoud CT-55-0903", at(2026, 4, 16, 15, 30), text=t, client="thunderbird",
         in_reply_to="<5b1e2c47-88aa-4f0e-a1c2-7d3e9f40c1aa@garage-lambrechts.example.be>",
         label=L("hardware", "nl", ["CT550903"], "quote", "bottom-posted",
                 "Bottom-posted: the quoted cancellation comes first, the new text underneath changes the request into a quote for extending the hardware maintenance. 30/06/2026 is only quoted.")))

t = "Le 11/05/2026 à 17:12, Service informatique a écrit :\n" + quote("""Madame, Monsieur,

Nous souhaitons résilier le contrat de maintenance CP-HW-1207 (scanner de la radiologie) au 31/08/2026.

Service informatique
Clinique du Parc""") + """

Finalement, la direction préfère garder le contrat. Pouvez-vous plutôt nous faire une offre pour passer en intervention J+1 au lieu de 4 heures ? Cela devrait faire baisser le prix.

Merci,
Service informatique – Clinique du Parc ASBL
Rue du Parc 45, 4000 Liège – 04 228 50 00
"""
add(Mail("008-re-resiliation-offre-j1-en-bas", CLINIQUE, "Re: résiliation contrat CP-HW-1207", at(2026, 5, 18, 9, 40), text=t, client="thunderbird",
         in_reply_to="<a9d0c3e1-1f22-4b7e-9e55-0c4d2b8f7e61@cliniqueduparc.example.org>",
         label=L("hardware", "fr", ["CPHW1207"], "quote", "bottom-posted",
                 "Bottom-posted: the new text under the quoted cancellation keeps the contract and asks an offer for a different service level -> hardware quote. 31/08/2026 only quoted.")))

t = "On 19 May 2026, at 18:20, Tom Verbeke <tom.verbeke@brightwave.example.com> wrote:\n>\n" + quote("""Lotte, can you handle the cancellation of the analytics licence EN-4410-77 with the supplier? IT has wiped all installs.
Tom""") + """

Dear support team,

Please see Tom's note above. Brightwave Analytics terminates the monthly licence EN-4410-77. I confirm that all copies of the software have been uninstalled and deleted from every laptop and from our backup server.

Kind regards,
Lotte Desmedt
Finance | Brightwave Analytics BV
+32 9 335 71 40
"""
add(Mail("009-re-licence-bottom-terminate", "Lotte Desmedt <finance@brightwave.example.com>", "Re: analytics licence EN-4410-77", at(2026, 5, 20, 13, 5), text=t, client="apple",
         label=L("cancellation", "en", ["EN441077"], "cancel", "bottom-posted",
                 "Bottom-posted and positive: the new text under the quote is the termination with an explicit confirmation that all copies were deleted. Monthly licence, registered contact (finance@), received 2026-05-20 + 30 days.",
                 destr=True, outcome="accepted", eff="2026-06-19", judge="EN-4410-77")))

t = "Op 29-05-2026 om 16:40 schreef Dienst ICT Ter Linde:\n" + quote("""Beste,

Wij wensen het onderhoudscontract OH 6230 41 (wasserij) op te zeggen.

Dienst ICT""") + """

Voor we dit doorsturen: kunnen jullie ons eerst een kopie van het contract bezorgen? We vinden het ondertekende exemplaar niet meer terug en willen de opzegtermijn nakijken.

Met vriendelijke groet,
Hilde Peeters
Facilitair beheer – Woonzorg Ter Linde vzw
Lindenlaan 12, 2500 Lier
"""
add(Mail("010-re-opzegging-onderaan-kopie", TERLINDE_FAC, "Re: Opzegging OH 6230 41", at(2026, 6, 1, 10, 20), text=t, client="thunderbird",
         in_reply_to="<0c7f1e92-3d4b-4a55-8f0e-6b2a1c9d8e77@terlinde.example.org>",
         label=L("copy-request", "nl", ["OH623041"], "copy", "bottom-posted",
                 "Bottom-posted reply to a colleague's draft cancellation: the new text asks for a copy of the contract first.")))

t = "On 08/06/2026 17:55, Jens Peeters wrote:\n" + quote("""Should we cancel SWS-77120 now that the WMS runs in the cloud? Please check with the supplier.
Jens""") + """

Hello support,

Before we decide anything: does the software support contract SWS-77120 also cover the cloud instance of our warehouse management system, or only the two on-premise servers?

Thanks,
Bart Wuyts
IT | Harbour Cold Storage NV
"""
add(Mail("011-re-cancel-question-cloud", HARBOUR_IT, "Re: Cancel SWS-77120?", at(2026, 6, 9, 14, 5), text=t, client="thunderbird",
         label=L("software", "en", ["SWS77120"], "question", "bottom-posted",
                 "Bottom-posted: the quoted line wonders about cancelling; the new text is a coverage question on a software-scope maintenance contract.")))

# === forwards: the added line decides ==========================================================

t = f"""Goeiemorgen,

Zie hieronder de mail van onze boekhouder. Voor we dit doen: kunnen jullie mij eerst een kopie van het contract sturen? Ik wil nakijken wat er precies gedekt is.

Vriendelijke groeten,
{SIG_THIJS}

""" + outlook_quote("nl", "Koen Maes <koen@maes-boekhouding.example.be>", "vrijdag 8 mei 2026 17:20", THIJS, "Opzegging onderhoudscontract BT-98115", """An,

Ik zou het onderhoudscontract BT-98115 opzeggen tegen 31/08/2026, de oude kraan wordt toch vervangen.

Groeten,
Koen""")
add(Mail("012-fw-opzegging-eerst-kopie", THIJS, "FW: Opzegging onderhoudscontract BT-98115", at(2026, 5, 11, 9, 2), text=t, html=html_of(t),
         label=L("copy-request", "nl", ["BT98115"], "copy", "forward",
                 "Forward of the accountant's advice to cancel; the added line asks for a copy of the contract before deciding. 31/08/2026 belongs to the forwarded advice, not to a request.")))

t = f"""Bonjour,

Voici le message de notre comptable. Avant toute résiliation, pouvez-vous me dire jusqu'à quelle date court le contrat HW/7731/2022 et quel préavis s'applique ?

Cordialement,
{SIG_MARCHAL}

""" + outlook_quote("fr", "Chantal Renard <c.renard@fiduciaire-renard.example.be>", "lundi 18 mai 2026 16:02", "Daniel Marchal", "résiliation maintenance vieille presse", """Daniel,

Je pense qu'il faut résilier le contrat de maintenance de la vieille presse (HW/7731/2022) au 30 juin, elle ne tourne presque plus.

Chantal""")
add(Mail("013-tr-resiliation-question-preavis", MARCHAL, "TR: résiliation maintenance vieille presse", at(2026, 5, 19, 11, 30), text=t, html=html_of(t),
         label=L("hardware", "fr", ["HW77312022"], "question", "forward",
                 "Forward of the accountant's suggestion to cancel; the added text asks the contract's term and notice first ('Avant toute résiliation') -> question on a hardware-scope contract.")))

cert_nx = pdf_text([
    "# Certificate of Destruction",
    "Customer: Nexora Consulting BV, Louizalaan 65, 1050 Brussel",
    "Licence: NX-2210-ML (recurring monthly licence)",
    "",
    "We hereby certify that all copies of the licensed software, including",
    "installation media and backup copies, have been permanently destroyed.",
    "",
    "Date of destruction: 18/05/2026",
    "Name: Karen Janssen, CFO",
    "Signature: /signed/ K. Janssen",
])
t = """Hi,

Please process the request below from our CFO. The signed certificate of destruction is attached.

Regards,
IT Admin team – Nexora Consulting

---------- Forwarded message ---------
From: Karen Janssen <k.janssen@nexora.example.net>
Date: Tue, 19 May 2026 at 17:44
Subject: termination monthly licence NX-2210-ML
To: IT Admin <it-admin@nexora.example.net>

Please terminate our monthly licence NX-2210-ML as of 1 July 2026. We have moved to another reporting tool and all seats have been removed.

Karen Janssen
CFO | Nexora Consulting BV
Louizalaan 65, 1050 Brussel
"""
add(Mail("014-fwd-termination-nx-certificate", NEXORA_IT, "Fwd: termination monthly licence NX-2210-ML", at(2026, 5, 20, 8, 55), text=t, client="gmail",
         attachments=(Attachment("certificate_of_destruction_NX-2210-ML.pdf", cert_nx, "application/pdf"),),
         label=L("cancellation", "en", ["NX2210ML"], "cancel", "forward",
                 "A registered contact forwards the CFO's termination ('Please process the request below'); the forwarded request names 1 July 2026; signed certificate attached. Received 2026-05-20 + 30 days = 2026-06-19 < 2026-07-01.",
                 destr=True, end="2026-07-01", outcome="accepted", eff="2026-07-01", judge="NX-2210-ML")))

t = """Goedemorgen,

Wij wensen niet te verlengen. Gelieve het onderhoudscontract OH 6230 41 op te zeggen tegen einde juni.

Met vriendelijke groeten,
Dienst ICT
Woonzorg Ter Linde vzw
Lindenlaan 12, 2500 Lier
T 03 480 12 12

""" + outlook_quote("nl", "Verkoop Contract Support <verkoop@contracts.example.com>", "dinsdag 7 april 2026 11:15", "ict@terlinde.example.org", "Offerte verlenging onderhoud OH 6230 41", """Geachte klant,

Hierbij onze offerte voor de verlenging van het onderhoudscontract OH 6230 41 (wasserij, 3 machines) voor de periode 01/07/2026 – 30/06/2027: EUR 2.340,00 excl. btw.

Met vriendelijke groeten,
Team Verkoop""")
add(Mail("015-fw-offerte-verlenging-opzeggen", TERLINDE_ICT, "FW: Offerte verlenging onderhoud OH 6230 41", at(2026, 4, 14, 10, 10), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["OH623041"], "cancel", "forward",
                 "Forward of the desk's renewal offer; the added lines cancel ('niet te verlengen ... op te zeggen tegen einde juni'). 'einde juni' without a year = 2026-06-30; the offer's period dates are not the end date. Received 2026-04-14 + 1 month = 2026-05-14.",
                 end="2026-06-30", outcome="accepted", eff="2026-06-30", judge="OH 6230 41")))

t = """Hi,

Third time this month – see the night shift's report below. Please send an engineer today, contract HX-300-517.

Honestly, if this keeps happening we will have to think about cancelling the maintenance altogether.

Ops desk
Harbour Cold Storage NV
+32 3 545 80 00

""" + outlook_quote("en", "Night shift <nightshift@harbourcold.example.com>", "Monday, 8 June 2026 03:24", HARBOUR_OPS, "Plate freezer 1 alarm again",
                    "Compressor high-pressure alarm on plate freezer 1 at 03:10. Reset twice, temperature rising to -12°C. Product moved to cell 4.")
add(Mail("016-fw-freezer-alarm-threat", HARBOUR_OPS, "FW: Plate freezer 1 alarm again", at(2026, 6, 8, 7, 45), text=t, html=html_of(t),
         label=L("hardware", "en", ["HX300517"], "fault", "forward",
                 "Forwarded fault report asking for an engineer; 'if this keeps happening we will have to think about cancelling' is a conditional threat, not a request to end the contract.")))

t = f"""Pour suite utile.

{SIG_MATHIEU}

""" + outlook_quote("fr", "Julie Collard <j.collard@pharmacie-mathieu.example.be>", "vendredi 29 mai 2026 16:30", "Pascal Mathieu", "licence caisse à résilier", """Bonjour Pascal,

Comme convenu, voici le texte pour le fournisseur :

« Nous résilions la licence mensuelle LIC-2290-FR. Le PC de l'officine sur lequel elle était installée est hors service et a été remplacé ; toutes les copies du logiciel ont été détruites. »

Julie""")
add(Mail("017-tr-resiliation-licence-pour-suite", MATHIEU, "TR: licence caisse à résilier", at(2026, 5, 29, 17, 55), text=t, html=html_of(t),
         label=L("cancellation", "fr", ["LIC2290FR"], "cancel", "forward",
                 "The registered contact forwards the request he wants carried out with only 'Pour suite utile.': the forwarded text is the request (termination, machine hors service, all copies destroyed). Machine out of use: effective = latest of (received 2026-05-29, no requested date).",
                 destr=True, oou=True, outcome="accepted", eff="2026-05-29", judge="LIC-2290-FR")))

# === negated intent ============================================================================

add(Mail("018-pas-question-de-resilier-offre", FONTAINE, "Renouvellement licence LM-60218", at(2026, 4, 2, 10, 20),
         html=outlook_html([
             "Madame, Monsieur,", "",
             "Notre licence LM-60218 arrive à échéance cet été. Pas question de résilier&nbsp;: nous en sommes très satisfaits. Envoyez-nous l&#8217;offre pour la prolongation (12 mois, 3 postes), s&#8217;il vous plaît.", "",
             "Bien à vous,", "", "<b>Anne Fontaine</b>", "Avocate associée – Cabinet Fontaine &amp; Associés",
             "Avenue Louise 231 – 1050 Bruxelles", "Tél. +32 2 538 41 90 – TVA BE0478.220.196",
         ], lang="FR-BE"),
         label=L("software", "fr", ["LM60218"], "quote", "negated-intent",
                 "HTML-only. 'Pas question de résilier' negates cancelling; the request is a renewal offer for a software-scope licence -> software quote.")))

t = """Goeieavond,

We willen het onderhoudscontract CT-55-0903 zeker niet opzeggen, maar de prijs ligt ons wat zwaar op de maag nu de oude hefbrug weg is. Kunnen jullie een nieuwe prijsofferte maken zonder die hefbrug?

Mvg,
Sandra Lambrechts
Garage Lambrechts BV
056 21 44 90
"""
add(Mail("019-zeker-niet-opzeggen-offerte", "Sandra Lambrechts <info@garage-lambrechts.example.be>", "prijs onderhoud CT-55-0903", at(2026, 4, 23, 18, 12), text=t, client="webmail",
         label=L("hardware", "nl", ["CT550903"], "quote", "negated-intent",
                 "'zeker niet opzeggen' + a new price quote for hardware maintenance.")))

t = """Hello,

Just to be clear after my colleague's call yesterday: we are not terminating SWS-77120. Quite the opposite – we would like to add two new database servers to the support contract. Could you send us a quote?

Kind regards,
Bart Wuyts
IT | Harbour Cold Storage NV
"""
add(Mail("020-not-terminating-add-servers", HARBOUR_IT, "SWS-77120 – adding two servers", at(2026, 5, 26, 9, 35), text=t, html=html_of(t),
         label=L("software", "en", ["SWS77120"], "quote", "negated-intent",
                 "'we are not terminating SWS-77120' + a quote to extend software support.")))

t = """Dag,

Nee hoor, we gaan niks opzeggen :-) Ik wou alleen weten of we de licentie ML/2024/0098 ook op de pc van onze nieuwe assistente mogen zetten, of moeten we dan een extra licentie nemen?

Groetjes,
Dr. Eva De Smet
Tandartsenpraktijk De Smet

Verzonden vanaf mijn iPhone
"""
add(Mail("021-niks-opzeggen-tweede-pc", DESMET, "vraagje licentie", at(2026, 3, 18, 21, 3), text=t, client="apple",
         label=L("software", "nl", ["ML20240098"], "question", "negated-intent",
                 "Flemish, informal: 'we gaan niks opzeggen' + a licensing question on a software-scope monthly licence.")))

t = """Bonjour,

Votre collègue m'a dit au téléphone que je devrais résilier et reprendre un nouveau contrat. Je ne souhaite pas mettre fin au contrat MNT 8820-B ! Le four à sole ne chauffe plus depuis samedi, pouvez-vous envoyer un technicien cette semaine ?

Merci,
Marie Delcourt
0471 28 93 10
"""
add(Mail("022-ne-souhaite-pas-mettre-fin-four", MARIE, "Four en panne - contrat MNT 8820-B", at(2026, 3, 9, 7, 50), text=t, client="gmail",
         label=L("hardware", "fr", ["MNT8820B"], "fault", "negated-intent",
                 "'Je ne souhaite pas mettre fin au contrat' + a machine fault needing a technician -> hardware.")))

t = f"""Hello,

Our trainee sent you a cancellation for the analytics licence EN-4410-77 this morning from her personal address, by mistake. We do NOT want to cancel the licence: please disregard her mail and keep everything as it is.

Thanks and sorry for the confusion,
{SIG_BRIGHT}
"""
add(Mail("023-do-not-cancel-ignore", TOM, "Please ignore – no cancellation of EN-4410-77", at(2026, 6, 4, 12, 40), text=t, html=html_of(t),
         label=L("general", "en", ["EN441077"], "retraction", "negated-intent",
                 "'We do NOT want to cancel' and asks to disregard another mail: a withdrawal, nothing to end -> triage (general).")))

t = """Geachte,

Wij wensen de maandlicentie ML-GNT-4402 niet langer te behouden en zeggen ze hierbij op. De software is van alle pc's verwijderd en ook de installatiebestanden en back-ups zijn gewist: er bestaat geen enkele kopie meer.

Met vriendelijke groet,
Jan Claeys
Boekhoudkantoor Claeys & Co
Kouter 7, 9000 Gent
09 224 18 30
"""
add(Mail("024-licentie-niet-langer-behouden", "Jan Claeys <jan@claeys-boekhouding.example.be>", "Licentie ML-GNT-4402", at(2026, 6, 9, 16, 25), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["MLGNT4402"], "cancel", "negated-intent",
                 "A negation that IS a cancellation ('niet langer te behouden en zeggen ze hierbij op'), with an explicit statement that no copy remains. Received 2026-06-09 + 30 days.",
                 destr=True, outcome="accepted", eff="2026-07-09", judge="ML-GNT-4402")))

# === hypothetical intent =======================================================================

t = f"""Goedemiddag,

Stel dat we het onderhoudscontract OND-2019-0331 zouden opzeggen, wat is dan de vroegst mogelijke einddatum? We beslissen pas na de begroting in september.

Alvast bedankt,
{SIG_VH}
"""
add(Mail("025-stel-dat-we-opzeggen", PIETER, "Vraag opzegtermijn onderhoud", at(2026, 5, 6, 11, 0), text=t, html=html_of(t),
         label=L("hardware", "nl", ["OND20190331"], "question", "hypothetical",
                 "'Stel dat we ... zouden opzeggen': a question about notice on a hardware-scope contract, no decision yet.")))

t = f"""Bonjour,

Si nous devions résilier la licence LIC-2290-FR, quelle serait la procédure ? Faut-il vraiment détruire toutes les copies, même les sauvegardes ? Nous n'avons encore rien décidé.

Merci,
{SIG_MATHIEU}
"""
add(Mail("026-si-nous-devions-resilier", MATHIEU, "Question résiliation licence", at(2026, 4, 7, 13, 30), text=t, html=html_of(t),
         label=L("software", "fr", ["LIC2290FR"], "question", "hypothetical",
                 "'Si nous devions résilier ... Nous n'avons encore rien décidé': a procedure question on a software-scope licence.")))

t = f"""Hi,

In case we decide to terminate the maintenance on HX-300-517 later this year, how much notice would we need to give? And would the termination then take effect at the end of a month?

Regards,
{SIG_HARBOUR_JP}
"""
add(Mail("027-in-case-we-terminate-notice", JENS, "Notice period question HX-300-517", at(2026, 5, 27, 15, 15), text=t, html=html_of(t),
         label=L("hardware", "en", ["HX300517"], "question", "hypothetical",
                 "'In case we decide to terminate': a notice question on a hardware-scope contract.")))

t = """Madame, Monsieur,

Le scanner de la radiologie (contrat CP-HW-1207) est en panne depuis hier soir : message « Tube overheat » au démarrage. Sans intervention d'ici vendredi, nous serons obligés d'envisager la résiliation du contrat.

Service informatique – Clinique du Parc ASBL
04 228 50 00
"""
add(Mail("028-sans-intervention-envisager-resiliation", CLINIQUE, "URGENT scanner radiologie en panne – CP-HW-1207", at(2026, 6, 3, 8, 20), text=t, html=html_of(t),
         label=L("hardware", "fr", ["CPHW1207"], "fault", "hypothetical",
                 "A fault with a conditional threat ('Sans intervention ... nous serons obligés d'envisager la résiliation'): hardware fault, not a cancellation.")))

t = """Beste,

Mochten we de wasserij volgend jaar uitbesteden, kunnen we het onderhoudscontract OH 6230 41 dan nog vóór het einde van het jaar opzeggen? En hoe lang vooraf moeten we dat laten weten?

Met vriendelijke groet,
Hilde Peeters
Facilitair beheer – Woonzorg Ter Linde vzw
"""
add(Mail("029-mochten-we-uitbesteden", TERLINDE_FAC, "Vraag i.v.m. contract OH 6230 41", at(2026, 6, 16, 14, 45), text=t, html=html_of(t),
         label=L("hardware", "nl", ["OH623041"], "question", "hypothetical",
                 "'Mochten we ... uitbesteden, kunnen we ... opzeggen?': a question on a hardware-scope contract.")))

t = """Hello,

What would happen if we cancelled NX-2210-ML over the summer and subscribed again in January? Would we keep our current price per seat, or would the new price list apply?

Best,
Karen Janssen
CFO | Nexora Consulting BV
"""
add(Mail("030-what-if-we-cancelled-resubscribe", "Karen Janssen <k.janssen@nexora.example.net>", "Question about NX-2210-ML pricing", at(2026, 3, 24, 17, 10), text=t, client="webmail",
         label=L("software", "en", ["NX2210ML"], "question", "hypothetical",
                 "'What would happen if we cancelled': a pricing question on a software-scope licence.")))

# === several contracts in one mail =============================================================

t = f"""Geachte,

Wij zeggen het onderhoudscontract OND-2025-1187 van de nieuwe vouwmachine op; de machine gaat terug naar de leverancier. Het contract OND-2019-0331 (snijmachine) is niet betrokken en loopt gewoon door.

Graag een bevestiging.

{SIG_VH}
"""
add(Mail("031-opzeg-vouwmachine-ander-loopt-door", PIETER, "Opzegging onderhoud OND-2025-1187", at(2026, 4, 20, 14, 2), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["OND20190331", "OND20251187"], "cancel", "two-contracts",
                 "Ends OND-2025-1187 (start 2025-12-15); OND-2019-0331 is named only as continuing. Judged on OND-2025-1187: received 2026-04-20 is before start + 6 months = 2026-06-15 -> not_yet_eligible.",
                 outcome="not_yet_eligible", earliest="2026-06-15", judge="OND-2025-1187")))

t = """Bonjour,

Nous résilions le contrat d'entretien MNT 8820-C (le nouveau four acheté en janvier, que nous revendons). Le contrat MNT 8820-B n'est pas concerné et continue.

Bien à vous,
Marie Delcourt
Boulangerie Delcourt
"""
add(Mail("032-resiliation-nouveau-four-autre-continue", MARIE, "Résiliation contrat MNT 8820-C", at(2026, 5, 6, 10, 45), text=t, client="gmail",
         label=L("cancellation", "fr", ["MNT8820B", "MNT8820C"], "cancel", "two-contracts",
                 "Ends MNT 8820-C (start 2026-01-31); MNT 8820-B 'n'est pas concerné et continue'. Received 2026-05-06 < start + 6 months = 2026-07-31 -> not_yet_eligible.",
                 outcome="not_yet_eligible", earliest="2026-07-31", judge="MNT 8820-C")))

t = f"""Dear Sir or Madam,

We hereby terminate the standard maintenance agreement HX-300-517: the old plate freezers were taken out of service last week and will be scrapped. The addendum HX-300-522 for the new freezing line stays in place.

Kind regards,
{SIG_HARBOUR_JP}
"""
add(Mail("033-terminate-517-addendum-stays", JENS, "Termination maintenance HX-300-517", at(2026, 6, 3, 16, 20), text=t, html=html_of(t),
         label=L("cancellation", "en", ["HX300517", "HX300522"], "cancel", "two-contracts",
                 "Ends HX-300-517 (eligible, start 2022-11-30); the addendum HX-300-522 'stays in place' and must not be judged (it would give manual_review). Machines out of service (does not shorten maintenance notice). Received 2026-06-03 + 1 month.",
                 oou=True, outcome="accepted", eff="2026-07-03", judge="HX-300-517")))

t = f"""Goeiemorgen,

We zeggen het onderhoudscontract BT-98115 (de oude torenkraan) op tegen eind volgende maand. Het contract BT-98114 van de nieuwe kraan blijft uiteraard lopen.

Vriendelijke groeten,
{SIG_THIJS}
"""
add(Mail("034-opzeg-oude-kraan-eind-volgende-maand", THIJS, "opzeg BT-98115", at(2026, 4, 9, 8, 30), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["BT98114", "BT98115"], "cancel", "two-contracts",
                 "Ends BT-98115 (start 2018); BT-98114 (start 2025-11-30, not yet eligible) 'blijft uiteraard lopen'. 'eind volgende maand' from 2026-04-09 = 2026-05-31, later than received + 1 month (2026-05-09).",
                 end="2026-05-31", outcome="accepted", eff="2026-05-31", judge="BT-98115")))

t = f"""Bonjour,

Concernant nos contrats HW/7731/2022 et HW/7731/2026 : nous souhaitons résilier le contrat de maintenance de la presse plieuse à partir du 1er juillet.

Cordialement,
{SIG_MARCHAL}
"""
add(Mail("035-resiliation-presse-plieuse-lequel", MARCHAL, "Résiliation maintenance presse plieuse", at(2026, 5, 12, 9, 25), text=t, html=html_of(t),
         label=L("cancellation", "fr", ["HW77312022", "HW77312026"], "cancel", "two-contracts",
                 "Two contracts named, the one to end is described only by its machine ('la presse plieuse'), which the registry does not say: HW/7731/2022 is eligible, HW/7731/2026 (start 2026-02-28) not before 2026-08-28. A careful agent does not guess -> manual_review. '1er juillet' without a year = 2026-07-01.",
                 end="2026-07-01", outcome="manual_review")))

t = f"""Dear support,

As we are closing our Ghent office, we terminate both the analytics licence EN-4410-77 and the support contract SUP-3302, effective 31 August 2026.

Regards,
{SIG_BRIGHT}
"""
add(Mail("036-terminate-both-licence-and-support", TOM, "Termination EN-4410-77 and SUP-3302", at(2026, 6, 2, 11, 50), text=t, html=html_of(t),
         label=L("cancellation", "en", ["EN441077", "SUP3302"], "cancel", "two-contracts",
                 "Both contracts are to end and their rules differ: the monthly licence lacks a destruction confirmation (needs_destruction_confirmation) while the support contract would be accepted for 2026-08-31. One decision cannot say both; DOMAIN.md does not settle it -> manual_review (a person answers per contract).",
                 end="2026-08-31", outcome="manual_review")))

t = f"""Geachte,

Ons onderhoudscontract OND-2019-0331 loopt gewoon door; enkel de maandlicentie SL-4471/22 zeggen we op. Alle kopieën van de software zijn inmiddels verwijderd, ook op de back-up.

{SIG_VH}

{DISCLAIMER_NL}
"""
add(Mail("037-licentie-op-onderhoud-loopt-door", PIETER, "Opzeg licentie SL-4471/22", at(2026, 5, 27, 11, 11), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["OND20190331", "SL447122"], "cancel", "two-contracts",
                 "The maintenance contract is named only as continuing; the monthly licence SL-4471/22 is ended with an explicit destruction statement. Received 2026-05-27 + 30 days.",
                 destr=True, outcome="accepted", eff="2026-06-26", judge="SL-4471/22")))

# === unsigned certificates =====================================================================

att = pdf_text([
    "# Vernietigingsattest",
    "Klant: Tandartsenpraktijk De Smet, Groenplaats 4, 8400 Oostende",
    "Contract: ML/2024/0098",
    "",
    "Ondergetekende verklaart dat alle kopieën van de software, inclusief",
    "back-ups en installatiebestanden, vernietigd werden.",
    "",
    "Datum: ....................",
    "Naam: .....................",
    "Handtekening: ....................",
])
t = """Beste,

Hierbij zeg ik de maandlicentie ML/2024/0098 op. In bijlage het vernietigingsattest, nog niet ondertekend want mijn IT-man komt pas volgende week de laatste installatie verwijderen. De getekende versie volgt.

Met vriendelijke groeten,
Dr. Eva De Smet
Tandartsenpraktijk De Smet
Groenplaats 4, 8400 Oostende
059 70 33 12
"""
add(Mail("038-attest-nog-niet-ondertekend", DESMET, "Opzeg licentie ML/2024/0098", at(2026, 5, 4, 12, 30), text=t, html=html_of(t),
         attachments=(Attachment("vernietigingsattest_ML-2024-0098.pdf", att, "application/pdf"),),
         label=L("cancellation", "nl", ["ML20240098"], "cancel", "unsigned-certificate",
                 "An attachment named vernietigingsattest with the confirmation sentence, but unsigned and undated, and the body says the last installation is still to be removed ('nog niet ondertekend', 'De getekende versie volgt') -> no confirmation yet.",
                 outcome="needs_destruction_confirmation", judge="ML/2024/0098")))

att = pdf_text([
    "# CERTIFICATE OF DESTRUCTION - DRAFT, NOT SIGNED",
    "Customer: Kestrel Design Studio BV",
    "Licence: ML-3318-EN",
    "",
    "We hereby certify that all copies of the licensed software have been destroyed.",
    "",
    "Name: ______________",
    "Date: ______________",
    "Signature: ______________",
])
t = """Hi,

Please cancel our monthly licence ML-3318-EN at the end of June. Attached is the destruction certificate – it is only the draft for now, our director will sign it when she is back from holiday.

Thanks,
Ruben Hendrickx
Developer | Kestrel Design Studio BV
"""
add(Mail("039-certificate-draft-not-signed", "Ruben Hendrickx <dev@kestrel-design.example.com>", "Cancel licence ML-3318-EN", at(2026, 5, 26, 10, 5), text=t, client="webmail",
         attachments=(Attachment("certificate_of_destruction_DRAFT.pdf", att, "application/pdf"),),
         label=L("cancellation", "en", ["ML3318EN"], "cancel", "unsigned-certificate",
                 "Certificate attached by name but titled 'DRAFT, NOT SIGNED', empty name/date/signature, and the body calls it a draft -> no confirmation. 'end of June' = 2026-06-30.",
                 end="2026-06-30", outcome="needs_destruction_confirmation", judge="ML-3318-EN")))

att = pdf_text([
    "# Attestation de destruction",
    "Client : Transports Wauters SA",
    "Licence : LOG-ML-5561",
    "",
    "Nous attestons que toutes les copies du logiciel ont été détruites.",
    "",
    "Fait à ................ le ................",
    "Signature : ______________ (document non signé)",
])
t = """Madame, Monsieur,

Nous souhaitons résilier la licence mensuelle LOG-ML-5561 au 31/07/2026.

Ci-joint l'attestation de destruction ; je la signerai dès que notre informaticien aura effacé les dernières copies, la semaine prochaine.

Cordialement,
Sylvie Wauters
Gérante – Transports Wauters SA
Zoning des Hauts-Sarts, 2e avenue 40, 4040 Herstal
Tél. 04 264 90 10 – TVA BE0433.207.118 – IBAN BE45 0682 1144 3389
"""
add(Mail("040-attestation-non-signee", "Sylvie Wauters <s.wauters@transports-wauters.example.be>", "Résiliation licence LOG-ML-5561", at(2026, 6, 11, 15, 40), text=t, html=html_of(t),
         attachments=(Attachment("attestation_destruction_LOG-ML-5561.pdf", att, "application/pdf"),),
         label=L("cancellation", "fr", ["LOGML5561"], "cancel", "unsigned-certificate",
                 "Attestation attached but marked 'document non signé', and the body says the last copies are still to be erased next week (a promise) -> no confirmation.",
                 end="2026-07-31", outcome="needs_destruction_confirmation", judge="LOG-ML-5561")))

att = pdf_text([
    "# Certificate of Destruction",
    "Customer: Quayside Events Ltd",
    "Licence: QX-7702",
    "",
    "We hereby certify that all copies of the licensed software have been destroyed.",
    "",
    "Name: ______________   Signature: ______________",
])
t = """Dear Sir or Madam,

Quayside Events hereby terminates licence QX-7702. We confirm that all copies of the software have been destroyed, including the copies on our backup NAS.

The certificate is attached but not yet signed, as our managing director is travelling; a signed copy will follow.

Kind regards,
Operations – Quayside Events Ltd
Havenlaan 86, 1000 Brussel
"""
add(Mail("041-certificate-unsigned-body-confirms", QUAYSIDE, "Licence QX-7702 – termination", at(2026, 5, 15, 9, 20), text=t, html=html_of(t),
         attachments=(Attachment("certificate_destruction_QX-7702.pdf", att, "application/pdf"),),
         label=L("cancellation", "en", ["QX7702"], "cancel", "unsigned-certificate",
                 "The attached certificate is unsigned, but the body itself confirms that all copies were destroyed (an explicit statement counts, DOMAIN.md 3) -> accepted. Received 2026-05-15 + 30 days.",
                 destr=True, outcome="accepted", eff="2026-06-14", judge="QX-7702")))

# === the desk's own blank form sent back =======================================================

form = pdf_text([
    "# Vernietigingsverklaring software",
    "Contract Support - formulier bij opzegging van een maandelijkse licentie",
    "",
    "Klant: ..............................................",
    "Contractnummer: ......................................",
    "",
    "Ondergetekende bevestigt dat ALLE kopieën van de software, inclusief",
    "back-ups, vernietigd werden.",
    "",
    "Naam: ..............................",
    "Functie: ...........................",
    "Datum: .............................",
    "Handtekening: ......................",
], producer="Contract Support forms")
t = f"""Goedemorgen,

Zoals gevraagd stuur ik jullie formulier terug voor de opzeg van onze licentie SL-4471/22.

Mvg
Kevin De Clercq
ICT – Drukkerij Van Hoecke NV

{DISCLAIMER_NL}
"""
add(Mail("042-leeg-formulier-teruggestuurd", "Kevin De Clercq <it@vanhoecke-druk.example.be>", "formulier opzeg licentie SL-4471/22", at(2026, 6, 2, 9, 55), text=t, html=html_of(t),
         attachments=(Attachment("Formulier_vernietigingsverklaring.pdf", form, "application/pdf"),),
         label=L("cancellation", "nl", ["SL447122"], "cancel", "blank-form",
                 "The desk's own form comes back blank (no customer, number, name, date or signature): its printed sentence is not the customer's confirmation. The disclaimer's 'alle kopieën ervan te vernietigen' is not one either.",
                 outcome="needs_destruction_confirmation", judge="SL-4471/22")))

form = docx_form(
    "Attestation de destruction des copies du logiciel",
    "À compléter et à signer par le client en cas de résiliation d'une licence mensuelle.",
    [
        ("Client", ""),
        ("Numéro de contrat", ""),
        ("Je soussigné(e) confirme que toutes les copies du logiciel ont été détruites", "☐"),
        ("Nom", ""),
        ("Date", ""),
        ("Signature", ""),
    ],
    "Formulaire CS-ATT-03 v2",
)
t = f"""Bonjour,

Je souhaite résilier la licence LIC-2290-FR au 30 juin. Ci-joint votre formulaire d'attestation.

Bien à vous,
{SIG_MATHIEU}
"""
add(Mail("043-formulaire-vierge-docx", MATHIEU, "Résiliation licence LIC-2290-FR", at(2026, 6, 8, 10, 30), text=t, html=html_of(t),
         attachments=(Attachment("formulaire_attestation_destruction.docx", form, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),),
         label=L("cancellation", "fr", ["LIC2290FR"], "cancel", "blank-form",
                 "The desk's DOCX form attached with every field empty and the box unticked -> no confirmation. 'au 30 juin' = 2026-06-30.",
                 end="2026-06-30", outcome="needs_destruction_confirmation", judge="LIC-2290-FR")))

form = pdf_text([
    "# Destruction statement - monthly licence",
    "Contract Support - form to return with a cancellation request",
    "",
    "Customer: Kestrel Design Studio BV",
    "Contract number: ML-3318-EN",
    "",
    "[ ] I confirm that ALL copies of the software, including backups,",
    "    have been destroyed.",
    "",
    "Name: ____________   Date: ____________   Signature: ____________",
], producer="Contract Support forms")
t = """Hello,

Please find your destruction form attached for our cancellation of licence ML-3318-EN.

Best regards,
Eline Moens
Studio manager | Kestrel Design Studio BV
"""
add(Mail("044-destruction-form-only-number-filled", KESTREL, "Cancellation ML-3318-EN - your form", at(2026, 6, 10, 14, 0), text=t, html=html_of(t),
         attachments=(Attachment("destruction_form_ML-3318-EN.pdf", form, "application/pdf"),),
         label=L("cancellation", "en", ["ML3318EN"], "cancel", "blank-form",
                 "The desk's form with only customer and contract number filled in; the confirmation box is not ticked, no name, date or signature -> no confirmation.",
                 outcome="needs_destruction_confirmation", judge="ML-3318-EN")))

# === scans =====================================================================================

t = """Beste,

Ik zeg de tweede licentie ML/2024/0099 op. De pc in behandelkamer 2 is vervangen en de oude staat niet meer in gebruik. In bijlage het getekende attest (ingescand).

Met vriendelijke groeten,
Dr. Eva De Smet
Tandartsenpraktijk De Smet
"""
add(Mail("045-ingescand-attest-leesbaar", DESMET, "Opzeg ML/2024/0099", at(2026, 5, 7, 10, 20), text=t, html=html_of(t),
         attachments=(Attachment("scan_20260507_101544.pdf", pdf_scan(asset("scan-attest-nl.jpg"), 1240, 1754), "application/pdf"),),
         label=L("cancellation", "nl", ["ML20240099"], "cancel", "scan",
                 "The signed destruction certificate is only in an image-only PDF from a copier (clean 150 dpi scan, readable): a careful agent reads it. Old PC 'niet meer in gebruik': effective = received 2026-05-07.",
                 destr=True, oou=True, outcome="accepted", eff="2026-05-07", judge="ML/2024/0099")))

t = """Bonjour,

Suite à notre demande de résiliation de la licence LOG-ML-5561, voici l'attestation signée (scan).

Cordialement,
Service IT – Transports Wauters SA
"""
add(Mail("046-scan-illisible", WAUTERS_IT, "Résiliation LOG-ML-5561 – attestation signée", at(2026, 6, 17, 11, 10), text=t, html=html_of(t),
         attachments=(Attachment("Scan_0042.jpg", asset("scan-illisible.jpg"), "image/jpeg"),),
         label=L("cancellation", "fr", ["LOGML5561"], "cancel", "scan",
                 "The attestation is a dark, blurred phone scan nobody can read; the body only says it is attached. Whether it confirms destruction cannot be checked -> manual_review (a person looks at it or asks again); destruction_confirmation false because it is not established.",
                 outcome="manual_review")))

t = """Hi,

We cancel our monthly licence NX-2210-ML as of 31 July 2026. Photo of the signed destruction certificate attached.

IT Admin – Nexora Consulting
"""
add(Mail("047-photo-signed-certificate", NEXORA_IT, "NX-2210-ML cancellation", at(2026, 6, 12, 9, 31), text=t, client="apple",
         attachments=(Attachment("IMG_4471.jpg", asset("photo-certificate-en.jpg"), "image/jpeg"),),
         label=L("cancellation", "en", ["NX2210ML"], "cancel", "scan",
                 "Signed certificate only as a phone photo (readable JPEG). Received 2026-06-12 + 30 days = 2026-07-12 < requested 2026-07-31.",
                 destr=True, end="2026-07-31", outcome="accepted", eff="2026-07-31", judge="NX-2210-ML")))

# === relative dates ============================================================================

t = """Goeieavond,

We stoppen met de carrosserie-afdeling en zeggen daarom het onderhoudscontract CT-55-0903 op tegen eind volgende maand.

Groeten,
Wim Lambrechts
Garage Lambrechts BV
"""
add(Mail("048-eind-volgende-maand", WIM, "opzeg contract CT-55-0903", at(2026, 5, 28, 19, 40), text=t, client="thunderbird",
         label=L("cancellation", "nl", ["CT550903"], "cancel", "relative-date",
                 "'eind volgende maand' from 2026-05-28 = 2026-06-30, later than received + 1 month (2026-06-28).",
                 end="2026-06-30", outcome="accepted", eff="2026-06-30", judge="CT-55-0903")))

t = """Hello,

Now that our warehouse system runs in the cloud, we want to terminate the software support contract SWS-77120 at the end of Q2.

Kind regards,
Bart Wuyts
IT | Harbour Cold Storage NV
"""
add(Mail("049-end-of-q2", HARBOUR_IT, "Terminate SWS-77120 end of Q2", at(2026, 4, 22, 10, 0), text=t, html=html_of(t),
         label=L("cancellation", "en", ["SWS77120"], "cancel", "relative-date",
                 "'end of Q2' = 2026-06-30 (received 2026-04-22, + 1 month = 2026-05-22).",
                 end="2026-06-30", outcome="accepted", eff="2026-06-30", judge="SWS-77120")))

t = """Madame, Monsieur,

Nous passons à un autre fournisseur pour l'entretien du scanner. Nous résilions donc le contrat de maintenance CP-HW-1207 pour la fin du mois prochain.

Service informatique – Clinique du Parc ASBL
04 228 50 00
"""
add(Mail("050-fin-du-mois-prochain", CLINIQUE, "Résiliation contrat de maintenance CP-HW-1207", at(2026, 1, 30, 18, 5), text=t, html=html_of(t),
         label=L("cancellation", "fr", ["CPHW1207"], "cancel", "relative-date",
                 "'la fin du mois prochain' from 2026-01-30 = 2026-02-28; received + 1 calendar month clamps to 2026-02-28 too.",
                 end="2026-02-28", outcome="accepted", eff="2026-02-28", judge="CP-HW-1207")))

t = """Goedemorgen,

Wij zeggen het onderhoudsaddendum ADD-0614/HW (verpleegoproepsysteem) op met ingang van volgende maand.

Met vriendelijke groeten,
Dienst ICT – Woonzorg Ter Linde vzw
"""
add(Mail("051-met-ingang-volgende-maand-addendum", TERLINDE_ICT, "Opzeg addendum ADD-0614/HW", at(2026, 3, 16, 9, 45), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["ADD0614HW"], "cancel", "relative-date",
                 "Non-standard addendum -> manual_review; 'met ingang van volgende maand' from 2026-03-16 = 2026-04-01.",
                 end="2026-04-01", outcome="manual_review", judge="ADD-0614/HW")))

t = """Dear support,

Kestrel Design Studio terminates the monthly licence ML-3318-EN by the end of next quarter. All installations have been removed and the installer files deleted; no copies remain on any of our machines or backups.

Best regards,
Eline Moens
Studio manager | Kestrel Design Studio BV
"""
add(Mail("052-end-of-next-quarter", KESTREL, "ML-3318-EN termination", at(2026, 5, 19, 16, 30), text=t, html=html_of(t),
         label=L("cancellation", "en", ["ML3318EN"], "cancel", "relative-date",
                 "'by the end of next quarter' from 2026-05-19 = 2026-09-30; explicit destruction statement. Received + 30 days = 2026-06-18.",
                 destr=True, end="2026-09-30", outcome="accepted", eff="2026-09-30", judge="ML-3318-EN")))

t = """Bonjour,

La vieille presse sera définitivement arrêtée en décembre. Nous résilions le contrat de maintenance HW/7731/2022 pour la fin de l'année.

Cordialement,
Service maintenance – Ateliers Marchal SA
"""
add(Mail("053-fin-de-lannee", "Service maintenance Marchal <maintenance@ateliers-marchal.example.be>", "Résiliation HW/7731/2022", at(2026, 6, 15, 8, 5), text=t, html=html_of(t),
         label=L("cancellation", "fr", ["HW77312022"], "cancel", "relative-date",
                 "'pour la fin de l'année' = 2026-12-31. The press stops only in December: not out of use yet.",
                 end="2026-12-31", outcome="accepted", eff="2026-12-31", judge="HW/7731/2022")))

# === dates without a year ======================================================================

t = """Dag,

Ik zeg de licentie ML/2024/0098 op per 1/4. Alle installaties zijn gewist, er staat nergens nog een kopie.

Groetjes,
Eva De Smet

Verzonden vanaf mijn iPhone
"""
add(Mail("054-opzeg-per-1-4", DESMET, "opzeg ML/2024/0098", at(2026, 3, 10, 20, 15), text=t, client="apple",
         label=L("cancellation", "nl", ["ML20240098"], "cancel", "yearless-date",
                 "'per 1/4' = 1 April 2026 (day/month, Belgian order). Explicit destruction statement. Received 2026-03-10 + 30 days = 2026-04-09 is later.",
                 destr=True, end="2026-04-01", outcome="accepted", eff="2026-04-09", judge="ML/2024/0098")))

t = """Bonjour,

Nous fermons le deuxième atelier et souhaitons résilier le contrat de maintenance MNT 8820-B à partir du 1er avril.

Merci de me confirmer la date de fin.

Marie Delcourt
"""
add(Mail("055-a-partir-du-1er-avril", MARIE, "résiliation MNT 8820-B", at(2026, 2, 17, 11, 0), text=t, client="gmail",
         label=L("cancellation", "fr", ["MNT8820B"], "cancel", "yearless-date",
                 "'à partir du 1er avril' = 2026-04-01, later than received 2026-02-17 + 1 month.",
                 end="2026-04-01", outcome="accepted", eff="2026-04-01", judge="MNT 8820-B")))

t = """Hello,

We would like to terminate the maintenance on palletiser line 1, agreement DK-2288-M, from the 1st of September.

Kind regards,
Facilities team | Dockside Robotics NV
Noorderlaan 480, 2030 Antwerpen
"""
add(Mail("056-from-the-first-of-september", DOCKSIDE, "Maintenance DK-2288-M", at(2026, 6, 1, 13, 40), text=t, html=html_of(t),
         label=L("cancellation", "en", ["DK2288M"], "cancel", "yearless-date",
                 "'from the 1st of September' = 2026-09-01.",
                 end="2026-09-01", outcome="accepted", eff="2026-09-01", judge="DK-2288-M")))

t = """Madame, Monsieur,

Nous souhaitons mettre fin à notre licence Passport Advantage (site 6620941) au 30/09. Merci de nous confirmer qu'aucun montant ne sera plus facturé.

Anne Fontaine
Cabinet Fontaine & Associés
"""
add(Mail("057-pa-au-30-09", FONTAINE, "Licence Passport Advantage site 6620941", at(2026, 4, 28, 17, 20), text=t, html=html_of(t),
         label=L("cancellation", "fr", ["6620941"], "cancel", "yearless-date",
                 "Passport Advantage: no cancellation needed. 'au 30/09' = 2026-09-30 (extracted, irrelevant to the outcome).",
                 end="2026-09-30", outcome="pa_no_cancellation_needed", judge="6620941")))

t = f"""Beste,

De nieuwe kraan wordt verkocht aan een collega-aannemer. We zeggen het onderhoudscontract BT-98114 daarom op vanaf 1 juli.

Vriendelijke groeten,
{SIG_THIJS}
"""
add(Mail("058-vanaf-1-juli-te-vroeg", THIJS, "opzeg onderhoud BT-98114", at(2026, 5, 11, 15, 0), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["BT98114"], "cancel", "yearless-date",
                 "Start 2025-11-30 + 6 months = 2026-05-30; received 2026-05-11 -> not_yet_eligible. 'vanaf 1 juli' = 2026-07-01.",
                 end="2026-07-01", outcome="not_yet_eligible", earliest="2026-05-30", judge="BT-98114")))

# === numeric dates =============================================================================

t = f"""Geachte,

In opdracht van de zaakvoerder zeggen wij het onderhoudscontract OND-2019-0331 op per 30.06.2026.

Met vriendelijke groeten,
Els Verhaegen
Boekhouding – Drukkerij Van Hoecke NV

{DISCLAIMER_NL}
"""
add(Mail("059-per-30-06-2026", "Els Verhaegen <boekhouding@vanhoecke-druk.example.be>", "Opzegging onderhoudscontract OND-2019-0331", at(2026, 4, 24, 14, 35), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["OND20190331"], "cancel", "numeric-date",
                 "Dotted date 30.06.2026; boekhouding@ is a registered contact.",
                 end="2026-06-30", outcome="accepted", eff="2026-06-30", judge="OND-2019-0331")))

t = f"""Bonjour,

Nous résilions le contrat de maintenance HW/7731/2026 (nouvelle cisaille) au 31/7/26 : la machine part sur notre site de Charleroi, couvert par un autre prestataire.

Cordialement,
{SIG_MARCHAL}
"""
add(Mail("060-au-31-7-26-trop-tot", MARCHAL, "Résiliation HW/7731/2026", at(2026, 6, 2, 10, 10), text=t, html=html_of(t),
         label=L("cancellation", "fr", ["HW77312026"], "cancel", "numeric-date",
                 "Short date 31/7/26. Start 2026-02-28 + 6 months = 2026-08-28 > received 2026-06-02 -> not_yet_eligible.",
                 end="2026-07-31", outcome="not_yet_eligible", earliest="2026-08-28", judge="HW/7731/2026")))

t = """Hello,

We want stop the maintenance contract QH-5150 for the LED wall controllers on 31.08.2026, because we move to a new venue.

Best regards
Operations – Quayside Events Ltd
"""
add(Mail("061-stop-maintenance-31-08-2026", QUAYSIDE, "stop maintenance QH-5150", at(2026, 6, 16, 8, 45), text=t, client="webmail",
         label=L("cancellation", "en", ["QH5150"], "cancel", "numeric-date",
                 "Non-native English, dotted date 31.08.2026.",
                 end="2026-08-31", outcome="accepted", eff="2026-08-31", judge="QH-5150")))

# === numbers broken over a line or by markup ===================================================

t = """Geachte heer, mevrouw,

Hierbij willen wij het onderhoudscontract voor de zaaglijn met nummer HV 2210
0457 opzeggen tegen 31 december 2026. De zaaglijn wordt eind dit jaar
afgebroken.

Met vriendelijke groeten,

Lies Verstraete
Houtverwerking Verstraete BV
Ambachtenstraat 5, 8870 Izegem
051 30 22 18
"""
add(Mail("062-nummer-over-twee-regels", VERSTRAETE, "Opzegging onderhoudscontract", at(2026, 6, 15, 10, 5), text=t, client="thunderbird",
         label=L("cancellation", "nl", ["HV22100457"], "cancel", "broken-number",
                 "Hard-wrapped plain text breaks 'HV 2210 0457' over two lines. The saw line is dismantled only at the end of the year (not out of use yet).",
                 end="2026-12-31", outcome="accepted", eff="2026-12-31", judge="HV 2210 0457")))

add(Mail("063-tableau-numero-nbsp", LEBRUN, "Résiliation contrat d'entretien soutireuse", at(2026, 6, 9, 11, 20),
         html=outlook_html([
             "Bonjour,", "", "Veuillez trouver ci-dessous notre demande de résiliation&nbsp;:",
             table([("Numéro de contrat", "BL&nbsp;4471&nbsp;20"), ("Équipement", "Soutireuse Krones (2009)"),
                    ("Date de fin souhaitée", "31/08/2026"), ("Motif", "remplacement de la ligne d&#8217;embouteillage")]),
             "", "Bien à vous,", "Charles Lebrun", "Brasserie Lebrun SRL – Rue du Moulin 8, 5000 Namur",
             "TVA BE0466.902.315 – Tél. 081 22 67 40",
         ], lang="FR-BE"),
         label=L("cancellation", "fr", ["BL447120"], "cancel", "broken-number",
                 "HTML-only Outlook table; the number is split by &nbsp; ('BL&nbsp;4471&nbsp;20'); end date in its own cell. Received 2026-06-09 + 1 month = 2026-07-09.",
                 end="2026-08-31", outcome="accepted", eff="2026-08-31", judge="BL 4471 20")))

t = """Dear support,

Quayside Events Ltd would like to terminate the maintenance agreement QH-
5150 for our LED wall controllers. Could you confirm the end date?

Regards,
Operations – Quayside Events Ltd
"""
add(Mail("064-agreement-number-wrapped-at-hyphen", QUAYSIDE, "Maintenance agreement - termination", at(2026, 5, 13, 12, 15), text=t, client="thunderbird",
         label=L("cancellation", "en", ["QH5150"], "cancel", "broken-number",
                 "The number is wrapped at its hyphen ('QH-' / '5150'). No requested date: received 2026-05-13 + 1 month.",
                 outcome="accepted", eff="2026-06-13", judge="QH-5150")))

add(Mail("065-copie-numero-coupe-br", CLINIQUE, "Demande de copie de contrat", at(2026, 4, 29, 14, 0),
         html=outlook_html([
             "Bonjour,", "", "Pourriez-vous nous envoyer une copie du contrat suivant&nbsp;? Nous en avons besoin pour l&#8217;audit de l&#8217;INAMI.",
             table([("<b>Contrat</b>", "<b>Équipement</b>"), ("CP-HW-<br>1207", "Scanner radiologie")]),
             "", "Merci,", "Service informatique – Clinique du Parc ASBL",
         ], lang="FR-BE"),
         label=L("copy-request", "fr", ["CPHW1207"], "copy", "broken-number",
                 "HTML-only copy request; in a narrow table cell the number is broken by <br> ('CP-HW-<br>1207').")))

# === HTML tables ===============================================================================

add(Mail("066-html-tabel-opzeg-kraan", THIJS, "Opzegging onderhoud torenkraan", at(2026, 6, 2, 8, 15),
         html=outlook_html([
             "Goedemorgen,", "", "Hierbij onze opzegging, zie tabel:",
             table([("Contractnummer", "BT-98114"), ("Machine", "Torenkraan Liebherr 172 EC-B"),
                    ("Gewenste einddatum", "30/09/2026"), ("Reden", "werf Dendermonde afgerond")]),
             "", "Vriendelijke groeten,", "An Thijs", "Bouwbedrijf Thijs NV", "BTW BE 0416.227.390 – IBAN BE12 7360 0412 8892",
         ]),
         label=L("cancellation", "nl", ["BT98114"], "cancel", "html-table",
                 "HTML-only table. Start 2025-11-30 + 6 months = 2026-05-30 <= received 2026-06-02: just eligible. Requested 30/09/2026 later than + 1 month.",
                 end="2026-09-30", outcome="accepted", eff="2026-09-30", judge="BT-98114")))

add(Mail("067-html-table-two-palletisers", DOCKSIDE, "Maintenance palletiser lines", at(2026, 6, 10, 9, 5),
         html=outlook_html([
             "Hello,", "", "Please see below what we want to do with our two maintenance agreements:",
             table([("<b>Agreement</b>", "<b>Machine</b>", "<b>Action</b>"),
                    ("DK-2288-M", "Palletiser line 1 (2014)", "terminate per 30/09/2026"),
                    ("DK-2288-N", "Palletiser line 2 (new)", "keep, no change")]),
             "", "Kind regards,", "Facilities team", "Dockside Robotics NV – Noorderlaan 480, 2030 Antwerpen",
         ], lang="EN-GB"),
         label=L("cancellation", "en", ["DK2288M", "DK2288N"], "cancel", "html-table",
                 "A table names two agreements; only DK-2288-M is to end (DK-2288-N, start 2026-03-01, would be not_yet_eligible). Received 2026-06-10 + 1 month = 2026-07-10.",
                 end="2026-09-30", outcome="accepted", eff="2026-09-30", judge="DK-2288-M")))

att = pdf_text([
    "# Attestation de destruction",
    "Client : Transports Wauters SA",
    "Licence : LOG-ML-5561",
    "",
    "Nous attestons que toutes les copies du logiciel, y compris les sauvegardes,",
    "ont été détruites le 24/06/2026.",
    "",
    "Fait à Herstal le 24/06/2026",
    "Signature : Sylvie Wauters, gérante (signé)",
])
add(Mail("068-tableau-licence-attestation-signee", WAUTERS_IT, "Résiliation licence LOG-ML-5561", at(2026, 6, 25, 9, 0),
         html=outlook_html([
             "Madame, Monsieur,", "", "Voici notre demande de résiliation&nbsp;:",
             table([("Licence", "LOG-ML-5561"), ("Date de fin", "31 juillet 2026"),
                    ("Copies détruites", "Oui, toutes (attestation signée en pièce jointe)")]),
             "", "Cordialement,", "Service IT – Transports Wauters SA",
         ], lang="FR-BE"),
         attachments=(Attachment("attestation_destruction_signee.pdf", att, "application/pdf"),),
         label=L("cancellation", "fr", ["LOGML5561"], "cancel", "html-table",
                 "HTML-only table with the end date in words and a signed attestation attached. Received 2026-06-25 + 30 days = 2026-07-25 < 2026-07-31.",
                 destr=True, end="2026-07-31", outcome="accepted", eff="2026-07-31", judge="LOG-ML-5561")))

add(Mail("069-html-tabel-storing-zaaglijn", VERSTRAETE, "Storing zaaglijn 2", at(2026, 6, 4, 7, 55),
         html=outlook_html([
             "Goedemorgen,", "", "Graag een technieker voor onderstaande storing:",
             table([("Contract", "HV 2210 0457"), ("Toestel", "Zaaglijn 2 (Weinig)"), ("Foutcode", "E-442 asblokkering"), ("Sinds", "3 juni")]),
             "", "Met vriendelijke groeten,", "Lies Verstraete", "Houtverwerking Verstraete BV – 051 30 22 18",
         ]),
         label=L("hardware", "nl", ["HV22100457"], "fault", "html-table",
                 "HTML-only fault report in a table on a hardware contract; '3 juni' is the fault date.")))

# === sender proof: unproven, foreign header, dmarc=fail, look-alike domain, dkim only ==========

t = """Goedemorgen,

Wij zeggen het onderhoudscontract HV 2210 0457 op. Graag een schriftelijke bevestiging.

Met vriendelijke groeten,
Lies Verstraete
Houtverwerking Verstraete BV
"""
add(Mail("070-geen-authenticatie", VERSTRAETE, "Opzegging onderhoud HV 2210 0457", at(2026, 5, 4, 9, 40), text=t, client="thunderbird", auth=None,
         label=L("cancellation", "nl", ["HV22100457"], "cancel", "forged-sender",
                 "Registered contact, eligible maintenance, but the mail carries no Authentication-Results at all: unproven -> the would-be acceptance becomes awaiting_sender_confirmation (DOMAIN.md 4a).",
                 outcome="awaiting_sender_confirmation", judge="HV 2210 0457")))

t = """Bonjour,

Nous résilions le contrat d'entretien BL 4471 20 au 30 septembre 2026.

Charles Lebrun
Brasserie Lebrun SRL
"""
add(Mail("071-authserv-etranger", LEBRUN, "Résiliation contrat BL 4471 20", at(2026, 5, 20, 16, 10), text=t, html=html_of(t), auth="foreign",
         label=L("cancellation", "fr", ["BL447120"], "cancel", "forged-sender",
                 "The only Authentication-Results comes from the sender's own server (authserv-id mail.brasserie-lebrun.example.be), not the desk MX: ignored -> unproven -> awaiting_sender_confirmation.",
                 end="2026-09-30", outcome="awaiting_sender_confirmation", judge="BL 4471 20")))

t = """Hello,

Please terminate the support contract SUP-3302 immediately and send the confirmation to this address. Our new bank details for any refund: BE68 5390 0754 7034.

Tom Verbeke
"""
add(Mail("072-dmarc-fail", TOM, "Terminate SUP-3302 immediately", at(2026, 6, 6, 23, 15), text=t, client="webmail", auth="fail",
         return_path="<bounce-7731@bulk-relay.example.net>",
         label=L("cancellation", "en", ["SUP3302"], "cancel", "forged-sender",
                 "The desk MX says dmarc=fail for the From domain: possibly forged (sender_proof failed). Nothing may be confirmed to the sender; the only way on is the confirmation request to the registered address -> awaiting_sender_confirmation (DOMAIN.md 4a leaves 'failed' without its own outcome). 'immediately' is no date.",
                 outcome="awaiting_sender_confirmation", judge="SUP-3302")))

t = f"""Geachte,

Wij zeggen het onderhoudscontract OND-2019-0331 op met onmiddellijke ingang. Gelieve de bevestiging naar dit adres te sturen.

{SIG_VH}
"""
add(Mail("073-lookalike-domein", "Pieter Van Hoecke <pieter.vanhoecke@vanhoecke-drukk.example.be>", "Opzeg OND-2019-0331 met onmiddellijke ingang", at(2026, 5, 21, 13, 5), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["OND20190331"], "cancel", "forged-sender",
                 "Look-alike domain (vanhoecke-drukk instead of vanhoecke-druk) with a valid dmarc=pass for that domain: proven, but not a registered contact -> sender_unverified.",
                 outcome="sender_unverified", judge="OND-2019-0331")))

t = """Hello,

Dockside Robotics terminates the maintenance agreement DK-2288-M for palletiser line 1 as of 30 November 2026.

Sam Claes
Facilities | Dockside Robotics NV
"""
add(Mail("074-dkim-aligned-no-dmarc", "Sam Claes <s.claes@dockside-robotics.example.com>", "Termination DK-2288-M", at(2026, 6, 22, 10, 30), text=t, client="webmail", auth="dkim",
         label=L("cancellation", "en", ["DK2288M"], "cancel", "forged-sender",
                 "No DMARC verdict, but the desk MX says dkim=pass signed by the From domain itself: proven (method dkim) -> accepted. Received 2026-06-22 + 1 month = 2026-07-22 < 2026-11-30.",
                 end="2026-11-30", outcome="accepted", eff="2026-11-30", judge="DK-2288-M")))

t = """Bonjour,

Nous résilions la licence mensuelle CP-ML-8812 (logiciel de planning). Toutes les copies ont été supprimées de nos postes et du serveur.

Dr Pierre Lemaire
Chef de service – Clinique du Parc ASBL
"""
add(Mail("075-esp-dkim-non-aligne", "Dr Pierre Lemaire <dr.lemaire@cliniqueduparc.example.org>", "Résiliation licence CP-ML-8812", at(2026, 6, 18, 12, 0), text=t, html=html_of(t), auth="esp",
         label=L("cancellation", "fr", ["CPML8812"], "cancel", "forged-sender",
                 "Sent through a mailing service: dkim=pass for esp-mailing.example.net (not aligned with the From domain), dmarc=none -> unproven -> awaiting_sender_confirmation.",
                 destr=True, outcome="awaiting_sender_confirmation", judge="CP-ML-8812")))

t = """Hi,

Writing from my private address as I'm travelling: please cancel the analytics licence EN-4410-77 of Brightwave Analytics. All copies have been deleted.

Tom
"""
add(Mail("076-private-address-not-registered", "Tom Verbeke <tom.verbeke.home@webmail.example.net>", "cancel licence", at(2026, 6, 4, 8, 2), text=t, client="webmail",
         label=L("cancellation", "en", ["EN441077"], "cancel", "unregistered-sender",
                 "Proven for his private webmail domain, but that address is not a registered contact of EN-4410-77 -> sender_unverified.",
                 destr=True, outcome="sender_unverified", judge="EN-4410-77")))

# === look-alike numbers and look-alike requests ================================================

t = """Goeiemiddag,

Graag zeggen wij het onderhoudscontract CT-55-0930 op. Het gaat om de hefbruggen in de werkplaats.

Groeten,
Wim Lambrechts
Garage Lambrechts BV
"""
add(Mail("077-omgewisselde-cijfers", WIM, "Opzeg contract CT-55-0930", at(2026, 4, 21, 11, 45), text=t, client="thunderbird",
         label=L("cancellation", "nl", ["CT550930"], "cancel", "look-alike",
                 "Two digits swapped (registry has CT-55-0903): the number as written is unknown -> unknown_contract.",
                 outcome="unknown_contract")))

t = """Madame, Monsieur,

Nous résilions la licence mensuelle LM-60281. Toutes les copies ont été supprimées de nos ordinateurs.

Anne Fontaine
Cabinet Fontaine & Associés
"""
add(Mail("078-numero-inverse", FONTAINE, "Résiliation licence LM-60281", at(2026, 5, 5, 9, 10), text=t, html=html_of(t),
         label=L("cancellation", "fr", ["LM60281"], "cancel", "look-alike",
                 "Look-alike of LM-60218 (last two digits swapped) -> unknown_contract; the destruction statement is still extracted.",
                 destr=True, outcome="unknown_contract")))

t = """Dear support team,

Brightwave Analytics terminates the monthly licence EN-4410-71. All copies have been removed from our systems.

Kind regards,
Lotte Desmedt
Finance | Brightwave Analytics BV
"""
add(Mail("079-wrong-last-digits", "Lotte Desmedt <finance@brightwave.example.com>", "Termination licence EN-4410-71", at(2026, 5, 28, 10, 40), text=t, html=html_of(t),
         label=L("cancellation", "en", ["EN441071"], "cancel", "look-alike",
                 "EN-4410-71 is not in the registry (EN-4410-77 is) -> unknown_contract.",
                 destr=True, outcome="unknown_contract")))

t = """Goedemorgen,

Wij wensen onze Passport Advantage licentie (site 5518832) op te zeggen. Op uw bestelbon 5518823 van vorig jaar staat nog een automatische verlenging.

Vriendelijke groeten,
Sarah Dewaele
Logistiek Dewaele BV
Hoogstraat 120, 8800 Roeselare
051 26 90 90 – BTW BE 0467.330.118
"""
add(Mail("080-pa-site-en-bestelbon", "Sarah Dewaele <sarah.dewaele@dewaele-logistiek.example.be>", "Opzegging Passport Advantage", at(2026, 4, 15, 10, 35), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["5518832"], "cancel", "look-alike",
                 "Passport Advantage site 5518832 -> no cancellation needed. The order number 5518823 (look-alike digits) is not a contract number.",
                 outcome="pa_no_cancellation_needed", judge="5518832")))

t = f"""Hi,

Since update 8.2 the analytics client terminates right after start-up with error 0xC0000005 on all Windows 11 laptops. Licence EN-4410-77. Can you help?

{SIG_BRIGHT}
"""
add(Mail("081-app-terminates-error", TOM, "Analytics client terminates on start-up", at(2026, 3, 19, 9, 30), text=t, html=html_of(t),
         label=L("software", "en", ["EN441077"], "fault", "look-alike",
                 "'terminates' is a crash here, not a contract ending: software fault.")))

t = """Beste,

Mogen we de afspraak met de technieker van donderdag 14/05 annuleren? De hefbrug is intussen zelf terug in orde gekomen. Contract CT-55-0903.

Mvg,
Sandra Lambrechts
Garage Lambrechts BV
"""
add(Mail("082-afspraak-annuleren", "Sandra Lambrechts <info@garage-lambrechts.example.be>", "Annuleren afspraak technieker donderdag 14/05", at(2026, 5, 12, 16, 50), text=t, html=html_of(t),
         label=L("hardware", "nl", ["CT550903"], "question", "look-alike",
                 "Cancels a technician's visit, not the contract: a service matter on a hardware contract.")))

t = """Bonjour,

Nous avons résilié notre contrat d'entretien chez votre concurrent et souhaitons recevoir un devis pour l'entretien de nos deux compresseurs Atlas Copco (GA 37, 2017 et 2019).

Charles Lebrun
Brasserie Lebrun SRL
Tél. 081 22 67 40
"""
add(Mail("083-resilie-chez-concurrent-devis", LEBRUN, "Demande de devis entretien compresseurs", at(2026, 3, 3, 11, 5), text=t, html=html_of(t),
         label=L("hardware", "fr", [], "quote", "look-alike",
                 "'résilié' is about another provider's contract; the request is a quote for hardware maintenance.")))

t = """Hello,

Please cancel our subscription to your monthly newsletter – we receive it on three addresses and it is too much. Our contracts stay as they are, of course.

Operations – Quayside Events Ltd
"""
add(Mail("084-newsletter-unsubscribe-by-hand", QUAYSIDE, "Cancel newsletter subscription", at(2026, 4, 8, 15, 20), text=t, html=html_of(t),
         label=L("general", "en", [], "question", "look-alike",
                 "A person asks to stop a newsletter (not bulk mail itself, no List-Id): general, not a cancellation.")))

t = """Beste,

Onze collega Jan Goossens heeft zijn opzeg gegeven en vertrekt eind juni. Gelieve hem te schrappen als contactpersoon voor het contract OH 6230 41; Hilde Peeters (facility@terlinde.example.org) blijft contactpersoon.

Dienst ICT – Woonzorg Ter Linde vzw
"""
add(Mail("085-contactpersoon-opzeg-gegeven", TERLINDE_ICT, "Wijziging contactpersoon contract OH 6230 41", at(2026, 6, 23, 11, 30), text=t, html=html_of(t),
         label=L("general", "nl", ["OH623041"], "question", "look-alike",
                 "'opzeg gegeven' is an employee resigning; the request is an administrative change of contact persons -> general (like an address change). 'eind juni' is not an end date.")))

t = f"""Bonjour,

Nous avons résilié le bail de notre bureau de Herstal. À partir du 1er mai, merci d'envoyer les factures des contrats HW/7731/2022 et HW/7731/2026 à notre siège : Rue de l'Industrie 17, 4100 Seraing.

{SIG_MARCHAL}
"""
add(Mail("086-bail-resilie-adresse", MARCHAL, "Changement d'adresse de facturation", at(2026, 4, 20, 10, 0), text=t, html=html_of(t),
         label=L("general", "fr", ["HW77312022", "HW77312026"], "question", "look-alike",
                 "'résilié le bail' is a lease; the request is a billing address change -> general. '1er mai' is not an end date.")))

# === ordinary mail =============================================================================

t = """Hello,

We no longer use the reporting server and would like to cancel our Passport Advantage subscription before it auto-renews. I don't have the site number at hand.

Karen Janssen
CFO | Nexora Consulting BV
"""
add(Mail("087-cancel-pa-no-number", "Karen Janssen <k.janssen@nexora.example.net>", "Cancel Passport Advantage renewal", at(2026, 3, 27, 14, 20), text=t, client="webmail",
         label=L("cancellation", "en", [], "cancel", "plain",
                 "No number, but the text names Passport Advantage -> pa_no_cancellation_needed (step 1). 'no longer use the reporting server' is about a server, not said of the licence's machine for a monthly licence; left false.",
                 outcome="pa_no_cancellation_needed")))

t = """Geachte,

Uw technieker is nu al drie keer niet komen opdagen voor de jaarlijkse controle van de zaaglijn. U komt uw verplichtingen niet na. Wij beëindigen daarom het onderhoudscontract HV 2210 0457.

Lies Verstraete
Houtverwerking Verstraete BV
"""
add(Mail("088-wanprestatie", VERSTRAETE, "Beëindiging onderhoudscontract HV 2210 0457", at(2026, 4, 28, 13, 55), text=t, html=html_of(t),
         label=L("cancellation", "nl", ["HV22100457"], "cancel", "plain",
                 "Termination for breach ('U komt uw verplichtingen niet na') -> manual_review.",
                 outcome="manual_review", judge="HV 2210 0457", breach=True)))

t = """Bonsoir,

Je souhaite résilier mon contrat d'entretien, nous remettons la boulangerie. Je n'ai pas le numéro sous la main.

Marie Delcourt
"""
add(Mail("089-sans-numero-deux-contrats", MARIE, "résiliation", at(2026, 6, 19, 19, 30), text=t, client="gmail",
         label=L("cancellation", "fr", [], "cancel", "plain",
                 "No contract number; the sender is a contact of two maintenance contracts, so none can be inferred -> needs_contract_number.",
                 outcome="needs_contract_number")))

t = """Hi,

Could you send me a copy of the signed maintenance agreement DK-2288-N for palletiser line 2? Our auditor asks for it.

Thanks,
Sam Claes
Facilities | Dockside Robotics NV
"""
add(Mail("090-copy-signed-agreement", "Sam Claes <s.claes@dockside-robotics.example.com>", "Copy of maintenance agreement DK-2288-N", at(2026, 3, 12, 10, 40), text=t, html=html_of(t),
         label=L("copy-request", "en", ["DK2288N"], "copy", "plain", "Plain copy request.")))

t = """Goedemorgen,

Mag ik een kopie van ons licentiecontract ML-GNT-4402? Onze revisor vraagt ernaar.

Met vriendelijke groet,
Jan Claeys
Boekhoudkantoor Claeys & Co
"""
add(Mail("091-kopie-licentiecontract", "Jan Claeys <jan@claeys-boekhouding.example.be>", "kopie contract", at(2026, 2, 24, 9, 15), text=t, html=html_of(t),
         label=L("copy-request", "nl", ["MLGNT4402"], "copy", "plain", "Plain copy request for a software licence.")))

t = """Bonjour,

Depuis ce matin, le logiciel de planification affiche « licence expirée » sur tous les postes alors que la facture d'avril (n° 2026-04117) est payée. Licence LOG-ML-5561.

Merci de regarder rapidement,
Service IT – Transports Wauters SA
"""
add(Mail("092-erreur-licence-expiree", WAUTERS_IT, "Erreur « licence expirée » LOG-ML-5561", at(2026, 4, 13, 8, 10), text=t, html=html_of(t),
         label=L("software", "fr", ["LOGML5561"], "fault", "plain",
                 "Software fault on a monthly licence; the invoice number is not a contract number.")))

t = """Goedemorgen,

Hoe kan ik onze contracten online bekijken? Op jullie website vind ik enkel de facturen.

Vriendelijke groeten,
Sarah Dewaele
Logistiek Dewaele BV
"""
add(Mail("093-contracten-online", "Sarah Dewaele <sarah.dewaele@dewaele-logistiek.example.be>", "Contracten online bekijken", at(2026, 3, 31, 11, 0), text=t, html=html_of(t),
         label=L("general", "nl", [], "question", "plain", "How to view contracts online -> general.")))

t = """Hello,

From May on, our PO number (PO-KDS-2026-118) must appear on every invoice, otherwise our accounting cannot book it. Can you add it?

Best regards,
Eline Moens
Studio manager | Kestrel Design Studio BV
"""
add(Mail("094-po-number-invoices", KESTREL, "PO number on invoices", at(2026, 4, 30, 16, 45), text=t, html=html_of(t),
         label=L("general", "en", [], "question", "plain", "Invoicing request -> general; the PO number is not a contract number.")))

# === mail that is not a ticket =================================================================

t = """Ik ben afwezig tot en met 20 juli en lees mijn mails niet. Voor dringende zaken kan u terecht bij facility@terlinde.example.org of op 03 480 12 12.

Met vriendelijke groeten,
Dienst ICT – Woonzorg Ter Linde vzw
"""
add(Mail("095-afwezig-automatisch", TERLINDE_ICT, "Automatisch antwoord: Uw aanvraag werd geregistreerd", at(2026, 7, 6, 8, 0), text=t,
         extra=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")),
         label=L(None, "nl", [], "nothing", "auto-reply",
                 "Out-of-office with Auto-Submitted: auto_reply, never a ticket; '20 juli' is a return date.", disp="auto_reply")))

BOUNCE_BOUNDARY = "----=_Part_bounce_20260521"
bounce = f"""Authentication-Results: mx.contracts.example.com; spf=none smtp.helo=mail.quayside-events.example.com; dkim=none; dmarc=none header.from=mail.quayside-events.example.com
Return-Path: <>
Received: from mail.quayside-events.example.com (mail.quayside-events.example.com [198.51.100.77])
 by mx1.contracts.example.com (Postfix) with ESMTPS id 5C1E0A2291 for <support@contracts.example.com>;
 Thu, 21 May 2026 10:14:09 +0200 (CEST)
From: Mail Delivery Subsystem <MAILER-DAEMON@mail.quayside-events.example.com>
To: support@contracts.example.com
Subject: Delivery Status Notification (Failure)
Date: Thu, 21 May 2026 10:14:06 +0200
Message-ID: <20260521081406.A77D1C0042@mail.quayside-events.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="{BOUNCE_BOUNDARY}"

--{BOUNCE_BOUNDARY}
Content-Type: text/plain; charset=utf-8

This is the mail system at host mail.quayside-events.example.com.

Your message could not be delivered to one or more recipients.

<events-old@quayside-events.example.com>: mailbox is disabled (account closed)

--{BOUNCE_BOUNDARY}
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.quayside-events.example.com
Arrival-Date: Thu, 21 May 2026 10:14:02 +0200

Final-Recipient: rfc822; events-old@quayside-events.example.com
Action: failed
Status: 5.2.1
Diagnostic-Code: smtp; 550 5.2.1 mailbox disabled

--{BOUNCE_BOUNDARY}
Content-Type: text/rfc822-headers

From: Contract Support <support@contracts.example.com>
To: events-old@quayside-events.example.com
Subject: Ontvangstbevestiging / Accusé de réception / Acknowledgement
Date: Thu, 21 May 2026 10:13:58 +0200
Message-ID: <ack-20260521-0813-c41d2e@contracts.example.com>
Auto-Submitted: auto-replied

--{BOUNCE_BOUNDARY}--
""".replace("\n", "\r\n").encode()
add(Mail("096-bounce-mailbox-disabled", "Mail Delivery Subsystem <MAILER-DAEMON@mail.quayside-events.example.com>", "", at(2026, 5, 21, 10, 14), raw=bounce, auth="esp",
         label=L(None, "en", [], "nothing", "bounce",
                 "Delivery report for one of the desk's acknowledgements: bounce, never a ticket. No DMARC verdict for the MAILER-DAEMON domain: unproven.", disp="bounce")))

add(Mail("097-bulk-partenaire-resiliez", "Imprimerie Partenaire <news@impressions-partenaire.example.com>", "Résiliez votre vieux contrat : notre offre de printemps", at(2026, 3, 25, 6, 30),
         html=outlook_html([
             "<b>Offre de printemps</b>",
             "Votre contrat d&#8217;entretien vous coûte trop cher&nbsp;? Résiliez-le et passez chez nous&nbsp;: 3 mois offerts sur tout nouveau contrat d&#8217;impression.",
             "Pour ne plus recevoir nos messages, cliquez ici.",
         ], lang="FR-BE"),
         extra=(("List-Id", "Offres partenaires <offres.impressions-partenaire.example.com>"),
                ("List-Unsubscribe", "<https://impressions-partenaire.example.com/unsubscribe?u=77120>"),
                ("Precedence", "bulk")),
         label=L("general", "fr", [], "nothing", "bulk",
                 "A partner's mailing with List-Id/List-Unsubscribe -> bulk in general, no reply, whatever it says about 'résiliez'.", disp="bulk")))


# === writing and checking ======================================================================


def _registry() -> dict[str, dict[str, str]]:
    with REGISTRY.open(encoding="utf-8", newline="") as fh:
        return {row["contract_number"]: row for row in csv.DictReader(fh)}


def check(mail: Mail, registry: dict[str, dict[str, str]]) -> None:
    """Hand labels against DOMAIN.md section 4 read independently (see kit.policy_of)."""
    label = mail.label
    judge = label["_judge"]
    if judge is None:
        return
    row = registry[str(judge)]
    requested = label["requested_end_date"]
    outcome, eff, earliest = policy_of(
        row["kind"],
        date.fromisoformat(row["start_date"]),
        mail.received,
        date.fromisoformat(str(requested)) if requested else None,
        destroyed=bool(label["destruction_confirmation"]),
        out_of_use=bool(label["machine_out_of_use"]),
        registered=mail.address in row["contacts"].lower().split(";"),
        proven=mail.proof == "proven",
        breach=bool(label["_breach"]),
    )
    want = {
        "outcome": outcome,
        "effective_date": eff.isoformat() if eff else None,
        "earliest_notice_date": earliest.isoformat() if earliest else None,
    }
    if label["policy"] != want:
        raise SystemExit(f"{mail.name}: hand label {label['policy']} but section 4 gives {want}")


def main() -> None:
    registry = _registry()
    MAILS_DIR.mkdir(exist_ok=True)
    names = [m.name for m in MAILS]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate mail names")
    for old in MAILS_DIR.glob("*.eml"):
        if old.stem not in names:
            old.unlink()
    labels: dict[str, dict[str, object]] = {}
    for mail in MAILS:
        check(mail, registry)
        if mail.html and mail.label["language"] != "nl":
            # Outlook tags the body with the author's language (html_of writes NL-BE)
            tag = {"fr": "FR-BE", "en": "EN-GB"}[str(mail.label["language"])]
            mail.html = mail.html.replace("<body lang=NL-BE", f"<body lang={tag}", 1)
        (MAILS_DIR / f"{mail.name}.eml").write_bytes(mail.build())
        label = {k: v for k, v in mail.label.items() if not k.startswith("_")}
        label["sender_proof"] = mail.proof
        order = ["disposition", "queue", "language", "contract_numbers", "destruction_confirmation",
                 "machine_out_of_use", "requested_end_date", "policy", "sender_proof", "intent",
                 "shape", "note"]
        labels[f"{mail.name}.eml"] = {k: label[k] for k in order}
    LABELS.write_text(json.dumps(labels, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(MAILS)} mails written", file=sys.stderr)


if __name__ == "__main__":
    main()
