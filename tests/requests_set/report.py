"""Accuracy report for a labelled mail set, measured the way a new user would measure it.

A set is a folder with `labels.json` (DOMAIN.md section 6 keys per file name, optionally
`sender_proof`, `intent`, `shape`), `contracts.csv` (the registry the labels assume) and the
mails, either in `mails/` or beside the labels (the shared samples). Every mail goes through
the production path, `routing.decide.route_bytes`, exactly as tests/generalization does; the
report gives per-field accuracy overall, per language and per shape, and the precision and
recall of `accepted` with every wrong acceptance listed.

    python -m tests.requests_set.report [FOLDER]        (default: this set)
    python -m tests.requests_set.report ../shared/samples
    python -m tests.requests_set.report tests/generalization
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from intake.proof import TrustConfig
from routing.config import DEFAULT_CONFIG_PATH, RoutingConfig, load_routing_config
from routing.decide import route_bytes
from routing.registry import Registry

HERE = Path(__file__).resolve().parent

# The desk MX whose Authentication-Results the labels believe (DOMAIN.md 4a, samples README).
TRUSTED_AUTHSERV_IDS = ("mx.contracts.example.com",)
TRUST = TrustConfig(authserv_ids=TRUSTED_AUTHSERV_IDS)

KEYS = (
    "disposition",
    "queue",
    "language",
    "contract_numbers",
    "destruction_confirmation",
    "machine_out_of_use",
    "requested_end_date",
    "policy",
)
# report columns: name -> short title
FIELDS = {
    "disposition": "disp",
    "queue": "queue",
    "language": "lang",
    "contract_numbers": "numbers",
    "destruction_confirmation": "destr",
    "machine_out_of_use": "oou",
    "requested_end_date": "end",
    "outcome": "outcome",
    "policy": "policy",
    "sender_proof": "proof",
    "full": "full",
    "full+proof": "full+pr",
}


@dataclass(frozen=True)
class LabelledSet:
    folder: Path
    mails: Path
    labels: dict[str, dict[str, Any]]
    registry: Path


def load_set(folder: Path) -> LabelledSet:
    folder = folder.resolve()
    labels: dict[str, dict[str, Any]] = json.loads(
        (folder / "labels.json").read_text(encoding="utf-8")
    )
    mails = folder / "mails" if (folder / "mails").is_dir() else folder
    return LabelledSet(folder, mails, labels, folder / "contracts.csv")


def decide(
    data: bytes,
    *,
    registry: Registry,
    config: RoutingConfig,
    name: str,
    trust: TrustConfig = TRUST,
) -> dict[str, Any]:
    """One mail through the production path, believing the desk MX (TRUSTED_AUTHSERV_IDS)."""
    return route_bytes(data, registry=registry, config=config, file=name, trust=trust).to_json(
        file=name
    )


@cache
def _config() -> RoutingConfig:
    return load_routing_config(DEFAULT_CONFIG_PATH)


def decisions(labelled: LabelledSet) -> dict[str, dict[str, Any]]:
    registry = Registry.from_csv(labelled.registry)
    config = _config()
    out = {}
    # the generalization mails carry no Authentication-Results: its test stamps the verdict of
    # the mail server its labels assume, and so does this report
    stamp, trust = _stamp_for(labelled)
    for name in labelled.labels:
        data = stamp((labelled.mails / name).read_bytes())
        out[name] = decide(data, registry=registry, config=config, name=name, trust=trust)
    return out


def _stamp_for(labelled: LabelledSet) -> tuple[Callable[[bytes], bytes], TrustConfig]:
    if labelled.folder.name == "generalization":
        from tests.generalization.test_generalization import TRUST as GEN_TRUST
        from tests.generalization.test_generalization import stamped

        return stamped, GEN_TRUST
    return (lambda data: data), TRUST


def right_fields(label: dict[str, Any], got: dict[str, Any]) -> dict[str, bool]:
    """Which fields of one decision match its label (sender_proof only when labelled)."""
    ok = {key: label[key] == got[key] for key in KEYS}
    ok["outcome"] = label["policy"]["outcome"] == got["policy"]["outcome"]
    ok["full"] = all(ok[key] for key in KEYS)
    if "sender_proof" in label:
        ok["sender_proof"] = label["sender_proof"] == got["sender_proof"]["status"]
        ok["full+proof"] = ok["full"] and ok["sender_proof"]
    return ok


@dataclass(frozen=True)
class Row:
    name: str
    label: dict[str, Any]
    got: dict[str, Any]
    ok: dict[str, bool]


@dataclass(frozen=True)
class Report:
    title: str
    rows: tuple[Row, ...]

    def fields(self) -> list[str]:
        return [f for f in FIELDS if all(f in row.ok for row in self.rows)]

    def share(self, field: str, rows: Iterable[Row] | None = None) -> tuple[int, int]:
        chosen = list(self.rows if rows is None else rows)
        return sum(row.ok[field] for row in chosen), len(chosen)

    def accuracy(self, field: str) -> float:
        right, total = self.share(field)
        return right / total if total else 1.0

    def misses(self, field: str) -> list[Row]:
        return [row for row in self.rows if not row.ok[field]]

    def decided_accepted(self) -> list[Row]:
        return [row for row in self.rows if row.got["policy"]["outcome"] == "accepted"]

    def labelled_accepted(self) -> list[Row]:
        return [row for row in self.rows if row.label["policy"]["outcome"] == "accepted"]

    def wrong_acceptances(self) -> list[Row]:
        return [r for r in self.decided_accepted() if r.label["policy"]["outcome"] != "accepted"]

    def accepted_precision(self) -> float:
        decided = self.decided_accepted()
        if not decided:
            return 1.0
        return (len(decided) - len(self.wrong_acceptances())) / len(decided)

    def accepted_recall(self) -> float:
        labelled = self.labelled_accepted()
        if not labelled:
            return 1.0
        found = sum(r.got["policy"]["outcome"] == "accepted" for r in labelled)
        return found / len(labelled)


def build_report(folder: Path, title: str | None = None) -> Report:
    labelled = load_set(folder)
    got = decisions(labelled)
    rows = tuple(
        Row(name, label, got[name], right_fields(label, got[name]))
        for name, label in labelled.labels.items()
    )
    return Report(title or str(folder), rows)


def _table(report: Report, key: Callable[[Row], str], heading: str) -> list[str]:
    fields = report.fields()
    groups: dict[str, list[Row]] = {}
    for row in report.rows:
        groups.setdefault(key(row), []).append(row)
    width = max([len(heading), *(len(g) for g in groups)]) + 6
    lines = [heading.ljust(width) + "".join(FIELDS[f].rjust(9) for f in fields)]
    for group in sorted(groups):
        rows = groups[group]
        cells = []
        for f in fields:
            right, total = report.share(f, rows)
            cells.append(f"{right}/{total}".rjust(9))
        lines.append(f"{group} ({len(rows)})".ljust(width) + "".join(cells))
    return lines


def render(report: Report, *, misses: bool = True) -> str:
    total = len(report.rows)
    lines = [f"== {report.title}: {total} mails"]
    for field in report.fields():
        right, _ = report.share(field)
        lines.append(f"{field:26} {right:4}/{total}  {right / total:.3f}")
    decided = report.decided_accepted()
    labelled = report.labelled_accepted()
    wrong = report.wrong_acceptances()
    found = len(labelled) - sum(r.got["policy"]["outcome"] != "accepted" for r in labelled)
    lines.append(
        f"accepted: precision {len(decided) - len(wrong)}/{len(decided)} "
        f"({report.accepted_precision():.3f}), recall {found}/{len(labelled)} "
        f"({report.accepted_recall():.3f}), wrong acceptances {len(wrong)}"
    )
    for row in wrong:
        lines.append(f"  WRONG ACCEPTANCE {row.name}: labelled {row.label['policy']['outcome']}")
        if row.label.get("note"):
            lines.append(f"      {row.label['note'][:160]}")
    lines.append("")
    lines.extend(_table(report, lambda r: str(r.label["language"]), "per language"))
    if all("shape" in row.label for row in report.rows):
        lines.append("")
        lines.extend(_table(report, lambda r: str(r.label["shape"]), "per shape"))
    if misses:
        for field in [f for f in KEYS if f in report.fields()] + ["sender_proof"]:
            if field not in report.fields():
                continue
            for row in report.misses(field):
                want = row.label[field]
                got = row.got[field]["status"] if field == "sender_proof" else row.got[field]
                lines.append(f"  {field} miss: {row.name}: want {want!r}, got {got!r}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv] or [HERE]
    for folder in folders:
        print(render(build_report(folder)))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
