"""The request's transaction is committed before its response leaves: a redirect after a login
always finds the new session, and a commit that fails is an error the user sees."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from postkamer.web import WebConfig, create_app
from tests.web import factory
from tests.web.conftest import login, serve

PEOPLE = 40


@pytest.fixture
def slow_commits(web_engine: Engine) -> Iterator[None]:
    """Every commit takes 30 ms more, as on a busy disk or a remote PostgreSQL: the time in
    which a response sent before its commit shows the old state."""

    def slow(_conn: object) -> None:
        time.sleep(0.03)

    event.listen(web_engine, "commit", slow)
    try:
        yield
    finally:
        event.remove(web_engine, "commit", slow)


def _login_and_follow(base: str, email: str, barrier: threading.Barrier) -> str:
    """Log in like a browser and follow the redirect; where the browser ends up."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as c:
        form = c.get("/login")
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        barrier.wait()
        r = c.post(
            "/login",
            data={"email": email, "password": factory.PASSWORD, "csrf_token": token},
        )
        if r.status_code != 303:
            return f"login answered {r.status_code}"
        page = c.get(r.headers["location"])
        if page.status_code != 200:
            return f"bounced: {page.status_code} {page.headers.get('location')}"
        return "logged in"


def test_forty_parallel_logins_all_land_logged_in(
    web_config: WebConfig, web_engine: Engine, slow_commits: None
) -> None:
    emails = [f"desk{i}@postkamer.be" for i in range(PEOPLE)]
    for email in emails:
        factory.add_user(web_engine, email, "owner", ("hardware",))
    barrier = threading.Barrier(PEOPLE, timeout=60)
    with serve(web_config) as base, ThreadPoolExecutor(PEOPLE) as pool:
        outcomes = list(pool.map(lambda e: _login_and_follow(base, e, barrier), emails))
    assert outcomes == ["logged in"] * PEOPLE


def test_a_commit_that_fails_is_an_error_not_a_silent_loss(
    web_config: WebConfig, web_engine: Engine
) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    ref = factory.add_ticket(web_engine)
    with TestClient(
        create_app(web_config), follow_redirects=False, raise_server_exceptions=False
    ) as c:
        csrf = login(c, "els@postkamer.be")

        def refuse(_conn: object) -> None:
            raise RuntimeError("disk full")

        event.listen(web_engine, "commit", refuse)
        try:
            r = c.post(f"/tickets/{ref}/note", data={"csrf_token": csrf, "text": "lost?"})
        finally:
            event.remove(web_engine, "commit", refuse)
        assert r.status_code == 500  # not a 303 to a page saying "note added"
        assert r.headers["x-content-type-options"] == "nosniff"
        page = c.get(f"/tickets/{ref}")
    assert "lost?" not in page.text


def test_logout_is_done_before_the_answer(
    web_config: WebConfig, web_engine: Engine, slow_commits: None
) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    with serve(web_config) as base:
        for _ in range(5):
            with httpx.Client(base_url=base, follow_redirects=False) as c:
                form = c.get("/login")
                token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                data = {"email": "els@postkamer.be", "password": factory.PASSWORD}
                assert c.post("/login", data={**data, "csrf_token": token}).status_code == 303
                csrf = c.get("/api/me").json()["csrf_token"]
                stolen = c.cookies["pk_session"]
                assert c.post("/logout", data={"csrf_token": csrf}).status_code == 303
            with httpx.Client(base_url=base, cookies={"pk_session": stolen}) as thief:
                # the copy of the cookie is dead the moment the answer has arrived
                assert thief.get("/api/me").status_code == 401
