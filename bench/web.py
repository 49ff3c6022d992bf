"""Web pages with 10,000 tickets (issue 8, item 7): median and p99 time of the queue list and
the ticket page, served in-process by the FastAPI app (`postkamer.web.create_app`) through
Starlette's TestClient, logged in as a supervisor.

The database is the one run 1(b) (and 1(c) on PostgreSQL) filled from the generated mailbox,
topped up to 10,000 tickets with copies of existing tickets (new refs, no messages) so that
the lists hold 10,000. Times are taken around each request in this process: server time plus
TestClient's in-memory transport, no network.
"""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.measure import Context, Section, percentile

TICKETS = 10_000
REQUESTS = 200
PASSWORD = "bench password 8"


def top_up(engine: Engine, wanted: int) -> tuple[int, int]:
    """Copy existing tickets (new refs) until there are `wanted`; (before, added)."""
    with engine.begin() as conn:
        before = int(conn.execute(text("SELECT count(*) FROM ticket")).scalar() or 0)
        added = 0
        while before + added < wanted and before:
            batch = min(wanted - before - added, before)
            conn.execute(
                text(
                    "INSERT INTO ticket (ref, queue, status, priority, subject, requester_email, "
                    "requester_name, language, contract_numbers, tags, flags, policy, "
                    "created_at, updated_at) SELECT :prefix || CAST(id AS VARCHAR(20)), queue, "
                    "status, priority, subject, requester_email, requester_name, language, "
                    "contract_numbers, tags, flags, policy, created_at, updated_at FROM ticket "
                    "ORDER BY id LIMIT :n"
                ),
                {"prefix": f"PK-C{added}-", "n": batch},
            )
            added += batch
    return before, added


def _login(client: Any, email: str) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    if r.status_code != 303:
        raise RuntimeError(f"login failed: {r.status_code}")


def _time(client: Any, urls: list[str]) -> list[float]:
    spent = []
    for url in urls:
        t0 = time.perf_counter()
        r = client.get(url)
        spent.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise RuntimeError(f"GET {url}: {r.status_code}")
    return spent


def measure_one(engine: Engine, blobs_dir: str, label: str) -> list[list[object]]:
    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    from postkamer.web import WebConfig, create_app
    from storage import users
    from storage.blobs import BlobStore
    from storage.db import session_scope

    before, added = top_up(engine, TICKETS)
    previous = users.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    try:
        with session_scope(engine) as s:
            users.create_user(s, f"super-{label.lower()}@contracts.example.com", PASSWORD,
                              "supervisor")
    finally:
        users.use_hasher(previous)
    with engine.connect() as conn:
        queues = {str(q): int(n) for q, n in conn.execute(
            text("SELECT queue, count(*) FROM ticket GROUP BY queue")).all()}
        refs = [str(r) for (r,) in conn.execute(text(
            "SELECT t.ref FROM ticket t WHERE EXISTS (SELECT 1 FROM message m "
            "WHERE m.ticket_id = t.id)")).all()]
    rng = random.Random(8)
    biggest = max(queues, key=lambda q: queues[q])
    pages = max(1, queues[biggest] // 25)
    cases = {
        "queue list, page 1": [f"/queues/{rng.choice(sorted(queues))}" for _ in range(REQUESTS)],
        f"queue list, deep page ({biggest}, pages up to {pages})": [
            f"/queues/{biggest}?page={rng.randint(1, pages)}" for _ in range(REQUESTS)
        ],
        "queue list, text search": [
            f"/queues/{rng.choice(sorted(queues))}?q={rng.choice(['contract', 'licentie', 'HW'])}"
            for _ in range(REQUESTS // 2)
        ],
        "ticket page": [f"/tickets/{rng.choice(refs)}" for _ in range(REQUESTS)],
    }
    config = WebConfig(engine=engine, blobs=BlobStore(blobs_dir))
    rows: list[list[object]] = []
    with TestClient(create_app(config), follow_redirects=False) as client:
        _login(client, f"super-{label.lower()}@contracts.example.com")
        _time(client, ["/", f"/queues/{biggest}", f"/tickets/{refs[0]}"])  # warm up
        for name, urls in cases.items():
            spent = _time(client, urls)
            rows.append([label, name, len(urls), f"{1000 * percentile(spent, 50):.1f}",
                         f"{1000 * percentile(spent, 99):.1f}"])
    rows.append([label, f"(tickets: {before:,} from intake + {added:,} copies)", "", "", ""])
    return rows


def measure_web(ctx: Context) -> Section:
    from storage.db import make_engine

    section = Section("web", "7 Web: queue list and ticket page with 10,000 tickets")
    rows: list[list[object]] = []
    sqlite_db = ctx.work / "e2e-sqlite" / "postkamer.db"
    if not sqlite_db.exists():
        raise RuntimeError("needs the database of run 1(b)")
    engine = make_engine(f"sqlite:///{sqlite_db}")
    try:
        rows += measure_one(engine, str(ctx.work / "e2e-sqlite" / "blobs"), "SQLite")
    finally:
        engine.dispose()
    pg = ctx.servers.get("postgres")
    if pg is not None and (ctx.work / "e2e-postgres").exists():
        engine = make_engine(pg.url("bench_e2e"))
        try:
            rows += measure_one(engine, str(ctx.work / "e2e-postgres" / "blobs"), "PostgreSQL")
        finally:
            engine.dispose()
    for row in rows:
        if row[0] == "SQLite" and row[1] == "queue list, page 1":
            ctx.figures["web_list_p50_ms"] = float(str(row[3]))
            ctx.figures["web_list_p99_ms"] = float(str(row[4]))
        if row[0] == "SQLite" and row[1] == "ticket page":
            ctx.figures["web_ticket_p50_ms"] = float(str(row[3]))
            ctx.figures["web_ticket_p99_ms"] = float(str(row[4]))
    section.table(["database", "page", "requests", "median ms", "p99 ms"], rows)
    section.add(
        "Logged in as a supervisor (sees every queue). 25 tickets a page. Ticket pages are "
        "drawn from tickets that have messages (the copies have none)."
    )
    section.commands.append(
        "in-process: fastapi.testclient.TestClient(postkamer.web.create_app(WebConfig(engine, "
        "blobs))).get(url), timed around each call"
    )
    return section
