"""Machine reports and robot senders: a read receipt (MDN) or an abuse report (ARF) without
Auto-Submitted is never answered and is linked to the reply it names; a delivery report sent
on its own is a bounce; mail from postmaster@ is a bounce only when it reads like one, and
otherwise a ticket whose automatic reply is withheld."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postkamer.cli import main
from routing.config import DEFAULT_CONFIG_PATH
from tests.hostile.conftest import SQLITE_ONLY, Pipeline
from tests.hostile.mails import plain
from tests.intake.helpers import SAMPLES
from tests.realmail.mails import abuse_report, lone_delivery_status, read_receipt

OUR_REPLY = "<ack-20260601-1000-7f3k9q@contracts.example.com>"
CANCEL = (
    "Goedemiddag,\n\nHierbij zeggen wij het onderhoudscontract HW-2207-4418 op.\n\n"
    "Met vriendelijke groeten,\nPieter Claes\nIT-beheer\n"
)


def route(tmp_path: Path, capsys: pytest.CaptureFixture[str], **mails: bytes) -> dict[str, dict]:
    paths = []
    for name, data in mails.items():
        path = tmp_path / f"{name}.eml"
        path.write_bytes(data)
        paths.append(str(path))
    registry = ["--registry", str(SAMPLES / "contracts.csv")]
    assert main(["route", "--json", *paths, *registry, "--routing", str(DEFAULT_CONFIG_PATH)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {Path(line["file"]).stem: line for line in lines}


def test_route_json_read_receipt_and_abuse_report_are_never_answered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = route(tmp_path, capsys, mdn=read_receipt(OUR_REPLY), arf=abuse_report(OUR_REPLY))
    for name, what in (("mdn", "read receipt"), ("arf", "abuse")):
        line = out[name]
        assert (line["disposition"], line["queue"], line["reply_template"]) == (
            "auto_reply",
            None,
            None,
        ), name
        assert line["policy"]["outcome"] is None
        assert any(what in step for step in line["explanation"]), line["explanation"]


def test_route_json_lone_delivery_status_is_a_bounce(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = route(tmp_path, capsys, dsn=lone_delivery_status())["dsn"]
    assert (line["disposition"], line["queue"], line["reply_template"]) == ("bounce", None, None)


def test_route_json_postmaster_writing_as_a_person_is_a_ticket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mail = plain(
        CANCEL,
        sender="Pieter Claes <postmaster@zevenlinden.example.be>",
        subject="Opzegging onderhoudscontract",
    )
    line = route(tmp_path, capsys, pm=mail)["pm"]
    assert line["disposition"] == "ticket"
    assert line["queue"] == "cancellation"
    assert line["contract_numbers"] == ["HW22074418"]


def test_postmaster_delivery_failure_in_prose_is_still_a_bounce(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        "This is the mail system at host mx.zevenlinden.example.be.\n\n"
        "I'm sorry to have to inform you that your message could not be delivered to one or "
        "more recipients.\n\n<jan.deprez@zevenlinden.example.be>: host said: 550 5.1.1 "
        "mailbox unavailable\n"
    )
    mail = plain(body, sender="postmaster@zevenlinden.example.be", subject="Returned to sender")
    assert route(tmp_path, capsys, pm=mail)["pm"]["disposition"] == "bounce"


def _our_reply_id(pipeline: Pipeline, name: str) -> tuple[int, str]:
    stored = pipeline.stored(name)
    assert stored.ticket is not None and stored.ticket.id is not None
    (reply,) = stored.replies
    return stored.ticket.id, reply.message_id


def test_read_receipt_is_linked_to_the_ticket_of_the_reply_it_names(pipeline: Pipeline) -> None:
    pipeline.ingest({"question.eml": plain()})
    ticket_id, reply_id = _our_reply_id(pipeline, "question.eml")
    pipeline.ingest({"mdn.eml": read_receipt(reply_id)})
    stored = pipeline.stored("mdn.eml")
    assert stored.message is not None and stored.message.disposition == "auto_reply"
    assert stored.message.ticket_id == ticket_id
    assert [r.message_id for r in stored.replies] == [reply_id]  # nothing new was sent
    assert "auto_reply" in [e.kind for e in stored.events]
    assert len(pipeline.tickets()) == 1


@SQLITE_ONLY
def test_abuse_report_is_linked_and_not_answered(pipeline: Pipeline) -> None:
    pipeline.ingest({"question.eml": plain()})
    ticket_id, reply_id = _our_reply_id(pipeline, "question.eml")
    pipeline.ingest({"arf.eml": abuse_report(reply_id)})
    stored = pipeline.stored("arf.eml")
    assert stored.message is not None and stored.message.disposition == "auto_reply"
    assert stored.message.ticket_id == ticket_id
    assert len(pipeline.all_replies()) == 1
    assert len(pipeline.tickets()) == 1


@SQLITE_ONLY
def test_lone_delivery_status_makes_no_ticket(pipeline: Pipeline) -> None:
    pipeline.ingest({"dsn.eml": lone_delivery_status()})
    stored = pipeline.stored("dsn.eml")
    assert stored.ledger.state == "processed"
    assert stored.message is not None and stored.message.disposition == "bounce"
    assert pipeline.tickets() == [] and pipeline.all_replies() == []


@SQLITE_ONLY
def test_postmaster_cancellation_is_a_ticket_without_an_automatic_reply(
    pipeline: Pipeline,
) -> None:
    mail = plain(
        CANCEL,
        sender="Pieter Claes <postmaster@zevenlinden.example.be>",
        subject="Opzegging onderhoudscontract",
    )
    pipeline.ingest({"pm.eml": mail})
    stored = pipeline.stored("pm.eml")
    assert stored.ticket is not None
    assert stored.ticket.queue == "cancellation"
    assert stored.ticket.requester_email == "postmaster@zevenlinden.example.be"
    assert stored.replies == []
    (withheld,) = [e for e in stored.events if e.kind == "reply_suppressed"]
    assert withheld.data["reason"] == "robot_address"
