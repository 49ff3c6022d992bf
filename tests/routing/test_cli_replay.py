"""`postkamer routing replay` on mail stored by `postkamer ingest` (ledger + blob store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postkamer.cli import main
from routing.config import DEFAULT_CONFIG_PATH
from tests.routing.helpers import REPO, SAMPLES

pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not present")

MAILS = [
    "011-kopie-contract-afvullijn.eml",
    "024-copie-deux-contrats.eml",
    "028-opzegging-maandlicentie-vernietigd.eml",
    "002-dekking-etiketteermachine.eml",
]


def test_replay_reads_processed_mail_from_the_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path}/pk.db"
[storage]
blobs = "{tmp_path}/blobs"
[routing]
config = "{DEFAULT_CONFIG_PATH}"
templates = "{REPO / "templates"}"
registry = "{SAMPLES / "contracts.csv"}"
""",
        encoding="utf-8",
    )
    assert main(["--config", str(settings), "ingest", *(str(SAMPLES / m) for m in MAILS)]) == 0
    capsys.readouterr()
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(
        DEFAULT_CONFIG_PATH.read_text(encoding="utf-8").replace(
            "  - name: view-contracts-online",
            "  - name: copies-to-general\n    when: {queue: copy-request}\n"
            "    then: {queue: general}\n  - name: view-contracts-online",
            1,
        ),
        encoding="utf-8",
    )
    code = main(
        ["--config", str(settings), "routing", "replay", "--config", str(candidate), "--json"]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (report["total"], report["changed"], report["errors"]) == (4, 2, [])
    assert report["changes"][0]["from"] == "copy-request"
    assert report["changes"][0]["to"] == "general"
    assert report["changes"][0]["count"] == 2
    assert all("ledger" in ex for ex in report["changes"][0]["examples"])

    code = main(
        [
            "--config",
            str(settings),
            "routing",
            "replay",
            "--config",
            str(candidate),
            "--queue",
            "hardware",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("1 mails replayed, 0 decisions change")

    # an invalid candidate is refused with its line, nothing replayed
    candidate.write_text("queues: []\n", encoding="utf-8")
    code = main(["--config", str(settings), "routing", "replay", "--config", str(candidate)])
    captured = capsys.readouterr()
    assert code == 1 and f"{candidate}:1: queues:" in captured.err
