"""`postkamer users ...` and the settings-to-app wiring of `postkamer web`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from postkamer.cli import main
from postkamer.commands.web import build_config
from postkamer.settings import load_settings
from storage.db import make_engine, session_scope
from storage.users import authenticate, get_user

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'pk.db'}"
    monkeypatch.setenv("POSTKAMER_DATABASE__URL", url)
    monkeypatch.setenv("POSTKAMER_STORAGE__BLOBS", str(tmp_path / "blobs"))
    monkeypatch.delenv("POSTKAMER_CONFIG", raising=False)
    return url


def _run(monkeypatch: pytest.MonkeyPatch, stdin: str, *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def test_users_add_then_log_in(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("users", "add", "Els@Postkamer.be", "--role", "owner", "--password-stdin")
    assert _run(monkeypatch, "lang genoeg wachtwoord\n", *args, "--queue", "hardware") == 0
    assert "added els@postkamer.be (owner; queues: hardware)" in capsys.readouterr().out
    assert _run(monkeypatch, "lang genoeg wachtwoord\n", *args, "--queue", "x") == 1
    assert "already exists" in capsys.readouterr().err
    assert (
        _run(monkeypatch, "kort\n", "users", "add", "b@p.be", "--role", "admin", "--password-stdin")
        == 1
    )
    assert (
        _run(
            monkeypatch,
            "lang genoeg wachtwoord\n",
            "users",
            "add",
            "c@p.be",
            "--role",
            "owner",
            "--password-stdin",
        )
        == 1
    )  # an owner without a queue
    engine = make_engine(db)
    with session_scope(engine) as s:
        assert authenticate(s, "els@postkamer.be", "lang genoeg wachtwoord") is not None
        assert authenticate(s, "els@postkamer.be", "lang genoeg wachtwoorD") is None
        assert get_user(s, "c@p.be") is None
    assert _run(monkeypatch, "", "users", "disable", "els@postkamer.be") == 0
    with session_scope(engine) as s:
        assert authenticate(s, "els@postkamer.be", "lang genoeg wachtwoord") is None
    engine.dispose()


def test_web_config_takes_queues_from_the_routing_config(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTKAMER_ROUTING__CONFIG", str(REPO / "config" / "routing.yaml"))
    cfg = build_config(load_settings())
    assert "cancellation" in cfg.queues and "general" in cfg.queues
    assert cfg.replies.from_addr == load_settings().outbound.from_
    cfg.engine.dispose()
