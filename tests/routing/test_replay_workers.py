"""Replay over several worker processes reports exactly what one process reports. The pool is
only used by a process without other threads (forking a threaded process is unsafe), so the
comparison runs in a fresh interpreter, as the `routing replay` command does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.routing.helpers import SAMPLES

pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not present")
REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from pathlib import Path
from routing.config import DEFAULT_CONFIG_PATH, load_routing_config, parse_routing_config
from routing.registry import Registry
from routing.replay import ReplayItem, replay

samples = Path(sys.argv[1])
current = load_routing_config(DEFAULT_CONFIG_PATH)
text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
candidate = parse_routing_config(text.replace("  threshold: 2", "  threshold: 40", 1), "c.yaml")
registry = Registry.from_csv(samples / "contracts.csv")
items = [ReplayItem(ref=p.name, data=p.read_bytes()) for p in sorted(samples.glob("*.eml"))]
items.append(ReplayItem(ref="broken.eml", data=b"\\x00\\x01 not a mail"))
out = {}
for workers in (1, 2):
    report = replay(iter(items), current, candidate, registry, workers=workers)
    out[workers] = {"report": report.to_json(), "errors": [r for r, _ in report.errors]}
print(json.dumps(out))
"""


def test_workers_give_the_same_report_as_one_process() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(SAMPLES)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    single, pooled = out["1"], out["2"]
    assert pooled == single
    assert single["report"]["total"] == 45
    assert single["report"]["changed"] > 0, "the candidate must change something to compare"
    assert single["errors"] == ["broken.eml"]
