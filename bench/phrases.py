"""Text material for the benchmark mail generator (`bench.generate`): names, companies,
machines, and per language (nl/fr/en) the openings, requests, closings and filler that the
generator combines into customer mail, auto-replies, bounces and newsletters.

Everything is invented; addresses use example.be / example.com only. Slots in braces
(`{number}`, `{machine}`, `{date}`, `{product}`, `{company}`) are filled by the generator.
"""

from __future__ import annotations

LANGS = ("nl", "fr", "en")

FIRST_NAMES = {
    "nl": [
        "Jan", "An", "Pieter", "Sofie", "Koen", "Els", "Wouter", "Lies", "Bart", "Katrien",
        "Tom", "Griet", "Dirk", "Inge", "Stijn", "Marleen", "Joris", "Hilde", "Ruben", "Eline",
    ],
    "fr": [
        "Jean", "Marie", "Pierre", "Sophie", "Luc", "Isabelle", "Olivier", "Nathalie",
        "Christophe", "Valérie", "Michel", "Anne", "François", "Céline", "Benoît", "Hélène",
        "Laurent", "Aurélie", "Didier", "Élodie",
    ],
    "en": [
        "John", "Sarah", "David", "Emma", "Mark", "Laura", "Peter", "Rachel", "James", "Claire",
        "Simon", "Helen", "Andrew", "Kate", "Paul", "Julia",
    ],
}

LAST_NAMES = {
    "nl": [
        "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
        "Wouters", "De Smet", "Van den Broeck", "Vermeulen", "Desmedt", "Vanacker", "Deprez",
        "Wuyts", "Hermans", "Michiels", "Lambrechts", "Van Damme",
    ],
    "fr": [
        "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leclercq", "Renard",
        "Lejeune", "Denis", "Collard", "Fontaine", "Mathieu", "Gérard", "Lemaire", "Hubert",
        "Noël", "François", "Masson", "Delvaux",
    ],
    "en": [
        "Smith", "Taylor", "Brown", "Wilson", "Clarke", "Walker", "Wright", "Thompson",
        "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris",
    ],
}

COMPANY_KINDS = {
    "nl": ["Brouwerij", "Bakkerij", "Drukkerij", "Garage", "Schrijnwerkerij", "Metaalwerken",
           "Transport", "Tuincentrum", "Advocatenkantoor", "Apotheek", "Boekhoudkantoor",
           "Zuivelbedrijf"],
    "fr": ["Boulangerie", "Imprimerie", "Garage", "Menuiserie", "Transports", "Pharmacie",
           "Fiduciaire", "Laiterie", "Cabinet", "Brasserie", "Quincaillerie", "Atelier"],
    "en": ["Logistics", "Printing", "Engineering", "Consulting", "Foods", "Systems",
           "Packaging", "Labs"],
}

LEGAL_FORMS = {"nl": ["NV", "BV", "CV", "VZW"], "fr": ["SA", "SRL", "SC", "ASBL"],
               "en": ["Ltd", "Inc", "BV", "SA"]}

CITIES = {
    "nl": ["Antwerpen", "Gent", "Brugge", "Leuven", "Hasselt", "Kortrijk", "Mechelen",
           "Aalst", "Roeselare", "Turnhout"],
    "fr": ["Liège", "Namur", "Charleroi", "Mons", "Tournai", "Wavre", "Arlon", "Verviers",
           "Nivelles", "Louvain-la-Neuve"],
    "en": ["Brussels", "Zaventem", "Diegem", "Mechelen", "Antwerp"],
}

MACHINES = [
    "etiketteermachine LX-400", "drukpers HD 74", "vouwmachine F-220", "afvullijn AF-12",
    "diagnosetoestel DT-9", "storage array SA-3200", "server rack R740", "scanner KS-1100",
    "plieuse P-58", "presse offset SM 52", "baie de stockage BS-90", "palettiseur PX-6",
    "label printer ZT-610", "CNC router CR-2040", "cash register POS-88", "forklift FL-25",
]

