"""A poll that finds nothing new still counts as a good poll: the health check reads the
mailbox's checkpoint time, and a quiet mailbox must not look stalled."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from postkamer.service import BasicProcessor, run_once
from storage.models import MailboxState
from tests.support.dovecot import Account
from tests.support.mail import make_mail, make_settings


def test_empty_poll_advances_the_checkpoint_time(
    imap_account: Account, engine: Engine, migrated_db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        migrated_db_url,
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
    )
    imap_account.deliver([make_mail(1, tag="quiet")])
    run_once(settings, BasicProcessor(), engine=engine)
    with Session(engine) as session:
        first = session.exec(select(MailboxState)).one()
        first_seen, last_uid = first.updated_at, first.last_uid
    time.sleep(1.1)
    summary = run_once(settings, BasicProcessor(), engine=engine)
    assert summary.read == 0
    with Session(engine) as session:
        state = session.exec(select(MailboxState)).one()
    assert state.last_uid == last_uid, "nothing new: the checkpoint UID stays"
    assert state.updated_at > first_seen, "but the good poll is recorded"
