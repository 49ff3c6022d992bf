"""The intent stage, the contract roles and the acceptance guard on whole mails, by shape and
language (`cases.py`), through the production path (`route_bytes`, what `postkamer route` runs).

Each case must be right: the act read (`intent` evidence), the queue, the policy outcome and the
contract judged. `test_accuracy_per_language_and_shape` prints the intent accuracy per language
and per shape and the precision and recall of `accepted` (run with `-s`); precision must be 1.0.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

import pytest

from routing.config import DEFAULT_CONFIG_PATH, load_routing_config
from routing.decide import route_bytes
from routing.model import RoutingDecision
from routing.registry import Registry, parse_csv
from tests.intent.cases import CASES, REGISTRY_CSV, Case
from tests.support.mx import TRUST, stamped


@cache
def decided(name: str) -> RoutingDecision:
    case = next(c for c in CASES if c.name == name)
    return route_bytes(
        stamped(case.eml()),  # the desk's MX proved the sender: the cases are about intent
        registry=Registry(parse_csv(REGISTRY_CSV)),
        config=load_routing_config(DEFAULT_CONFIG_PATH),
        trust=TRUST,
    )


def act_of(decision: RoutingDecision) -> str:
    """The act the decision's evidence gives (`none` when nothing definite is asked)."""
    taken = [e for e in decision.evidence if e.fact == "intent" and e.dropped is None]
    return str(taken[0].value) if taken else "none"


def result(case: Case) -> dict[str, Any]:
    d = decided(case.name)
    return {
        "act": act_of(d),
        "queue": d.queue,
        "outcome": d.policy.outcome if d.policy else None,
        "contract": d.policy.contract_number if d.policy else None,
    }


def expected(case: Case) -> dict[str, Any]:
    return {
        "act": case.act,
        "queue": case.queue,
        "outcome": case.outcome,
        "contract": case.contract,
    }


def test_every_shape_is_there_in_three_languages() -> None:
    langs: dict[str, set[str]] = defaultdict(set)
    for case in CASES:
        langs[case.shape].add(case.lang)
    assert len(CASES) == len({c.name for c in CASES})
    assert all(found == {"nl", "fr", "en"} for found in langs.values()), dict(langs)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case) -> None:
    got = result(case)
    assert got == expected(case), "\n".join(decided(case.name).explanation)
    # the explanation states the intent and why
    assert any(line.startswith("intent: ") for line in decided(case.name).explanation)


def test_accuracy_per_language_and_shape() -> None:
    per: dict[str, list[bool]] = defaultdict(list)
    full: dict[str, list[bool]] = defaultdict(list)
    accepted_right = accepted_wrong = accepted_missed = 0
    for case in CASES:
        got = result(case)
        want = expected(case)
        for key in (f"language {case.lang}", f"shape {case.shape}", "all"):
            per[key].append(got["act"] == want["act"])
            full[key].append(got == want)
        if got["outcome"] == "accepted":
            if want["outcome"] == "accepted" and got["contract"] == want["contract"]:
                accepted_right += 1
            else:
                accepted_wrong += 1
        elif want["outcome"] == "accepted":
            accepted_missed += 1
    lines = ["intent accuracy (act) and whole-decision accuracy:"]
    for key in sorted(per, key=lambda k: (k != "all", k)):
        acts, whole = per[key], full[key]
        lines.append(
            f"  {key:28} intent {sum(acts)}/{len(acts)}   decision {sum(whole)}/{len(whole)}"
        )
    given = accepted_right + accepted_wrong
    precision = accepted_right / given if given else 1.0
    recall = accepted_right / (accepted_right + accepted_missed)
    lines.append(
        f"accepted: precision {precision:.2f} ({accepted_right}/{given}), recall {recall:.2f} "
        f"({accepted_right}/{accepted_right + accepted_missed})"
    )
    print("\n".join(lines))
    assert precision == 1.0, "\n".join(lines)
    assert all(per["all"]), "\n".join(lines)
