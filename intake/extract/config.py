"""What extraction looks for, as data a supervisor can edit (embedded in `config/routing.yaml`).

Every pattern is an RE2 regular expression (case-insensitive, linear time: `import re2`); a
pattern that does not compile is a validation error naming the field and the pattern. Matching
runs on text in which typographic apostrophes are straightened and non-breaking spaces are
plain spaces. `intake.extract` compiles a config once and reuses it.
"""

from __future__ import annotations

from typing import Literal

import re2
from pydantic import BaseModel, ConfigDict, Field, field_validator

from intake.extract.intent_config import IntentConfig

_WORD_LISTS_NOTE = "lower-case words, matched as whole tokens"


def _check_patterns(values: list[str]) -> list[str]:
    for pattern in values:
        try:
            re2.compile(pattern)
        except re2.error as exc:
            raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
    return values


class DateWords(BaseModel):
    """Words of the end dates written without a calendar date (`intake.extract.dates`).

    Each list holds RE2 patterns, matched as whole words, case-insensitive. Readings: an end
    word before a period ("eind volgende maand", "fin du trimestre", "end of Q2", "einde van
    het jaar") is the period's last day; a start cue before the next period ("met ingang van
    volgende maand", "à partir du mois prochain", "as of next month") is its first day; a
    duration after a "within" word ("binnen twee weken", "dans deux semaines", "in two weeks")
    counts from the mail's day. A period without either ("volgende maand opzeggen", "by next
    month", "end of next week") is ambiguous: no date, and the evidence says why.
    """

    model_config = ConfigDict(extra="forbid")

    end: list[str] = Field(
        default_factory=lambda: [r"einde?", r"eindje", r"fin", r"end"],
        description="the end of a period",
    )
    fillers: list[str] = Field(
        default_factory=lambda: [
            r"van", r"de", r"het", r"of", r"the", r"du", r"des", r"la", r"le", r"l'", r"d'",
        ],
        description="words between the end word and the period",
    )
    this: list[str] = Field(
        default_factory=lambda: [
            r"deze", r"dit", r"lopende", r"huidige?", r"ce", r"cette", r"cet", r"en cours",
            r"this", r"current",
        ],
        description="the period the mail was written in",
    )
    next: list[str] = Field(
        default_factory=lambda: [
            r"volgende?", r"komende?", r"eerstvolgende?", r"eerstkomende?", r"prochaine?",
            r"suivante?", r"next", r"coming", r"following",
        ],
        description="the period after it ('volgende maand', 'le mois prochain', 'next month')",
    )
    month: list[str] = Field(default_factory=lambda: [r"maand", r"mois", r"month"])
    quarter: list[str] = Field(default_factory=lambda: [r"kwartaal", r"trimestre", r"quarter"])
    year: list[str] = Field(
        default_factory=lambda: [r"jaar", r"ann(?:é|e)e", r"year"],
    )
    week: list[str] = Field(
        default_factory=lambda: [r"week", r"semaine", r"weekend", r"week-end"],
        description="periods too vague for a day ('eind volgende week'): dropped as ambiguous",
    )
    quarter_names: list[str] = Field(
        default_factory=lambda: [r"[qtk]\s?(?P<n>[1-4])"],
        description="a quarter by its number, in the group 'n' ('Q2', 'T3', 'K4')",
    )
    ordinals: dict[str, int] = Field(
        default_factory=lambda: {
            "eerste": 1, "1e": 1, "1ste": 1, "premier": 1, "1er": 1, "first": 1, "1st": 1,
            "tweede": 2, "2e": 2, "2de": 2, "deuxième": 2, "deuxieme": 2, "second": 2,
            "2ème": 2, "2eme": 2, "2nd": 2,
            "derde": 3, "3e": 3, "3de": 3, "troisième": 3, "troisieme": 3, "third": 3,
            "3ème": 3, "3eme": 3, "3rd": 3,
            "vierde": 4, "4e": 4, "4de": 4, "quatrième": 4, "quatrieme": 4, "fourth": 4,
            "4ème": 4, "4eme": 4, "4th": 4,
        },
        description="ordinal words before a quarter word ('tweede kwartaal', '3e trimestre')",
    )
    start_cues: list[str] = Field(
        default_factory=lambda: [
            r"met ingang van", r"ingaande", r"vanaf", r"per", r"à partir du", r"à partir de",
            r"a partir du", r"a partir de", r"à compter du", r"à compter de", r"dès",
            r"avec effet au", r"avec effet à partir du", r"as of", r"as from", r"from",
            r"starting", r"beginning", r"effective", r"effective from", r"with effect from",
        ],
        description="right before the next period, its first day is meant",
    )
    within: list[str] = Field(
        default_factory=lambda: [r"binnen", r"over", r"in", r"within", r"dans", r"d'ici"],
        description="before a duration counted from the mail's day",
    )
    days: list[str] = Field(default_factory=lambda: [r"dagen", r"dag", r"jours?", r"days?"])
    weeks: list[str] = Field(
        default_factory=lambda: [r"weken", r"week", r"semaines?", r"weeks?"],
    )
    months: list[str] = Field(default_factory=lambda: [r"maanden", r"maand", r"mois", r"months?"])
    numbers: dict[str, int] = Field(
        default_factory=lambda: {
            "een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
            "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
            "veertien": 14, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
            "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
            "quinze": 15, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4,
            "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
            "twelve": 12, "fourteen": 14, "fifteen": 15,
        },
        description="numbers written as words in a duration",
    )
    vague: list[str] = Field(
        default_factory=lambda: [
            r"een paar", r"enkele", r"quelques", r"plusieurs", r"a few", r"a couple of",
            r"several", r"some",
        ],
        description="amounts that give no day ('binnen enkele weken'): dropped as ambiguous",
    )
    termination_words: list[str] = Field(
        default_factory=lambda: [
            r"opzeg\p{L}*", r"op te zeggen", r"stopzet\p{L}*", r"stop te zetten",
            r"stop(?:pen|t)?", r"be(?:ë|e)indig\p{L}*", r"te be(?:ë|e)indigen",
            r"r(?:é|e)sili\p{L}*", r"mettre fin", r"met fin", r"arr(?:ê|e)ter", r"cancel\p{L}*",
            r"terminat\p{L}*", r"discontinu\p{L}*", r"end (?:the|our|my|this)",
            r"laten (?:vervallen|eindigen|aflopen)",
        ],
        description="a date in words counts in a sentence with one of these even without a "
        "cue right before it ('wij willen volgende maand opzeggen' is ambiguous, and says so)",
    )

    @field_validator(
        "end", "fillers", "this", "next", "month", "quarter", "year", "week", "quarter_names",
        "start_cues", "within", "days", "weeks", "months", "vague", "termination_words",
    )  # fmt: skip
    @classmethod
    def _compile(cls, values: list[str]) -> list[str]:
        return _check_patterns(values)

    @field_validator("quarter_names")
    @classmethod
    def _named_group(cls, values: list[str]) -> list[str]:
        for pattern in values:
            if "(?P<n>" not in pattern:
                raise ValueError(f"quarter name {pattern!r} needs the group (?P<n>...)")
        return values


