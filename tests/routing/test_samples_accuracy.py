"""Accuracy on the labelled samples (`../shared/samples`), through the production path
(`route_bytes`: parse -> sender proof -> disposition -> extraction -> decide) with
`contracts.csv` and the trust the labels assume: the desk's MX `mx.contracts.example.com` is
believed (`[trust] authserv_ids`, samples README). Without it, every `accepted` sample must be
`awaiting_sender_confirmation` and nothing else may change.

Fails when fewer than 95% of the ticket mails get the right queue, when fewer than 97% of the
cancellations get the right policy outcome and dates, or when fewer than 95% of the full
decisions (every key of labels.json) are right. Prints a confusion matrix and every mismatch
(run with `-s` to see them).
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from typing import Any

import pytest

from intake.proof import TrustConfig
from routing.config import DEFAULT_CONFIG_PATH, load_routing_config
from routing.decide import route_bytes
from routing.registry import Registry
from tests.routing.helpers import SAMPLES

KEYS = (
    "disposition",
    "queue",
    "language",
    "contract_numbers",
    "destruction_confirmation",
    "machine_out_of_use",
    "requested_end_date",
    "policy",
)

TRUST = TrustConfig(authserv_ids=("mx.contracts.example.com",))

pytestmark = pytest.mark.skipif(
    not (SAMPLES / "labels.json").exists(), reason="shared samples not present"
)


@cache
def decisions(trusted: bool = True) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    labels: dict[str, dict[str, Any]] = json.loads(
        (SAMPLES / "labels.json").read_text(encoding="utf-8")
    )
    registry = Registry.from_csv(SAMPLES / "contracts.csv")
    config = load_routing_config(DEFAULT_CONFIG_PATH)
    out = {}
    for name, label in labels.items():
        decision = route_bytes(
            (SAMPLES / name).read_bytes(),
            registry=registry,
            config=config,
            file=name,
            trust=TRUST if trusted else None,
        )
        out[name] = (label, decision.to_json(file=name))
    return out


def _confusion(pairs: list[tuple[str, str]], title: str) -> str:
    names = sorted({x for pair in pairs for x in pair})
    counts = Counter(pairs)
    width = max(len(n) for n in names) + 2
    lines = [title, "label \\ decided".ljust(width) + "".join(n[:12].rjust(14) for n in names)]
    for want in names:
        row = "".join(str(counts[(want, got)] or ".").rjust(14) for got in names)
        lines.append(want.ljust(width) + row)
    return "\n".join(lines)


def test_queue_of_ticket_mails() -> None:
    pairs = []
    wrong = []
    for name, (label, got) in decisions().items():
        if label["disposition"] != "ticket":
            continue
        pairs.append((str(label["queue"]), str(got["queue"])))
        if label["queue"] != got["queue"]:
            wrong.append(
                f"{name}: want {label['queue']}, got {got['queue']}\n  "
                + "\n  ".join(got["explanation"])
            )
    print(_confusion(pairs, "queue confusion (ticket mails)"))
    print("\n".join(wrong))
    accuracy = 1 - len(wrong) / len(pairs)
    print(f"queue accuracy: {accuracy:.1%} of {len(pairs)}")
    assert accuracy >= 0.95, "\n".join(wrong)


def test_policy_of_cancellations() -> None:
    pairs = []
    wrong = []
    for name, (label, got) in decisions().items():
        if label["queue"] != "cancellation" or label["disposition"] != "ticket":
            continue
        pairs.append((str(label["policy"]["outcome"]), str(got["policy"]["outcome"])))
        if label["policy"] != got["policy"]:
            wrong.append(
                f"{name}: want {label['policy']}, got {got['policy']}\n  "
                + "\n  ".join(got["explanation"])
            )
    print(_confusion(pairs, "policy outcome confusion (cancellations)"))
    print("\n".join(wrong))
    accuracy = 1 - len(wrong) / len(pairs)
    print(f"policy accuracy (outcome + dates): {accuracy:.1%} of {len(pairs)}")
    assert accuracy >= 0.97, "\n".join(wrong)


def test_full_decisions_match_the_labels() -> None:
    wrong = []
    per_key: Counter[str] = Counter()
    for name, (label, got) in decisions().items():
        diff = {k: (label[k], got[k]) for k in KEYS if label[k] != got[k]}
        per_key.update(diff)
        if diff:
            wrong.append(
                f"{name}: " + "; ".join(f"{k}: want {a!r} got {b!r}" for k, (a, b) in diff.items())
            )
    print("\n".join(wrong))
    print("mismatches per key:", dict(per_key))
    accuracy = 1 - len(wrong) / len(decisions())
    print(f"full decision accuracy: {accuracy:.1%} of {len(decisions())}")
    assert accuracy >= 0.95, "\n".join(wrong)


def test_accepted_is_never_wrong() -> None:
    """Precision of `accepted` must be 1.0; its recall is printed beside it."""
    given = right = missed = 0
    for _name, (label, got) in decisions().items():
        if got["policy"]["outcome"] == "accepted":
            given += 1
            right += got["policy"] == label["policy"]
        elif label["policy"]["outcome"] == "accepted":
            missed += 1
    print(f"accepted: precision {right}/{given}, recall {right}/{right + missed}")
    assert right == given


def test_reply_templates_follow_the_conventions() -> None:
    for name, (label, got) in decisions().items():
        if label["disposition"] in ("auto_reply", "bounce", "bulk"):
            assert got["reply_template"] is None, name
        elif label["queue"] == "cancellation":
            assert got["reply_template"] == f"cancellation/{label['policy']['outcome']}", name
        else:
            assert got["reply_template"], name
        assert got["explanation"], name


def test_every_sender_is_proven_by_the_believed_mx() -> None:
    for name, (_, got) in decisions().items():
        assert got["sender_proof"]["status"] == "proven", name
        assert got["sender_proof"]["method"] == "dmarc", name
        assert "sender proven (dmarc)" in got["explanation"], name


def test_without_trust_every_accepted_sample_awaits_the_senders_confirmation() -> None:
    accepted = 0
    for name, (label, got) in decisions(trusted=False).items():
        assert got["sender_proof"]["status"] == "unproven", name
        want = dict(label["policy"])
        if want["outcome"] == "accepted":
            accepted += 1
            # nothing takes effect before the contact confirms: no effective date yet
            want.update(outcome="awaiting_sender_confirmation", effective_date=None)
            assert got["reply_template"] == "cancellation/awaiting_sender_confirmation", name
        assert got["policy"] == want, name
        assert {k: got[k] for k in KEYS if k != "policy"} == {
            k: label[k] for k in KEYS if k != "policy"
        }, name
    assert accepted == 5
