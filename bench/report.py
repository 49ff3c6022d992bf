"""RESULTS.md: the machine, the command, a table of the issue's targets against what this run
measured (as ratios within the run), then every measurement's section, and for each missed
target why, with the numbers that show it. Written by `bench.run` at the end of a run.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.measure import REPO, Context, Section


def _first_line(argv: Sequence[str]) -> str:
    if shutil.which(argv[0]) is None and not Path(argv[0]).exists():
        return "not installed"
    try:
        out = subprocess.run(list(argv), capture_output=True, text=True, timeout=20, check=False)
    except OSError:
        return "not installed"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def machine(ctx: Context | None = None) -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    if ctx is not None and ctx.facts.get("load_at_start"):
        load = ", ".join(f"{x:.2f}" for x in ctx.facts["load_at_start"]) + " at the start; " + load
    commit = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return [
        ("nproc", str(os.cpu_count())),
        ("CPU", cpu),
        ("memory", mem),
        ("Python", sys.version.split()[0] + f" ({platform.python_implementation()})"),
        ("OS", platform.platform()),
        ("Dovecot", _first_line(["dovecot", "--version"])),
        ("PostgreSQL", _first_line(["/usr/lib/postgresql/15/bin/postgres", "--version"])),
        ("SQLite", __import__("sqlite3").sqlite_version),
        ("load average (1, 5, 15 min)", load + " at the end"),
        ("git commit", commit),
    ]


@dataclass(frozen=True, slots=True)
class Target:
    what: str
    measured: Callable[[dict[str, float]], float | None]
    goal: float
    higher_is_better: bool
    unit: str

    def judge(self, figures: dict[str, float]) -> tuple[str, str]:
        try:
            value = self.measured(figures)
        except (KeyError, ZeroDivisionError):
            value = None
        if value is None:
            return "not measured", "—"
        ok = value >= self.goal if self.higher_is_better else value < self.goal
        return f"{value:,.3g} {self.unit}".strip(), "met" if ok else "**missed**"


TARGETS = [
    Target("intake on SQLite / raw fetch (b/a)", lambda f: f["sqlite"] / f["raw"], 0.5, True, ""),
    Target("intake on PostgreSQL / raw fetch (c/a)", lambda f: f["postgres"] / f["raw"], 0.0,
           True, "(no target)"),
    Target("intake on SQLite / django-helpdesk (b/peer)", lambda f: f["sqlite"] / f["peer"], 50,
           True, "x"),
    Target("IDLE latency p99", lambda f: f["idle_p99"], 1.0, False, "s"),
    Target("peak RSS, 10,000-mail intake (SQLite)", lambda f: f["sqlite_rss"], 250, False, "MB"),
    Target("peak RSS, one mail with a 25 MB attachment", lambda f: f["big_rss"], 200, False, "MB"),
    Target("replay of 10,000 stored mails", lambda f: f["replay_s"], 30, False, "s"),
    Target("outbox delivery / bare aiosmtplib loop", lambda f: f["delivery_ratio"], 0.8, True, ""),
]


def write(
    ctx: Context,
    sections: list[Section],
    path: Path,
    command: str,
    started: float,
    analysis: list[str],
) -> None:
    lines = [
        "# Benchmark results (issue 8)",
        "",
        "Written by `make bench` (`python -m bench.run`); every figure below comes from one run "
        "on the machine described here, and every ratio compares figures of that same run.",
        "",
        f"Command: `{command}`. Total time {time.monotonic() - started:.0f} s.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in machine(ctx)]
    cpu = [f"{k.removesuffix('_cpu_share')} {100 * v:.0f} %" for k, v in ctx.figures.items()
           if k.endswith("_cpu_share")]
    if cpu:
        lines += [f"| CPU time / wall time of the intake runs | {', '.join(cpu)} |"]
    lines += ["", "## Targets", "", "| target | goal | measured | |", "|---|---|---|---|"]
    for t in TARGETS:
        value, verdict = t.judge(ctx.figures)
        sign = ">=" if t.higher_is_better else "<"
        goal = "—" if t.unit == "(no target)" else f"{sign} {t.goal:g} {t.unit}".strip()
        if t.unit == "(no target)":
            value, verdict = value.replace("(no target)", "").strip(), "reported"
        lines.append(f"| {t.what} | {goal} | {value} | {verdict} |")
    lines.append("")
    if analysis:
        lines += ["## Where a target is missed, and why", "", *analysis, ""]
    summary = ctx.facts.get("corpus_summary")
    if summary:
        lines += ["## The generated mailbox", "", *summary, ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        if section.error:
            lines += [f"Not measured: {section.error}", ""]
        lines += section.lines
        if section.commands:
            lines += ["", "Commands:", ""]
            lines += [f"    {c}" for c in section.commands]
        lines += ["", f"_(section took {section.seconds:.0f} s)_", ""]
    lines += _kept_blocks(path)
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


KEPT = (("<!-- soak:start -->", "<!-- soak:end -->"),)  # written by bench/soak.py


def _kept_blocks(path: Path) -> list[str]:
    """Marked sections other tools keep in RESULTS.md (the soak summary), carried over."""
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        return []
    kept: list[str] = []
    for start, end in KEPT:
        if start in current and end in current.split(start, 1)[1]:
            block = start + current.split(start, 1)[1].split(end, 1)[0] + end
            kept += ["", block]
    return kept