class ExtractionConfig(BaseModel):
    """Keyword lists and patterns for `intake.extract.extract` (DOMAIN.md section 3)."""

    model_config = ConfigDict(extra="forbid")

    # -- language ---------------------------------------------------------------------------
    language_method: Literal["hybrid", "stopwords", "langid"] = "stopwords"
    default_language: Literal["nl", "fr", "en"] = "nl"
    stopwords: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "nl": [
                "de",
                "het",
                "een",
                "en",
                "van",
                "ik",
                "wij",
                "we",
                "jullie",
                "u",
                "uw",
                "ons",
                "onze",
                "is",
                "zijn",
                "niet",
                "dat",
                "die",
                "met",
                "voor",
                "op",
                "te",
                "naar",
                "graag",
                "gelieve",
                "kunnen",
                "kan",
                "wil",
                "willen",
                "wensen",
                "hebben",
                "heb",
                "ook",
                "nog",
                "maar",
                "dit",
                "deze",
                "er",
                "om",
                "bij",
                "als",
                "aan",
                "dank",
                "bedankt",
                "beste",
                "geachte",
                "hierbij",
                "groeten",
                "vriendelijke",
                "tegen",
                "wordt",
                "werd",
                "zou",
                "zouden",
                "mijn",
                "hoe",
                "vraag",
                "in",  # as Dutch as it is English
                "zie",
                "bijlage",
                "alvast",
                "hallo",
                "goedemorgen",
                "goeiemorgen",
                "goedemiddag",
                "goeiedag",
                "goedendag",
                # Flemish informal
                "ge",
                "gij",
                "da",
                "nie",
                "kunde",
            ],
            "fr": [
                "le",
                "la",
                "les",
                "un",
                "une",
                "des",
                "du",
                "et",
                "est",
                "nous",
                "vous",
                "votre",
                "vos",
                "notre",
                "nos",
                "pour",
                "dans",
                "sur",
                "avec",
                "pas",
                "ne",
                "que",
                "qui",
                "au",
                "aux",
                "par",
                "ce",
                "cette",
                "je",
                "mon",
                "ma",
                "mes",
                "il",
                "elle",
                "sont",
                "bonjour",
                "merci",
                "madame",
                "monsieur",
                "cordialement",
                "souhaitons",
                "pourriez",
                "pouvez",
                "avons",
                "être",
                "été",
                "plus",
                "fin",
                "objet",
                "de",  # as French as it is Dutch
                "veuillez",
                "salutations",
                "bien",
                # elisions: l'avenant, d'avance, qu'il, j'ai
                "l",
                "d",
                "qu",
                "j",
            ],
            "en": [
                "the",
                "a",
                "an",
                "and",
                "of",
                "to",
                "is",
                "are",
                "we",
                "you",
                "your",
                "our",
                "for",
                "in",
                "on",
                "with",
                "not",
                "that",
                "this",
                "it",
                "be",
                "have",
                "has",
                "please",
                "could",
                "would",
                "will",
                "hello",
                "dear",
                "regards",
                "thank",
                "thanks",
                "kind",
                "best",
                "i",
                "my",
                "us",
                "from",
                "as",
                "at",
                "by",
                "hereby",
            ],
        },
        description=_WORD_LISTS_NOTE,
    )

    # -- contract numbers ---------------------------------------------------------------------
    contract_keywords: list[str] = Field(
        default_factory=lambda: [
            r"\p{L}*contract(?:nummer|nr|number|no|en|s)?",
            r"\p{L}*contrat(?:s)?",
            r"overeenkomst(?:en)?",
            r"\p{L}*agreement(?:s)?",
            r"\p{L}*addendum",
            r"avenant",
            r"site(?:nummer|nr)?",
            r"\p{L}*licentie(?:nummer|nr)?",
            r"\p{L}*licen[cs]e(?:s)?",
            r"polis(?:nummer)?",
        ]
    )
    number_fillers: list[str] = Field(
        default_factory=lambda: [
            "nummer",
            "nr",
            "no",
            "n",
            "nº",
            "num",
            "number",
            "numéro",
            "numero",
            "ref",
            "id",
            "is",
            "est",
            "met",
            "with",
            "de",
            "du",
            "van",
            "het",
            "the",
            "our",
            "ons",
            "onze",
            "notre",
            "nos",
            "votre",
            "uw",
            "your",
            "site",
            "maintenance",
            "onderhoud",
            "hardware",
            "software",
            "logiciel",
            "logicielle",
            "matériel",
            "mensuelle",
            "monthly",
            "maandelijkse",
            "licence",
            "license",
            "licentie",
            "agreement",
            "contract",
            "contrat",
            "addendum",
            "passport",
            "advantage",
            "référence",
            "reference",
            "referentie",
        ],
        description=_WORD_LISTS_NOTE,
    )
    number_words: list[str] = Field(
        default_factory=lambda: [
            "nummer",
            "nr",
            "no",
            "n",
            "nº",
            "num",
            "number",
            "numéro",
            "numero",
            "ref",
            "id",
            "référence",
            "reference",
            "referentie",
        ],
        description="fillers that name what follows as a number: a number right after one (or "
        "right after the keyword, or after ':') is taken as written even when it looks like a "
        "phone number, VAT number, IBAN, date or postal code ('contractnummer 0032-4471-09'); "
        "only words that are also in number_fillers are reached",
    )
    max_fillers: int = Field(default=4, ge=0, le=10)
    min_number_length: int = Field(default=4, ge=1)
    max_number_length: int = Field(default=24, ge=4)

    # -- destruction --------------------------------------------------------------------------
    destruction_file_names: list[str] = Field(
        default_factory=lambda: [r"vernietig", r"destruct", r"destroy", r"vernieling"],
        description="patterns for an attachment's file name that say it confirms destruction",
    )
    destruction_documents: list[str] = Field(
        default_factory=lambda: [
            r"vernietigings(?:verklaring|attest|bewijs|certificaat)",
            r"(?:verklaring|attest|bewijs|certificaat) van vernietiging",
            r"(?:attestation|certificat|preuve|déclaration) de destruction",
            r"certificate of (?:destruction|deletion)",
            r"destruction (?:certificate|confirmation|statement)",
        ],
        description="names of a destruction certificate, for the body's 'attached: ...'",
    )
    attachment_cues: list[str] = Field(
        default_factory=lambda: [
            r"bijlage",
            r"bijgevoegd",
            r"bijgaand",
            r"in annex",
            r"ci-joint",
            r"ci-jointe",
            r"en annexe",
            r"pièce jointe",
            r"attached",
            r"enclosed",
            r"attachment",
        ]
    )
    certificate_words: list[str] = Field(
        default_factory=lambda: [
            r"verklaring",  # also vernietigingsverklaring
            r"attest",
            r"certificaat",
            r"\bbewijs",
            r"\bformulier",
            r"\bcertificat",
            r"\bd(?:é|e)claration",
            r"\bformulaire",
            r"\bstatement",
            r"\bforms?\b",
        ],
        description="words for a document in general: 'please find attached the signed "
        "declaration' confirms destruction only when an attachment's name or text says it is a "
        "destruction certificate; 'the certificate is not signed' keeps anything from confirming",
    )
    signature_words: list[str] = Field(
        default_factory=lambda: [
            r"\b(?:onder)?getekend",  # not inside "ongetekend"
            r"\bondertekend",
            r"\bgesigneerd",
            r"\bingevuld",
            r"\bsigned\b",
            r"\bfilled\s(?:in|out)",
            r"\bsign(?:é|e)e?s?(?:[^\p{L}]|$)",
            r"\brempli(?:e|es|s)?\b",
            r"\bcompl(?:é|e)t(?:é|e)e?s?(?:[^\p{L}]|$)",
        ],
        description="a certificate is signed or filled in; negated ('het attest is nog niet "
        "ondertekend', 'the certificate is not signed', 'pas encore signée') it confirms nothing "
        "and a negation wins over every other statement in the mail",
    )
    unsigned_cues: list[str] = Field(
        default_factory=lambda: [
            r"\bunsigned\b",
            r"\bongetekend",
            r"\bniet-ondertekend",
            r"\bnon[- ]sign(?:é|e)e?s?(?:[^\p{L}]|$)",
            r"\bblanco\b",
            r"\bblank\b",
            r"\bvierge\b",
            r"\bnot yet filled",
        ],
        description="words that say a certificate is not signed or empty ('an unsigned "
        "certificate', 'het blanco formulier'), in a sentence that names a certificate",
    )
    blank_form_fields: list[str] = Field(
        default_factory=lambda: [
            r"naam",
            r"name",
            r"nom",
            r"handtekening",
            r"signature",
            r"datum",
            r"date",
            r"ondergetekende",
            r"undersigned",
            r"soussignée?",
            r"firma",
            r"bedrijf",
            r"company",
            r"société",
        ],
        description="field labels of a form: such a field left empty ('Naam: ........', "
        "'Handtekening: ______', or in a scan two or more labels in a row with nothing after "
        "them and no values following) shows the desk's own form sent back unfilled; its "
        "statement that the copies were destroyed is the form's wording, not the customer's",
    )
    blank_form_placeholders: list[str] = Field(
        default_factory=lambda: [
            r"\[[ \t]*\p{L}[\p{L} \t._/-]+\]",  # [handtekening], [naam klant]
            r"\{\{[^{}\n]+\}\}",  # {{name}}
            r"<<[^<>\n]+>>",  # <<datum>>
            r"<\p{L}[\p{L} _-]+>",  # <naam>
        ],
        description="template placeholders: a form or statement that still holds one was not "
        "filled in (a match longer than 60 characters is not a placeholder; bounds inside the "
        "patterns would make RE2 programs too large for its DFA)",
    )
    destruction_verbs: list[str] = Field(
        default_factory=lambda: [
            r"vernietigd",
            r"verwijderd",
            r"gewist",
            r"détruite?s?",
            r"supprimée?s?",
            r"effacée?s?",
            r"destroyed",
            r"deleted",
            r"erased",
            r"wiped",
            r"removed",
            r"uninstalled",
            r"eliminated",
            r"purged",
            r"gedeïnstalleerd",
            r"gedeinstalleerd",
            r"désinstallée?s?",
            r"éliminée?s?",
            # the common d/t slip in a Dutch past participle ("we hebben alle kopies
            # verwijdert"), only after a perfect auxiliary: alone it is a present tense
            r"(?:heb|hebt|heeft|hebben|is|zijn|werd|werden)\s(?:[\p{L}'-]+\s){0,8}"
            r"(?:verwijdert|vernietigt)\b",
            # the destruction as a noun, with a verb saying it is done: "De vernietiging van
            # alle kopieën is uitgevoerd", "procédé à la destruction", "Destruction of all
            # copies was completed"
            r"(?:vernietiging|verwijdering)\s(?:[\p{L}-]+\s){0,8}(?:is|werd|werden|zijn)\s"
            r"(?:[\p{L}-]+\s)?(?:uitgevoerd|gebeurd|voltooid|afgerond|doorgevoerd)",
            r"(?:procédé|procede)\s(?:à|a)\s(?:la\s)?(?:destruction|suppression)",
            r"(?:destruction|suppression|effacement)\s(?:[\p{L}'-]+\s){0,8}"
            r"(?:a|ont|est|sont)\s(?:été\s|ete\s)?(?:effectuée?s?|réalisée?s?|terminée?s?|faite?s?)",
            r"(?:destruction|deletion|removal)\s(?:[\p{L}-]+\s){0,8}(?:was|were|has\sbeen|"
            r"have\sbeen|is)\s(?:\p{L}+\s)?(?:completed|done|carried\sout|performed|finished)",
            r"(?:completed|carried\sout|performed|finished)\s(?:the\s)?(?:destruction|deletion)",
        ],
        description="past forms only: an infinitive ('vernietigen', 'destroy') is a promise",
    )
    destruction_objects: list[str] = Field(
        default_factory=lambda: [
            r"kopie",
            r"exemplar",
            r"installatie",
            r"software",
            r"programma",
            r"copie",
            r"logiciel",
            r"exemplaire",
            r"installation",
            r"cop(?:y|ies)",
            r"instances?",
        ]
    )
    negation_cues: list[str] = Field(
        default_factory=lambda: [
            r"\bniet\b",
            r"\bgeen\b",
            r"\bnooit\b",
            r"\bnog niet\b",
            r"\bpas\b",
            r"\bjamais\b",
            r"\bpoint\b",
            r"\bnot\b",
            r"n't\b",
            r"\bnever\b",
            r"\byet to\b",
            r"\bnone\b",
            r"\bnothing\b",
            r"\bneither\b",
            r"\baucune?\b",
            r"\brien\b",
            r"\bniets\b",
            r"\bnie\b",  # Flemish for "niet"
        ],
        description="looked for in the words just before a statement",
    )
    negation_window: int = Field(default=6, ge=1, le=20, description="words before a match")
    clause_starts: list[str] = Field(
        default_factory=lambda: [
            r"[,:]\s*(?:(?:en|and|et|maar|but|mais|so|dus|donc)\s+)?"
            r"(?:we|wij|ik|i|nous|je|j'|they|zij|ze|ils|elles|he|she|hij)\b",
            r"\b(?:en|and|et|maar|but|mais)\s+(?:we|wij|ik|i|nous|je|j'|they|zij|ils|elles)\b",
        ],
        description="a new clause with its own subject: a negation before it does not reach "
        "past it ('de pc wordt niet meer gebruikt, we hebben alle kopies verwijderd')",
    )
    promise_cues: list[str] = Field(
        default_factory=lambda: [
            r"\bzullen\b",
            r"\bzal\b",
            r"\bgaan\b",
            r"\bzodra\b",
            r"\bmoeten\b",
            r"\bmoet\b",
            r"\bindien\b",
            r"\bwanneer\b",
            r"\ballons\b",
            r"\bvont\b",
            r"\bsera\b",
            r"\bseront\b",
            r"\bserons\b",
            r"\bdès que\b",
            r"\bfaut-il\b",
            r"\bdevons\b",
            r"\bdoit\b",
            r"\bdoivent\b",
            r"\blorsque\b",
            r"\bdétruirons\b",
            r"\bwill\b",
            r"\bshall\b",
            r"\bgoing to\b",
            r"\bonce\b",
            r"\bas soon as\b",
            r"\bmust\b",
            r"\bneed to\b",
            r"\bshould\b",
            r"\bwould\b",
            # a present passive or a condition that puts the act in the future: "De kopieën
            # worden volgende week verwijderd", "copies are to be deleted after your confirmation"
            r"\bworden\b",
            r"\b(?:is|are)\s+to\s+be\b",
            r"\b(?:volgende|komende)\s+(?:week|maand)\b",
            r"\b(?:next|coming)\s+(?:week|month)\b",
            r"\b(?:semaine|mois)\s+prochaine?\b",
            r"\b(?:morgen|demain|tomorrow)\b",
            r"\bafter\s+(?:your|receiving|receipt)\b",
            r"\bna\s+(?:ontvangst|uw|jullie)\b",
            r"\baprès\s+(?:réception|reception|votre)\b",
            r"\bdès\s+(?:réception|reception)\b",
            # a condition: "not valid unless signed", "tenzij ondertekend"
            r"\bunless\b",
            r"\btenzij\b",
            r"\bsauf si\b",
            r"\bà moins\b",
        ],
        description="a sentence with one of these states an intention, not a fact",
    )
    disclaimer_cues: list[str] = Field(
        default_factory=lambda: [
            r"par erreur",
            r"in error",
            r"by mistake",
            r"verkeerdelijk",
            r"per vergissing",
            r"intended recipient",
            r"destinataire",
            r"geadresseerde",
            r"bestemmeling",
            r"confidenti",
            r"vertrouwelijk",
        ],
        description="a sentence with one of these is a mail disclaimer, never a confirmation",
    )

    # -- other facts --------------------------------------------------------------------------
    out_of_use: list[str] = Field(
        default_factory=lambda: [
            r"niet? (?:meer|langer) in gebruik",  # "nie" is Flemish for "niet"
            r"buiten gebruik",
            r"buiten dienst",
            r"uit dienst (?:genomen|gesteld)",
            r"niet? (?:meer|langer) gebruikt",
            r"ontmanteld",
            r"afgedankt",
            r"plus utilisée?s?",
            r"plus en (?:service|usage|fonction)",
            r"hors service",
            r"hors d'usage",
            r"désaffectée?s?",
            r"mise? au rebut",
            r"no longer (?:in use|used|in service|operational)",
            r"not (?:in use|used) any ?more",
            r"out of use",
            r"decommissioned",
            r"out of service",
            r"scrapped",
        ]
    )
    breach: list[str] = Field(
        default_factory=lambda: [
            r"niet nagekomen",
            r"verplichtingen niet",
            r"niet (?:\p{L}+ ){0,3}nagekomen",
            r"wanprestatie",
            r"tekortkoming",
            r"tekortgeschoten",
            r"in gebreke",
            r"manquement",
            r"ne respecte\p{L}* (?:\p{L}+ ){0,2}pas",
            r"n'a pas respecté",
            r"n'ont pas respecté",
            r"non-respect",
            r"inexécution",
            r"breach",
            r"failed to (?:meet|fulfil|fulfill|honou?r|comply)",
            r"did not (?:meet|fulfil|fulfill|honou?r)",
            r"non-performance",
            r"niet (?:\p{L}+ ){0,3}(?:gerespecteerd|nageleefd|gehonoreerd)",
            r"ne (?:\p{L}+ ){0,2}(?:pas|jamais) (?:été )?(?:respectée?s?|honorée?s?)",
            r"n'\p{L}+ (?:\p{L}+ )?(?:pas|jamais) (?:été )?(?:respectée?s?|honorée?s?)",
            r"non (?:respectée?s?|honorée?s?)",
            # "faute d'avoir honoré vos engagements", "faute de respecter vos obligations"
            r"faute (?:\p{L}+ ){0,2}d'avoir (?:\p{L}+ )?(?:respecté|honoré)",
            r"faute (?:\p{L}+ ){0,2}de (?:respecter|honorer)",
            r"not (?:been )?(?:respected|honou?red|complied with|fulfill?ed)",
        ]
    )
    end_date_cues: list[str] = Field(
        default_factory=lambda: [
            r"met ingang van",
            r"ingaande",
            r"per",
            r"tegen",
            r"vanaf",
            r"einde",
            r"eind",
            r"einddatum",
            r"op datum van",
            r"à partir du",
            r"à partir de",
            r"à compter du",
            r"à dater du",
            r"avec effet au",
            r"avec effet le",
            r"avec effet à",
            r"au",
            r"dès le",
            r"fin",
            r"date de fin",
            r"effective",
            r"effective from",
            r"effective as of",
            r"effective on",
            r"as of",
            r"as from",
            r"with effect from",
            r"end of",
            r"ending",
            r"terminate on",
            r"from",
            r"by",
            r"pour",  # "dénonçons le contrat pour le 28 février 2027"
            r"au-del(?:à|a)",  # "ne pas prolonger au-delà du 31 mars 2027"
            r"beyond",
            r"(?:take|takes|taking|to take) effect",
            r"d'ici",
            r"until",  # "please stop the licence until 15/01/2027" (non-native English)
            r"till",
            r"jusqu'(?:au|à|a)",
            r"(?:l'|d')?(?:é|e)ch(?:é|e)ance",  # "à l'échéance du 30/09/2026"
            r"tot en met",
            r"à la",  # "à la fin du mois de juin 2026"
            r"at the",  # "at the end of June 2026"
            # an end verb, then "on"/"op"/"le" and the date: "laten eindigen op 31 december"
            r"(?:eindig|beëindig|beeindig)\w*",
            r"stop(?:pen|t|s)?",
            r"stopzetten",
            r"opzeg\w*",
            r"op te zeggen",
            r"ends?",
            r"cancel\w*",
            r"terminat\w*",
            r"r(?:é|e)silie\w*",
            r"r(?:é|e)silier",
        ],
        description="a date right after one of these is the requested end date",
    )
    date_words: DateWords = Field(
        default_factory=DateWords,
        description="end dates in words: relative periods, quarters, durations",
    )
    forward_subjects: list[str] = Field(
        default_factory=lambda: [r"^\s*(?:fw|fwd|tr|wg|doorst|rv)\s?:"],
        description="a subject that says the mail passes on another one: when the sender's "
        "own words name no end date, the forwarded request's date is the requested end date",
    )
    absence_cues: list[str] = Field(
        default_factory=lambda: [
            r"\babsente?s?\b",
            r"\bafwezig",
            r"\baway\b",
            r"\bout of (?:the )?office\b",
            r"\bon (?:holiday|holidays|leave|vacation)\b",
            r"\ben (?:congé|conge|vacances)\b",
            r"\bmet (?:verlof|vakantie)\b",
            r"\bverlof\b",
        ],
        description="a date in a sentence saying someone is away is not an end date ('je suis "
        "absente jusqu'au 21 août', 'I am on holiday until 3 March'); a business closing is "
        "not listed: 'we sluiten de zaak per 31/12' names the end date",
    )
    kind_hints: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "passport_advantage": [r"passport\s+advantage"],
            "monthly_license": [
                r"maandelijkse\s+licentie",
                r"maandlicentie",
                r"licences?\s+mensuelles?",
                r"monthly\s+licen[cs]e",
                r"abonnement\s+mensuel",
                r"maandabonnement",
            ],
            "maintenance": [
                r"onderhoudscontract",
                r"onderhoudsovereenkomst",
                r"contrats?\s+de\s+maintenance",
                r"maintenance\s+(?:contract|agreement)",
            ],
            "maintenance_addendum": [r"addendum", r"avenant"],
        }
    )
    intent: IntentConfig = Field(
        default_factory=IntentConfig,
        description="what a mail asks and the role of each contract number in it "
        "(`intake.extract.intent`, `intake.extract.roles`)",
    )
    max_text_chars: int = Field(
        default=100_000, ge=1000, description="longer text views are cut before matching"
    )

    @field_validator(
        "contract_keywords",
        "destruction_file_names",
        "destruction_documents",
        "attachment_cues",
        "certificate_words",
        "signature_words",
        "unsigned_cues",
        "blank_form_fields",
        "blank_form_placeholders",
        "destruction_verbs",
        "destruction_objects",
        "negation_cues",
        "clause_starts",
        "promise_cues",
        "disclaimer_cues",
        "out_of_use",
        "breach",
        "end_date_cues",
        "absence_cues",
        "forward_subjects",
    )
    @classmethod
    def _compile(cls, values: list[str]) -> list[str]:
        return _check_patterns(values)

    @field_validator("kind_hints")
    @classmethod
    def _compile_hints(cls, values: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in values.values():
            _check_patterns(patterns)
        return values


DEFAULT = ExtractionConfig()
