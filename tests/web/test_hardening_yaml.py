"""A routing config cannot make loading explode: aliases that expand past a small bound and
nesting past a depth limit are refused before loading, with the file and line, in the CLI and
on the supervisors' routing page (never a 500)."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from postkamer.cli import main
from postkamer.web import WebConfig, create_app
from routing.config import MAX_DEPTH, MAX_ITEMS, validate_routing_config
from tests.web import factory
from tests.web.conftest import login
from tests.web.supervision import supervisor_config

# under 400 bytes: nine levels of ten aliases each, 10^9 items once expanded
BOMB = "".join(
    f"{c}: &{c} [{','.join([f'*{chr(ord(c) - 1)}'] * 10) if c > 'a' else ','.join('x' * 10)}]\n"
    for c in "abcdefghi"
)
DEEP = "queues:\n" + " [\n" * 20_000 + " ]" * 20_000  # 20,000 levels, 80 KB


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_an_alias_bomb_is_refused_fast_with_its_line() -> None:
    assert len(BOMB) < 400
    before, started = _peak_mb(), time.perf_counter()
    config, problems = validate_routing_config(BOMB, "bomb.yaml")
    assert time.perf_counter() - started < 1.0
    assert _peak_mb() - before < 20
    assert config is None
    [problem] = problems
    assert str(problem).startswith("bomb.yaml:")
    assert problem.line in range(4, 8)  # where the expansion passes the bound
    assert f"{MAX_ITEMS:,}" in problem.message


def test_deep_nesting_is_refused_with_its_line() -> None:
    config, problems = validate_routing_config(DEEP, "deep.yaml")
    assert config is None
    [problem] = problems
    # the root mapping on line 1, one sequence more on each line after it
    assert problem.line == MAX_DEPTH + 1
    assert f"deeper than {MAX_DEPTH}" in problem.message
    block = "queues:\n" + "".join(" " * i + "- a:\n" for i in range(0, 200, 2))
    config, problems = validate_routing_config(block, "block.yaml")
    assert config is None and problems[0].line == 26  # a sequence and a mapping per line


def test_the_cli_reports_them_as_file_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in (("bomb.yaml", BOMB), ("deep.yaml", DEEP)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert main(["routing", "check", str(path)]) == 1
        out = capsys.readouterr().out.strip()
        assert out.startswith(f"{path}:") and "YAML:" in out and "Traceback" not in out


def test_the_routing_page_shows_them_at_their_lines(web_config: WebConfig, tmp_path: Path) -> None:
    cfg = supervisor_config(web_config, tmp_path)
    factory.add_user(cfg.engine, "boss@postkamer.be", "supervisor")
    with TestClient(create_app(cfg), follow_redirects=False) as c:
        csrf = login(c, "boss@postkamer.be")
        for text in (BOMB, DEEP):
            for action in ("check", "apply"):
                r = c.post("/routing", data={"csrf_token": csrf, "content": text, "action": action})
                assert r.status_code in (200, 422), (action, r.status_code)
                assert "YAML:" in r.text
