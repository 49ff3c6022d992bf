"""The intent stage and the contract roles sentence by sentence: what must be read as asked,
the look-alikes that must not, and every setting of `extraction.intent` with the change it
makes."""

from __future__ import annotations

from typing import Any

import pytest

from intake.extract.intent import cues, detect_intent
from intake.extract.intent_config import IntentConfig
from intake.extract.roles import contract_roles
from intake.extract.sentences import fold, number_spans, sentences
from intake.model import Intent, MailText


def intent(body: str, subject: str = "", quoted: str = "", **settings: Any) -> Intent:
    full = body + ("\n\n" + quoted if quoted else "")
    text = MailText(subject=subject, new_text=body, full_text=full, signature="", quoted=quoted)
    return detect_intent(text, IntentConfig(**settings))[0]


def roles(body: str, numbers: tuple[str, ...], **settings: Any) -> dict[str, str | None]:
    found = contract_roles([("body", body)], numbers, cues(IntentConfig(**settings)))
    return {str(e.value): e.role for e in found}


def test_fold_keeps_positions_and_sentences_keep_abbreviations_together() -> None:
    text = "Résiliation d’un CONTRAT Œuvre straße"
    assert len(fold(text)) == len(text)
    assert fold(text).startswith("resiliation d'un contrat")
    found = [
        s.words
        for s in sentences("Het valt onder contractnr. gc2020 0558 en\nloopt nog. Dank u!\n\nGroet")
    ]
    assert found == ["Het valt onder contractnr. gc2020 0558 en loopt nog.", "Dank u!", "Groet"]
    assert number_spans("contract HW-4100-01, niet XHW410001", ["HW410001"]) == [
        ("HW410001", 9, 19)
    ]


@pytest.mark.parametrize(
    ("body", "act", "clear"),
    [
        # asked, in many forms
        ("Wij zeggen het onderhoudscontract op met ingang van 1 juli.", "cancel", True),
        ("Kunde da stopzetten vanaf 1 januari 2027?", "cancel", True),  # a request to the desk
        ("Could you confirm the termination date in writing?", "cancel", True),
        ("Merci de résilier le contrat, si possible au 31/12.", "cancel", True),
        ("Please cancel contract X if that's possible by the end of June.", "cancel", True),
        ("Kunnen jullie het contract opzeggen als dat kan per 1 juli?", "cancel", True),
        ("Please cancel the licence and let me know if anything else is needed.", "cancel", True),
        ("We no longer need our licence and would like to stop it.", "cancel", True),
        ("Please cancel our licence as we no longer use it.", "cancel", True),
        ("Wij zeggen het contract op omdat het niet meer nodig is.", "cancel", True),
        ("Graag hadden we onze licentie laten vervallen.", "cancel", True),
        ("Nous ne souhaitons pas prolonger le contrat au-delà du 31 mars.", "cancel", True),
        ("Ik stuur ne opzegging voor ons contract.", "cancel", True),  # Flemish "ne" = "een"
        ("Wij beëindigen het contract pas in juni.", "cancel", True),  # Dutch "pas" = "only"
        # negated
        ("Pas question de résilier le contrat.", "none", False),
        ("We are certainly not cancelling the contract.", "none", False),
        ("Geen opzegging van het contract.", "none", False),
        ("Wij beëindigen het contract niet.", "none", False),
        ("Wij zeggen het contract niet op.", "none", False),
        ("Opzeggen is niet nodig.", "none", False),
        ("La résiliation n'est pas nécessaire.", "none", False),
        ("Nous ne résilions pas le contrat.", "none", False),
        # hypothetical
        ("Mocht de prijs stijgen, dan zouden we opzeggen.", "none", False),
        ("Als de prijs stijgt, zeggen we het contract op.", "none", False),
        ("Au cas où le prix augmente, nous résilierons.", "none", False),
        ("If the price rises we might cancel.", "none", False),
        ("We overwegen om het contract op te zeggen.", "none", False),
        # asked about, not asked for
        ("Kan ik mijn contract opzeggen?", "cancel", False),
        ("Est-il possible de résilier avant l'été ?", "cancel", False),
        ("How can we terminate the agreement?", "cancel", False),
        ("Wat is de opzegtermijn van ons contract?", "cancel", False),
        # takes a request back
        ("Vergeet mijn vorige mail, we houden het contract toch.", "retraction", False),
        ("Merci d'annuler notre demande de résiliation.", "retraction", False),
        ("We have changed our minds and keep the contract.", "retraction", False),
        ("Wij zeggen het contract toch niet op.", "retraction", False),
        # other acts and look-alikes
        ("Kunt u de onderhoudsbeurt van morgen annuleren?", "question", False),
        ("Graag een kopie van ons contract.", "copy", False),
        ("If you could send us a quote for 2027, that would help.", "quote", False),
        ("Pourriez-vous nous envoyer un devis ?", "quote", False),
        ("De printer geeft foutcode E-17.", "fault", False),
        ("Bedankt voor de snelle hulp.", "none", False),
    ],
)
def test_sentences(body: str, act: str, clear: bool) -> None:
    got = intent(body)
    assert (got.act, got.clear) == (act, clear), got.reasons


