"""`postkamer routing check FILE`: OK and exit 0, or `file:line: key: message` and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from postkamer.cli import main
from routing.config import DEFAULT_CONFIG_PATH
from tests.routing.helpers import REPO


def test_default_config_checks_ok_against_the_templates(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["routing", "check", str(DEFAULT_CONFIG_PATH), "--templates", str(REPO / "templates")]
    )
    out = capsys.readouterr().out
    assert (code, out.strip()) == (0, "OK")


def test_bad_config_lists_problems_with_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    text = text.replace(
        "      reply_template: general/view-online", "      reply_template: general/view-onlien"
    )
    text = text.replace("  threshold: 2\n", "  threshold: two\n", 1)
    bad = tmp_path / "routing.yaml"
    bad.write_text(text, encoding="utf-8")
    threshold_line = text.splitlines().index("  threshold: two") + 1
    code = main(["routing", "check", str(bad), "--templates", str(REPO / "templates")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out == [
        f"{bad}:{threshold_line}: classification.threshold: Input should be a valid "
        "number, unable to parse string as a number"
    ]
    # with the type fixed, the unknown template is reported on its own line
    bad.write_text(text.replace("threshold: two", "threshold: 2"), encoding="utf-8")
    template_line = text.splitlines().index("      reply_template: general/view-onlien") + 1
    code = main(["routing", "check", str(bad), "--templates", str(REPO / "templates")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out == [
        f"{bad}:{template_line}: rules[0].then.reply_template: unknown reply "
        "template 'general/view-onlien'"
    ]
