"""Replay (issue 8, item 6a): `postkamer routing replay` of a candidate routing config over
the 10,000 mails run 1(b) stored (ledger rows and raw bytes in the blob store), timed as one
child process from start to exit.

The candidate is the default config with the classification threshold raised from its value
to one more: a plausible supervisor change that moves some mails to the fallback queue, so
the report has real differences to compute.
"""

from __future__ import annotations

import json

from bench.intake import postkamer
from bench.measure import REPO, Context, Section, command_line, run_child


def candidate(ctx: Context) -> tuple[str, int, int]:
    """Write the candidate config; (path, old threshold, new threshold)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    data = yaml.load((REPO / "config" / "routing.yaml").read_text(encoding="utf-8"))
    old = int(data["classification"]["threshold"])
    data["classification"]["threshold"] = old + 1
    path = ctx.scratch("replay") / "candidate.yaml"
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)
    return str(path), old, old + 1


def measure_replay(ctx: Context) -> Section:
    section = Section("replay", "6a Replay of a candidate routing config over the stored mails")
    config = ctx.work / "e2e-sqlite" / "postkamer.toml"
    if not config.exists():
        raise RuntimeError("needs the database and blob store of run 1(b)")
    path, old, new = candidate(ctx)
    argv = postkamer(config, "routing", "replay", "--config", path, "--json")
    run = run_child(argv, log=ctx.work / "replay" / "replay", timeout=max(120.0, ctx.left()))
    if run.returncode != 0:
        raise RuntimeError(f"routing replay failed ({run.returncode}): {run.stderr[-2000:]}")
    report = json.loads(run.stdout)
    total = int(report["total"])
    ctx.figures["replay_s"] = run.seconds
    ctx.figures["replay_rate"] = total / run.seconds
    changes = report.get("changes", [])
    section.table(
        ["", "value"],
        [
            ["mails replayed", f"{total:,} ({len(report.get('errors', []))} errors)"],
            ["wall time (process start to exit)", f"{run.seconds:.1f} s"],
            ["throughput", f"{total / run.seconds:.1f} mails/s"],
            ["peak RSS", f"{run.max_rss_mb:.0f} MB"],
            ["decisions that change", f"{int(report['changed']):,}"],
            ["biggest changes",
             "; ".join(f"{c['from']} -> {c['to']}: {c['count']}" for c in changes[:4]) or "none"],
        ],
    )
    section.add(
        f"Candidate: `config/routing.yaml` with `classification.threshold` {old} -> {new}. "
        "Every stored mail is read from the blob store, parsed, given its disposition and "
        "extraction once, and decided with both configs (`routing.replay.replay`)."
    )
    section.commands.append(command_line(argv))
    return section