PRODUCTS = [
    "dossierbeheer Juris", "boekhoudpakket Balans", "planning suite Rooster", "ERP Horizon",
    "logiciel de caisse Kasso", "gestion de stock Stocka", "CAD Designer Pro",
    "label designer LabelWorks", "document management DocuVault", "payroll Salaris+",
]

MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}

GREETINGS = {
    "nl": ["Beste,", "Geachte,", "Goedemorgen,", "Dag,", "Geachte heer, mevrouw,", "Hallo,"],
    "fr": ["Bonjour,", "Madame, Monsieur,", "Chère Madame, cher Monsieur,", "Bonjour à tous,"],
    "en": ["Hello,", "Dear Sir or Madam,", "Hi,", "Good morning,", "Dear support team,"],
}

CLOSINGS = {
    "nl": ["Met vriendelijke groeten,", "Vriendelijke groet,", "Alvast bedankt,", "Groeten,"],
    "fr": ["Cordialement,", "Bien à vous,", "Meilleures salutations,",
           "Veuillez agréer mes salutations distinguées,"],
    "en": ["Kind regards,", "Best regards,", "Thanks in advance,", "Regards,"],
}

# one request per kind and language; several variants each
REQUESTS: dict[str, dict[str, list[str]]] = {
    "hardware": {
        "nl": [
            "Onze {machine} valt sinds vanochtend telkens stil met een foutcode E42. Valt dit "
            "onder ons onderhoudscontract {number}? Kan er deze week een technieker langskomen?",
            "Graag een offerte voor het verlengen van het hardware-onderhoud van onze {machine}. "
            "Het huidige contract ({number}) loopt binnenkort af.",
            "Is de {machine} in ons filiaal in {city} nog gedekt door het onderhoudscontract "
            "{number}? Wij hebben een storing aan de invoerlade.",
            "Wij hebben een tweede {machine} aangekocht. Kan die toegevoegd worden aan ons "
            "onderhoud, en wat kost dat per jaar?",
        ],
        "fr": [
            "Notre {machine} affiche un message d'erreur E17 depuis ce matin et ne démarre plus. "
            "Est-ce couvert par notre contrat de maintenance {number} ? Un technicien peut-il "
            "passer cette semaine ?",
            "Pourriez-vous nous envoyer un devis pour la maintenance matérielle de la {machine} "
            "de notre site de {city} ? Le contrat {number} arrive à échéance.",
            "La {machine} fait un bruit anormal. Merci de planifier une intervention dans le "
            "cadre du contrat n° {number}.",
        ],
        "en": [
            "Our {machine} stopped working this morning with error E42. Is this covered by our "
            "maintenance contract {number}? Could an engineer come this week?",
            "Please send a quote to extend the hardware maintenance for the {machine} at our "
            "{city} site. Contract {number} expires soon.",
            "We added a second {machine}. Can it be added to our maintenance agreement?",
        ],
    },
    "software": {
        "nl": [
            "Onze licentie voor {product} verloopt eind deze maand. Kunnen jullie een offerte "
            "sturen voor de verlenging van software subscription & support ({number})?",
            "Sinds de laatste update start {product} niet meer op: 'licentiesleutel ongeldig'. "
            "Kunnen jullie dit bekijken? Ons contractnummer is {number}.",
            "Wij willen drie extra gebruikers toevoegen aan onze licentie voor {product}. Wat "
            "zijn de kosten?",
        ],
        "fr": [
            "La clé de licence de {product} est refusée depuis la mise à jour. Notre numéro de "
            "contrat est {number}. Pouvez-vous nous aider rapidement ?",
            "Merci de nous transmettre une offre pour le renouvellement du support logiciel de "
            "{product} (contrat {number}).",
            "Nous souhaitons ajouter deux postes à notre licence {product}. Quel serait le prix ?",
        ],
        "en": [
            "Our subscription and support for {product} ends next month. Please send a renewal "
            "quote for agreement {number}.",
            "{product} reports 'licence key rejected' since yesterday's update. Our contract "
            "number is {number}. Can you help?",
            "We need five more seats for {product}. What would that cost per year?",
        ],
    },
    "copy": {
        "nl": [
            "Kunnen jullie mij een kopie bezorgen van ons contract {number}? Wij vinden ons "
            "exemplaar niet meer terug na de verhuis.",
            "Graag ontvang ik een kopie van het onderhoudscontract {number} voor onze boekhouding.",
            "Mag ik een kopie van de overeenkomst {number}? Onze accountant vraagt ernaar.",
        ],
        "fr": [
            "Pourriez-vous m'envoyer une copie du contrat {number} ? Nous ne retrouvons plus notre "
            "exemplaire.",
            "Je souhaiterais recevoir une copie de notre contrat de maintenance n° {number}.",
            "Merci de me faire parvenir un duplicata du contrat {number} signé en {year}.",
        ],
        "en": [
            "Could you send me a copy of our contract {number}? We cannot find our signed copy.",
            "Please email a copy of agreement {number} to me for our audit.",
        ],
    },
    "cancel_monthly": {
        "nl": [
            "Hierbij zeggen wij de maandelijkse licentie {number} voor {product} op met ingang "
            "van {date}. {destroyed}",
            "Wij wensen onze maandlicentie ({number}) stop te zetten. {destroyed}",
        ],
        "fr": [
            "Par la présente, nous résilions la licence mensuelle {number} pour {product} à "
            "partir du {date}. {destroyed}",
            "Nous souhaitons mettre fin à notre licence mensuelle n° {number}. {destroyed}",
        ],
        "en": [
            "We hereby cancel the monthly licence {number} for {product} as of {date}. {destroyed}",
            "Please terminate our monthly license {number}. {destroyed}",
        ],
    },
    "cancel_maintenance": {
        "nl": [
            "Wij willen het onderhoudscontract {number} voor de {machine} opzeggen tegen "
            "{date}. De machine wordt vervangen.",
            "Hierbij de opzegging van ons onderhoudscontract met nummer {number}.",
            "Graag ons onderhoudscontract opzeggen, de {machine} is niet meer in gebruik.",
        ],
        "fr": [
            "Nous souhaitons résilier le contrat de maintenance {number} de la {machine} au "
            "{date}.",
            "Veuillez considérer ce courrier comme la résiliation de notre contrat de maintenance "
            "n° {number}.",
            "Nous voulons résilier notre contrat de maintenance, la machine est hors service.",
        ],
        "en": [
            "We would like to terminate maintenance contract {number} for the {machine} "
            "effective {date}.",
            "Please cancel our maintenance agreement {number}; the machine has been "
            "decommissioned.",
        ],
    },
    "cancel_pa": {
        "nl": [
            "Wij willen onze Passport Advantage licentie {number} opzeggen. Wat moeten we doen?",
        ],
        "fr": [
            "Nous désirons résilier notre licence Passport Advantage (site {number}). Merci de "
            "confirmer la marche à suivre.",
        ],
        "en": [
            "How do we cancel our Passport Advantage agreement {number}? We no longer need it.",
        ],
    },
    "general": {
        "nl": [
            "Hoe kan ik onze contracten online bekijken? Ik vind de juiste pagina niet.",
            "Ons bedrijf verhuist naar {city}. Kunnen jullie het adres aanpassen op al onze "
            "contracten?",
            "Wij ontvangen de facturen nog altijd per post. Kan dat via Peppol?",
        ],
        "fr": [
            "Comment puis-je consulter nos contrats en ligne ?",
            "Notre société déménage à {city}. Merci de mettre à jour l'adresse de facturation.",
            "Est-il possible de recevoir les factures via Peppol plutôt que par courrier ?",
        ],
        "en": [
            "How can I view our contracts online? The portal link seems broken.",
            "We are moving to a new office in {city}. Please update the address on our account.",
        ],
    },
}

