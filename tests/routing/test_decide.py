"""decide(): disposition conventions, cancellation-only fields, policy, templates, rules and
the explanation a supervisor reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from intake.extract.intent import detect_intent
from intake.model import UNPROVEN, Disposition, DispositionResult, Intent, SenderProof
from routing.config import (
    DEFAULT_CONFIG_PATH,
    RoutingConfig,
    load_routing_config,
    parse_routing_config,
)
from routing.decide import combine_extractions, decide
from routing.model import RoutingDecision
from tests.routing.helpers import d, extraction, parsed, registry, text, ticket

CONFIG = load_routing_config(DEFAULT_CONFIG_PATH)
REG = registry()
WHEN = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)  # 1 March in Brussels
PROVEN = SenderProof("proven", "dmarc", ("mx.example: dmarc=pass header.from=beta.example.be",))


def run(
    subject: str,
    body: str,
    disp: DispositionResult | None = None,
    config: RoutingConfig = CONFIG,
    sender: str = "bob@beta.example.be",
    thread: object | None = None,
    proof: SenderProof = PROVEN,
    **found: object,
) -> RoutingDecision:
    mail = parsed(subject, body, sender=sender)
    return decide(
        mail,
        disp or ticket(),
        extraction(**found),
        registry=REG,
        config=config,
        received=WHEN,
        text=text(subject, body),
        thread=thread,
        sender_proof=proof,
    )


def test_auto_reply_and_bounce_have_no_queue_and_no_reply() -> None:
    for disp in (Disposition.AUTO_REPLY, Disposition.BOUNCE, Disposition.QUARANTINE):
        dec = run(
            "Opzegging",
            "wij zeggen op",
            DispositionResult(disp, ("header X",)),
            destruction_confirmation=True,
        )
        assert dec.queue is None and dec.reply_template is None and dec.policy is None
        assert dec.destruction_confirmation is False
        assert dec.explanation[0] == f"disposition {disp.value}: header X"


def test_bulk_goes_to_general_without_reply_even_when_it_talks_about_cancelling() -> None:
    dec = run(
        "Nieuwsbrief: correct opzeggen",
        "Hoe zegt u een contract op?",
        DispositionResult(Disposition.BULK, ("header List-Id",)),
    )
    assert (dec.queue, dec.reply_template, dec.policy) == ("general", None, None)


def test_cancellation_fields_are_empty_outside_cancellations() -> None:
    dec = run(
        "Storing machine",
        "De machine is kapot, technieker nodig. Contract HW-200.",
        contract_numbers=("HW200",),
        destruction_confirmation=True,
        machine_out_of_use=True,
        requested_end_date=d("2026-12-31"),
    )
    assert dec.queue == "hardware"
    assert dec.destruction_confirmation is False and dec.machine_out_of_use is False
    assert dec.requested_end_date is None and dec.policy is None
    assert dec.reply_template == "ack/hardware"
    assert dec.contract_numbers == ("HW200",)


def test_cancellation_runs_the_policy_with_the_brussels_date() -> None:
    dec = run(
        "Opzegging onderhoudscontract HW-200",
        "Wij zeggen het contract HW-200 op.",
        contract_numbers=("HW200",),
        machine_out_of_use=True,
    )
    assert dec.queue == "cancellation"
    assert dec.policy is not None
    assert (dec.policy.outcome, dec.policy.effective_date) == ("accepted", d("2026-04-01"))
    assert dec.machine_out_of_use is True
    assert dec.reply_template == "cancellation/accepted"
    assert dec.status == "resolved"
    text_ = "\n".join(dec.explanation)
    assert "matched 'opzeg*' in subject (cancellation, weight 4)" in text_
    assert "policy: Request received on 2026-03-01 (Brussels date)." in text_
    assert "policy outcome: accepted" in text_
    assert "rule breach-needs-person not matched" in text_
    js = dec.to_json(file="x.eml")
    assert list(js)[:13] == [
        "file",
        "disposition",
        "queue",
        "language",
        "contract_numbers",
        "destruction_confirmation",
        "machine_out_of_use",
        "requested_end_date",
        "policy",
        "reply_template",
        "sender_proof",
        "evidence",
        "explanation",
    ]
    assert js["policy"] == {
        "outcome": "accepted",
        "effective_date": "2026-04-01",
        "earliest_notice_date": None,
    }


def test_unverified_sender_gets_a_generic_reply_and_a_flag() -> None:
    dec = run(
        "Opzegging",
        "Ik zeg contract HW-200 op.",
        sender="eve@elsewhere.example.com",
        contract_numbers=("HW200",),
    )
    assert dec.policy is not None and dec.policy.outcome == "sender_unverified"
    assert dec.reply_template == "cancellation/sender_unverified"
    assert "sender_unverified" in dec.flags


def test_breach_rule_raises_priority() -> None:
    dec = run(
        "Résiliation",
        "Nous résilions le contrat HW-200 pour manquement.",
        contract_numbers=("HW200",),
        breach_claimed=True,
    )
    assert dec.policy is not None and dec.policy.outcome == "manual_review"
    assert dec.priority == "high" and "manual-review" in dec.tags
    assert "breach-needs-person" in dec.rule_hits


def test_view_online_question_gets_the_faq_answer() -> None:
    dec = run("contracten online bekijken?", "Hoe kan ik mijn contracten online bekijken?")
    assert (dec.queue, dec.reply_template) == ("general", "general/view-online")
    other = run("adreswijziging", "Ons adres verandert op 1 juni.")
    assert (other.queue, other.reply_template) == ("general", "ack/general")


def test_rules_from_the_config_can_move_and_silence() -> None:
    base = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    extra = """
  - name: vip
    when: {sender_domain: beta.example.be}
    then: {queue: general, no_reply: true, priority: urgent, stop: true}
