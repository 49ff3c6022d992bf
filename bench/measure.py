"""What every benchmark shares: the run context (corpus, servers, scratch space, figures
measured so far), the section each measurement returns for RESULTS.md, and small helpers to
time a child process with its peak memory and to quote percentiles.

A measurement is a function `(ctx: Context) -> Section`; `bench.run` calls them in order and
`bench.report` turns the sections into RESULTS.md. Figures go into `ctx.figures` under stable
keys so later sections can quote ratios measured in the same run.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Section:
    """One measurement's part of RESULTS.md."""

    key: str
    title: str
    lines: list[str] = field(default_factory=list)  # markdown
    commands: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            self.lines.append("| " + " | ".join(fmt(v) for v in row) + " |")
        self.lines.append("")


@dataclass
class Context:
    """Shared state of one benchmark run."""

    work: Path  # scratch space, removed at the end
    corpus_dir: Path
    count: int
    seed: int
    peer_count: int
    mails: list[bytes] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    servers: dict[str, Any] = field(default_factory=dict)
    deadline: float = 0.0  # time.monotonic() by which the whole run must be done

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def scratch(self, name: str) -> Path:
        path = self.work / name
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o755)
        return path


def fmt(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}" if value >= 0.01 else f"{value:.4f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM of a running process: the peak resident set of its own address space. (The
    rusage of `wait4` is no good here: Linux carries the forking parent's high-water mark into
    the child's `ru_maxrss` across exec, so a big benchmark process inflates every child.)"""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass(frozen=True, slots=True)
class ChildRun:
    returncode: int
    seconds: float
    max_rss_mb: float  # peak resident set of the child (VmHWM, sampled every 20 ms)
    stdout: str
    stderr: str
    started: float  # time.time() just before the child started
    cpu_seconds: float = 0.0  # user + system CPU time of the child (not of its children)


def run_child(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO,
    timeout: float = 900.0,
    log: Path | None = None,
) -> ChildRun:
    """Run a command, wait for it with `os.wait4` to read its peak RSS, keep its output
    (in `log`.out/.err when given, else in temporary files)."""
    import tempfile

    scratch = None
    if log is None:
        scratch = Path(tempfile.mkdtemp(prefix="pk-bench-child-"))
        log = scratch / "child"
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    started = time.time()
    t0 = time.perf_counter()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=full_env, stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        peak = 0.0
        while True:
            peak = max(peak, peak_rss_mb(proc.pid) or 0.0)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    if scratch is not None:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(proc.returncode, seconds, peak, stdout, stderr, started, cpu)


def command_line(argv: Sequence[str]) -> str:
    """How a person would type it from the repository root."""
    shown = ["python" if a == sys.executable else a for a in argv]
    return " ".join(shlex.quote(a) for a in shown)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


@dataclass
class SqlCounter:
    """Counts and times every SQL statement an engine runs, by verb and table."""

    by_kind: dict[str, list[float]] = field(default_factory=dict)  # kind -> [count, seconds]
    _started: dict[int, float] = field(default_factory=dict)

    def attach(self, engine: Any) -> SqlCounter:
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        return self

    def detach(self, engine: Any) -> None:
        from sqlalchemy import event

        event.remove(engine, "before_cursor_execute", self._before)
        event.remove(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        spent = time.perf_counter() - self._started.pop(id(cursor), time.perf_counter())
        words = statement.split()
        verb = words[0].upper() if words else "?"
        table = ""
        for i, word in enumerate(words):
            if word.upper() in ("FROM", "INTO", "UPDATE") and i + 1 < len(words):
                table = words[i + 1].strip('"(')
                break
        entry = self.by_kind.setdefault(f"{verb} {table}".strip(), [0, 0.0])
        entry[0] += 1
        entry[1] += spent

    @property
    def statements(self) -> int:
        return int(sum(v[0] for v in self.by_kind.values()))

    @property
    def seconds(self) -> float:
        return sum(v[1] for v in self.by_kind.values())

    def rows(self, per: int, limit: int = 12) -> list[list[object]]:
        ranked = sorted(self.by_kind.items(), key=lambda kv: -kv[1][1])[:limit]
        return [[f"`{k}`", int(v[0]), f"{v[0] / per:.2f}", f"{v[1]:.2f}"] for k, v in ranked]
