"""`postkamer routing apply|history|rollback`: a broken file is refused with its lines and the
running file stays; a good one becomes a version; rollback applies an old text again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postkamer.cli import main

REPO = Path(__file__).resolve().parents[2]
CONFIG = (REPO / "config" / "routing.yaml").read_text(encoding="utf-8")


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    routing = tmp_path / "routing.yaml"
    routing.write_text(CONFIG, encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path}/pk.db"
[storage]
blobs = "{tmp_path}/blobs"
[routing]
config = "{routing}"
templates = "{REPO / "templates"}"
""",
        encoding="utf-8",
    )
    return path


def test_apply_history_rollback(
    settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routing = tmp_path / "routing.yaml"
    base = ["--config", str(settings), "routing"]
    assert main([*base, "history"]) == 0
    assert "no routing config versions yet" in capsys.readouterr().out

    broken = tmp_path / "broken.yaml"
    broken.write_text(
        CONFIG.replace("reply_template: copy-request/received", "reply_template: x/y")
    )
    assert main([*base, "apply", str(broken)]) == 1
    err = capsys.readouterr().err
    line = CONFIG.split("\n").index("    reply_template: copy-request/received") + 1
    assert f"{routing}:{line}: queues[2].reply_template: unknown reply template 'x/y'" in err
    assert routing.read_text(encoding="utf-8") == CONFIG

    good = tmp_path / "good.yaml"
    good.write_text(CONFIG.replace("storing: 2", "storing: 3", 1))
    code = main([*base, "apply", str(good), "--comment", "storing", "--author", "ops@x.be"])
    assert code == 0
    assert f"version 2 applied to {routing}" in capsys.readouterr().out
    assert "storing: 3" in routing.read_text(encoding="utf-8")

    assert main([*base, "history", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["version"], r["author"], r["in_use"]) for r in rows] == [
        (2, "ops@x.be", True),
        (1, "system", False),
    ]
    assert "+          storing: 3" in rows[0]["diff"]

    assert main([*base, "rollback", "1", "--author", "ops@x.be"]) == 0
    assert "version 3 applied" in capsys.readouterr().out
    assert routing.read_text(encoding="utf-8") == CONFIG
    assert main([*base, "history"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("*    3") and "rollback to version 1" in out[0]
    assert main([*base, "rollback", "42"]) == 2
    assert "no routing config version 42" in capsys.readouterr().err
