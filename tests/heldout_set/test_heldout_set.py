"""The held-out set: 58 hard mails by a fresh hand, kept out of rule tuning to measure whether
the rules generalize beyond the requests set.

Each mail goes through the production path with the requests set's report
(`tests/requests_set/report.py`: `build_report` routes every mail with `route_bytes`, believing
the desk MX). The thresholds are the counts measured on the code the set was written against,
so the test passes now and fails on regression; raise them as fixes land (run with `-s` to see
the whole report and every miss). The precision of `accepted` is recorded, not asserted, while
it is below 1.0: whether a wrong acceptance may stand is the lead's decision.
"""

from __future__ import annotations

import email
from email import policy as email_policy
from functools import cache
from pathlib import Path

from routing.registry import Registry
from tests.requests_set.report import KEYS, Report, build_report, load_set, render

HERE = Path(__file__).resolve().parent

# mails right per field, measured on the code this set was written against (of 58)
BASELINE = {
    "disposition": 58,
    "queue": 54,
    "language": 58,
    "contract_numbers": 58,
    "destruction_confirmation": 56,
    "machine_out_of_use": 58,
    "requested_end_date": 57,
    "outcome": 52,
    "policy": 47,
    "sender_proof": 58,
    "full": 45,
    "full+proof": 45,
}
# labelled accepted and decided so: 13 of 15
ACCEPTED_FOUND = 13
# recorded, not asserted: 13 of 14 decided accepted were labelled so; the wrong one is
# 022 (the desk's blank form sent back, labelled needs_destruction_confirmation)
RECORDED_ACCEPTED_PRECISION = (13, 14)

INTENTS = {"cancel", "quote", "copy", "fault", "question", "retraction", "nothing"}
OUTCOMES = {
    "accepted",
    "awaiting_sender_confirmation",
    "manual_review",
    "needs_contract_number",
    "needs_destruction_confirmation",
    "not_yet_eligible",
    "pa_no_cancellation_needed",
    "sender_unverified",
    "unknown_contract",
}


@cache
def report() -> Report:
    return build_report(HERE, "held-out set")


def test_every_mail_has_a_label_and_the_labels_follow_domain_conventions() -> None:
    labelled = load_set(HERE)
    on_disk = {p.name for p in labelled.mails.glob("*.eml")}
    assert on_disk == set(labelled.labels)
    assert len(on_disk) >= 50
    registry = Registry.from_csv(labelled.registry)
    cancellations = accepted = 0
    for name, label in labelled.labels.items():
        assert {*KEYS, "sender_proof", "intent", "shape", "note"} <= set(label), name
        assert label["contract_numbers"] == sorted(label["contract_numbers"]), name
        assert label["sender_proof"] in ("proven", "unproven", "failed"), name
        assert label["intent"] in INTENTS, name
        if label["disposition"] in ("auto_reply", "bounce"):
            assert label["queue"] is None, name
        if label["disposition"] == "bulk":
            assert label["queue"] == "general", name
        if not (label["disposition"] == "ticket" and label["queue"] == "cancellation"):
            assert not label["destruction_confirmation"], name
            assert not label["machine_out_of_use"], name
            assert label["requested_end_date"] is None, name
            assert set(label["policy"].values()) == {None}, name
            continue
        cancellations += 1
        outcome = label["policy"]["outcome"]
        assert outcome in OUTCOMES, name
        assert label["intent"] == "cancel", name
        if outcome != "unknown_contract":  # every other number the labels name is on record
            for number in label["contract_numbers"]:
                assert registry.lookup(number) is not None, (name, number)
        if outcome == "accepted":
            accepted += 1
            assert label["sender_proof"] == "proven", name
            assert label["policy"]["effective_date"], name
        else:
            assert label["policy"]["effective_date"] is None, name
        if outcome == "awaiting_sender_confirmation":
            assert label["sender_proof"] != "proven", name
        if outcome == "not_yet_eligible":
            assert label["policy"]["earliest_notice_date"], name
    assert cancellations >= 30 and accepted >= 12


def test_every_mail_parses_and_names_the_desk_as_recipient() -> None:
    labelled = load_set(HERE)
    for name in labelled.labels:
        msg = email.message_from_bytes(
            (labelled.mails / name).read_bytes(), policy=email_policy.default
        )
        assert msg["Date"] and msg["From"] and msg["Message-ID"], name
        assert "support@contracts.example.com" in str(msg["To"]), name


def test_accuracy_does_not_fall_below_the_measured_baseline() -> None:
    rep = report()
    print(render(rep))
    right_accepted = len(rep.decided_accepted()) - len(rep.wrong_acceptances())
    print(
        f"accepted precision now {right_accepted}/{len(rep.decided_accepted())}, "
        f"recorded at baseline {RECORDED_ACCEPTED_PRECISION[0]}/{RECORDED_ACCEPTED_PRECISION[1]}"
    )
    failing = [
        f"{field}: {rep.share(field)[0]} right < {minimum}"
        for field, minimum in BASELINE.items()
        if rep.share(field)[0] < minimum
    ]
    found = sum(r.got["policy"]["outcome"] == "accepted" for r in rep.labelled_accepted())
    if found < ACCEPTED_FOUND:
        failing.append(f"accepted recall: {found} found < {ACCEPTED_FOUND}")
    assert not failing, "\n".join(failing)
