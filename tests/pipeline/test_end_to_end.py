"""The whole service between real servers: the samples arrive in a Dovecot mailbox,
`postkamer run --once` processes them, and the replies arrive at an SMTP server: the template
their outcome calls for, in their language, threaded, parseable; robots get nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import OutboxRow
from tests.outbound.conftest import SmtpServer
from tests.support.dovecot import Account
from tests.support.mail import settings_dict, write_config

REPO = Path(__file__).resolve().parents[2]


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "postkamer.cli", "--config", str(config), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _expected_templates(label: dict[str, Any]) -> set[str]:
    outcome = label["policy"]["outcome"]
    if outcome:
        return {f"cancellation/{outcome}"}
    if label["queue"] == "copy-request":
        return {"copy-request/received"}
    if label["queue"] == "general":
        return {"ack/general", "general/view-online"}
    return {f"ack/{label['queue']}"}


def test_samples_through_dovecot_and_smtp(
    imap_account: Account,
    migrated_db_url: str,
    tmp_path: Path,
    samples_dir: Path,
    smtp_server: SmtpServer,
) -> None:
    labels = json.loads((samples_dir / "labels.json").read_text(encoding="utf-8"))
    files = sorted(samples_dir.glob("*.eml"))
    datas = [f.read_bytes() for f in files]
    dates = []
    for data in datas:
        header = next(
            line for line in data.split(b"\n") if line.lower().startswith(b"date:")
        )
        dates.append(parsedate_to_datetime(header[5:].decode().strip()).timestamp())
    imap_account.deliver(datas, arrived=dates)

    data = settings_dict(
        migrated_db_url,
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
    )
    data["smtp"] = {
        "host": "127.0.0.1",
        "port": smtp_server.port,
        "tls": "none",
        "from": "Contract Support <support@contracts.example.com>",
        "message_id_domain": "contracts.example.com",
    }
    data["trust"] = {"authserv_ids": ["mx.contracts.example.com"]}  # the labels assume it
    config = write_config(tmp_path / "postkamer.toml", data)
    imported = _cli(config, "contracts", "import", str(samples_dir / "contracts.csv"))
    assert imported.returncode == 0, imported.stderr

    run = _cli(config, "run", "--once", "--json")
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    tickets = [n for n, lab in labels.items() if lab["disposition"] == "ticket"]
    assert summary["stored"] == len(files)
    assert summary["replies_sent"] == len(tickets)
    assert imap_account.count("INBOX") == 0 and imap_account.count("Processed") == len(files)

    engine = make_engine(migrated_db_url)
    try:
        with Session(engine) as session:
            templates = {
                row.message_id: row.template for row in session.exec(select(OutboxRow)).all()
            }
    finally:
        engine.dispose()
    by_parent: dict[str, EmailMessage] = {}
    for captured in smtp_server.messages:
        reply = captured.parsed()
        by_parent[str(reply["In-Reply-To"]).strip()] = reply
    assert len(by_parent) == len(tickets), "one reply per ticket, none twice"

    for path, raw in zip(files, datas, strict=True):
        label = labels[path.name]
        message_id = str(message_from_bytes(raw)["Message-ID"]).strip()
        reply = by_parent.get(message_id)
        if label["disposition"] != "ticket":
            assert reply is None, f"{path.name}: a {label['disposition']} got a reply"
            continue
        assert reply is not None, f"{path.name}: no reply arrived"
        assert reply["Content-Language"] == label["language"], path.name
        assert reply["Auto-Submitted"] == "auto-replied"
        assert message_id in str(reply["References"]), path.name
        assert "[PK-" in str(reply["Subject"]), path.name
        assert templates[str(reply["Message-ID"])] in _expected_templates(label), path.name
        body = reply.get_body(("plain",))
        assert body is not None and body.get_content().strip(), path.name


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