DESTROYED = {
    "nl": [
        "Wij bevestigen dat alle kopieën van de software vernietigd werden.",
        "In bijlage vindt u de vernietigingsverklaring.",
        "Wij zullen de software volgende week verwijderen.",
        "",
    ],
    "fr": [
        "Nous confirmons que toutes les copies du logiciel ont été détruites.",
        "Vous trouverez en annexe l'attestation de destruction.",
        "Nous détruirons les copies dès que possible.",
        "",
    ],
    "en": [
        "We confirm that all copies of the software have been destroyed.",
        "Please find the certificate of destruction attached.",
        "We will remove the software next week.",
        "",
    ],
}

SUBJECTS = {
    "hardware": {
        "nl": ["Storing {machine}", "Offerte onderhoud {machine}", "Dekking {machine}",
               "Vraag over contract {number}"],
        "fr": ["Panne {machine}", "Devis maintenance {machine}", "Intervention contrat {number}"],
        "en": ["{machine} down", "Maintenance quote {machine}", "Question on contract {number}"],
    },
    "software": {
        "nl": ["Verlenging licentie {product}", "Licentiesleutel {product} geweigerd",
               "Extra gebruikers {product}"],
        "fr": ["Clé de licence refusée", "Renouvellement support {product}", "Licence {product}"],
        "en": ["Renewal quote {product}", "Licence key rejected", "Extra seats {product}"],
    },
    "copy": {
        "nl": ["Kopie contract {number}", "Vraag kopie onderhoudscontract"],
        "fr": ["Copie du contrat {number}", "Demande de copie de contrat"],
        "en": ["Copy of contract {number}", "Contract copy request"],
    },
    "cancel_monthly": {
        "nl": ["Opzegging maandlicentie {number}", "Opzeggen licentie"],
        "fr": ["Résiliation licence mensuelle {number}", "Résiliation"],
        "en": ["Cancellation monthly licence {number}", "Cancel licence"],
    },
    "cancel_maintenance": {
        "nl": ["Opzegging onderhoudscontract {number}", "Opzeg onderhoud"],
        "fr": ["Résiliation contrat de maintenance {number}", "Résiliation maintenance"],
        "en": ["Termination maintenance contract {number}", "Cancel maintenance"],
    },
    "cancel_pa": {
        "nl": ["Opzegging Passport Advantage"],
        "fr": ["Résiliation Passport Advantage"],
        "en": ["Cancel Passport Advantage"],
    },
    "general": {
        "nl": ["Contracten online bekijken", "Adreswijziging", "Facturen via Peppol"],
        "fr": ["Consulter mes contrats", "Changement d'adresse", "Factures Peppol"],
        "en": ["Viewing contracts online", "Change of address", "Invoices"],
    },
}

