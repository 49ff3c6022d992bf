"""Logging in and out: argon2 passwords, the session cookie's flags, CSRF on every change,
login throttling per account and address and per address, and the audit of logins."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from postkamer.web import WebConfig, create_app
from storage.db import session_scope
from storage.models import Event, User, WebSession
from storage.throttle import LoginLimits
from tests.web import factory
from tests.web.conftest import login


def _login_token(client: TestClient) -> str:
    page = client.get("/login")
    token: str = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return token


def _post_login(client: TestClient, email: str, password: str) -> int:
    token = _login_token(client)
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    code: int = r.status_code
    return code


def test_pages_need_a_login(client: TestClient) -> None:
    r = client.get("/queues/hardware?status=new")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fqueues%2Fhardware%3Fstatus%3Dnew"
    assert client.get("/api/tickets?queue=hardware").status_code == 401


def test_login_sets_a_safe_cookie_and_is_audited(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    token = _login_token(client)
    r = client.post(
        "/login",
        data={
            "email": " Els@Postkamer.be ",
            "password": factory.PASSWORD,
            "csrf_token": token,
            "next": "/queues/hardware",
        },
        headers={"user-agent": "t"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/queues/hardware"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("pk_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http in this test
    assert client.get("/").status_code == 200
    with session_scope(web_engine) as s:
        user = s.exec(select(User)).one()
        assert user.password_hash.startswith("$argon2id$")
        stored = s.exec(select(WebSession)).one()
        raw = cookie.split(";", 1)[0].split("=", 1)[1]
        assert stored.token_hash != raw  # only a hash of the token is kept
        events = s.exec(select(Event).where(col(Event.kind).like("login%"))).all()
        assert [(e.kind, e.actor, e.ticket_id) for e in events] == [
            ("login", "els@postkamer.be", None)
        ]


def test_cookie_is_secure_over_https(web_config: WebConfig, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    with TestClient(
        create_app(web_config), base_url="https://testserver", follow_redirects=False
    ) as c:
        token = _login_token(c)
        r = c.post(
            "/login",
            data={"email": "els@postkamer.be", "password": factory.PASSWORD, "csrf_token": token},
        )
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("pk_session="))
        assert "Secure" in cookie


def test_wrong_password_is_refused_and_audited(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    assert _post_login(client, "els@postkamer.be", "wrong password!") == 401
    assert _post_login(client, "nobody@postkamer.be", "wrong password!") == 401
    assert client.get("/").status_code == 303
    with session_scope(web_engine) as s:
        events = s.exec(select(Event).where(Event.kind == "login_failed")).all()
        assert [e.actor for e in events] == ["els@postkamer.be", "nobody@postkamer.be"]
        assert all(e.ticket_id is None and e.data["ip"] for e in events)


def test_login_form_without_its_csrf_cookie_is_refused(
    client: TestClient, web_engine: Engine
) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    token = _login_token(client)
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"email": "els@postkamer.be", "password": factory.PASSWORD, "csrf_token": token},
    )
    assert r.status_code == 403
    assert "pk_session" not in client.cookies


def test_rate_limit_per_address_blocks_even_the_right_password(
    web_config: WebConfig, web_engine: Engine
) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    cfg = WebConfig(
        engine=web_config.engine,
        blobs=web_config.blobs,
        login_limits=LoginLimits(base_delay=timedelta(minutes=1)),
    )
    with TestClient(create_app(cfg), follow_redirects=False) as client:
        for _ in range(5):
            assert _post_login(client, "els@postkamer.be", "guess guess guess") == 401
        token = _login_token(client)
        r = client.post(
            "/login",
            data={"email": "els@postkamer.be", "password": factory.PASSWORD, "csrf_token": token},
        )
        assert r.status_code == 429
        assert 55 <= int(r.headers["retry-after"]) <= 60
    with session_scope(web_engine) as s:
        reasons = [e.data["reason"] for e in s.exec(select(Event).order_by(col(Event.id)))]
        assert reasons[-1] == "rate_limited"


def test_rate_limit_per_ip_across_addresses(web_config: WebConfig, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    cfg = WebConfig(
        engine=web_config.engine,
        blobs=web_config.blobs,
        login_limits=LoginLimits(per_pair=100, per_account=100, per_address=3),
    )
    with TestClient(create_app(cfg), follow_redirects=False) as c:
        for i in range(3):
            assert _post_login(c, f"guess{i}@postkamer.be", "guess guess guess") == 401
        assert _post_login(c, "els@postkamer.be", factory.PASSWORD) == 429


def test_success_resets_the_address_count(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    for _ in range(4):
        _post_login(client, "els@postkamer.be", "typo typo typo")
    assert _post_login(client, "els@postkamer.be", factory.PASSWORD) == 303
    for _ in range(4):
        assert _post_login(client, "els@postkamer.be", "typo typo typo") == 401
    assert _post_login(client, "els@postkamer.be", factory.PASSWORD) == 303


def test_open_redirect_after_login_is_refused(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    token = _login_token(client)
    r = client.post(
        "/login",
        data={
            "email": "els@postkamer.be",
            "password": factory.PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert r.headers["location"] == "/"


def test_logout_ends_the_session(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    csrf = login(client, "els@postkamer.be")
    saved = dict(client.cookies)
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    client.cookies.update(saved)  # a stolen copy of the cookie no longer works
    assert client.get("/").status_code == 303


def test_disabled_user_loses_access(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    login(client, "els@postkamer.be")
    with session_scope(web_engine) as s:
        user = s.exec(select(User)).one()
        user.active = False
        s.add(user)
    assert client.get("/").status_code == 303


def test_changes_without_the_csrf_token_are_refused(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    ref = factory.add_ticket(web_engine)
    csrf = login(client, "els@postkamer.be")
    for path, data in [
        (f"/tickets/{ref}/note", {"text": "x"}),
        (f"/tickets/{ref}/status", {"status": "closed"}),
        (f"/tickets/{ref}/move", {"queue": "general", "reason": "x"}),
        (f"/tickets/{ref}/reply", {"text": "x"}),
        (f"/tickets/{ref}/claim", {}),
        ("/language", {"language": "fr"}),
    ]:
        assert client.post(path, data=data).status_code == 403, path
        assert client.post(path, data={**data, "csrf_token": csrf + "x"}).status_code == 403
    assert client.post(f"/api/tickets/{ref}/notes", json={"text": "x"}).status_code == 403
    r = client.post(
        f"/api/tickets/{ref}/notes", json={"text": "x"}, headers={"X-CSRF-Token": "forged"}
    )
    assert r.status_code == 403
    with session_scope(web_engine) as s:
        kinds = {e.kind for e in s.exec(select(Event))}
        assert kinds == {"created", "login"}  # nothing changed
    ok = client.post(
        f"/api/tickets/{ref}/notes", json={"text": "x"}, headers={"X-CSRF-Token": csrf}
    )
    assert ok.status_code == 201


def test_security_headers_on_every_response(client: TestClient, web_engine: Engine) -> None:
    for path in ["/login", "/static/app.css", "/nothing-here", "/api/openapi.json"]:
        r = client.get(path)
        assert r.headers["content-security-policy"].startswith(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"
        ), path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