def test_a_negated_sentence_about_another_contract_is_no_contradiction() -> None:
    text = MailText(
        subject="",
        new_text="Wij zeggen HW-1 op. HW-2 zeggen we niet op.",
        full_text="",
        signature="",
    )
    asked_one = detect_intent(text, None, ["HW1", "HW2"])[0]
    assert asked_one.cancel_is_clear
    same = MailText(
        subject="",
        new_text="Wij zeggen HW-1 op. Of toch niet opzeggen?",
        full_text="",
        signature="",
    )
    assert not detect_intent(same, None, ["HW1"])[0].cancel_is_clear


@pytest.mark.parametrize(
    ("body", "numbers", "expected"),
    [
        (
            "We end contract AB-1; contract CD-2 continues.",
            ("AB1", "CD2"),
            ("concerned", "continues"),
        ),
        (
            "We end contract AB-1, contract CD-2 continues.",
            ("AB1", "CD2"),
            ("concerned", "continues"),
        ),
        (
            "Contract AB-1 replaces CD-2, please cancel the old one.",
            ("AB1", "CD2"),
            ("replaces", "replaced"),
        ),
        ("Contract AB-1 wordt vervangen door CD-2.", ("AB1", "CD2"), ("replaced", "replaces")),
        ("Le contrat AB-1 au lieu du contrat CD-2.", ("AB1", "CD2"), ("replaces", "replaced")),
        ("Wij zeggen AB-1 en CD-2 op.", ("AB1", "CD2"), ("concerned", "concerned")),
        (
            "Nous ne résilions pas AB-1. Merci de résilier CD-2.",
            ("AB1", "CD2"),
            ("continues", "concerned"),
        ),
        ("Facture AB-1. Contrat CD-2.", ("AB1", "CD2"), ("mentioned", "mentioned")),
    ],
)
def test_roles(body: str, numbers: tuple[str, ...], expected: tuple[str, ...]) -> None:
    got = roles(body, numbers)
    assert tuple(got[n] for n in numbers) == expected


