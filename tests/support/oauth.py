"""A token command for OAuth2 tests whose client secret has expired until the test renews it."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from postkamer.settings import OAuthSettings, SmtpSettings


def expired_secret_command(folder: Path) -> tuple[Path, Path]:
    """Write `token.py`: it fails like Microsoft Entra ID with an expired client secret until
    the returned flag file exists, then prints a token. Returns (script, flag)."""
    flag = folder / "secret-valid"
    script = folder / "token.py"
    script.write_text(
        "import pathlib, sys\n"
        f"if not pathlib.Path({str(flag)!r}).exists():\n"
        "    sys.stderr.write('AADSTS7000222: the client secret keys are expired')\n"
        "    sys.exit(1)\n"
        "print('tok-' + 'x' * 40)\n"
    )
    return script, flag


def smtp_with_expiring_secret(folder: Path, ends: datetime) -> tuple[SmtpSettings, Path]:
    """SMTP settings that get their XOAUTH2 token from `expired_secret_command`, with a client
    secret that ends at `ends` (warned 14 days before). Returns (settings, flag)."""
    script, flag = expired_secret_command(folder)
    smtp = SmtpSettings(
        host="127.0.0.1",
        username="support@contracts.example.com",
        auth="xoauth2",
        token_command=f"{sys.executable} {script}",
        oauth=OAuthSettings(secret_expires_at=ends, warn_days=14),
    )
    return smtp, flag
