"""An OpenAPI-driven fuzz run of the whole JSON API as each role (schemathesis, Hypothesis):
no response is a 500, every response carries the security headers, and no role reaches what it
must not (anonymous: nothing but 401; a queue owner: nothing of another queue). CI runs the
small profile (a few examples per operation and role); `API_FUZZ_EXAMPLES=200` runs a long one.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from sqlalchemy.engine import Engine

from postkamer.web import WebConfig, create_app
from postkamer.web.guard import SECURITY_HEADERS
from storage.blobs import BlobStore
from tests.web import factory
from tests.web.conftest import login

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
ROLES = ("anonymous", "owner", "supervisor")


@pytest.fixture
def world(web_config: WebConfig, web_engine: Engine, blobs: BlobStore) -> dict[str, Any]:
    factory.add_user(web_engine, "hw@postkamer.be", "owner", ("hardware",))
    factory.add_user(web_engine, "boss@postkamer.be", "supervisor")
    mine = factory.add_ticket(web_engine, queue="hardware")
    theirs = factory.add_ticket(web_engine, queue="cancellation", subject="Opzegging geheim")
    for ref in (mine, theirs):
        mid = factory.add_message(web_engine, ref)
        factory.add_attachment(web_engine, blobs, mid, b"%PDF-1.4", "x.pdf")
    return {"mine": mine, "theirs": theirs}


def _check(role: str, response: Any, path: str, world: dict[str, Any]) -> None:
    where = f"{role} {response.request.method} {path}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    for name in SECURITY_HEADERS:
        assert name.lower() in {k.lower() for k in response.headers}, f"{where}: no {name}"
    if role == "anonymous":
        assert response.status_code in (401, 413, 422), f"{where}: {response.status_code}"
    if role == "owner" and response.status_code < 300:
        assert world["theirs"] not in response.text, f"{where}: another queue's ticket"
        assert "cancellation" not in response.text.replace('"hardware"', ""), where


@pytest.mark.parametrize("role", ROLES)
def test_the_json_api_as_each_role(web_config: WebConfig, world: dict[str, Any], role: str) -> None:
    app = create_app(web_config)
    with TestClient(app, follow_redirects=False) as client:
        headers: dict[str, str] = {}
        if role != "anonymous":
            csrf = login(client, "hw@postkamer.be" if role == "owner" else "boss@postkamer.be")
            headers["X-CSRF-Token"] = csrf
        cookies = dict(client.cookies)
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        seen: list[str] = []
        for operation in operations:

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def run(case: Any) -> None:
                if "ref" in (case.path_parameters or {}) and case.path_parameters["ref"] == "":
                    return
                response = case.call(headers=headers, cookies=cookies)
                _check(role, response, case.formatted_path, world)
                seen.append(case.formatted_path)

            run()
            # the same operation on the real tickets: the own one and another queue's
            for ref in (world["mine"], world["theirs"]):
                if "{ref}" in operation.path:
                    body = _body(operation)
                    extra = {} if body is None else {"body": body, "media_type": "application/json"}
                    case = operation.Case(path_parameters={"ref": ref}, **extra)
                    response = case.call(headers=headers, cookies=cookies)
                    _check(role, response, case.formatted_path, world)
                    if role == "owner" and ref == world["theirs"]:
                        assert response.status_code in (404, 422), operation.path
        assert seen


def _body(operation: Any) -> Any:
    """A minimal valid body for an operation that takes one (the fuzz makes the odd ones)."""
    path = operation.path
    if path.endswith("/notes"):
        return {"text": "gezien"}
    if path.endswith("/status"):
        return {"status": "open"}
    if path.endswith("/move"):
        return {"queue": "general", "reason": "fuzz"}
    if path.endswith("/withdraw"):
        return {"reason": "fuzz"}
    if path.endswith("/merge"):
        return {"into": "PK-NOSUCH"}
    if path.endswith("/replies"):
        return {"text": "Dag Jan"}
    if path.endswith("/presence"):
        return {}
    return None
