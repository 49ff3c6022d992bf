"""Login throttling that holds under concurrency, slows a guesser without locking the owner out
or a desk behind one address, and can be lifted by an admin; and a login form bound to a
server-side pre-session, so a planted cookie cannot log a browser into someone else's account."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from postkamer.web import WebConfig, create_app
from storage import throttle
from storage.db import session_scope
from storage.models import Event
from storage.throttle import LoginLimits, Refusal, Reservation
from tests.web import factory
from tests.web.conftest import login, serve

OWNER = "els@postkamer.be"
SLOW = LoginLimits(base_delay=timedelta(minutes=1))  # a wait no test outlives


def _form_token(client: TestClient | httpx.Client) -> str:
    page = client.get("/login")
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _try(client: TestClient | httpx.Client, email: str, password: str) -> int:
    token = _form_token(client)
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    return r.status_code


def _checked(engine: Engine) -> int:
    """How many attempts had their password checked and found wrong."""
    with session_scope(engine) as s:
        events = s.exec(select(Event).where(Event.kind == "login_failed")).all()
        return sum(1 for e in events if e.data.get("reason") == "bad_credentials")


@pytest.fixture
def slow_config(web_config: WebConfig) -> WebConfig:
    return WebConfig(engine=web_config.engine, blobs=web_config.blobs, login_limits=SLOW)


def _client(cfg: WebConfig, ip: str) -> TestClient:
    return TestClient(create_app(cfg), follow_redirects=False, client=(ip, 40000))


def test_sixty_parallel_guesses_check_at_most_the_limit(
    slow_config: WebConfig, web_engine: Engine
) -> None:
    factory.add_user(web_engine, OWNER, "owner", ("hardware",))
    barrier = threading.Barrier(60, timeout=60)

    def guess(i: int) -> int:
        with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as c:
            token = _form_token(c)
            barrier.wait()
            data = {"email": OWNER, "password": f"guess number {i}", "csrf_token": token}
            return c.post("/login", data=data).status_code

    with serve(slow_config) as base, ThreadPoolExecutor(60) as pool:
        codes = list(pool.map(guess, range(60)))
    assert codes.count(401) == SLOW.per_pair, codes
    assert codes.count(429) == 60 - SLOW.per_pair
    assert _checked(web_engine) == SLOW.per_pair


def test_the_check_and_count_is_atomic_in_the_database(engine: Engine) -> None:
    """60 threads, each its own connection, as several web processes would be (SQLite and
    PostgreSQL): no more reservations than the limit."""
    barrier = threading.Barrier(60, timeout=60)

    def attempt(_i: int) -> Reservation | Refusal:
        with Session(engine) as session:
            barrier.wait()
            return throttle.reserve(session, OWNER, "192.0.2.1", SLOW)

    with ThreadPoolExecutor(60) as pool:
        outcomes = list(pool.map(attempt, range(60)))
    assert sum(isinstance(o, Reservation) for o in outcomes) == SLOW.per_pair


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(
    slow_config: WebConfig, web_engine: Engine
) -> None:
    factory.add_user(web_engine, OWNER, "owner", ("hardware",))
    with _client(slow_config, "198.51.100.10") as owner:
        assert _try(owner, OWNER, factory.PASSWORD) == 303  # the owner's usual desk
    with _client(slow_config, "203.0.113.66") as attacker:
        codes = [_try(attacker, OWNER, f"guess {i}!") for i in range(20)]
    assert codes[: SLOW.per_pair] == [401] * SLOW.per_pair
    assert set(codes[SLOW.per_pair :]) == {429}
    with _client(slow_config, "198.51.100.10") as owner:
        assert _try(owner, OWNER, factory.PASSWORD) == 303
    with _client(slow_config, "192.0.2.200") as new_place:  # a first login elsewhere too
        assert _try(new_place, OWNER, factory.PASSWORD) == 303


def test_guesses_from_many_addresses_are_counted_for_the_account(
    slow_config: WebConfig, web_engine: Engine
) -> None:
    factory.add_user(web_engine, OWNER, "owner", ("hardware",))
    with _client(slow_config, "198.51.100.10") as owner:
        assert _try(owner, OWNER, factory.PASSWORD) == 303
    codes = []
    for i in range(15):
        with _client(slow_config, f"203.0.113.{i + 1}") as bot:
            codes.append(_try(bot, OWNER, f"guess {i}!"))
    assert codes == [401] * SLOW.per_account + [429] * (15 - SLOW.per_account)
    with _client(slow_config, "203.0.113.99") as bot:  # the right password is not even checked
        assert _try(bot, OWNER, factory.PASSWORD) == 429
    with _client(slow_config, "198.51.100.10") as owner:  # the owner's own desk still works
        assert _try(owner, OWNER, factory.PASSWORD) == 303


def test_one_persons_typos_do_not_lock_a_desk_behind_one_address(
    slow_config: WebConfig, web_engine: Engine
) -> None:
    desk = [f"desk{i}@postkamer.be" for i in range(5)]
    for email in desk:
        factory.add_user(web_engine, email, "owner", ("hardware",))
    with _client(slow_config, "198.51.100.1") as nat:
        typos = [_try(nat, desk[0], "caps lock on!") for _ in range(40)]
        assert typos.count(401) == SLOW.per_pair
        for colleague in desk[1:]:
            assert _try(nat, colleague, factory.PASSWORD) == 303, colleague
            nat.cookies.delete("pk_session")


def test_waits_grow_and_end(web_config: WebConfig) -> None:
    limits = LoginLimits(per_pair=2, base_delay=timedelta(seconds=10))
    now = throttle.utcnow()
    ip = "198.51.100.5"
    outcomes = []
    for step in (0, 1, 2, 12, 13, 33, 34):
        at = now + timedelta(seconds=step)
        with Session(web_config.engine) as s:
            outcomes.append(type(throttle.reserve(s, OWNER, ip, limits, at)).__name__)
    # 2 free, then 10 s, then 20 s: refused inside each wait, allowed after it
    assert outcomes == [
        "Reservation",
        "Reservation",
        "Refusal",
        "Reservation",
        "Refusal",
        "Reservation",
        "Refusal",
    ]
    later = now + limits.window + timedelta(minutes=1)  # a quiet window forgets
    with Session(web_config.engine) as s:
        assert isinstance(throttle.reserve(s, OWNER, ip, limits, later), Reservation)


def test_an_admin_unlocks_an_account_on_the_web(slow_config: WebConfig, web_engine: Engine) -> None:
    factory.add_user(web_engine, OWNER, "owner", ("hardware",))
    factory.add_user(web_engine, "root@postkamer.be", "admin")
    factory.add_user(web_engine, "boss@postkamer.be", "supervisor")
    with _client(slow_config, "198.51.100.7") as typist:
        for _ in range(SLOW.per_pair):
            _try(typist, OWNER, "wrong wrong")
        assert _try(typist, OWNER, factory.PASSWORD) == 429
    with _client(slow_config, "192.0.2.9") as boss:
        csrf = login(boss, "boss@postkamer.be")
        assert boss.get("/admin/users").status_code == 403  # admins only
        r = boss.post("/admin/users/unlock", data={"csrf_token": csrf, "email": OWNER})
        assert r.status_code == 403
    with _client(slow_config, "192.0.2.10") as root:
        csrf = login(root, "root@postkamer.be")
        page = root.get("/admin/users")
        assert page.status_code == 200 and OWNER in page.text and "Ontgrendelen" in page.text
        assert root.post("/admin/users/unlock", data={"email": OWNER}).status_code == 403
        r = root.post("/admin/users/unlock", data={"csrf_token": csrf, "email": OWNER})
        assert r.status_code == 303
    with _client(slow_config, "198.51.100.7") as typist:
        assert _try(typist, OWNER, factory.PASSWORD) == 303
    with session_scope(web_engine) as s:
        unlocked = s.exec(select(Event).where(Event.kind == "login_unlocked")).one()
        assert (unlocked.actor, unlocked.data["email"]) == ("root@postkamer.be", OWNER)


def test_postkamer_users_unlock(tmp_path: Path) -> None:
    settings = tmp_path / "postkamer.toml"
    settings.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "pk.db"}"\n', encoding="utf-8")

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "postkamer.cli", "--config", str(settings), "users", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert cli("add", OWNER, "--role", "admin", "--password-stdin", stdin="long enough pw\n")
    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'pk.db'}")
    try:
        with Session(engine) as s:
            for _ in range(SLOW.per_pair):
                throttle.reserve(s, OWNER, "198.51.100.7", SLOW)
            assert isinstance(throttle.reserve(s, OWNER, "198.51.100.7", SLOW), Refusal)
        done = cli("unlock", OWNER.upper())
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"unlocked {OWNER} (2 counted limits cleared)"
        with Session(engine) as s:
            assert isinstance(throttle.reserve(s, OWNER, "198.51.100.7", SLOW), Reservation)
    finally:
        engine.dispose()


# --- login CSRF -------------------------------------------------------------------------------


@pytest.fixture
def owner_client(client: TestClient, web_engine: Engine) -> Iterator[TestClient]:
    factory.add_user(web_engine, OWNER, "owner", ("hardware",))
    yield client


def test_a_planted_double_submit_cookie_does_not_log_in(owner_client: TestClient) -> None:
    """A sibling domain can set cookies for this site: a CSRF value it chose itself (cookie and
    form field alike) must not pass."""
    forged = "chosen-by-the-attacker"
    for name in ("pk_login_csrf", "pk_prelogin"):
        owner_client.cookies.set(name, forged, path="/login")
    r = owner_client.post(
        "/login", data={"email": OWNER, "password": factory.PASSWORD, "csrf_token": forged}
    )
    assert r.status_code == 403
    assert "pk_session" not in r.headers.get("set-cookie", "")


def test_a_login_form_from_another_origin_is_refused(owner_client: TestClient) -> None:
    for headers in (
        {"Origin": "https://evil.postkamer.example"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        token = _form_token(owner_client)
        r = owner_client.post(
            "/login",
            data={"email": OWNER, "password": factory.PASSWORD, "csrf_token": token},
            headers=headers,
        )
        assert r.status_code == 403, headers
    token = _form_token(owner_client)
    r = owner_client.post(  # a browser under Referrer-Policy: no-referrer sends Origin: null
        "/login",
        data={"email": OWNER, "password": "wrong wrong", "csrf_token": token},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )
    assert r.status_code == 401
    token = _form_token(owner_client)
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    r = owner_client.post(
        "/login",
        data={"email": OWNER, "password": factory.PASSWORD, "csrf_token": token},
        headers=same,
    )
    assert r.status_code == 303


def test_a_login_form_is_good_for_one_try(owner_client: TestClient) -> None:
    token = _form_token(owner_client)
    data = {"email": OWNER, "password": "wrong wrong", "csrf_token": token}
    assert owner_client.post("/login", data=data).status_code == 401
    replay = owner_client.post("/login", data={**data, "password": factory.PASSWORD})
    assert replay.status_code == 403  # the answer to the first try set a new form
