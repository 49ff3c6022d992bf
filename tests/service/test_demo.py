"""`postkamer demo` shows both sides of the sender proof: a registered contact whose domain
proves nothing confirms by reply with the code and the cancellation is accepted; a mail
forged in a registered contact's name is flagged and only the real contact is asked."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

from sqlmodel import Session, select

from postkamer.demo import print_report, run_demo
from storage.db import make_engine
from storage.jobstore import stored_jobs
from storage.models import OutboxRow, SenderConfirmation, Ticket


def test_demo_shows_confirmation_by_reply_and_a_forged_mail(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo")
    print_report(result)
    by_file = {Path(r.source_ref).name: r for r in result.results}
    assert by_file["04-opzegging-maandlicentie"].outcome == "accepted"  # proven by DMARC
    assert by_file["06-terminate-maintenance"].outcome == "awaiting_sender_confirmation"
    assert by_file["15-confirmation-with-code.eml"].outcome == "accepted"
    assert by_file["13-opzegging-drukpers-vervalst"].outcome == "awaiting_sender_confirmation"
    engine = make_engine(result.settings.database.url)
    try:
        with Session(engine) as session:
            tickets = {t.ref: t for t in session.exec(select(Ticket))}
            confirmed = tickets[str(by_file["06-terminate-maintenance"].ticket_ref)]
            assert (confirmed.policy or {})["outcome"] == "accepted"
            assert stored_jobs(session, [f"termination:{confirmed.id}"])
            forged = tickets[str(by_file["13-opzegging-drukpers-vervalst"].ticket_ref)]
            assert "possibly_forged" in forged.flags
            assert not stored_jobs(session, [f"termination:{forged.id}"])
            states = {r.ticket_id: r.state for r in session.exec(select(SenderConfirmation))}
            assert states == {confirmed.id: "confirmed", forged.id: "open"}
            asked = session.exec(select(OutboxRow).where(OutboxRow.ticket_id == forged.id)).one()
            assert asked.recipients == ["lies.vanhecke@vanhecke-druk.example.be"]
            assert asked.state == "sent"
    finally:
        engine.dispose()
    written = [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in (tmp_path / "demo" / "outbox").glob("*.eml")
    ]
    assert not any("mailbox.example.net" in str(m["To"]) for m in written)
