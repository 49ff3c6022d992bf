"""Labelled mails for the intent stage, the contract roles and the acceptance guard, by shape and
language (nl, fr, en). Each case is a whole mail built here (new text, quoted or forwarded
history, subject) and what DOMAIN.md says must come of it with `REGISTRY`: the act the mail asks
(`intake.model.Intent.act`), the queue, the policy outcome and the contract judged.

Shapes: `plain` (a plain cancellation, the control), `retraction` (the new text takes back the
request quoted below it), `bottom_posted` (new text under a quoted old cancellation),
`forward_changed` (the forwarder's added line asks something else than the forwarded request),
`forward_passed_on` (the added line only passes the request on), `negated`, `hypothetical`,
`asked_about` (whether or how it can be cancelled), `one_continues` (two contracts, one ends and
one goes on), `replaces` ('A replaces B'), `undecidable` (several contracts, no way to tell which),
`old_subject` (a reply whose old subject says cancel and whose text asks something else).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

# HW-4100-01 eligible (start 2021), HW-4100-02 under six months on 1 June 2026 (start 1 March)
REGISTRY_CSV = """contract_number,kind,scope,customer,contacts,start_date,language
HW-4100-01,maintenance,hardware,Drukkerij Noord,ops@noord.example.be,2021-01-01,nl
HW-4100-02,maintenance,hardware,Drukkerij Noord,ops@noord.example.be,2026-03-01,nl
SW-5500-01,maintenance,software,Drukkerij Noord,ops@noord.example.be,2022-01-01,nl
ML-7700-01,monthly_license,software,Drukkerij Noord,ops@noord.example.be,2024-01-01,nl
"""
SENDER = "Pieter Claes <ops@noord.example.be>"
DATE = "Mon, 01 Jun 2026 10:00:00 +0200"


@dataclass(frozen=True)
class Case:
    name: str
    lang: str
    shape: str
    subject: str
    body: str
    act: str  # what the mail asks
    queue: str
    outcome: str | None = None
    contract: str | None = None  # the contract the policy judged (normalized)
    quoted: str = ""  # history below (or above, with bottom=True) the new text
    forward: bool = False  # the history is a forwarded mail, not a reply's quote
    bottom: bool = False  # the new text is written under '>' quoted lines

    def eml(self) -> bytes:
        msg = EmailMessage()
        msg["From"] = SENDER
        msg["To"] = "support@contracts.example.com"
        msg["Subject"] = self.subject
        msg["Date"] = DATE
        msg["Message-ID"] = f"<{self.name}@noord.example.be>"
        body = self.body
        if self.quoted and self.bottom:
            lines = "\n".join(f"> {line}" for line in self.quoted.splitlines())
            body = f"On Fri, 15 May 2026 at 09:12, Pieter Claes wrote:\n{lines}\n\n{self.body}"
        elif self.quoted and self.forward:
            body += (
                "\n\n---------- Forwarded message ---------\n"
                "From: Els Maes <els.maes@noord.example.be>\n"
                "Date: Fri, 29 May 2026 at 16:02\n"
                f"Subject: {self.subject.split(':', 1)[-1].strip()}\n"
                "To: Pieter Claes <ops@noord.example.be>\n\n" + self.quoted
            )
        elif self.quoted:
            body += (
                "\n\n-----Original Message-----\n"
                "From: Pieter Claes <ops@noord.example.be>\n"
                "Sent: Friday, 15 May 2026 09:12\n"
                "To: support@contracts.example.com\n"
                f"Subject: {self.subject.split(':', 1)[-1].strip()}\n\n" + self.quoted
            )
        msg.set_content(body + "\n\nPieter Claes\nDrukkerij Noord\n")
        return bytes(msg)


A = "HW41000" + "1"  # eligible hardware maintenance, normalized
B = "HW41000" + "2"  # hardware maintenance under six months

CASES: tuple[Case, ...] = (
    # -- plain cancellations (the control) ---------------------------------------------------
    Case(
        "plain-nl",
        "nl",
        "plain",
        "Opzegging onderhoudscontract HW-4100-01",
        "Beste,\n\nWij zeggen het onderhoudscontract HW-4100-01 op met de voorziene vooropzeg.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    Case(
        "plain-fr",
        "fr",
        "plain",
        "Résiliation contrat HW-4100-01",
        "Bonjour,\n\nNous souhaitons résilier le contrat de maintenance HW-4100-01.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    Case(
        "plain-en",
        "en",
        "plain",
        "Termination HW-4100-01",
        "Hello,\n\nPlease terminate our maintenance contract HW-4100-01 with one month's notice.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    # -- retraction in the new text over a quoted request -------------------------------------
    Case(
        "retraction-repair-en",
        "en",
        "retraction",
        "RE: Terminate maintenance HW-4100-01",
        "Hello,\n\nForget my earlier mail, we keep the contract after all. Does it cover the "
        "repair of the folding unit?",
        "retraction",
        "hardware",
        quoted="Please terminate maintenance contract HW-4100-01 as of 30 June 2026.",
    ),
    Case(
        "retraction-repair-nl",
        "nl",
        "retraction",
        "RE: Opzegging onderhoud HW-4100-01",
        "Beste,\n\nVergeet mijn vorige mail: we houden het contract toch. Valt de herstelling "
        "van de snijmachine onder het onderhoud?",
        "retraction",
        "hardware",
        quoted="Wij zeggen het onderhoudscontract HW-4100-01 op tegen 30 juni 2026.",
    ),
    Case(
        "retraction-fr",
        "fr",
        "retraction",
        "RE: Résiliation contrat HW-4100-01",
        "Bonjour,\n\nOubliez mon message précédent : nous gardons finalement le contrat. "
        "Le remplacement du tambour est-il couvert ?",
        "retraction",
        "hardware",
        quoted="Nous résilions le contrat de maintenance HW-4100-01 au 30 juin 2026.",
    ),
    Case(
        "retraction-alone-nl",
        "nl",
        "retraction",
        "RE: Opzegging HW-4100-01",
        "Beste,\n\nWij trekken onze opzegging van vorige week in; het contract loopt gewoon "
        "verder.",
        "retraction",
        "hardware",
        quoted="Wij zeggen het onderhoudscontract HW-4100-01 op.",
    ),
    Case(
        "retraction-withdraw-en",
        "en",
        "retraction",
        "RE: Cancellation SW-5500-01",
        "Hi,\n\nWe withdraw our cancellation request: management decided to keep the software "
        "maintenance.",
        "retraction",
        "software",
        quoted="Please cancel maintenance contract SW-5500-01.",
    ),
    Case(
        "retraction-annulez-fr",
        "fr",
        "retraction",
        "TR: Résiliation",
        "Bonjour,\n\nMerci d'annuler notre demande de résiliation du contrat SW-5500-01, nous "
        "continuons avec vous.",
        "retraction",
        "software",
    ),
    # -- bottom-posted new text under an old cancellation ------------------------------------
    Case(
        "bottom-quote-nl",
        "nl",
        "bottom_posted",
        "Re: Opzegging onderhoud HW-4100-01",
        "Graag eerst een offerte voor de verlenging van het onderhoud van HW-4100-01, dan "
        "beslissen we.",
        "quote",
        "hardware",
        quoted="Wij zeggen het onderhoudscontract HW-4100-01 op.",
        bottom=True,
    ),
    Case(
        "bottom-quote-en",
        "en",
        "bottom_posted",
        "Re: Cancel SW-5500-01",
        "Before anything else, could you send us a quotation for renewing the software "
        "maintenance for 2027?",
        "quote",
        "software",
        quoted="Please cancel software maintenance contract SW-5500-01.",
        bottom=True,
    ),
    Case(
        "bottom-devis-fr",
        "fr",
        "bottom_posted",
        "Re: Résiliation SW-5500-01",
        "Pourriez-vous plutôt nous envoyer un devis pour le renouvellement de la maintenance "
        "logicielle ?",
        "quote",
        "software",
        quoted="Nous souhaitons résilier le contrat SW-5500-01.",
        bottom=True,
    ),
    # -- a forward whose added line changes the question -------------------------------------
    Case(
        "forward-copy-nl",
        "nl",
        "forward_changed",
        "FW: opzegging onderhoud HW-4100-01",
        "Hallo,\n\nKunnen jullie ons in plaats daarvan een kopie van het contract HW-4100-01 "
        "sturen? Dan bekijken we het eerst intern.",
        "copy",
        "copy-request",
        quoted="Pieter, kan jij het onderhoudscontract HW-4100-01 laten opzeggen?",
        forward=True,
    ),
    Case(
        "forward-quote-en",
        "en",
        "forward_changed",
        "FW: cancel SW-5500-01",
        "Hi,\n\nWe are not sure yet: could you first send us a quote for the renewal of "
        "SW-5500-01?",
        "quote",
        "software",
        quoted="Pieter, please cancel the software maintenance SW-5500-01.",
        forward=True,
    ),
    Case(
        "forward-copie-fr",
        "fr",
        "forward_changed",
        "TR: résiliation contrat HW-4100-01",
        "Bonjour,\n\nAvant tout, pourriez-vous nous envoyer une copie du contrat HW-4100-01 ?",
        "copy",
        "copy-request",
        quoted="Pieter, peux-tu demander la résiliation du contrat HW-4100-01 ?",
        forward=True,
    ),
    # -- a forward that only passes the request on -------------------------------------------
    Case(
        "forward-passed-nl",
        "nl",
        "forward_passed_on",
        "FW: opzeggen onderhoud snijmachine",
        "Goeiemorgen,\n\nZie mail van Els hieronder, kunnen jullie dit in orde brengen?",
        "cancel",
        "cancellation",
        "accepted",
        A,
        quoted="Het onderhoudscontract HW-4100-01 van de snijmachine mag opgezegd worden.",
        forward=True,
    ),
    Case(
        "forward-passed-en",
        "en",
        "forward_passed_on",
        "Fwd: end of maintenance",
        "Hi,\n\nCould you please handle this?",
        "cancel",
        "cancellation",
        "accepted",
        A,
        quoted="We want to terminate maintenance contract HW-4100-01, the machine is sold.",
        forward=True,
    ),
    Case(
        "forward-passed-fr",
        "fr",
        "forward_passed_on",
        "TR: fin de contrat",
        "Bonjour,\n\nVoir ci-dessous, pouvez-vous faire le nécessaire ?",
        "cancel",
        "cancellation",
        "accepted",
        A,
        quoted="Nous voulons résilier le contrat de maintenance HW-4100-01.",
        forward=True,
    ),
    # -- negated intent ----------------------------------------------------------------------
    Case(
        "negated-fr",
        "fr",
        "negated",
        "Renouvellement SW-5500-01",
        "Bonjour,\n\nPas question de résilier le contrat SW-5500-01 : envoyez-nous l'offre de "
        "renouvellement pour 2027.",
        "quote",
        "software",
    ),
    Case(
        "negated-en",
        "en",
        "negated",
        "Renewal SW-5500-01",
        "Hello,\n\nWe are certainly not cancelling contract SW-5500-01. Please send us the "
        "renewal quote.",
        "quote",
        "software",
    ),
    Case(
        "negated-nl",
        "nl",
        "negated",
        "Verlenging SW-5500-01",
        "Beste,\n\nGeen opzegging van contract SW-5500-01: graag een offerte voor de verlenging "
        "in 2027.",
        "quote",
        "software",
    ),
    Case(
        "negated-verb-nl",
        "nl",
        "negated",
        "Onderhoud HW-4100-01",
        "Dag,\n\nWij zeggen het contract HW-4100-01 niet op, maar de printer blijft vastlopen. "
        "Kan er een technieker langskomen?",
        "fault",
        "hardware",
    ),
    Case(
        "negated-intention-fr",
        "fr",
        "negated",
        "Contrat HW-4100-01",
        "Bonjour,\n\nNous n'avons pas l'intention de résilier le contrat HW-4100-01, mais "
        "l'imprimante est en panne depuis hier. Un technicien peut-il passer ?",
        "fault",
        "hardware",
    ),
    # -- hypothetical intent -----------------------------------------------------------------
    Case(
        "hypothetical-nl",
        "nl",
        "hypothetical",
        "Prijs 2027 SW-5500-01",
        "Beste,\n\nMocht de prijs nog stijgen, dan zouden we contract SW-5500-01 opzeggen. "
        "Graag een offerte voor 2027.",
        "quote",
        "software",
    ),
    Case(
        "hypothetical-fr",
        "fr",
        "hypothetical",
        "Tarif 2027 SW-5500-01",
        "Bonjour,\n\nAu cas où le prix augmenterait encore, nous pourrions résilier le contrat "
        "SW-5500-01. Pourriez-vous nous envoyer le devis 2027 ?",
        "quote",
        "software",
    ),
    Case(
        "hypothetical-en",
        "en",
        "hypothetical",
        "Price 2027 SW-5500-01",
        "Hello,\n\nIf the price rises again we might cancel contract SW-5500-01. Could you send "
        "us the quote for 2027?",
        "quote",
        "software",
    ),
    Case(
        "hypothetical-considering-en",
        "en",
        "hypothetical",
        "Printer HW-4100-01",
        "Hello,\n\nWe are considering ending contract HW-4100-01 next year. For now the printer "
        "is broken again: please send a technician.",
        "fault",
        "hardware",
    ),
    # -- asked about, not asked for ----------------------------------------------------------
    Case(
        "asked-nl",
        "nl",
        "asked_about",
        "Vraag over opzeg HW-4100-01",
        "Beste,\n\nKan ik het onderhoudscontract HW-4100-01 opzeggen tegen 1 september?",
        "cancel",
        "cancellation",
        "manual_review",
        A,
    ),
    Case(
        "asked-fr",
        "fr",
        "asked_about",
        "Question résiliation HW-4100-01",
        "Bonjour,\n\nEst-il possible de résilier le contrat HW-4100-01 avant la fin de l'année ?",
        "cancel",
        "cancellation",
        "manual_review",
        A,
    ),
    Case(
        "asked-en",
        "en",
        "asked_about",
        "Question on HW-4100-01",
        "Hello,\n\nCan we cancel maintenance contract HW-4100-01 before the end of the year?",
        "cancel",
        "cancellation",
        "manual_review",
        A,
    ),
    # -- two contracts, one continuing -------------------------------------------------------
    Case(
        "one-continues-en",
        "en",
        "one_continues",
        "Contracts HW-4100-01 and HW-4100-02",
        "Hello,\n\nWe end contract HW-4100-02; contract HW-4100-01 is not concerned and continues.",
        "cancel",
        "cancellation",
        "not_yet_eligible",
        B,
    ),
    Case(
        "one-continues-nl",
        "nl",
        "one_continues",
        "Opzegging HW-4100-02",
        "Beste,\n\nWij zeggen contract HW-4100-02 op. Contract HW-4100-01 loopt gewoon door.",
        "cancel",
        "cancellation",
        "not_yet_eligible",
        B,
    ),
    Case(
        "one-continues-fr",
        "fr",
        "one_continues",
        "Résiliation HW-4100-02",
        "Bonjour,\n\nNous résilions le contrat HW-4100-02, le contrat HW-4100-01 n'est pas "
        "concerné.",
        "cancel",
        "cancellation",
        "not_yet_eligible",
        B,
    ),
    Case(
        "one-continues-eligible-nl",
        "nl",
        "one_continues",
        "Opzegging HW-4100-01",
        "Beste,\n\nHet contract HW-4100-02 blijft behouden, enkel HW-4100-01 willen we opzeggen.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    Case(
        "one-continues-keep-en",
        "en",
        "one_continues",
        "Maintenance contracts",
        "Hello,\n\nWe keep contract HW-4100-02 but please cancel HW-4100-01.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    # -- 'A replaces B' ----------------------------------------------------------------------
    Case(
        "replaces-nl",
        "nl",
        "replaces",
        "Onderhoudscontracten",
        "Beste,\n\nContract HW-4100-01 wordt vervangen door contract HW-4100-02; gelieve het oude "
        "contract op te zeggen.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    Case(
        "replaces-en",
        "en",
        "replaces",
        "New contract",
        "Hello,\n\nContract HW-4100-02 replaces contract HW-4100-01, so please cancel the old one.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    Case(
        "replaces-fr",
        "fr",
        "replaces",
        "Nouveau contrat",
        "Bonjour,\n\nLe contrat HW-4100-02 remplace le contrat HW-4100-01 : merci de résilier "
        "l'ancien.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    # -- undecidable: several contracts, nothing says which ----------------------------------
    Case(
        "undecidable-nl",
        "nl",
        "undecidable",
        "Opzegging onderhoud",
        "Beste,\n\nWij zeggen ons onderhoudscontract op. Op de factuur staan HW-4100-01 en "
        "HW-4100-02, ik weet niet welk het is.",
        "cancel",
        "cancellation",
        "manual_review",
    ),
    Case(
        "undecidable-en",
        "en",
        "undecidable",
        "Cancel maintenance",
        "Hello,\n\nPlease cancel our maintenance contract. Our invoice lists HW-4100-01 and "
        "HW-4100-02.",
        "cancel",
        "cancellation",
        "manual_review",
    ),
    Case(
        "undecidable-fr",
        "fr",
        "undecidable",
        "Résiliation",
        "Bonjour,\n\nMerci de résilier nos contrats HW-4100-01 et SW-5500-01 ou l'un des deux, "
        "selon ce qui est possible.",
        "cancel",
        "cancellation",
        "manual_review",
    ),
    # -- a reply whose old subject says cancel -----------------------------------------------
    Case(
        "old-subject-en",
        "en",
        "old_subject",
        "RE: Terminate maintenance HW-4100-01",
        "Hello,\n\nDoes the contract cover the repair of the second printer?",
        "fault",
        "hardware",
    ),
    Case(
        "old-subject-nl",
        "nl",
        "old_subject",
        "RE: Opzegging HW-4100-01",
        "Dag,\n\nDe printer in hal 2 geeft opnieuw foutcode E-17. Kan er iemand langskomen?",
        "fault",
        "hardware",
    ),
    Case(
        "old-subject-fr",
        "fr",
        "old_subject",
        "RE: Résiliation SW-5500-01",
        "Bonjour,\n\nLe logiciel affiche une erreur de licence depuis ce matin. Pouvez-vous "
        "nous aider ?",
        "fault",
        "software",
    ),
)


# Written after the rules above, as a held-out check: 11/18 right before the fixes they led to
# (three of them wrongly accepted: "kunt u laten weten wat de opzegtermijn is?", "please
# disregard our termination notice", "should the price increase, we would have to terminate").
HELDOUT: tuple[Case, ...] = (
    Case(
        "heldout-nl-1",
        "nl",
        "retraction",
        "RE: stopzetting onderhoud HW-4100-01",
        "Hallo,\n\nOns vorig bericht mag u als onbestaande beschouwen, we gaan toch verder met "
        "het onderhoud. Wel graag een technieker voor de jaarlijkse controle.",
        "retraction",
        "hardware",
        quoted="Graag het onderhoud HW-4100-01 stopzetten.",
    ),
    Case(
        "heldout-nl-2",
        "nl",
        "negated",
        "Vraag SW-5500-01",
        "Beste,\n\nWe denken er niet aan om SW-5500-01 op te zeggen, integendeel: we willen "
        "uitbreiden. Wat kost een extra gebruiker?",
        "quote",
        "software",
    ),
    Case(
        "heldout-nl-3",
        "nl",
        "one_continues",
        "Onderhoud",
        "Dag,\n\nHet onderhoudscontract HW-4100-02 mag stopgezet worden. HW-4100-01 houden we aan.",
        "cancel",
        "cancellation",
        "not_yet_eligible",
        B,
    ),
    Case(
        "heldout-nl-4",
        "nl",
        "hypothetical",
        "Onderhoud HW-4100-01",
        "Beste,\n\nIn het geval dat jullie de responstijd niet verbeteren, zeggen we het contract "
        "HW-4100-01 op. Kunnen jullie ons de cijfers van vorig jaar bezorgen?",
        "question",
        "hardware",
    ),
    Case(
        "heldout-nl-5",
        "nl",
        "forward_changed",
        "Doorst: opzeg HW-4100-01",
        "Goeiemiddag,\n\nKunt u mij eerst laten weten wat de opzegtermijn is?",
        "cancel",
        "cancellation",
        "manual_review",
        A,
        quoted="Pieter, zeg HW-4100-01 maar op.",
        forward=True,
    ),
    Case(
        "heldout-nl-6",
        "nl",
        "plain",
        "HW-4100-01",
        "Beste,\n\nBij deze melden wij de opzegging van het onderhoudscontract HW-4100-01.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    Case(
        "heldout-fr-1",
        "fr",
        "retraction",
        "RE: Résiliation HW-4100-01",
        "Bonjour,\n\nNous revenons sur notre décision : le contrat HW-4100-01 est maintenu. "
        "Pouvez-vous envoyer un technicien pour la révision ?",
        "retraction",
        "hardware",
        quoted="Nous résilions le contrat HW-4100-01.",
    ),
    Case(
        "heldout-fr-2",
        "fr",
        "negated",
        "Contrat SW-5500-01",
        "Bonjour,\n\nIl n'est nullement question de mettre fin au contrat SW-5500-01. Merci de "
        "nous faire une offre pour deux licences supplémentaires.",
        "quote",
        "software",
    ),
    Case(
        "heldout-fr-3",
        "fr",
        "replaces",
        "Contrats",
        "Bonjour,\n\nSuite au remplacement de notre presse, le contrat HW-4100-02 prend la place "
        "du contrat HW-4100-01, que nous vous prions de résilier.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    Case(
        "heldout-fr-4",
        "fr",
        "hypothetical",
        "Tarifs",
        "Bonjour,\n\nNous résilierons peut-être le contrat SW-5500-01 l'an prochain. Quel est le "
        "tarif actuel ?",
        "quote",
        "software",
    ),
    Case(
        "heldout-fr-5",
        "fr",
        "asked_about",
        "Préavis",
        "Bonjour,\n\nQuel est le préavis pour résilier le contrat HW-4100-01 ?",
        "cancel",
        "cancellation",
        "manual_review",
        A,
    ),
    Case(
        "heldout-fr-6",
        "fr",
        "plain",
        "Contrat HW-4100-01",
        "Madame, Monsieur,\n\nJe vous informe par la présente de la résiliation de notre contrat "
        "HW-4100-01.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
    Case(
        "heldout-en-1",
        "en",
        "retraction",
        "RE: Termination HW-4100-01",
        "Hi,\n\nPlease disregard our termination notice; we have decided to stay with you. Could "
        "you book the annual service visit?",
        "retraction",
        "hardware",
        quoted="We terminate contract HW-4100-01.",
    ),
    Case(
        "heldout-en-2",
        "en",
        "negated",
        "Renewal SW-5500-01",
        "Hello,\n\nTo be clear, we have no plans to terminate SW-5500-01. We would like a price "
        "for adding two seats.",
        "quote",
        "software",
    ),
    Case(
        "heldout-en-3",
        "en",
        "one_continues",
        "Contracts",
        "Hello,\n\nPlease terminate HW-4100-02. HW-4100-01 should stay in place.",
        "cancel",
        "cancellation",
        "not_yet_eligible",
        B,
    ),
    Case(
        "heldout-en-4",
        "en",
        "undecidable",
        "Termination",
        "Hello,\n\nWe want to terminate one of our maintenance contracts, HW-4100-01 or "
        "HW-4100-02; please tell us which one covers the old press.",
        "cancel",
        "cancellation",
        "manual_review",
    ),
    Case(
        "heldout-en-5",
        "en",
        "hypothetical",
        "Price increase",
        "Hello,\n\nShould the price increase again, we would have to terminate SW-5500-01. What "
        "is the price for 2027?",
        "quote",
        "software",
    ),
    Case(
        "heldout-en-6",
        "en",
        "plain",
        "Notice",
        "Dear team,\n\nThis email serves as formal notice that we are terminating maintenance "
        "contract HW-4100-01.",
        "cancel",
        "cancellation",
        "accepted",
        A,
    ),
)

CASES = CASES + HELDOUT
