"""Queue owners see only their queues: another queue's ticket, attachment, list, export or API
call answers 404, the same as for what does not exist; supervisors and admins see everything."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from storage.blobs import BlobStore
from tests.web import factory
from tests.web.conftest import login


@pytest.fixture
def two_queues(web_engine: Engine, blobs: BlobStore) -> dict[str, object]:
    factory.add_user(web_engine, "hw@postkamer.be", "owner", ("hardware",))
    factory.add_user(web_engine, "boss@postkamer.be", "supervisor")
    mine = factory.add_ticket(web_engine, queue="hardware", subject="Printer stuk")
    theirs = factory.add_ticket(web_engine, queue="cancellation", subject="Opzegging MA-1")
    mid = factory.add_message(web_engine, theirs, subject="Opzegging MA-1")
    secret = factory.add_attachment(web_engine, blobs, mid, b"secret", "contract.pdf")
    own_mid = factory.add_message(web_engine, mine)
    own = factory.add_attachment(web_engine, blobs, own_mid, b"foto", "foto.jpg", "image/jpeg")
    return {"mine": mine, "theirs": theirs, "secret": secret, "own": own}


def test_owner_is_refused_another_queue(client: TestClient, two_queues: dict[str, object]) -> None:
    csrf = login(client, "hw@postkamer.be")
    theirs = two_queues["theirs"]
    assert client.get(f"/tickets/{theirs}").status_code == 404
    assert client.get(f"/attachments/{two_queues['secret']}").status_code == 404
    assert client.get("/queues/cancellation").status_code == 404
    assert client.get("/queues/cancellation/export.csv").status_code == 404
    assert client.get(f"/api/tickets/{theirs}").status_code == 404
    assert client.get("/api/tickets?queue=cancellation").status_code == 404
    r = client.post(f"/tickets/{theirs}/note", data={"text": "x", "csrf_token": csrf})
    assert r.status_code == 404
    r = client.post(
        f"/api/tickets/{theirs}/move",
        json={"queue": "hardware", "reason": "mine now"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 404
    page = client.get(f"/tickets/{theirs}")
    assert "Opzegging" not in page.text
    assert "Niet gevonden" in page.text and "hw@postkamer.be" in page.text  # still logged in


def test_owner_sees_own_queue_only_in_overview(
    client: TestClient, two_queues: dict[str, object]
) -> None:
    login(client, "hw@postkamer.be")
    assert client.get(f"/tickets/{two_queues['mine']}").status_code == 200
    queues = [q["queue"] for q in client.get("/api/queues").json()]
    assert queues == ["hardware"]
    page = client.get("/")
    assert "/queues/hardware" in page.text and "/queues/cancellation" not in page.text


def test_attachment_download_is_safe(client: TestClient, two_queues: dict[str, object]) -> None:
    login(client, "hw@postkamer.be")
    r = client.get(f"/attachments/{two_queues['own']}")
    assert r.status_code == 200
    assert r.content == b"foto"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"] == "application/octet-stream"


def test_supervisor_sees_all(client: TestClient, two_queues: dict[str, object]) -> None:
    login(client, "boss@postkamer.be")
    assert client.get(f"/tickets/{two_queues['theirs']}").status_code == 200
    assert client.get(f"/attachments/{two_queues['secret']}").content == b"secret"
    assert len(client.get("/api/queues").json()) == 5


def test_unknown_ids_are_404(client: TestClient, two_queues: dict[str, object]) -> None:
    login(client, "boss@postkamer.be")
    assert client.get("/tickets/PK-NOPE").status_code == 404
    assert client.get("/attachments/999").status_code == 404


def test_owner_who_moves_a_ticket_away_lands_on_the_old_queue(
    client: TestClient, two_queues: dict[str, object]
) -> None:
    csrf = login(client, "hw@postkamer.be")
    mine = two_queues["mine"]
    r = client.post(
        f"/tickets/{mine}/move",
        data={"queue": "software", "reason": "licence question", "csrf_token": csrf},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/queues/hardware?done=moved"
    assert client.get(f"/tickets/{mine}").status_code == 404
