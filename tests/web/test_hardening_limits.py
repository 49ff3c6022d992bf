"""Request bodies are bounded for every route: a body over the limit is answered 413 before it
is read (with `Content-Length`) or as soon as it passes the limit (chunked), so an anonymous
200 MB upload costs the server no memory. Measured on a real `postkamer web` process."""

from __future__ import annotations

import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from postkamer.web.guard import DEFAULT_BODY, LOGIN_BODY
from tests.support._proc import free_port
from tests.web import factory
from tests.web.conftest import login

REPO = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
BIG = 200 * MB


@pytest.fixture
def web_process(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """`postkamer web` in its own process: (port, pid)."""
    settings = tmp_path / "postkamer.toml"
    settings.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "pk.db"}"\n'
        f'[storage]\nblobs = "{tmp_path / "blobs"}"\n'
        f'[routing]\nconfig = "{REPO / "config" / "routing.yaml"}"\n'
        f'templates = "{REPO / "templates"}"\n',
        encoding="utf-8",
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "postkamer.cli",
            "--config",
            str(settings),
            "web",
            "--port",
            str(port),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("postkamer web did not start")
                time.sleep(0.2)
        yield port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _upload(port: int, path: str, chunked: bool) -> tuple[int, int]:
    """POST a 200 MB JSON body, sending until the server answers; (status, bytes sent)."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {BIG}\r\n\r\n"
    piece = b"[" + b"1," * (MB // 2 - 1) + b"1]"  # 1 MB of JSON
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        answer = b""
        while sent < BIG:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            data = piece if not chunked else f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
            try:
                sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        sock.settimeout(30)
        try:
            while b"\r\n" not in answer:
                more = sock.recv(4096)
                if not more:
                    break
                answer += more
        except ConnectionResetError:
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1") else 0
    return status, sent


def test_an_anonymous_200_mb_body_is_refused_without_memory_growth(
    web_process: tuple[int, int],
) -> None:
    port, pid = web_process
    before = _peak_rss_mb(pid)
    for chunked in (False, True):
        status, sent = _upload(port, "/api/tickets/PK-ABCDEF/notes", chunked)
        assert status == 413, (chunked, status)
        assert sent < 50 * MB, (chunked, sent)
    grown = _peak_rss_mb(pid) - before
    assert grown < 20, f"peak memory grew {grown:.0f} MB"


def test_limits_hold_for_pages_login_and_api(client: TestClient) -> None:
    factory.add_user(client.app.state.config.engine, "els@postkamer.be", "owner", ("hardware",))
    ref = factory.add_ticket(client.app.state.config.engine)
    csrf = login(client, "els@postkamer.be")
    big_note = "x" * (DEFAULT_BODY + 1)
    r = client.post(f"/tickets/{ref}/note", data={"csrf_token": csrf, "text": big_note})
    assert r.status_code == 413
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.post(
        f"/api/tickets/{ref}/notes", json={"text": big_note}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 413 and "request body over" in r.json()["detail"]
    r = client.post("/login", data={"email": "a@b.c", "password": "p" * LOGIN_BODY})
    assert r.status_code == 413
    # a chunked body (no length) is counted while it is read
    r = client.post(
        f"/api/tickets/{ref}/notes",
        content=iter([b'{"text": "', b"y" * DEFAULT_BODY, b'"}']),
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    ok = client.post(
        f"/api/tickets/{ref}/notes", json={"text": "fits"}, headers={"X-CSRF-Token": csrf}
    )
    assert ok.status_code == 201