"""
    config = parse_routing_config(base.replace("rules:\n", "rules:\n" + extra, 1))
    dec = run("Storing", "De machine is kapot, technieker nodig.", config=config)
    assert (dec.queue, dec.reply_template, dec.priority) == ("general", None, "urgent")
    assert dec.rule_hits == ("vip",)


def test_followup_is_not_acknowledged_unless_its_cancellation_outcome_changes() -> None:
    followup = DispositionResult(Disposition.FOLLOWUP, ("our ticket tag in the subject",))
    dec = run("Re: storing", "De technieker mag komen.", followup)
    assert dec.reply_template is None and dec.status == "open"
    dec = run(
        "Re: opzegging",
        "Wij zeggen HW-200 op, hier het nummer.",
        followup,
        contract_numbers=("HW200",),
    )
    assert dec.reply_template == "cancellation/accepted"


def test_thread_of_someone_else_flags_sender_unverified() -> None:
    class Match:
        is_participant = False
        ticket_ref = "PK-7F3K9Q"

    dec = run("Re: [PK-7F3K9Q] storing", "Extra info", thread=Match())
    assert "sender_unverified" in dec.flags
    assert any("PK-7F3K9Q" in line for line in dec.explanation)


def test_a_followup_completes_a_cancellation_when_extractions_are_combined() -> None:
    first = extraction(contract_numbers=("ML100",), requested_end_date=d("2026-03-10"))
    later = extraction(language="fr", destruction_confirmation=True)
    both = combine_extractions([first, later])
    assert both.contract_numbers == ("ML100",) and both.destruction_confirmation
    assert both.language == "nl" and both.requested_end_date == d("2026-03-10")
    mail = parsed(
        "Re: opzegging licentie",
        "Hierbij de vernietigingsverklaring.",
        sender="anna@alpha.example.be",
    )
    followup = DispositionResult(Disposition.FOLLOWUP, ("reply to our ticket",))
    dec = decide(
        mail,
        followup,
        both,
        registry=REG,
        config=CONFIG,
        received=WHEN,
        text=text("Opzegging licentie ML-100", "Wij zeggen de licentie op."),
        sender_proof=PROVEN,
    )
    assert dec.policy is not None
    assert (dec.policy.outcome, dec.policy.effective_date) == ("accepted", d("2026-03-31"))


def test_every_decision_says_how_the_sender_was_proven_or_why_not() -> None:
    robot = run("Afwezig", "Ik ben afwezig", DispositionResult(Disposition.AUTO_REPLY, ("x",)))
    assert robot.sender_proof == PROVEN and "sender proven (dmarc)" in robot.explanation
    dec = run(
        "Opzegging onderhoudscontract HW-200",
        "Wij zeggen het contract HW-200 op.",
        contract_numbers=("HW200",),
        proof=UNPROVEN,
    )
    assert dec.sender_proof == UNPROVEN
    assert dec.to_json()["sender_proof"] == {
        "status": "unproven",
        "method": None,
        "reasons": ["no sender proof was checked"],
    }
    assert "sender not proven" in dec.explanation
    assert "sender proof: no sender proof was checked" in dec.explanation
    assert dec.policy is not None
    # nothing takes effect until the contact confirms: no effective date in the decision, the
    # date it would have now only for the confirmation request
    assert (dec.policy.outcome, dec.policy.effective_date, dec.policy.proposed_date) == (
        "awaiting_sender_confirmation",
        None,
        d("2026-04-01"),
    )
    assert dec.to_json()["policy"]["effective_date"] is None
    assert dec.reply_template == "cancellation/awaiting_sender_confirmation"
    assert dec.status == "waiting_on_customer"
    assert "possibly_forged" not in dec.flags


def test_a_mail_a_believed_server_calls_forged_flags_its_ticket() -> None:
    failed = SenderProof("failed", None, ("mx.example: dmarc=fail header.from=beta.example.be",))
    dec = run(
        "Opzegging onderhoudscontract HW-200",
        "Wij zeggen het contract HW-200 op.",
        contract_numbers=("HW200",),
        proof=failed,
    )
    assert "possibly_forged" in dec.flags
    assert dec.policy is not None and dec.policy.outcome == "awaiting_sender_confirmation"
    assert "sender proof failed: possibly forged" in dec.explanation
    other = run("Storing", "De machine is kapot, technieker nodig.", proof=failed)
    assert other.queue == "hardware" and "possibly_forged" in other.flags


def _read(subject: str, body: str) -> Intent:
    return detect_intent(text(subject, body))[0]


def test_a_followup_that_takes_the_request_back_goes_to_a_person() -> None:
    first = extraction(
        contract_numbers=("HW200",), intent=_read("Opzegging", "Wij zeggen HW-200 op.")
    )
    later = extraction(intent=_read("Re: Opzegging", "Vergeet mijn vorige mail, we houden het."))
    both = combine_extractions([first, later])
    assert both.intent is not None and both.intent.act == "retraction"
    followup = DispositionResult(Disposition.FOLLOWUP, ("reply to our ticket",))
    mail = parsed("Re: Opzegging", "Vergeet mijn vorige mail.", sender="bob@beta.example.be")
    dec = decide(
        mail,
        followup,
        both,
        registry=REG,
        config=CONFIG,
        received=WHEN,
        text=text("Re: Opzegging", "Vergeet mijn vorige mail, we houden het."),
        ticket_queue="cancellation",
    )
    assert dec.queue == "cancellation"
    assert dec.policy is not None and dec.policy.outcome == "manual_review"
    assert any("takes an earlier request back" in line for line in dec.explanation)
    # a later mail that only completes the request leaves it standing
    done = combine_extractions(
        [first, extraction(intent=_read("Re: Opzegging HW-200", "In bijlage het attest."))]
    )
    assert done.intent is not None and done.intent.cancel_is_clear


def test_the_guard_keeps_acceptance_to_a_plainly_asked_cancellation() -> None:
    asked = run(
        "Opzegging HW-200", "Kan ik het contract HW-200 opzeggen?", contract_numbers=("HW200",)
    )
    assert asked.queue == "cancellation"
    assert asked.policy is not None and asked.policy.outcome == "manual_review"
    assert any(line.startswith("acceptance guard: ") for line in asked.explanation)
    assert any(line.startswith("intent: cancel in the new text") for line in asked.explanation)
    plain = run(
        "Opzegging HW-200", "Wij zeggen het contract HW-200 op.", contract_numbers=("HW200",)
    )
    assert plain.policy is not None and plain.policy.outcome == "accepted"


def test_the_intent_is_stored_with_the_extraction_and_read_back() -> None:
    from postkamer.processing import extraction_from_json, extraction_to_json

    x = extraction(intent=_read("", "Pas question de résilier, envoyez l'offre."))
    back = extraction_from_json(json.loads(json.dumps(extraction_to_json(x))))
    assert back.intent == x.intent
    assert back.intent is not None and back.intent.act == "quote"
    older = extraction_to_json(extraction())
    older.pop("intent")
    assert extraction_from_json(older).intent is None
