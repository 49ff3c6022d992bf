"""The rule chain: conditions of every type, combinations, actions, hits and misses, stop."""

from __future__ import annotations

from typing import Any

from intake.model import Attachment, Disposition
from routing.rules import Rule, RuleContext, RuleState, walk
from tests.routing.helpers import extraction, parsed, registry, text

REG = registry()


def ctx(**kw: Any) -> RuleContext:
    values: dict[str, Any] = {
        "parsed": parsed("Vraag", "tekst", sender="Bob@Beta.example.be"),
        "disposition": Disposition.TICKET,
        "extraction": extraction(contract_numbers=("HW200",)),
        "text": text("Vraag", "Dit is DRINGEND, de machine staat stil."),
        "contracts": (REG["HW200"],),
        "sender": "bob@beta.example.be",
        "mailbox": "support",
        "scores": {"hardware": 3.0, "cancellation": 0.0},
        "state": RuleState(queue="hardware"),
        "policy_outcome": lambda: None,
    }
    values.update(kw)
    return RuleContext(**values)


def rule(when: Any, then: dict[str, Any] | None = None, name: str = "r") -> Rule:
    return Rule.model_validate({"name": name, "when": when, "then": then or {"priority": "high"}})


def check(when: Any, **kw: Any) -> bool:
    return rule(when).matches(ctx(**kw))


def test_each_condition_type() -> None:
    assert check({"disposition": "ticket"}) and not check({"disposition": ["bulk"]})
    assert check({"language": ["nl", "fr"]}) and not check({"language": "en"})
    assert check({"contract_kind": "maintenance"}) and not check(
        {"contract_kind": "monthly_license"}
    )
    assert check({"contract_scope": "hardware"}) and not check({"contract_scope": "software"})
    assert check({"contract_number": "present"}) and check({"contract_number": "known"})
    assert not check({"contract_number": "unknown"}) and not check({"contract_number": "absent"})
    assert check(
        {"contract_number": "unknown"}, extraction=extraction(contract_numbers=("HW200", "ZZ1"))
    )
    assert check({"sender_address": "BOB@beta.example.be"})
    assert check({"sender_domain": "example.be"}) and not check({"sender_domain": "ta.example.be"})
    assert check({"mailbox": "support"}) and not check({"mailbox": "sales"})
    assert check({"queue": "hardware"}) and not check({"queue": "general"})
    assert check({"queue_score": {"queue": "hardware", "min": 3}})
    assert not check({"queue_score": {"queue": "hardware", "min": 2, "max": 3}})
    assert check({"text_matches": {"pattern": r"\bdringend\b"}})
    assert not check({"text_matches": {"pattern": "dringend", "parts": ["subject"]}})
    assert check(
        {"extracted": "breach_claimed"}, extraction=extraction(breach_claimed=True)
    ) and not check({"extracted": ["breach_claimed"]})
    assert check({"policy_outcome": "accepted"}, policy_outcome=lambda: "accepted")


def test_contract_kind_from_the_text_when_no_contract_is_known() -> None:
    assert check(
        {"contract_kind": "passport_advantage"},
        contracts=(),
        extraction=extraction(kind_hints=("passport_advantage",)),
    )


def test_attachment_type_by_mime_type_or_extension() -> None:
    pdf = Attachment("Verklaring.PDF", "application/octet-stream", "application/pdf", 10, "x", b"")
    mail = parsed("x", "y", attachments=(pdf,))
    assert check({"attachment_type": "application/pdf"}, parsed=mail)
    assert check({"attachment_type": ".pdf"}, parsed=mail)
    assert check({"attachment_type": "application/*"}, parsed=mail)
    assert not check({"attachment_type": "image/*"}, parsed=mail)


def test_combinations() -> None:
    assert check({"all": [{"language": "nl"}, {"not": {"queue": "general"}}]})
    assert check({"any": [{"language": "fr"}, {"mailbox": "support"}]})
    assert not check({"not": {"any": [{"language": "fr"}, {"mailbox": "support"}]}})
    assert check([{"language": "nl"}, {"queue": "hardware"}])  # a list means all
    assert rule(None).matches(ctx())  # no condition: always


def test_walk_applies_actions_in_order_and_records_hits_and_misses() -> None:
    rules = [
        rule({"language": "fr"}, {"queue": "general"}, name="french"),
        rule(
            {"text_matches": {"pattern": "dringend"}},
            {"priority": "urgent", "tags": ["x"]},
            name="urgent",
        ),
        rule(
            {"queue": "hardware"}, {"queue": "general", "no_reply": True, "stop": True}, name="move"
        ),
        rule(None, {"tags": ["never"]}, name="after-stop"),
    ]
    c = ctx()
    result = walk(rules, c)
    assert result.hit_names == ("urgent", "move")
    assert result.miss_names == ("french",)
    assert c.state.queue == "general" and c.state.priority == "urgent"
    assert c.state.tags == ["x"] and c.state.no_reply
    assert result.hits[0].startswith("rule urgent matched (text matches 'dringend'")
    assert result.misses[0] == "rule french not matched (language is fr)"


def test_a_later_rule_sees_the_queue_an_earlier_rule_set() -> None:
    rules = [
        rule(None, {"queue": "general"}, name="a"),
        rule({"queue": "general"}, {"reply_template": "general/view-online"}, name="b"),
    ]
    c = ctx()
    walk(rules, c)
    assert c.state.reply_template == "general/view-online" and c.state.template_set
