"""A queue owner learns nothing about other queues: one answer (404) for "does not exist" and
"not yours", the same message for unknown and inaccessible tickets and users, no ref of a ticket
in another queue; and a link cannot make a page show a notice of its own words."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from postkamer.web import actions
from storage.blobs import BlobStore
from storage.db import session_scope
from storage.models import Event
from tests.web import factory
from tests.web.conftest import login

WEB = Path(__file__).resolve().parents[2] / "postkamer" / "web"


def _strip_ids(text: str, path: str) -> str:
    """The page without the path it was asked for (the language form sends it back)."""
    return text.replace(path.split("?")[0], "PATH")


def test_other_queues_look_like_nothing_at_all(
    client: TestClient, web_engine: Engine, blobs: BlobStore
) -> None:
    factory.add_user(web_engine, "hw@postkamer.be", "owner", ("hardware",))
    theirs = factory.add_ticket(web_engine, queue="cancellation")
    mid = factory.add_message(web_engine, theirs)
    secret = factory.add_attachment(web_engine, blobs, mid, b"secret", "contract.pdf")
    csrf = login(client, "hw@postkamer.be")
    pairs = [
        (f"/tickets/{theirs}", "/tickets/PK-NOSUCH"),
        (f"/api/tickets/{theirs}", "/api/tickets/PK-NOSUCH"),
        (f"/attachments/{secret}", f"/attachments/{secret + 1000}"),
        ("/queues/cancellation", "/queues/no-such-queue"),
        ("/api/tickets?queue=cancellation", "/api/tickets?queue=no-such-queue"),
    ]
    for existing, missing in pairs:
        a, b = client.get(existing), client.get(missing)
        assert a.status_code == b.status_code == 404, existing
        assert _strip_ids(a.text, existing) == _strip_ids(b.text, missing), existing
    for path in (f"/tickets/{theirs}/note", "/tickets/PK-NOSUCH/note"):
        assert client.post(path, data={"text": "x", "csrf_token": csrf}).status_code == 404


def test_merge_and_assign_say_the_same_for_unknown_and_inaccessible(
    client: TestClient, web_engine: Engine
) -> None:
    factory.add_user(web_engine, "hw@postkamer.be", "owner", ("hardware",))
    factory.add_user(web_engine, "sw@postkamer.be", "owner", ("software",))
    factory.add_user(web_engine, "gone@postkamer.be", "owner", ("hardware",))
    with session_scope(web_engine) as s:
        from sqlmodel import select

        from storage.models import User

        gone = s.exec(select(User).where(User.email == "gone@postkamer.be")).one()
        gone.active = False
        s.add(gone)
    mine = factory.add_ticket(web_engine)
    foreign = factory.add_ticket(web_engine, queue="software")
    csrf = login(client, "hw@postkamer.be")

    def answer(action: str, **data: str) -> str:
        r = client.post(f"/tickets/{mine}/{action}", data={**data, "csrf_token": csrf})
        assert r.status_code == 303
        return r.headers["location"]

    assert answer("merge", into=foreign) == answer("merge", into="PK-NOSUCH")
    assert answer("merge", into=foreign).endswith("error=error.merge_unknown")
    for who in ("sw@postkamer.be", "gone@postkamer.be", "nobody@postkamer.be"):
        assert answer("assign", assignee=who).endswith("error=error.assignee_invalid"), who
    api = client.post(
        f"/api/tickets/{mine}/merge", json={"into": foreign}, headers={"X-CSRF-Token": csrf}
    )
    unknown = client.post(
        f"/api/tickets/{mine}/merge", json={"into": "PK-NOSUCH"}, headers={"X-CSRF-Token": csrf}
    )
    assert api.status_code == unknown.status_code == 404
    assert api.json() == unknown.json()


def test_no_ref_of_a_ticket_in_another_queue(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "hw@postkamer.be", "owner", ("hardware",))
    factory.add_user(web_engine, "boss@postkamer.be", "supervisor")
    named = factory.add_ticket(web_engine, queue="cancellation", subject="Opzegging")
    named_id = factory.ticket_id(web_engine, named)
    stranger = factory.add_ticket(
        web_engine, flags=["sender_unverified"], linked_ticket_id=named_id
    )
    merged = factory.add_ticket(web_engine)
    with session_scope(web_engine) as s:  # merged while both were hardware; named moved since
        s.add(
            Event(
                ticket_id=factory.ticket_id(web_engine, merged),
                kind="merged",
                actor="boss@postkamer.be",
                data={"source": named, "messages": 1, "participants": []},
            )
        )
    login(client, "hw@postkamer.be")
    for ref in (stranger, merged):
        page = client.get(f"/tickets/{ref}").text
        assert named not in page, ref
    assert "een ticket in een wachtrij die u niet ziet" in client.get(f"/tickets/{stranger}").text
    events = client.get(f"/api/tickets/{merged}").json()["events"]
    assert named not in str(events)
    assert [e["data"]["source"] for e in events if e["kind"] == "merged"] == [None]

    login(client, "boss@postkamer.be")  # who sees both queues gets the link
    assert f'href="/tickets/{named}"' in client.get(f"/tickets/{stranger}").text
    assert f'href="/tickets/{named}"' in client.get(f"/tickets/{merged}").text


def test_notices_come_from_a_fixed_list_of_codes(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "hw@postkamer.be", "owner", ("hardware",))
    ref = factory.add_ticket(web_engine)
    login(client, "hw@postkamer.be")
    bait = "Your.account_is_locked"
    for path in (
        f"/queues/hardware?done={bait}",
        f"/tickets/{ref}?done={bait}",
        f"/tickets/{ref}?error={bait}",
        f"/tickets/{ref}?done=error.empty_note",
        f"/tickets/{ref}?error=done.note",
    ):
        page = client.get(path).text
        assert 'class="alert ok"' not in page and 'class="alert error"' not in page, path
        assert "locked" not in page, path
    assert 'class="alert ok"' in client.get("/queues/hardware?done=moved").text
    assert 'class="alert error"' in client.get(f"/tickets/{ref}?error=error.empty_note").text


def test_every_action_error_key_is_a_listed_notice() -> None:
    raised = set()
    for path in WEB.glob("*.py"):
        raised |= set(re.findall(r'ActionError\("([a-z_.]+)"\)', path.read_text()))
        raised |= set(re.findall(r'error="(error\.[a-z_.]+)"', path.read_text()))
    assert raised and raised <= actions.ERRORS, sorted(raised - actions.ERRORS)
