"""Replay over several worker processes reports exactly what one process reports."""

from __future__ import annotations

import pytest

from routing.config import DEFAULT_CONFIG_PATH, load_routing_config, parse_routing_config
from routing.registry import Registry
from routing.replay import ReplayItem, replay
from tests.routing.helpers import SAMPLES

pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not present")


def test_workers_give_the_same_report_as_one_process() -> None:
    current = load_routing_config(DEFAULT_CONFIG_PATH)
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    candidate = parse_routing_config(text.replace("  threshold: 2", "  threshold: 40", 1), "c.yaml")
    registry = Registry.from_csv(SAMPLES / "contracts.csv")
    items = [
        ReplayItem(ref=p.name, data=p.read_bytes())
        for p in sorted(SAMPLES.glob("*.eml"))
    ] + [ReplayItem(ref="broken.eml", data=b"\x00\x01 not a mail")]
    single = replay(items, current, candidate, registry, workers=1)
    pooled = replay(items, current, candidate, registry, workers=2)
    assert pooled.to_json() == single.to_json()
    assert single.to_json()["total"] == len(items) - 1
    assert single.to_json()["changed"] > 0, "the candidate must change something to compare"
    assert [ref for ref, _ in pooled.errors] == ["broken.eml"]