# every setting of extraction.intent, with a mail whose reading it changes: (setting, value,
# body, subject, quoted, what is read with the default, what is read with the value)
SETTINGS: list[tuple[str, Any, str, str, str, str, str]] = [
    ("cancel", [], "Wij zeggen het contract op.", "", "", "cancel", "none"),
    ("not_renew", [], "Please do not renew our licence.", "", "", "cancel", "none"),
    (
        "retraction",
        [],
        "Forget my previous mail about the cancellation.",
        "",
        "",
        "retraction",
        "cancel",
    ),
    ("negation", [], "We do not want to cancel the contract.", "", "", "none", "cancel"),
    ("negation_after", [], "Wij beëindigen het contract niet.", "", "", "none", "cancel"),
    ("negation_split_before", [], "Nous ne résilions pas le contrat.", "", "", "none", "cancel"),
    ("negation_split_after", [], "Nous ne résilions pas le contrat.", "", "", "none", "cancel"),
    (
        "negation_window",
        2,
        "Wij willen niet dat jullie het contract opzeggen.",
        "",
        "",
        "none",
        "cancel",
    ),
    (
        "negation_after_window",
        6,
        "Wij beëindigen het onderhoudscontract van de printer niet.",
        "",
        "",
        "cancel",
        "none",
    ),
    (
        "clause_breaks",
        [],
        "Dat is niet gebeurd, dus zeggen wij het contract op.",
        "",
        "",
        "cancel",
        "none",
    ),
    (
        "subordinators",
        [],
        "Wij beëindigen het contract dat niet meer nodig is.",
        "",
        "",
        "cancel",
        "none",
    ),
    (
        "hypothetical",
        [],
        "If the price rises we might cancel the contract.",
        "",
        "",
        "none",
        "cancel",
    ),
    (
        "neutral",
        [],
        "Please cancel the contract, if possible by 31 December.",
        "",
        "",
        "cancel",
        "none",
    ),
    ("request_forms", [], "Kunnen jullie het contract stopzetten?", "", "", "cancel", "cancel?"),
    (
        "indirect_questions",
        [],
        "Kunt u laten weten wat de opzegtermijn is?",
        "",
        "",
        "cancel?",
        "cancel",
    ),
    ("possibility", [], "Can we cancel the contract before June?", "", "", "cancel!", "cancel?"),
    ("copy_request", [], "Graag een kopie van het contract.", "", "", "copy", "none"),
    ("quote", [], "Graag een offerte voor de verlenging.", "", "", "quote", "none"),
    ("fault", [], "De printer is kapot.", "", "", "fault", "none"),
    ("question_starts", [], "Hoe laat zijn jullie open", "", "", "question", "none"),
    (
        "pass_on",
        [],
        "Zie hieronder.",
        "RE: onderhoud",
        "Wij zeggen het contract op.",
        "cancel",
        "none",
    ),
    ("see_subject", [], "Zie onderwerp.", "Opzegging contract", "", "cancel", "cancel?"),
    (
        "reply_subjects",
        [],
        "Wat zijn jullie openingsuren?",
        "RE: Opzegging contract",
        "",
        "question",
        "cancel?",
    ),
    (
        "forward_separators",
        [],
        "Dank u.",
        "Onderhoud",
        "---------- Forwarded message ---------\nFrom: a@b.example\n\nWij zeggen het contract op.",
        "cancel",
        "none",
    ),
    (
        "max_chars",
        500,
        "Goedemorgen. " * 60 + "Wij zeggen het contract op.",
        "",
        "",
        "cancel",
        "none",
    ),
]


def _reading(got: Intent) -> str:
    """The act, with '?' for a cancellation only asked about and '!' for one whose asking is
    itself a contradiction."""
    if got.act == "cancel" and not got.clear:
        return "cancel!" if got.contradictions else "cancel?"
    return got.act


@pytest.mark.parametrize(
    ("key", "value", "body", "subject", "quoted", "default", "changed"),
    SETTINGS,
    ids=[s[0] for s in SETTINGS],
)
def test_each_setting_changes_what_is_read(
    key: str, value: Any, body: str, subject: str, quoted: str, default: str, changed: str
) -> None:
    assert _reading(intent(body, subject, quoted)) == default
    assert _reading(intent(body, subject, quoted, **{key: value})) == changed


def test_every_setting_is_covered() -> None:
    roles_settings = {"continues", "replaces", "replaced_by", "instead_of"}
    assert set(IntentConfig.model_fields) == {s[0] for s in SETTINGS} | roles_settings


