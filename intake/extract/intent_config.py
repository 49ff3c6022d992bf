"""The word lists of the intent stage and of the contract roles, as data a supervisor can edit
(`extraction.intent` in `config/routing.yaml`).

Every entry is an RE2 pattern matched on folded text: lower case, accents stripped, apostrophes
straight (`Résiliation d’un contrat` is read as `resiliation d'un contrat`), one sentence at a
time. `intake.extract.intent` and `intake.extract.roles` compile a config once and reuse it.
"""

from __future__ import annotations

import re2
from pydantic import BaseModel, ConfigDict, Field, field_validator

_W = r"(?:\w+\s+)"  # one word and its space, for "up to n words in between"
_CONTRACT = (  # not a visit: "de onderhoudsbeurt annuleren"
    r"(?:contra\w*|licen\w*|onderhoud(?:s?contract\w*|sovereenkomst\w*|en)?\b|maintenance|"
    r"abonnement\w*|subscription\w*|agreement\w*|overeenkomst\w*|avenant\w*|addendum\w*)"
)


def _patterns(*items: str) -> list[str]:
    return list(items)


class IntentConfig(BaseModel):
    """Cues for what a mail asks (`intake.extract.intent`) and for the role of each contract
    number in it (`intake.extract.roles`)."""

    model_config = ConfigDict(extra="forbid")

    max_chars: int = Field(
        default=10_000,
        ge=500,
        le=200_000,
        description="the intent stage and the contract roles read at most this many characters "
        "of each part (the new text, the forwarded request, the quoted history): what a mail "
        "asks is said near its start",
    )
    cancel: list[str] = Field(
        default_factory=lambda: _patterns(
            # nl
            r"\bopzeg\w*",
            r"\bop te zeggen\b",
            r"\bopgezegd\b",
            r"\bzeg(?:gen|t)?\b[^?!\n]{0,120}\bop\b\s*(?:[,.;:]|met\b|tegen\b|per\b|vanaf\b|"
            r"omdat\b|want\b|wegens\b|om\b|en\b|maar\b|zodat\b|aangezien\b|$)",
            r"\bstop te zetten\b",
            r"\bstopgezet\b",
            r"\bstopzet\w*",
            r"\bbeeindig\w*",
            r"\bontbind\w*",
            r"\blaten vervallen\b",
            # fr
            r"\bresili\w*",
            r"\bmettre fin\b",
            r"\bmettons fin\b",
            r"\bmettre un terme\b",
            r"\bfin (?:de la licence|du contrat)\b",
            r"\bdenonc\w*",
            r"\brupture du contrat\b",
            # en
            r"\bcancel\w*",
            r"\bterminat\w*",
            r"\bdiscontinu\w*",
            r"\bgive notice\b",
            # weaker verbs next to a contract word, before or after it
            r"(?:^|[\s(])(?:annul\w*|arret\w*|clotur\w*|stop|stoppen|end|resign\w*|withdraw)\s+"
            + _W
            + r"{0,3}"
            + _CONTRACT,
            _CONTRACT + r"[^.;?!\n]{0,60}\b(?:annul\w*|stoppen|stopzetten|arreter|(?:laten|doen) "
            r"(?:be)?eindigen|(?:stop|end|cancel|terminate) (?:it|them))\b",
        ),
        description="a cancellation asked for, when nothing negates, conditions or questions it",
    )
    not_renew: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:ne|n')\s?"
            + _W
            + r"{0,2}(?:pas|plus)\s+"
            + _W
            + r"?(?:renouveler|prolonger|reconduire)\b",
            r"\bnot\s+" + _W + r"{0,3}(?:renew|extend|prolong)\w*",
            r"\b(?:niet|nie)\s+(?:meer\s+)?(?:te\s+)?(?:verlengen|hernieuwen)\b",
        ),
        description="a cancellation said as not renewing: it carries its own negation",
    )
    retraction: list[str] = Field(
        default_factory=lambda: _patterns(
            # nl
            r"\b(?:vergeet|negeer)\s+"
            + _W
            + r"{0,2}(?:vorige|eerdere|laatste|vorig|vroegere)\s+"
            + _W
            + r"?(?:mail|e-?mail|bericht|vraag|aanvraag|opzeg\w*|brief)",
            r"\btrek\w*\s+"
            + _W
            + r"{0,4}(?:opzeg\w*|aanvraag|verzoek|vraag)\w*\s+"
            + _W
            + r"{0,4}in\b",
            r"\b(?:opzeg\w*|aanvraag|verzoek)\s+" + _W + r"{0,3}in\s?(?:te\s+)?trekken\b",
            r"\bintrekk\w*",
            r"\btoch\s+"
            + _W
            + r"{0,2}(?:niet|nie|geen)\s+"
            + _W
            + r"{0,3}(?:opzeg\w*|op te zeggen|stop\w*|beeindig\w*)",
            r"\b(?:houden|behouden|aanhouden|bewaren)\s+" + _W + r"{0,4}(?:toch|alsnog)\b",
            r"\b(?:toch|alsnog)\s+"
            + _W
            + r"{0,4}(?:houden|behouden|aanhouden|verder ?zetten|laten (?:door)?lopen)\b",
            r"\bzien\s+" + _W + r"{0,3}af van\b",
            r"\b(?:vergeet|negeer)\s+(?:mijn|onze|ons|de|het)\s+"
            + _W
            + r"{0,2}(?:opzeg\w*|aanvraag|mail|e-?mail|bericht|brief)",
            r"\b(?:vorige?|eerdere?)\s+(?:mail|e-?mail|bericht|aanvraag|brief)\b[^.;?!]{0,60}\b"
            r"(?:onbestaande|nietig|vergeten|negeren|niet verzonden)",
            r"\b(?:gaan|doen|zetten)\s+" + _W + r"{0,2}toch\s+" + _W + r"{0,2}(?:verder|door)\b",
            r"\bkomen\s+"
            + _W
            + r"{0,2}terug op\s+(?:onze|ons|mijn|die|deze)\s+(?:beslissing|besluit)",
            r"\bzeg\w*\s+" + _W + r"{0,4}toch\s+(?:niet|nie)\s+op\b",
            r"\bannuleer\w*\s+" + _W + r"{0,3}(?:opzeg\w*|aanvraag)",
            # fr
            r"\b(?:oubliez|ignorez|ne tenez pas compte de)\s+(?:mon|notre|ma|le|la|nos|mes)\s+"
            + _W
            + r"?(?:precedent\w*|dernier\w*|anterieur\w*|mail|e-?mail|message|courriel|"
            r"demande|courrier)",
            r"\bannul\w*\s+" + _W + r"{0,3}(?:demande|preavis|lettre|avis)\s+de\s+resiliation",
            r"\bretir\w*\s+" + _W + r"{0,3}(?:demande|resiliation|preavis)",
            r"\b(?:gardons|garderons|conservons|maintenons|garder|conserver|maintenir)\s+"
            + _W
            + r"{0,4}(?:finalement|quand meme|tout de meme|malgre tout)\b",
            r"\b(?:finalement|quand meme|tout de meme|en fin de compte)\s+"
            + _W
            + r"{0,4}(?:garder|gardons|conserver|conservons|maintenir|maintenons|continuer|"
            r"continuons)\b",
            r"\brenon\w*\s+a\s+" + _W + r"{0,2}resiliation",
            r"\b(?:oubliez|ignorez)\s+(?:mon|notre|ma|le|la|nos)\s+"
            + _W
            + r"{0,2}(?:demande|preavis|lettre|resiliation|message|mail|courriel)",
            r"\b(?:revenons|reviens|revenir)\s+sur\s+(?:notre|ma|mon|cette)\s+decision\b",
            r"\b(?:contrat|licence|abonnement)\s+" + _W + r"{0,3}(?:est|reste)\s+maintenu\w*",
            r"\b(?:ne|n')\s?" + _W + r"{0,2}plus\s+" + _W + r"{0,2}resilier\b",
            # en
            r"\b(?:forget|ignore|disregard)\s+"
            + _W
            + r"{0,2}(?:previous|earlier|last|first|prior)\s+"
            + _W
            + r"?(?:mail|e-?mail|message|request|letter|notice)",
            r"\bwithdraw\w*\s+" + _W + r"{0,3}(?:cancellation|termination|request|notice)",
            r"\b(?:cancel|retract|revoke|rescind)\w*\s+"
            + _W
            + r"{0,3}(?:cancellation|termination)\s+(?:request|notice)",
            r"\b(?:keep|retain|continue)\w*\s+" + _W + r"{0,4}(?:after all|anyway|as it is)\b",
            r"\bafter all\b[^.;?!]{0,40}\b(?:keep|retain|continue|stay)",
            r"\bno longer\s+(?:want|wish|need|plan|intend)\w*\s+to\s+(?:cancel|terminate|end)",
            r"\bchanged\s+" + _W + r"?minds?\b",
            r"\b(?:forget|ignore|disregard)\s+(?:my|our|the)\s+"
            + _W
            + r"{0,2}(?:cancellation|termination|notice|request|mail|e-?mail|message|letter)\b",
            r"\b(?:decided|decide|want|wish) to (?:stay|remain|continue) with you\b",
            r"\breversed?\s+(?:our|my|the)\s+decision\b",
            r"\b(?:cancellation|termination)\s+(?:is\s+)?(?:no longer|not)\s+(?:needed|necessary|"
            r"required)",
            r"\bplease\s+(?:do not|don't)\s+(?:process|proceed with|action)\b",
        ),
        description="the author takes back an earlier request ('vergeet mijn vorige mail', "
        "'nous gardons finalement le contrat', 'we withdraw our cancellation')",
    )
    negation: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\bniet\b",
            r"\bnie\b",
            r"\bgeen\b",
            r"\bnooit\b",
            # French "ne ... pas" before the word ("nous ne voulons pas résilier"); a lone "ne" is
            # Flemish for "een" ("ne opzegging")
            r"\b(?:ne|n')\s?(?:\w+\s+){0,2}(?:pas|plus|jamais|rien|point|guere|nullement)\b",
            r"\bjamais\b",
            r"\bnullement\b",
            r"\baucun\w*",
            r"\bpas question\b",
            r"\bhors de question\b",
            r"\bnot\b",
            r"n't\b",
            r"\bnever\b",
            r"\bno (?:intention|plans?|need|reason|wish|desire)\b",
            r"\bin no way\b",
        ),
        description="in the words just before a cancellation word (same clause), or inside a "
        "Dutch 'zeggen ... op': the cancellation is negated",
    )
    negation_after: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\bniet\b",
            r"\bnie\b",
            r"\bgeen\b",
            r"\bnot\b",
            r"n't\b",
            r"\b(?:ne|n')\s?(?:\w+\s+)?(?:pas|plus|jamais|rien|point)\b",  # "n'est pas nécessaire"
        ),
        description="in the few words right after a cancellation word (same clause, before "
        "'dat', 'omdat', 'which', 'qui', ...): 'wij beëindigen het contract niet', 'opzeggen is "
        "niet nodig', 'la résiliation n'est pas nécessaire'",
    )
    negation_split_before: list[str] = Field(
        default_factory=lambda: _patterns(r"\b(?:ne|n')\s?\w*$"),
        description="with `negation_split_after`: a negation around the word, French 'ne "
        "résilions pas' (matched on the two words before it)",
    )
    negation_split_after: list[str] = Field(
        default_factory=lambda: _patterns(r"^(?:\w+\s+)?(?:pas|plus|jamais|point|nullement)\b"),
        description="the second half of a negation around the word (the three words after it)",
    )
    negation_window: int = Field(default=6, ge=1, le=20, description="words before a cue")
    negation_after_window: int = Field(default=4, ge=0, le=10, description="words after a cue")
    clause_breaks: list[str] = Field(
        default_factory=lambda: _patterns(
            r"[,;:()]",
            r"\s-\s",
            r"\b(?:maar|mais|but|dus|donc|so|daarom|therefore|car|because|omdat|parce que|"
            r"puisque|since|terwijl|whereas|while|alors que|tandis que|aangezien)\b",
            r"\b(?:and|en|et)\s+(?:we|wij|ik|i|nous|je|would|zouden|wil\w*|wens\w*|souhait\w*|"
            r"voudr\w*|please|gelieve|merci|graag)\b",
        ),
        description="where a clause ends: a negation does not reach past it",
    )
    subordinators: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:dat|die|omdat|wat|waar|waarop|zodat|sinds|which|that|because|who|as|"
            r"since|qui|que|qu'|dont|comme|vu que)\b"
        ),
        description="a negation after a cancellation word but past one of these belongs to "
        "another clause ('het contract dat niet meer nodig is')",
    )
    hypothetical: list[str] = Field(
        default_factory=lambda: _patterns(
            # nl
            r"\bals\s+(?:de|het|we|wij|jullie|u|ze|zij|die|dat|er|ik|uw|onze|ons|deze|dit|je|"
            r"men)\b",
            r"\bindien\b",
            r"\bmocht(?:en)?\b",
            r"\bin (?:het )?geval\b",
            r"\btenzij\b",
            r"\beventueel\b",
            r"\bmisschien\b",
            r"\bmogelijk(?:erwijze)?\b",
            r"\bwellicht\b",
            r"\boverweg\w*",
            r"\bdenken\s+" + _W + r"{0,2}(?:na|aan)\b",
            r"\bnadenken\b",
            r"\bzou(?:den)? (?:kunnen|moeten)\b",
            r"\bwat als\b",
            r"\bstel dat\b",
            # fr
            r"\bsi\s+(?:le|la|les|l'|vous|nous|on|il|elle|ils|elles|votre|notre|nos|vos|ce|cela|"
            r"ca|un|une|des|jamais|rien|aucun)\b",
            r"\bs'ils?\b",
            r"\bau cas ou\b",
            r"\ben cas de\b",
            r"\ba moins que\b",
            r"\beventuellement\b",
            r"\bpeut-etre\b",
            r"\benvisag\w*",
            r"\breflechi\w*",
            r"\bpourri(?:ons|ent)\b",  # not "pourriez-vous": a polite request
            r"\bpourrait\b",
            r"\bil se peut\b",
            r"\bsupposons\b",
            # en
            r"\bif\b",
            r"\bunless\b",
            r"\bin case\b",
            r"\bin the event\b",
            r"\bmight\b",
            r"\b(?:we|i|they)\s+(?:may|could)\b",
            r"\bperhaps\b",
            r"\bmaybe\b",
            r"\bpossibly\b",
            r"\bpotentially\b",
            r"\bconsider(?:ing|s|ed)?\b",
            r"\bthinking (?:about|of)\b",
            r"\bsuppose\b",
            r"\bwhether\b",
            r"^should\b",  # "Should the price increase, ..."
            r"\bwould have to\b",
            r"\bdevri(?:ons|ez|ait)\b",
        ),
        description="a sentence with one of these puts a cancellation under a condition or "
        "a doubt ('mocht de prijs stijgen, dan zouden we opzeggen', 'au cas où', 'if the price "
        "rises we might cancel'): it is not asked",
    )
    neutral: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:si|if|indien|als|zo|waar)\s+(?:possible|possibles|mogelijk|nodig|necessaire|"
            r"needed|necessary|required|besoin|applicable|van toepassing|any|so)\b",
            r"\b(?:zo|as|aussi|le plus)\s+(?:snel|spoedig|soon|vite|tot|rapidement)\s+"
            r"(?:als\s+|as\s+|que\s+)?(?:mogelijk|possible)\b",
            r"\bdes que possible\b",
            r"\bif (?:that|this|it)(?: is|'s| were) (?:possible|ok|okay|feasible)\b",
            r"\bsi (?:c'est|cela est|ca est) possible\b",
            r"\b(?:als|indien|wanneer) (?:dat|het) (?:kan|lukt|mogelijk is)\b",
            r"\bau plus (?:vite|tot)\b",
            r"\b(?:confirm|know|see|check|tell|ask|wonder|verify|advise|inform)\w*\s+"
            + _W
            + r"{0,2}(?:if|whether)\b",
            r"\b(?:confirmer|savoir|verifier|dire|indiquer|preciser)\w*\s+" + _W + r"{0,2}si\b",
            r"\b(?:weten|bevestigen|nakijken|controleren)\s+" + _W + r"{0,2}(?:als|of)\b",
            r"\bmocht u (?:nog )?(?:vragen|meer)\b",
            r"\bif you (?:have|need) (?:any|more|further)\b",
            r"\bsi vous (?:avez|souhaitez)\b",
        ),
        description="set phrases removed before looking for a condition: 'si possible', "
        "'zo snel mogelijk', 'please confirm if ...' are not conditions",
    )
    possibility: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:kan|kunnen|mag|mogen|moet|moeten)\s+(?:ik|wij|we|men|je)\b",
            r"\b(?:is|zou)\s+het\s+mogelijk\b",
            r"\bhoe\s+(?:kan|kunnen|moet|moeten|mag|mogen|ik|wij|we|men)\b",
            r"\bof\s+(?:ik|wij|we)\s+" + _W + r"{0,4}(?:kan|kunnen|mag|mogen)\b",
            r"\b(?:je|nous|on)\s+(?:peux|pouvons|peut|pourrions|dois|devons)\b",
            r"\b(?:puis-je|pouvons-nous|peut-on|dois-je|devons-nous)\b",
            r"\best-(?:il|ce) possible\b",
            r"\bcomment\s+(?:puis|pouvons|peut|dois|devons|faire|proceder|resilier)",
            r"\ba-t-on le droit\b",
            r"\b(?:ai-je|avons-nous) le droit\b",
            r"\b(?:can|could|may|should|must)\s+(?:i|we)\b",
            r"\bis it possible\b",
            r"\b(?:are we|am i)\s+(?:able|allowed)\b",
            r"\bhow (?:can|could|do|should|must|may|to) (?:i|we|cancel|terminate|end)\b",
            r"\bdo (?:i|we) (?:have|need) to\b",
            r"\bwhat (?:happens|would happen)\b",
        ),
        description="a question whether or how the sender can cancel: a cancellation word in "
        "it is not a request ('kan ik mijn contract opzeggen?', 'can we cancel before ...?')",
    )
    request_forms: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:kunnen|kunt|kan|kunde|zou|zouden|wil|wilt|willen)\s+(?:jullie|u|gij|ge)\b",
            r"\b(?:kunde|kunde gij|wilde)\b",  # Flemish: "kunt ge", "wilt ge"
            r"\b(?:pouvez|pourriez|voulez|voudriez)(?:-|\s)?vous\b",
            r"\b(?:can|could|would|will)\s+you\b",
            r"\bmerci de\b",
            r"\bgelieve\b",
            r"\bplease\b",
            r"\bveuillez\b",
        ),
        description="a question to the desk that asks it to act ('kunnen jullie ... "
        "stopzetten?', 'could you cancel ...?'): a request, not a question",
    )
    indirect_questions: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:laten weten|meedelen|vertellen|zeggen|bevestigen|let (?:me|us) know|tell "
            r"(?:me|us)|inform (?:me|us)|indiquer|dire|preciser|confirmer|savoir)\s+"
            + _W
            + r"{0,3}(?:wat|welke|wanneer|hoe|hoeveel|what|which|when|how|quel\w*|quand|"
            r"comment|combien)\b",
        ),
        description="a request to tell something ('kunt u laten weten wat de opzegtermijn is?'):"
        " a cancellation word in it is asked about, not asked for",
    )
    copy_request: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:een|a|une|un|ne|the|nog een|another)\s+"
            + _W
            + r"?(?:kopie|copie|copy|afschrift|duplicaat|duplicata|exemplaar|duplicate|scan|pdf)\b",
            r"\b(?:renvoyer|renvoyez|resend|re-send)\b",
            r"\b(?:nog eens|opnieuw|nogmaals)\s+"
            + _W
            + r"{0,2}(?:op|door)?(?:sturen|bezorgen|mailen|zenden)\b",
            r"\b(?:transmettre|envoyer|send|bezorgen|sturen|mailen|forward)\b[^.?!]{0,40}"
            r"\b(?:signed|signe\w*|getekend\w*|ondertekend\w*)\b",
            r"\bwhat (?:we|i) (?:have )?signed\b",
            r"\bvind\w*\s+" + _W + r"{0,3}niet (?:meer )?terug\b",
            r"\b(?:can'?t|cannot|unable to)\s+(?:find|locate)\b",
            r"\bne\s+(?:le |la |les )?retrouv\w*\s+plus\b",
        ),
        description="asks for a copy of a document",
    )
    quote: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:offerte\w*|prijsofferte\w*|prijsopgave\w*|devis|cotation|quote|quotation|"
            r"pricing|offre|offer|tarif\w*)\b",
            r"\b(?:nieuwe|new|nouveau|nouvelle)\s+(?:prijs|price|prix|maandprijs)\b",
            r"\b(?:a|een|un|une)\s+(?:price|prijs|prix|prijsopgave)\b",  # not "if the price rises"
            r"\b(?:what|wat|quel)\w*\s+(?:is|are|zijn|est|sont)?\s*(?:the|de|het|le|les)\s+"
            r"(?:price|prices|prijs|prijzen|prix)\b",
            r"\bhoeveel kost\w*",
            r"\bwat (?:kost|zou\b[^.?!]{0,30}\bkosten)",
            r"\bcombien (?:coute|coutera|couterait)\b",
            r"\bhow much\b",
        ),
        description="asks for a price or a quote",
    )
    fault: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:storing\w*|defect\w*|kapot|panne|pannes|defaillan\w*|defectueu\w*|broken|"
            r"out of order|fout(?:code|melding)\w*|error\w*|erreur\w*|crash\w*|plante\w*|"
            r"plantage|bug\w*|bloqu\w*|blokkeert|vastgelopen|bourrage\w*|jam\w*|beep\w*|bips?|"
            r"piept|refus\w*|rejected|geweigerd|ongeldig|invalid|expired|expiree)\b",
            r"\bloopt\s+" + _W + r"?vast\b",
            r"\bwerkt\s+" + _W + r"{0,2}niet\b",
            r"\bstart\w*\s+" + _W + r"?niet\b",
            r"\bne\s+" + _W + r"?(?:fonctionne|marche|demarre)\w*\s+(?:plus|pas)\b",
            r"\b(?:not|stopped) working\b",
            r"\b(?:doesn'?t|does not|won'?t|will not) (?:work|start|boot)\b",
            r"\b(?:herstel\w*|repar\w*|repair\w*|technieker|technicus|technicien|technician|"
            r"engineer|interventie|intervention|langskomen|komen kijken)\b",
            r"\b(?:gedekt|dekking|covered|coverage|cover|couvert\w*|couverture)\b",
            r"\bvalt\s+" + _W + r"{0,5}onder\b",
        ),
        description="reports a fault or asks for service on what a contract covers",
    )
    question_starts: list[str] = Field(
        default_factory=lambda: _patterns(
            r"^(?:hoe|wat|welke|wanneer|waar|waarom|wie|kunnen jullie|kunt u|kan u|comment|"
            r"quel\w*|quand|pourquoi|pourriez|pouvez|est-ce|how|what|which|when|where|why|who|"
            r"could you|can you|is there|are there|do you)\b"
        ),
        description="a sentence starting so asks something even without a question mark",
    )
    pass_on: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\bzie\s+" + _W + r"{0,3}(?:hieronder|onder|beneden|onderstaande?|doorgestuurd\w*)\b",
            r"\b(?:kunnen|kunt|kan|wil|wilt|willen)\s+(?:jullie|u|je|gij|ge)\s+(?:dit|dat|deze|"
            r"hier)\b",
            r"\b(?:dit|deze vraag|deze aanvraag|onderstaande?)\s+"
            + _W
            + r"{0,3}(?:oppikken|opvolgen|behandelen|regelen|in orde brengen|verwerken|bekijken)\b",
            r"\bter info\b",
            r"\bfyi\b",
            r"\bsee\s+" + _W + r"{0,3}(?:below|underneath|forwarded)\b",
            r"\b(?:can|could|would) you (?:please )?(?:handle|process|take care of|look at|"
            r"look into|check) (?:this|that|the below|below)\b",
            r"\bplease (?:handle|process|action|take care of)\b",
            r"\bvoir\s+" + _W + r"{0,3}(?:ci-dessous|ci-apres|plus bas|dessous)\b",
            r"\b(?:pouvez|pourriez)(?:-|\s)?vous\s+"
            + _W
            + r"?(?:traiter|regarder|faire le necessaire|vous en occuper|prendre en charge)\b",
            r"\bpour (?:info|information|suite a donner)\b",
            r"\bje vous (?:transfere|transmets)\b",
        ),
        description="the author only passes on the mail below: its request is what is asked",
    )
    see_subject: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\bzie\s+(?:onderwerp|titel|subject)\b",
            r"\bsee\s+(?:the\s+)?subject\b",
            r"\b(?:voir|cf\.?)\s+(?:l')?objet\b",
        ),
        description="the author points at the subject: it counts as their own words",
    )
    reply_subjects: list[str] = Field(
        default_factory=lambda: _patterns(
            r"^\s*(?:re|aw|antw|antwoord|sv|vs|ref|rif|r|fw|fwd|tr|wg|doorst|rv)\s?:"
        ),
        description="a subject taken over from an earlier mail: it breaks a tie only when the "
        "author's own words ask nothing at all",
    )
    forward_separators: list[str] = Field(
        default_factory=lambda: _patterns(
            r"(?:forwarded message|doorgestuurd bericht|message transfere|weitergeleitete "
            r"nachricht|begin forwarded|debut du message)"
        ),
        description="the quoted history of a forward starts with one of these",
    )
    # -- contract roles ---------------------------------------------------------------------
    continues: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\bblijf\w*\s+" + _W + r"{0,3}(?:lopen|behouden|actief|bestaan|doorlopen|"
            r"ongewijzigd|gewoon|in voege|van kracht)\b",
            r"\bloop\w*\s+" + _W + r"{0,2}(?:verder|door)\b",
            r"\b(?:behouden|aanhouden|bewaren)\b",
            r"\bhouden\s+(?:we|wij)\b|\b(?:we|wij)\s+houden\b",
            r"\bniet betrokken\b",
            r"\bvalt\s+" + _W + r"{0,3}niet onder\b",
            r"\b(?:continues?|continuing|remains?|remaining|stays?)\b",
            r"\bis not (?:concerned|affected|included|part of)\b",
            r"\b(?:unaffected|not affected)\b",
            r"\b(?:keep|keeping|retain)\s+(?:the|our|this|that|contract|agreement|licen\w*|"
            r"subscription)\b",
            r"\breste\w*\s+" + _W + r"{0,2}(?:actif|active|en vigueur|inchange\w*|valable)\b",
            r"\bcontinu\w*",
            r"\bn'est pas concerne\w*",
            r"\bpas concerne\w*",
            r"\b(?:gardons|garder|maintenons|maintenir|conservons|conserver)\b",
        ),
        description="a contract number in a clause with one of these goes on: the request is "
        "not about it",
    )
    replaces: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\bvervang(?:t|en)\b",
            r"\bremplace(?:nt|ra|ront)?\b",
            r"\breplaces?\b",
            r"\bsupersedes?\b",
            r"\b(?:prend|prendra|neemt|takes|will take)\s+(?:la|de|the)\s+(?:place|plaats)\s+"
            r"(?:d(?:e|u|es|')|van|of)",
        ),
        description="'A replaces B': the number before the cue replaces (goes on), the one after "
        "it is replaced (is what ends)",
    )
    replaced_by: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\b(?:wordt|werd|is|zal)\s+" + _W + r"{0,2}vervangen\s+door\b",
            r"\best\s+" + _W + r"{0,1}remplace\w*\s+par\b",
            r"\bremplace\w*\s+par\b",
            r"\b(?:is|will be|was|being)\s+" + _W + r"{0,1}(?:replaced|superseded)\s+by\b",
            r"\breplaced by\b",
        ),
        description="'B is replaced by A': the number before the cue is replaced, the one after "
        "it replaces",
    )
    instead_of: list[str] = Field(
        default_factory=lambda: _patterns(
            r"\bin plaats van\b",
            r"\bter vervanging van\b",
            r"\binstead of\b",
            r"\bto replace\b",
            r"\bau lieu d(?:e|u|es|')",
            r"\ba la place d(?:e|u|es|')",
            r"\ben remplacement d(?:e|u|es|')",
            r"\bpour remplacer\b",
        ),
        description="'A instead of B': the number after the cue is replaced, the one before it "
        "replaces",
    )

    @field_validator(
        "cancel",
        "not_renew",
        "retraction",
        "negation",
        "negation_after",
        "negation_split_before",
        "negation_split_after",
        "clause_breaks",
        "subordinators",
        "hypothetical",
        "neutral",
        "possibility",
        "request_forms",
        "indirect_questions",
        "copy_request",
        "quote",
        "fault",
        "question_starts",
        "pass_on",
        "see_subject",
        "reply_subjects",
        "forward_separators",
        "continues",
        "replaces",
        "replaced_by",
        "instead_of",
    )
    @classmethod
    def _compile(cls, values: list[str]) -> list[str]:
        for pattern in values:
            try:
                re2.compile(pattern)
            except re2.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
        return values
