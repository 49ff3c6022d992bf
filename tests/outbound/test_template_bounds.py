"""The template sandbox bounds what a small template can build (`'x' * 10**9` was 6 GB), and
`postkamer templates check` reports a failing template instead of printing a traceback."""

from __future__ import annotations

import resource
import shutil
import time
from pathlib import Path

import pytest

from outbound.templates import MAX_RANGE, MAX_REPEAT, TemplateSet
from postkamer.cli import main

REPO = Path(__file__).resolve().parents[2]
HOSTILE = {
    "repeat": "{{ 'x' * 10**9 }}",
    "repeat_list": "{{ ([1] * 10**8) | length }}",
    "range": "{% for i in range(10**8) %}{% endfor %}",
    "ranges": "{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}",
    "power": "{{ (10 ** 10000000) | string | length }}",
    "center": "{{ 'x' | center(10**9) }}",
    "format": "{{ '%1000000000d' % 1 }}",
    "replace": "{{ ('x' * 90000) | replace('x', 'yyyyyyyyyy') }}",
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(REPO / "templates", target)
    return target


def _with_body(folder: Path, expression: str) -> None:
    path = folder / "nl" / "ack" / "general.txt.j2"
    text = path.read_text(encoding="utf-8")
    start = text.index("{% block body %}") + len("{% block body %}")
    path.write_text(text[:start] + expression + text[start:], encoding="utf-8")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_expressions_fail_fast_with_a_report(
    folder: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _with_body(folder, HOSTILE[name])
    before, started = _peak_mb(), time.perf_counter()
    code = main(["templates", "check", "--folder", str(folder)])
    assert time.perf_counter() - started < 10
    assert _peak_mb() - before < 100
    out = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out.out + out.err
    [problem] = [line for line in out.out.splitlines() if line.startswith("failing:")]
    assert problem.startswith("failing: nl/ack/general:")
    assert "SecurityError" in problem and "sandbox refuses" in problem


def test_ordinary_use_stays_allowed(folder: Path) -> None:
    _with_body(
        folder,
        "{{ '-' * 40 }}{% for i in range(3) %}{{ i }}{% endfor %}{{ 2 ** 10 }}"
        "{{ '%5.2f' % 3.14159 }}{{ 'ab' | center(10) }}"
        + "{{ ('x' * (MAX - 1)) | length }}".replace("MAX", str(MAX_REPEAT)),
    )
    rendered = TemplateSet.load(folder).render(
        "ack/general", "nl", {"ticket_ref": "PK-7F3K9Q"} | _defaults()
    )
    assert "-" * 40 in rendered.text and "012" in rendered.text and "1024" in rendered.text
    assert " 3.14" in rendered.text and str(MAX_REPEAT - 1) in rendered.text
    assert MAX_RANGE >= 1000


def _defaults() -> dict[str, object]:
    from outbound.templates import ReplyContext

    return ReplyContext(ticket_ref="PK-7F3K9Q").variables()
