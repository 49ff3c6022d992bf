"""The private Dovecot server takes mails written into the maildir and over APPEND."""

from __future__ import annotations

from tests.support.dovecot import Account


def mail(i: int) -> bytes:
    return (
        f"From: a{i}@example.org\r\nTo: support@example.com\r\nSubject: test {i}\r\n"
        f"Message-ID: <m{i}@example.org>\r\n\r\nbody {i}\r\n"
    ).encode()


def test_deliver_and_append_are_seen_over_imap(imap_account: Account) -> None:
    imap_account.deliver(mail(i) for i in range(50))
    imap_account.append([mail(50)])
    assert imap_account.count() == 51
    bodies = imap_account.fetch_all()
    assert bodies[0].startswith(b"From: a0@example.org")


def test_recreated_inbox_has_a_new_uidvalidity(imap_account: Account) -> None:
    imap_account.deliver([mail(1)])
    before = imap_account.uidvalidity()
    imap_account.recreate_inbox([mail(1), mail(2)])
    assert imap_account.uidvalidity() != before
    assert imap_account.count() == 2
