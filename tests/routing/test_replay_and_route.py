"""`postkamer route --json` on the samples and the replay engine on them: the same production
path, JSON Lines in the order given, a quarantine line for a file that cannot be processed,
and a report of what a candidate config changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.proof import TrustConfig
from postkamer.cli import main
from routing.config import DEFAULT_CONFIG_PATH, load_routing_config, parse_routing_config
from routing.registry import Registry
from routing.replay import ReplayItem, replay
from tests.routing.helpers import SAMPLES

pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not present")

FILES = [
    "023-opzeg-onderhoud-late-avond.eml",
    "011-kopie-contract-afvullijn.eml",
    "009-bounce-onbekende-ontvanger.eml",
]


def test_route_json_lines_in_order_with_quarantine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.eml"
    paths = [
        str(SAMPLES / FILES[0]),
        str(missing),
        str(SAMPLES / FILES[1]),
        str(SAMPLES / FILES[2]),
    ]
    code = main(
        [
            "route",
            "--json",
            *paths,
            "--registry",
            str(SAMPLES / "contracts.csv"),
            "--routing",
            str(DEFAULT_CONFIG_PATH),
            "--authserv-id",
            "MX.contracts.example.com",
        ]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["file"] for x in lines] == paths
    first = lines[0]
    assert list(first)[:13] == [
        "file",
        "disposition",
        "queue",
        "language",
        "contract_numbers",
        "destruction_confirmation",
        "machine_out_of_use",
        "requested_end_date",
        "policy",
        "reply_template",
        "sender_proof",
        "evidence",
        "explanation",
    ]
    assert first["queue"] == "cancellation"
    assert first["policy"] == {
        "outcome": "accepted",
        "effective_date": "2026-04-01",
        "earliest_notice_date": None,
    }
    assert first["reply_template"] == "cancellation/accepted"
    assert first["sender_proof"]["status"] == "proven"
    assert lines[1]["disposition"] == "quarantine" and lines[1]["error"]
    assert (lines[2]["queue"], lines[2]["reply_template"]) == (
        "copy-request",
        "copy-request/received",
    )
    assert (lines[3]["disposition"], lines[3]["queue"]) == ("bounce", None)
    assert code == 1  # one file could not be read


def test_route_believes_only_the_mail_servers_it_is_told_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without `--authserv-id` (and no [trust] in the settings) the desk's MX is not believed:
    the accepted cancellation awaits the sender's confirmation; the settings' ids count too."""
    sample = str(SAMPLES / FILES[0])
    base = ["route", "--json", sample, "--registry", str(SAMPLES / "contracts.csv")]
    assert main(base) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["policy"]["outcome"] == "awaiting_sender_confirmation"
    assert line["sender_proof"]["status"] == "unproven"
    assert any("mx.contracts.example.com ignored" in r for r in line["sender_proof"]["reasons"])
    settings = tmp_path / "postkamer.toml"
    settings.write_text('[trust]\nauthserv_ids = ["mx.contracts.example.com"]\n')
    assert main(["--config", str(settings), *base]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["policy"]["outcome"] == "accepted"
    assert line["sender_proof"] == {
        "status": "proven",
        "method": "dmarc",
        "reasons": [
            "mx.contracts.example.com: dmarc=pass header.from=polderzicht.example.org: DMARC "
            "passed for the From domain polderzicht.example.org"
        ],
    }


def test_route_quarantines_what_cannot_be_parsed_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.msg"
    junk.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40)
    code = main(
        [
            "route",
            "--json",
            str(junk),
            str(SAMPLES / FILES[1]),
            "--registry",
            str(SAMPLES / "contracts.csv"),
            "--routing",
            str(DEFAULT_CONFIG_PATH),
        ]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    assert lines[0]["disposition"] in ("quarantine", "ticket")  # the parser decides
    assert lines[1]["queue"] == "copy-request"
    assert code == 0


def test_replay_reports_what_a_candidate_changes() -> None:
    registry = Registry.from_csv(SAMPLES / "contracts.csv")
    current = load_routing_config(DEFAULT_CONFIG_PATH)
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    # candidate: six weeks of notice for monthly licences, and copy requests handled as general
    candidate = parse_routing_config(
        text.replace("monthly_license_notice_days: 30", "monthly_license_notice_days: 42")
        .replace("intent_queues: [cancellation, copy-request]", "intent_queues: [cancellation]")
        .replace(
            "  - name: view-contracts-online",
            """  - name: no-copies
    when: {queue: copy-request}
    then: {queue: general}
  - name: view-contracts-online""",
            1,
        )
    )
    items = [
        ReplayItem(ref=p.name, data=p.read_bytes(), mailbox="support")
        for p in sorted(SAMPLES.glob("*.eml"))
    ]
    report = replay(
        items,
        current,
        candidate,
        registry,
        trust=TrustConfig(authserv_ids=("mx.contracts.example.com",)),
    )
    assert report.total == 45 and not report.errors
    rows = {(src, dst): n for src, dst, n, _ in report.rows()}
    assert rows[("copy-request", "general")] == 5
    # 028: received 2026-02-03 + 42 days = 2026-03-17 instead of 2026-03-05 (same outcome)
    assert rows[("cancellation/accepted", "cancellation/accepted")] == 1
    assert report.field_changes["effective_date"] == 1
    assert report.changed == 6
    out = report.to_json()
    assert out["unchanged"] == 39
    assert any(c["from"] == "copy-request" and len(c["examples"]) == 3 for c in out["changes"])
    table = report.table()
    assert table.startswith("45 mails replayed, 6 decisions change")
    assert "copy-request" in table and "general" in table


def test_replay_of_the_same_config_changes_nothing() -> None:
    registry = Registry.from_csv(SAMPLES / "contracts.csv")
    config = load_routing_config(DEFAULT_CONFIG_PATH)
    items = [ReplayItem(ref=p.name, data=p.read_bytes()) for p in sorted(SAMPLES.glob("*.eml"))]
    report = replay(items, config, config, registry)
    assert (report.total, report.changed) == (45, 0)