DISCLAIMERS = {
    "nl": "Dit bericht is vertrouwelijk en uitsluitend bestemd voor de geadresseerde. Indien u "
    "dit bericht verkeerdelijk ontving, gelieve de afzender te verwittigen en het bericht te "
    "verwijderen. Denk aan het milieu voor u deze e-mail afdrukt.",
    "fr": "Ce message est confidentiel et destiné exclusivement à son destinataire. Si vous "
    "l'avez reçu par erreur, merci d'en avertir l'expéditeur et de le détruire. Pensez à "
    "l'environnement avant d'imprimer ce courriel.",
    "en": "This message is confidential and intended only for the addressee. If you received "
    "it in error, please notify the sender and delete it. Please consider the environment "
    "before printing this e-mail.",
}

# earlier turns of a thread, used as quoted history to reach a mail's target size
HISTORY = {
    "nl": [
        "Bedankt voor de snelle reactie. Wij bekijken dit intern en komen er later op terug.",
        "De technieker is langs geweest maar het probleem is niet volledig opgelost. De "
        "machine valt nog steeds af en toe stil tijdens de nachtploeg.",
        "Kunnen jullie ook bevestigen welke onderdelen onder de dekking vallen? Wij hebben "
        "vorig jaar de walsen laten vervangen en willen weten of dat meegeteld wordt.",
        "Onze boekhouding vraagt een overzicht van alle lopende contracten met einddatum.",
    ],
    "fr": [
        "Merci pour votre réponse rapide. Nous analysons la situation en interne et revenons "
        "vers vous.",
        "Le technicien est passé mais le problème persiste : la machine s'arrête encore de "
        "temps en temps pendant l'équipe de nuit.",
        "Pouvez-vous confirmer quelles pièces sont couvertes ? Les rouleaux ont été remplacés "
        "l'année dernière.",
        "Notre comptabilité demande un aperçu de tous les contrats en cours avec leur échéance.",
    ],
    "en": [
        "Thanks for the quick answer. We are looking into it and will come back to you.",
        "The engineer visited but the problem is not fully solved; the machine still stops "
        "now and then during the night shift.",
        "Could you also confirm which parts are covered? We had the rollers replaced last year.",
        "Our accounts department asks for a list of all running contracts with end dates.",
    ],
}