@pytest.mark.parametrize(
    ("key", "body", "default", "changed"),
    [
        ("continues", "We end AB-1; contract CD-2 continues.", "continues", "mentioned"),
        ("replaces", "Contract CD-2 replaces AB-1.", "replaces", "mentioned"),
        ("replaced_by", "Contract CD-2 wordt vervangen door AB-1.", "replaced", "replaces"),
        ("instead_of", "Contract CD-2 in plaats van AB-1.", "replaces", "mentioned"),
    ],
)
def test_each_role_setting_changes_a_role(key: str, body: str, default: str, changed: str) -> None:
    assert roles(body, ("AB1", "CD2"))["CD2"] == default
    assert roles(body, ("AB1", "CD2"), **{key: []})["CD2"] == changed


def test_a_pattern_that_does_not_compile_is_refused() -> None:
    with pytest.raises(ValueError, match="does not compile"):
        IntentConfig(cancel=["(unclosed"])


def test_the_routing_config_carries_the_intent_settings() -> None:
    from routing.config import DEFAULT_CONFIG_PATH, parse_routing_config, validate_routing_config
    from routing.decide import route_bytes
    from routing.registry import Registry, parse_csv
    from tests.intent.cases import REGISTRY_CSV, Case

    base = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    mail = Case(
        "x",
        "fr",
        "negated",
        "Renouvellement SW-5500-01",
        "Pas question de résilier le contrat SW-5500-01 : envoyez l'offre.",
        "quote",
        "software",
    ).eml()
    reg = Registry(parse_csv(REGISTRY_CSV))
    default = route_bytes(mail, registry=reg, config=parse_routing_config(base))
    assert default.queue == "software"
    changed = parse_routing_config(base + "\nextraction: {intent: {negation: []}}\n")
    assert route_bytes(mail, registry=reg, config=changed).queue == "cancellation"
    config, problems = validate_routing_config(
        base + "\nextraction:\n  intent:\n    cancel: ['(unclosed']\n", "routing.yaml"
    )
    assert config is None
    assert problems and problems[0].key.startswith("extraction.intent.cancel")


def test_each_number_has_its_role_and_where_it_was_read_in_the_evidence() -> None:
    from intake.extract import extract
    from routing.registry import Registry, parse_csv
    from tests.intent.cases import REGISTRY_CSV

    text = MailText(
        subject="Opzegging HW-4100-02",
        new_text="Wij zeggen HW-4100-02 op; HW-4100-01 loopt gewoon door.",
        full_text="Wij zeggen HW-4100-02 op; HW-4100-01 loopt gewoon door.",
        signature="",
        attachment_names=("brief.pdf",),
        attachment_texts=("Onderhoudscontract SW-5500-01",),
    )
    found = extract(text, Registry(parse_csv(REGISTRY_CSV))).found
    roles_ = {e.value: (e.role, e.source) for e in found if e.fact == "contract_numbers"}
    assert roles_ == {
        "HW410001": ("continues", "body"),
        "HW410002": ("concerned", "body"),
        "SW550001": ("mentioned", "attachment:brief.pdf"),
    }
    asked = [e for e in found if e.fact == "intent" and e.dropped is None]
    assert [(e.value, e.source) for e in asked] == [("cancel", "body")]


@pytest.mark.parametrize(
    "body",
    [
        "opzeg niet als zeg het op " * 20000,  # a cue and a negation in every word
        "a? " * 200000,  # a sentence every three characters
        ("HW-1 " * 50 + "cancel. ") * 2000,  # numbers everywhere
        "x" * 1_000_000,  # no sentence end at all
    ],
    ids=["cues", "sentences", "numbers", "one-word"],
)
def test_hostile_text_is_read_in_bounded_time(body: str) -> None:
    import time

    text = MailText(subject="RE: " * 1000, new_text=body, full_text=body, signature="", quoted=body)
    numbers = [f"HW{i}" for i in range(50)]
    start = time.perf_counter()
    detect_intent(text, None, numbers)
    contract_roles(
        [("body", body[:10_000]), ("quoted", body[:10_000])], numbers, cues(IntentConfig())
    )
    assert time.perf_counter() - start < 3.0
