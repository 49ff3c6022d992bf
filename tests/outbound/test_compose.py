"""Composed replies: threading headers, subject rules, loop headers, and no header injection
(checked by parsing the composed bytes back)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from outbound.compose import (
    ComposeError,
    Recipient,
    compose_reply,
    envelope_recipients,
    reply_subject,
)
from outbound.templates import TemplateSet, sample_contexts

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FROM = "Contract Support <support@contracts.example.com>"


def _compose(templates: TemplateSet, **kwargs: object) -> EmailMessage:
    rendered = templates.render(
        "ack/general", str(kwargs.pop("language", "nl")), sample_contexts()[0]
    )
    options: dict[str, object] = {
        "from_addr": FROM,
        "to": [Recipient("jan@klant.example.be", "Jan Janssens")],
        "ticket_ref": "PK-7F3K9Q",
        "domain": "contracts.example.com",
        "now": NOW,
        "original_subject": "Vraag over contract",
        "in_reply_to": "<orig-1@klant.example.be>",
        "references": ["<root@klant.example.be>"],
    }
    options.update(kwargs)
    return compose_reply(rendered, **options)  # type: ignore[arg-type]


def _roundtrip(msg: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(msg.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_threading_and_loop_headers(templates: TemplateSet) -> None:
    msg = _roundtrip(_compose(templates))
    assert msg["Subject"] == "Re: Vraag over contract [PK-7F3K9Q]"
    assert msg["In-Reply-To"] == "<orig-1@klant.example.be>"
    assert msg["References"].split() == ["<root@klant.example.be>", "<orig-1@klant.example.be>"]
    assert str(msg["Message-ID"]).endswith("@contracts.example.com>")
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Postkamer-Loop"] == "contracts.example.com"
    assert msg["Content-Language"] == "nl"
    assert msg["From"].addresses[0].addr_spec == "support@contracts.example.com"
    assert msg["To"].addresses[0].display_name == "Jan Janssens"
    assert msg["Date"].datetime == NOW
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = msg.get_body(("plain",))
    assert text is not None and "Geachte An Peeters" in text.get_content()


def test_a_person_s_reply_is_not_marked_automatic(templates: TemplateSet) -> None:
    msg = _roundtrip(_compose(templates, automatic=False, cc=[Recipient("b@klant.example.be")]))
    assert "Auto-Submitted" not in msg and "X-Auto-Response-Suppress" not in msg
    assert msg["X-Postkamer-Loop"] == "contracts.example.com"
    assert envelope_recipients(msg) == ["jan@klant.example.be", "b@klant.example.be"]


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("Re: RE: AW: Antw: Opzegging", "Re: Opzegging [PK-7F3K9Q]"),
        ("RE : Résiliation [PK-7F3K9Q]", "Re: Résiliation [PK-7F3K9Q]"),
        ("[PK-7F3K9Q] Re: kopie [pk-7f3k9q]", "Re: kopie [PK-7F3K9Q]"),
        ("", "Fallback subject [PK-7F3K9Q]"),
        ("Re:", "Fallback subject [PK-7F3K9Q]"),
        ("Fwd: contract", "Re: Fwd: contract [PK-7F3K9Q]"),
    ],
)
def test_subject_rules(original: str, expected: str) -> None:
    assert reply_subject(original, "Fallback subject", "PK-7F3K9Q") == expected


def test_subject_is_capped_and_keeps_the_tag() -> None:
    subject = reply_subject("x" * 5000, "f", "PK-7F3K9Q")
    assert len(subject) < 220 and subject.endswith(" [PK-7F3K9Q]")


INJECTIONS = [
    "=?UTF-8?Q?=0A?=Bcc: victim@evil.example",
    "hello\r\nBcc: victim@evil.example",
    "hello\nBcc: victim@evil.example",
    "hello\rBcc: victim@evil.example",
    "=?UTF-8?B?aGVsbG8NCkJjYzogdmljdGltQGV2aWwuZXhhbXBsZQ==?=",
    "hello\x00\x0bBcc: victim@evil.example\u2028X-Evil: 1",
]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_no_header_injection_from_subject_or_display_name(
    templates: TemplateSet, evil: str
) -> None:
    msg = _compose(
        templates,
        original_subject=evil,
        to=[Recipient("jan@klant.example.be", evil)],
        in_reply_to="<a@b>\r\nBcc: victim@evil.example",
        references=[evil],
    )
    raw = msg.as_bytes()
    parsed = _roundtrip(msg)
    assert "Bcc" not in parsed and "X-Evil" not in parsed
    assert b"\nBcc:" not in raw and b"\nX-Evil" not in raw
    assert [a.addr_spec for a in parsed["To"].addresses] == ["jan@klant.example.be"]
    assert "\n" not in str(parsed["Subject"]) and "\r" not in str(parsed["Subject"])
    assert parsed["In-Reply-To"] == "<a@b>"
    assert envelope_recipients(parsed) == ["jan@klant.example.be"]


def test_a_bad_recipient_address_is_refused(templates: TemplateSet) -> None:
    with pytest.raises(ComposeError):
        _compose(templates, to=[Recipient("jan@klant.example.be\r\nBcc: x@evil.example")])
    with pytest.raises(ComposeError):
        _compose(templates, to=[])


def test_references_are_capped_keeping_root_and_latest(templates: TemplateSet) -> None:
    refs = [f"<m{i}@klant.example.be>" for i in range(40)]
    msg = _roundtrip(_compose(templates, references=refs))
    out = msg["References"].split()
    assert len(out) == 20
    assert out[0] == "<m0@klant.example.be>" and out[-1] == "<orig-1@klant.example.be>"


def test_fixed_message_id_is_kept(templates: TemplateSet) -> None:
    msg = _compose(templates, message_id="<fixed.1@contracts.example.com>")
    assert _roundtrip(msg)["Message-ID"] == "<fixed.1@contracts.example.com>"
