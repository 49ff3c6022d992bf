"""Settings: the TOML file, environment overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from postkamer.settings import SettingsError, load_settings

REPO = Path(__file__).resolve().parents[1]


def test_example_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTKAMER_IMAP_PASSWORD", "imap-secret")
    monkeypatch.setenv("POSTKAMER_SMTP_PASSWORD", "smtp-secret")
    settings = load_settings(REPO / "config" / "postkamer.example.toml")
    assert settings.mailboxes[0].name == "support"
    assert settings.mailboxes[0].secret() == "imap-secret"
    assert settings.smtp is not None and settings.smtp.secret() == "smtp-secret"


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[[mailboxes]]\nname = "a"\nhost = "h"\nusername = "u"\nprot = 1\n')
    with pytest.raises(SettingsError) as err:
        load_settings(path)
    assert "mailboxes.0.prot" in str(err.value)
    assert str(path) in str(err.value)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[limits]\nmax_message_bytes = 'lots'\n")
    with pytest.raises(SettingsError, match=r"limits\.max_message_bytes"):
        load_settings(path)


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[database]\nurl = "sqlite:///file.db"\n')
    monkeypatch.setenv("POSTKAMER_DATABASE__URL", "sqlite:///env.db")
    assert load_settings(path).database.url == "sqlite:///env.db"


def test_world_readable_password_file_refused(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("hunter2\n")
    secret.chmod(0o644)
    path = tmp_path / "s.toml"
    path.write_text(
        f'[[mailboxes]]\nname = "a"\nhost = "h"\nusername = "u"\npassword_file = "{secret}"\n'
    )
    box = load_settings(path).mailboxes[0]
    with pytest.raises(SettingsError, match="readable by everyone"):
        box.secret()
    secret.chmod(0o600)
    assert box.secret() == "hunter2"


def test_missing_settings_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such settings file"):
        load_settings(tmp_path / "absent.toml")


def test_trust_section(tmp_path: Path) -> None:
    assert load_settings(None).trust.config().configured is False  # nothing believed by default
    path = tmp_path / "s.toml"
    path.write_text(
        '[trust]\nauthserv_ids = [" MX.Contracts.example.com "]\nmicrosoft365 = true\n'
        "verify_dkim = true\ndkim_timeout_seconds = 2\nconfirmation_days = 7\n"
    )
    settings = load_settings(path)
    trust = settings.trust.config()
    assert trust.authserv_ids == ("mx.contracts.example.com",)
    assert trust.microsoft365 and trust.verify_dkim and trust.dkim_timeout == 2
    assert settings.trust.confirmation_days == 7
    path.write_text('[trust]\nauthserv_ids = ["mx.example.com; dmarc=pass"]\n')
    with pytest.raises(SettingsError, match=r"trust\.authserv_ids"):
        load_settings(path)
