"""Hot reload: a valid changed file replaces the running config and is recorded once; an
invalid one is logged with file:line and the running config stays; nothing changes, nothing
is read."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from routing.config import RoutingConfigError
from routing.reloader import ConfigReloader

REPO = Path(__file__).resolve().parents[2]
CONFIG = (REPO / "config" / "routing.yaml").read_text(encoding="utf-8")


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _weight(cfg: object, queue: str, term: str) -> float:
    kw = cfg.classification.queues[queue].keywords  # type: ignore[attr-defined]
    return float(kw["nl"][term])


def test_valid_change_is_picked_up_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    recorded: list[str] = []
    reloader = ConfigReloader(path, record=recorded.append)
    running = reloader.config
    assert reloader.poll() is None and reloader.current() is running
    _write(path, CONFIG.replace("storing: 2", "storing: 7", 1))
    new = reloader.poll()
    assert new is not None and reloader.config is new
    assert _weight(new, "hardware", "storing") == 7
    assert recorded == [path.read_text(encoding="utf-8")]
    assert reloader.poll() is None and recorded == recorded[:1]


def test_invalid_change_keeps_running_config_and_logs_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    recorded: list[str] = []
    reloader = ConfigReloader(path, record=recorded.append)
    running = reloader.config
    broken = CONFIG.replace("fallback_queue: general", "fallback_queue: generaal", 1)
    line = broken.splitlines().index("  fallback_queue: generaal") + 1
    with caplog.at_level(logging.ERROR, logger="routing.reloader"):
        _write(path, broken)
        assert reloader.poll() is None
        _write(path, broken)  # same content again (new inode): not logged twice
        assert reloader.poll() is None
    assert reloader.config is running and recorded == []
    errors = [r.getMessage() for r in caplog.records]
    assert len(errors) == 1
    assert f"{path}:{line}: classification.fallback_queue: unknown queue 'generaal'" in errors[0]
    assert reloader.problems and reloader.problems[0].line == line
    _write(path, CONFIG)  # fixed back to what runs: nothing new to record
    assert reloader.poll() is None
    assert reloader.problems == [] and reloader.config is running and recorded == []


def test_touch_without_change_is_no_reload(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    reloader = ConfigReloader(path)
    os.utime(path, ns=(1, 1))
    assert reloader.poll() is None


def test_missing_file_keeps_running_and_broken_start_refuses(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    reloader = ConfigReloader(path)
    path.unlink()
    assert reloader.poll() is None and reloader.config is not None
    path.write_text("queues: []\n", encoding="utf-8")
    with pytest.raises(RoutingConfigError):
        ConfigReloader(path)
