"""Routing config versions: applying validates first and refuses a broken config with its
lines, writes the file atomically and keeps a diffable history; rollback is a new version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from storage import routing_versions as rv
from storage.db import make_engine, session_scope
from storage.migrate import upgrade

REPO = Path(__file__).resolve().parents[2]
CONFIG = (REPO / "config" / "routing.yaml").read_text(encoding="utf-8")
TEMPLATES = rv.template_names(REPO / "templates")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    upgrade(e)
    try:
        yield e
    finally:
        e.dispose()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "routing.yaml"
    p.write_text(CONFIG, encoding="utf-8")
    return p


def test_apply_stores_baseline_then_new_version_with_diff(engine: Engine, path: Path) -> None:
    edited = CONFIG.replace("storing: 2", "storing: 3", 1)
    with session_scope(engine) as s:
        v = rv.apply_config(
            s, path, edited, "boss@postkamer.be", "storing weighs more", known_templates=TEMPLATES
        )
        vid = v.id
    assert path.read_text(encoding="utf-8") == edited
    with session_scope(engine) as s:
        versions = rv.history(s)
        assert [x.id for x in versions] == [vid, vid - 1]  # type: ignore[operator]
        new, base = versions
        assert base.author == "system" and base.content == CONFIG
        assert new.author == "boss@postkamer.be" and new.comment == "storing weighs more"
        assert new.sha256 == rv.sha256_text(edited)
        assert "-          storing: 2\n+          storing: 3\n" in new.diff
        assert new.diff.startswith(f"--- version {base.id}\n+++ version {new.id}\n")
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_invalid_config_is_refused_with_lines_and_nothing_changes(
    engine: Engine, path: Path
) -> None:
    broken = CONFIG.replace("fallback_queue: general", "fallback_queue: generaal", 1)
    line = broken.splitlines().index("  fallback_queue: generaal") + 1
    with session_scope(engine) as s, pytest.raises(rv.ConfigRejected) as err:
        rv.apply_config(s, path, broken, "boss@postkamer.be", known_templates=TEMPLATES)
    [problem] = err.value.problems
    assert problem.line == line and problem.key == "classification.fallback_queue"
    assert "unknown queue 'generaal'" in problem.message
    assert path.read_text(encoding="utf-8") == CONFIG
    with session_scope(engine) as s:
        assert rv.history(s) == []


def test_unknown_template_is_refused(engine: Engine, path: Path) -> None:
    bad = CONFIG.replace("reply_template: copy-request/received", "reply_template: nope/x", 1)
    with session_scope(engine) as s, pytest.raises(rv.ConfigRejected) as err:
        rv.apply_config(s, path, bad, "a@b.be", known_templates=TEMPLATES)
    assert "unknown reply template 'nope/x'" in str(err.value)
    # without a template list the name is not checked
    with session_scope(engine) as s:
        rv.apply_config(s, path, bad, "a@b.be", known_templates=None)


def test_rollback_applies_old_content_as_new_version(engine: Engine, path: Path) -> None:
    one = CONFIG.replace("storing: 2", "storing: 3", 1)
    two = CONFIG.replace("defect: 1", "defect: 2", 1)
    with session_scope(engine) as s:
        first = rv.apply_config(s, path, one, "a@b.be", known_templates=TEMPLATES)
        rv.apply_config(s, path, two, "c@d.be", known_templates=TEMPLATES)
        first_id = first.id
        assert first_id is not None
    with session_scope(engine) as s:
        back = rv.rollback(s, path, first_id, "boss@postkamer.be", known_templates=TEMPLATES)
        assert back.id is not None and back.id > first_id + 1
        assert back.content == one and back.comment == f"rollback to version {first_id}"
        assert "-          defect: 2\n" in back.diff and "+          storing: 3\n" in back.diff
    assert path.read_text(encoding="utf-8") == one
    with session_scope(engine) as s:
        assert len(rv.history(s)) == 4
        with pytest.raises(rv.UnknownVersion):
            rv.rollback(s, path, 999, "x@y.be")


def test_same_content_is_not_a_new_version(engine: Engine, path: Path) -> None:
    with session_scope(engine) as s:
        base = rv.ensure_baseline(s, path)
        again = rv.apply_config(s, path, CONFIG, "a@b.be")
        assert base is not None and again.id == base.id
        assert rv.ensure_baseline(s, path) is not None
        assert len(rv.history(s)) == 1


def test_file_edited_on_disk_is_recorded_before_an_apply(engine: Engine, path: Path) -> None:
    with session_scope(engine) as s:
        rv.ensure_baseline(s, path)
    on_disk = CONFIG.replace("storing: 2", "storing: 5", 1)
    path.write_text(on_disk, encoding="utf-8")
    edited = on_disk.replace("defect: 1", "defect: 2", 1)
    with session_scope(engine) as s:
        v = rv.apply_config(s, path, edited, "a@b.be")
        assert "+          storing" not in v.diff and "+          defect: 2" in v.diff
        authors = [x.author for x in rv.history(s)]
    assert authors == ["a@b.be", "file", "system"]


def test_expected_version_detects_a_concurrent_apply(engine: Engine, path: Path) -> None:
    with session_scope(engine) as s:
        base = rv.ensure_baseline(s, path)
        assert base is not None and base.id is not None
        rv.apply_config(s, path, CONFIG.replace("storing: 2", "storing: 3"), "a@b.be")
    with session_scope(engine) as s, pytest.raises(rv.VersionConflict):
        rv.apply_config(
            s, path, CONFIG.replace("defect: 1", "defect: 2"), "c@d.be", expected_version=base.id
        )
    assert "storing: 3" in path.read_text(encoding="utf-8")


def test_write_atomic_keeps_mode_and_crlf_is_normalised(engine: Engine, path: Path) -> None:
    path.chmod(0o640)
    with session_scope(engine) as s:
        rv.apply_config(
            s, path, CONFIG.replace("\n", "\r\n").replace("defect: 1", "defect: 2"), "a@b.be"
        )
    assert path.stat().st_mode & 0o777 == 0o640
    assert b"\r\n" not in path.read_bytes()


def test_version_recorder_stores_once(engine: Engine, path: Path) -> None:
    record = rv.version_recorder(engine)
    record(CONFIG)
    record(CONFIG)
    with session_scope(engine) as s:
        [only] = rv.history(s)
        assert only.author == "file"