QUOTE_HEADERS = {
    "nl": "Op {date} schreef {name} <{email}>:",
    "fr": "Le {date}, {name} <{email}> a écrit :",
    "en": "On {date}, {name} <{email}> wrote:",
}

AUTO_REPLY = {
    "nl": (
        ["Automatisch antwoord: {subject}", "Afwezig: {subject}", "Out of Office: {subject}"],
        "Bedankt voor uw bericht. Ik ben afwezig tot en met {date} en heb geen toegang tot "
        "mijn mailbox. Voor dringende vragen kan u terecht bij mijn collega {colleague}.",
    ),
    "fr": (
        ["Réponse automatique : {subject}", "Absence du bureau : {subject}"],
        "Merci pour votre message. Je suis absent(e) jusqu'au {date} inclus. Pour toute "
        "question urgente, veuillez contacter {colleague}.",
    ),
    "en": (
        ["Automatic reply: {subject}", "Out of Office: {subject}"],
        "Thank you for your message. I am out of the office until {date} with limited access "
        "to e-mail. For urgent matters please contact {colleague}.",
    ),
}

ACK_SUBJECTS = {
    "nl": "Ontvangstbevestiging van uw aanvraag",
    "fr": "Accusé de réception de votre demande",
    "en": "We received your request",
}

NEWSLETTER = {
    "nl": (
        ["Nieuwsbrief {month}: nieuwe onderhoudsformules", "Uitnodiging: vakbeurs {city}",
         "Tips voor uw {machine}"],
        "Ontdek onze nieuwe onderhoudsformules, een uitnodiging voor de vakbeurs in {city} en "
        "praktische tips om uw {machine} langer te laten meegaan.",
    ),
    "fr": (
        ["Newsletter {month} : nos nouvelles formules", "Invitation : salon de {city}",
         "Conseils pour votre {machine}"],
        "Découvrez nos nouvelles formules de maintenance, notre invitation au salon de {city} "
        "et quelques conseils pour prolonger la vie de votre {machine}.",
    ),
    "en": (
        ["{month} newsletter: new service plans", "Invitation: trade fair {city}",
         "Tips for your {machine}"],
        "Discover our new service plans, an invitation to the trade fair in {city} and tips "
        "to keep your {machine} running longer.",
    ),
}

ATTACHMENT_NAMES = {
    "destruction": {
        "nl": ["vernietigingsverklaring.pdf", "verklaring-vernietiging.docx"],
        "fr": ["attestation-de-destruction.pdf", "attestation_destruction.docx"],
        "en": ["certificate-of-destruction.pdf", "destruction-certificate.docx"],
    },
    "other": {
        "nl": ["scan_001.pdf", "offerte-aanvraag.docx", "foutmelding.pdf", "brief.pdf"],
        "fr": ["scan_001.pdf", "demande.docx", "courrier.pdf", "bon-de-commande.pdf"],
        "en": ["scan_001.pdf", "request.docx", "letter.pdf", "purchase-order.pdf"],
    },
}

ATTACHMENT_TEXT = {
    "destruction": {
        "nl": "Verklaring van vernietiging. Ondergetekende verklaart dat alle kopieën van de "
        "software onder contract {number} vernietigd werden op {date}.",
        "fr": "Attestation de destruction. Le soussigné certifie que toutes les copies du "
        "logiciel sous contrat {number} ont été détruites le {date}.",
        "en": "Certificate of destruction. The undersigned certifies that all copies of the "
        "software under contract {number} were destroyed on {date}.",
    },
    "other": {
        "nl": "Betreft: contract {number}. In bijlage de gevraagde gegevens van {company}.",
        "fr": "Objet : contrat {number}. Veuillez trouver les informations de {company}.",
        "en": "Re: contract {number}. Please find the details for {company} enclosed.",
    },
}
