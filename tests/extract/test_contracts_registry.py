"""The contract registry in the database, through the CLI: import (upsert, all or nothing),
show, and load_registry as routing reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from postkamer.cli import main
from storage.contracts import load_registry
from storage.db import make_engine, session_scope
from tests.extract.helpers import SAMPLES

HEADER = "contract_number,kind,scope,customer,contacts,start_date,language\n"


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "postkamer.toml"
    db = tmp_path / "db" / "postkamer.db"
    path.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    return path


def _registry(config: Path) -> dict[str, tuple[str, frozenset[str]]]:
    url = config.read_text().split('"')[1]
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            reg = load_registry(session)
    finally:
        engine.dispose()
    return {number: (c.kind, c.contacts) for number, c in reg.items()}


def test_import_samples_then_show(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--config", str(config), "contracts", "import", str(SAMPLES / "contracts.csv")]) == 0
    )
    assert "27 contract(s): 27 new, 0 updated" in capsys.readouterr().out
    reg = _registry(config)
    assert len(reg) == 27
    assert reg["HW22074418"][0] == "maintenance"
    assert main(["--config", str(config), "contracts", "show", "hw 2207-4418"]) == 0
    out = capsys.readouterr().out
    assert "HW-2207-4418" in out and "jan.deprez@zevenlinden.example.be" in out
    assert main(["--config", str(config), "contracts", "show", "XX-000"]) == 1
    assert "no contract" in capsys.readouterr().err


def test_reimport_updates_by_normalized_number(config: Path, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text(
        HEADER + "AB-123,maintenance,hardware,X NV,a@example.be,2024-01-01,nl\n", encoding="utf-8"
    )
    second = tmp_path / "b.csv"
    second.write_text(
        HEADER
        + "ab 123,monthly_license,software,X NV,b@example.be;c@example.be,2024-01-01,fr\n"
        + "CD-9,maintenance,hardware,Y NV,d@example.be,2023-01-01,nl\n",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "contracts", "import", str(first)]) == 0
    assert main(["--config", str(config), "contracts", "import", str(second)]) == 0
    reg = _registry(config)
    assert set(reg) == {"AB123", "CD9"}
    assert reg["AB123"] == ("monthly_license", frozenset({"b@example.be", "c@example.be"}))


def test_bad_row_imports_nothing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "AB-123,maintenance,hardware,X NV,a@example.be,2024-01-01,nl\n"
        + "CD-9,rental,hardware,Y NV,d@example.be,2023-01-01,nl\n",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "contracts", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err and "rental" in err
    assert main(["--config", str(config), "contracts", "show", "AB-123"]) == 1


def test_missing_file(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "contracts", "import", str(tmp_path / "no.csv")]) == 1
    assert "no.csv" in capsys.readouterr().err
