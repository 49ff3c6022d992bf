"""RELIABILITY.md items 6 and 11 end to end: customer text that tries to inject headers or
template code travels from an incoming mail through ingest, the automatic reply and SMTP
delivery; the test reads what a real SMTP server (aiosmtpd) received.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from postkamer.settings import SmtpSettings
from tests.hostile.conftest import Pipeline, Received, deliver
from tests.hostile.mails import crlf, plain

INJECTIONS = {
    "encoded-lf-subject": (
        "Jan <jan.a@klant.example.be>",
        "=?UTF-8?Q?Vraag=0ABcc:_evil@attacker.example?=",
    ),
    "encoded-crlf-subject": (
        "Jan <jan.b@klant.example.be>",
        "=?UTF-8?B?VnJhYWcNCkJjYzogZXZpbEBhdHRhY2tlci5leGFtcGxl?=",
    ),
    "encoded-lf-name": (
        "=?UTF-8?Q?Jan=0D=0ABcc:_evil@attacker.example?= <jan.c@klant.example.be>",
        "Vraag",
    ),
    "unicode-separators": (
        "=?UTF-8?Q?Jan=E2=80=A8Bcc:_evil@attacker.example?= <jan.d@klant.example.be>",
        "=?UTF-8?Q?Vraag=C2=85X-Injected:_yes?=",
    ),
    "folded-subject": ("Jan <jan.e@klant.example.be>", "Vraag\n Bcc: evil@attacker.example"),
    "nul-and-tab": (
        "Jan <jan.f@klant.example.be>",
        "=?UTF-8?Q?Vraag=00=09Bcc:_evil@attacker.example?=",
    ),
}


def _check_clean(got: Received, recipient: str) -> None:
    assert got.rcpt_tos == [recipient], got.rcpt_tos
    msg = got.parsed()
    names = [name.lower() for name in msg]
    assert "bcc" not in names and "x-injected" not in names, names
    assert names.count("subject") == 1 and names.count("to") == 1
    assert [a.addr_spec for a in msg["To"].addresses] == [recipient]
    for line in got.data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        assert not line.lower().startswith((b"bcc:", b"x-injected:")), line
        assert b"\x00" not in line and b"\r" not in line and b"\n" not in line
    assert "evil@attacker.example" not in got.rcpt_tos


def test_crlf_in_subject_or_name_cannot_inject_a_header_into_what_we_send(
    pipeline: Pipeline, engine: Engine, smtp_inbox: tuple[SmtpSettings, list[Received]]
) -> None:
    smtp, received = smtp_inbox
    mails = {f"{name}.eml": plain(sender=s, subject=subj) for name, (s, subj) in INJECTIONS.items()}
    pipeline.ingest(mails)
    recipients = {}
    for name in mails:
        stored = pipeline.stored(name)
        assert stored.ticket is not None and len(stored.replies) == 1, name
        assert "\n" not in stored.ticket.subject and "\r" not in stored.ticket.subject
        assert "\n" not in stored.ticket.requester_name
        recipients[stored.replies[0].recipients[0]] = name
    deliver(engine, smtp)
    assert len(received) == len(mails)
    for got in received:
        (recipient,) = got.rcpt_tos
        _check_clean(got, recipient)
        subject = str(got.parsed()["Subject"])
        if recipients[recipient] in ("encoded-lf-subject", "folded-subject"):
            assert "Bcc: evil@attacker.example" in subject  # kept as harmless text


def test_template_syntax_from_customers_arrives_literally(
    pipeline: Pipeline, engine: Engine, smtp_inbox: tuple[SmtpSettings, list[Received]]
) -> None:
    smtp, received = smtp_inbox
    name = "{{7*7}} {%for(x)in[1,2,3]%}X{%endfor%}"  # a short name: it is echoed
    mail = crlf(
        f'From: "{name}" <jinja@klant.example.be>\nTo: support@contracts.example.com\n'
        "Subject: {{ 6*7 }} {{''.__class__.__mro__}}\nDate: Mon, 1 Jun 2026 10:00:00 +0000\n"
        "Message-ID: <jinja@klant.example.be>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Mijn printer is kapot {{7*7}} {% raw %}\n"
    )
    pipeline.ingest({"jinja.eml": mail})
    stored = pipeline.stored("jinja.eml")
    assert stored.ticket is not None
    assert stored.ticket.requester_name == name
    deliver(engine, smtp)
    (got,) = received
    msg = got.parsed()
    ref = stored.ticket.ref  # random: it may contain "42" or "49" itself
    subject = str(msg["Subject"]).replace(ref, "")
    assert "{{ 6*7 }}" in subject and "42" not in subject
    plain_body = msg.get_body(("plain",))
    html_body = msg.get_body(("html",))
    assert plain_body is not None and html_body is not None
    text = plain_body.get_content().replace(ref, "")
    assert "{{7*7}}" in text, "the customer's name must be shown literally"
    assert "49" not in text and "XXX" not in text
    html = html_body.get_content().replace(ref, "")
    assert "{{7*7}}" in html and "49" not in html and "XXX" not in html
    assert str(msg["To"].addresses[0].display_name).startswith("{{7*7}}")
