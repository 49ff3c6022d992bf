"""Routing config validation: a bad config is refused with the file, line and key of each
problem; the default config loads; comments survive a round trip."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from routing.config import (
    DEFAULT_CONFIG_PATH,
    RoutingConfigError,
    check_config,
    dump_document,
    load_document,
    load_routing_config,
    parse_routing_config,
    validate_routing_config,
)
from routing.rules.textparts import compile_pattern

BASE = """\
queues:
  - name: hardware
  - name: cancellation
  - name: general
classification:
  threshold: 2
  queues:
    cancellation:
      keywords:
        nl: {opzeg*: 4}
    hardware:
      keywords:
        en: {technician: 2}
rules:
  - name: first
    when:
      language: fr
    then:
      priority: high
"""


def problems(text: str, known: set[str] | None = None) -> list[str]:
    config, found = validate_routing_config(text, "routing.yaml", known)
    assert (config is None) == bool(found)
    return [str(p) for p in found]


def test_default_config_is_valid_and_complete() -> None:
    config = load_routing_config(DEFAULT_CONFIG_PATH)
    assert set(config.queue_names) == {
        "hardware",
        "software",
        "copy-request",
        "cancellation",
        "general",
    }
    assert config.classification.fallback_queue == "general"
    assert config.policy.monthly_license_notice_days == 30
    assert config.policy.pa_lapse_days == 59
    assert config.queue("hardware") is not None
    assert config.queue("hardware").reply_template == "ack/hardware"  # type: ignore[union-attr]
    assert config.queue("copy-request").reply_template == "copy-request/received"  # type: ignore[union-attr]
    assert config.outcome_template("accepted") == "cancellation/accepted"
    assert check_config(DEFAULT_CONFIG_PATH) == []


def test_the_base_example_is_valid() -> None:
    assert problems(BASE) == []


def test_wrong_type_names_line_and_key() -> None:
    text = BASE.replace("threshold: 2", "threshold: high")
    assert problems(text) == [
        "routing.yaml:6: classification.threshold: Input should be a valid number, unable to "
        "parse string as a number"
    ]


def test_unknown_queue_in_a_rule_names_its_line() -> None:
    text = BASE.replace("priority: high", "queue: hardwear")
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("routing.yaml:19: rules[0].then.queue: unknown queue 'hardwear'")


def test_unknown_queue_in_a_condition() -> None:
    text = BASE.replace("language: fr", "queue_score: {queue: sales, min: 2}")
    found = problems(text)
    assert found and found[0].startswith("routing.yaml:17: rules[0].when.queue_score.queue:")
    assert "unknown queue 'sales'" in found[0]


def test_unknown_condition_and_unknown_key() -> None:
    text = BASE.replace("language: fr", "langauge: fr").replace("name: first", "nam: first")
    found = problems(text)
    assert any(
        p.startswith("routing.yaml:16: rules[0].when:") and "exactly one of" in p for p in found
    ), found
    assert any(p.startswith("routing.yaml:15: rules[0].nam: unknown key") for p in found), found
    assert any(p.startswith("routing.yaml:15: rules[0].name: required key") for p in found)


def test_backreference_is_refused_with_its_line() -> None:
    text = BASE.replace(
        "      language: fr",
        "      text_matches:\n        pattern: '(a)\\1'",
    )
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("routing.yaml:18: rules[0].when.text_matches.pattern:")
    assert "refused by RE2" in found[0]


def test_classification_pattern_that_does_not_compile() -> None:
    text = BASE.replace(
        "        en: {technician: 2}",
        "        en: {technician: 2}\n      patterns:\n        - pattern: '(unclosed'",
    )
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith(
        "routing.yaml:15: classification.queues.hardware.patterns[0].pattern:"
    )


def test_nested_backtracking_pattern_is_accepted_and_linear() -> None:
    text = BASE.replace(
        "      language: fr",
        "      text_matches:\n        pattern: '(a+)+$'",
    )
    assert problems(text) == []
    rx = compile_pattern("(a+)+$")
    start = time.perf_counter()
    assert rx.search("a" * 200_000 + "b") is None
    assert time.perf_counter() - start < 1.0


def test_unknown_template_is_refused_when_templates_are_known() -> None:
    text = BASE.replace("priority: high", "reply_template: ack/hardwarre")
    known = {"ack/hardware", "ack/general", "ack/cancellation"} | {
        f"cancellation/{o}"
        for o in (
            "pa_no_cancellation_needed",
            "needs_contract_number",
            "unknown_contract",
            "sender_unverified",
            "manual_review",
            "needs_destruction_confirmation",
            "accepted",
            "not_yet_eligible",
            "awaiting_sender_confirmation",
        )
    }
    found = problems(text, known)
    assert found == [
        "routing.yaml:19: rules[0].then.reply_template: unknown reply template 'ack/hardwarre'"
    ]
    # without a template list, names are not checked
    assert problems(text) == []
    # a queue's default acknowledgement is checked too
    found = problems(BASE, known - {"ack/general"})
    assert found == [
        "routing.yaml:4: queues[2].reply_template: unknown reply template 'ack/general'"
    ]


def test_duplicate_queue_and_yaml_syntax_error() -> None:
    found = problems(BASE.replace("  - name: general", "  - name: hardware\n  - name: general"))
    assert found == ["routing.yaml:4: queues[2].name: queue 'hardware' is defined twice"]
    found = problems(BASE.replace("threshold: 2", "threshold: [2"))
    assert len(found) == 1 and found[0].startswith("routing.yaml:") and "YAML" in found[0]


def test_bad_value_deep_in_a_list() -> None:
    text = BASE.replace("language: fr", "language: [nl, de]")
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("routing.yaml:17: rules[0].when.language[1]:"), found


def test_load_raises_with_all_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        BASE.replace("priority: high", "queue: nope").replace("fallback_queue", "x"),
        encoding="utf-8",
    )
    with pytest.raises(RoutingConfigError) as err:
        load_routing_config(path)
    assert f"{path}:19: rules[0].then.queue" in str(err.value)
    assert check_config(path)[0].line == 19


def test_round_trip_keeps_comments_and_order() -> None:
    text = (
        "# top comment\nqueues:  # the queues\n  - name: general  # triage\n"
        "classification:\n  threshold: 2\n"
    )
    doc = load_document(text)
    doc["classification"]["threshold"] = 3
    out = dump_document(doc)
    assert "# top comment" in out and "# the queues" in out and "# triage" in out
    assert out.index("queues") < out.index("classification")
    assert parse_routing_config(out).classification.threshold == 3
