"""Keyword classification: intent over topic, quoted text ignored, registry scope decides
between hardware and software, unclear mail goes to general."""

from __future__ import annotations

from routing.classify import classify
from routing.config import DEFAULT_CONFIG_PATH, load_routing_config
from tests.routing.helpers import registry, text

CONFIG = load_routing_config(DEFAULT_CONFIG_PATH).classification
REG = registry()


def test_cancellation_intent_beats_licence_topic_words() -> None:
    t = text(
        "Opzegging maandlicentie",
        "Wij willen de licentie voor de software opzeggen. De licentiesleutel en software "
        "updates hebben we niet meer nodig.",
    )
    result = classify(t, "nl", [], CONFIG)
    assert result.queue == "cancellation"
    assert result.scores["software"] > result.scores["cancellation"]  # intent still wins
    assert any(
        h.describe() == "matched 'opzeg*' in subject (cancellation, weight 4)" for h in result.hits
    )


def test_copy_request_mentions_contract_but_is_a_copy_request() -> None:
    t = text("Kopie contract", "Kunnen jullie mij een kopie van ons onderhoudscontract sturen?")
    assert classify(t, "nl", [REG["HW200"]], CONFIG).queue == "copy-request"


def test_dutch_separable_verb_is_a_cancellation() -> None:
    t = text(
        "Onderhoud", "Hierbij zeggen wij het onderhoudscontract HW-200 op, met een maand vooropzeg."
    )
    result = classify(t, "nl", [], CONFIG)
    assert result.queue == "cancellation"
    assert any(h.term == "zeggen ... op" for h in result.hits)


def test_quoted_history_does_not_retrigger() -> None:
    quoted = "> Wij willen ons contract opzeggen.\n> Groeten"
    t = text("Re: vraag", "Dank u, de technieker mag donderdag langskomen.", full=quoted)
    result = classify(t, "nl", [], CONFIG)
    assert result.queue == "hardware"
    assert result.scores["cancellation"] == 0


def test_accents_and_case_do_not_matter() -> None:
    t = text("RESILIATION", "Nous souhaitons resilier le contrat.")
    assert classify(t, "fr", [], CONFIG).queue == "cancellation"


def test_registry_scope_decides_between_hardware_and_software() -> None:
    # words say hardware (machine), the contract is a software maintenance contract
    t = text("Vraag", "De machine geeft een foutmelding, kan een technieker helpen? SW-500")
    result = classify(t, "nl", [REG["SW500"]], CONFIG)
    assert result.queue == "software"
    assert any("scope software" in r for r in result.reasons)
    # but a cancellation stays a cancellation whatever the scope
    t = text("Opzegging", "Wij zeggen contract SW-500 op.")
    assert classify(t, "nl", [REG["SW500"]], CONFIG).queue == "cancellation"


def test_unclear_mail_goes_to_general_unless_a_known_contract_says_more() -> None:
    t = text("", "Zie bijlage.")
    result = classify(t, "nl", [], CONFIG)
    assert result.queue == "general"
    assert not result.above_threshold
    assert classify(t, "nl", [REG["HW200"]], CONFIG).queue == "hardware"


def test_general_question_stays_general() -> None:
    t = text("Facturen", "Kunnen wij onze facturen via Peppol ontvangen in plaats van per post?")
    assert classify(t, "nl", [REG["HW200"]], CONFIG).queue == "general"


def test_each_word_counts_once_per_queue() -> None:
    # "software" is listed for nl and en, "licen*" and "licentie*" overlap
    t = text("software licentie", "")
    result = classify(t, "nl", [], CONFIG)
    assert result.scores["software"] == 4


def test_weak_stop_words_need_a_contract_word_and_a_real_word_start() -> None:
    t = text(
        "Copy", "Please send a copy of the agreement for our year-end software licence review."
    )
    result = classify(t, "en", [], CONFIG)
    assert result.scores["cancellation"] == 0
    assert result.queue == "copy-request"
    t = text("Question", "We would like to end our maintenance agreement for the old server.")
    assert classify(t, "en", [], CONFIG).queue == "cancellation"
    t = text("Facture", "Pouvez-vous m'envoyer une copie de la facture de mars ?")
    assert classify(t, "fr", [], CONFIG).queue == "general"


def test_the_cancellation_words_still_decide_with_the_intent() -> None:
    """The intent stage decides that a mail asks to cancel; the cancellation queue's own words
    (what supervisors weigh and threshold in routing.yaml) must still reach its threshold,
    except for the request a forward passes on, which the keywords do not read."""
    from intake.model import Intent

    asks = Intent("cancel", "new_text", clear=True)
    t = text("Résiliation", "Nous souhaitons résilier le contrat HW-200.")
    hw = [REG["HW200"]]
    assert classify(t, "fr", hw, CONFIG, intent=asks, cancellation_queue="cancellation").queue == (
        "cancellation"
    )
    queue = CONFIG.queues["cancellation"].model_copy(update={"threshold": 100.0})
    strict = CONFIG.model_copy(update={"queues": {**CONFIG.queues, "cancellation": queue}})
    weak = classify(t, "fr", hw, strict, intent=asks, cancellation_queue="cancellation")
    assert weak.queue == "hardware"
    assert any("under its threshold 100" in r for r in weak.reasons)
    passed_on = Intent("cancel", "forwarded", clear=True)
    fw = classify(t, "fr", hw, strict, intent=passed_on, cancellation_queue="cancellation")
    assert fw.queue == "cancellation"
