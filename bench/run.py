"""`python -m bench.run` (`make bench`): every benchmark of issue 8 in one run, then
bench/RESULTS.md.

Order: generate the mailbox (seeded), start Dovecot, PostgreSQL and an SMTP sink, then the
measurements that do not need the others' results (raw fetch, pure pipeline, in-process intake
profile, delivery), the end to end run on SQLite, the django-helpdesk peer right after it (on
the first --peer-count mails), the run on PostgreSQL, IDLE latency, replay and the web pages
(both on the stores run 1(b) filled), and memory for a 25 MB attachment.
A measurement that fails is reported as such and the run goes on. The whole run is planned
to stay under 15 minutes on 2 cores; `--only` runs a subset.

    python -m bench.run [--count 10000] [--peer-count 1000] [--only raw,pipeline] [--out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import analysis, report
from bench.generate import ensure_corpus
from bench.measure import REPO, Context, Section, command_line

Measurement = Callable[[Context], Section]


def measurements() -> list[tuple[str, Measurement]]:
    from bench import delivery, intake, latency, pipeline, replaying, web
    from bench.peer import runner as peer

    return [
        ("raw", intake.measure_raw),
        ("pipeline", pipeline.measure_pipeline),
        ("intakeprofile", pipeline.measure_intake_profile),
        ("delivery", delivery.measure_delivery),
        ("sqlite", intake.measure_sqlite),
        ("peer", peer.measure_peer),
        ("postgres", intake.measure_postgres),
        ("idle", latency.measure_idle),
        ("replay", replaying.measure_replay),
        ("web", web.measure_web),
        ("bigmail", intake.measure_big_attachment),
    ]


def _corpus_summary(ctx: Context) -> list[str]:
    data = json.loads((ctx.corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    s = data["summary"]

    def share(d: dict[str, int]) -> str:
        return ", ".join(f"{k} {v:,} ({100 * v / s['count']:.0f} %)" for k, v in d.items())

    return [
        f"{s['count']:,} mails from `bench/generate.py` (seed {s['seed']}), "
        f"{s['bytes_total'] / 1e6:.1f} MB, {s['bytes_min']:,}-{s['bytes_max']:,} bytes each "
        f"(median {sorted(f['size'] for f in data['files'])[s['count'] // 2]:,}).",
        "",
        f"- kinds: {share(s['kinds'])}",
        f"- languages: {share(s['languages'])}",
        f"- shapes: {share(s['shapes'])}",
        f"- with a PDF or DOCX attachment: {s['attachments']:,} "
        f"({100 * s['attachments'] / s['count']:.1f} %)",
        "- registry: `contracts.csv` with the generated customers' contracts, imported with "
        "`postkamer contracts import` before each run",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=10_000, help="mails in the mailbox")
    parser.add_argument("--peer-count", type=int, default=1_000, help="mails for the peer")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--only", default="", help="comma-separated measurement names")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    parser.add_argument("--budget", type=float, default=15 * 60, help="seconds for the run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    load_at_start = os.getloadavg()
    chosen = {n for n in args.only.split(",") if n}
    plan = [(n, f) for n, f in measurements() if not chosen or n in chosen]

    corpus_dir = REPO / "bench" / "out" / "corpus"
    print(f"generating {args.count} mails (seed {args.seed}) ...", flush=True)
    if not ensure_corpus(corpus_dir, args.count, args.seed):
        print("  same corpus already in bench/out/corpus: reused", flush=True)
    work = Path(tempfile.mkdtemp(prefix="pk-bench-", dir="/tmp"))
    work.chmod(0o755)
    ctx = Context(
        work=work,
        corpus_dir=corpus_dir,
        count=args.count,
        seed=args.seed,
        peer_count=min(args.peer_count, args.count),
        deadline=started + args.budget,
    )
    manifest = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        ctx.mails.append((corpus_dir / "mails" / entry["file"]).read_bytes())
        ctx.message_ids.append(entry["message_id"])
        ctx.kinds.append(entry["kind"])
    ctx.facts["corpus_summary"] = _corpus_summary(ctx)
    ctx.facts["load_at_start"] = load_at_start
    ctx.facts["generate_s"] = time.monotonic() - started

    sections: list[Section] = []
    with contextlib.ExitStack() as stack:
        from bench import servers

        ctx.servers["dovecot"] = stack.enter_context(servers.dovecot())
        ctx.servers["smtp"] = stack.enter_context(servers.smtp_sink())
        if servers.postgres_available():
            ctx.servers["postgres"] = stack.enter_context(servers.postgres())
        for name, fn in plan:
            print(f"[{time.monotonic() - started:5.0f} s] {name} ...", flush=True)
            t0 = time.monotonic()
            try:
                section = fn(ctx)
            except Exception as exc:
                traceback.print_exc()
                section = Section(name, name)
                section.error = f"{type(exc).__name__}: {str(exc)[:1500]}"
            section.seconds = time.monotonic() - t0
            sections.append(section)
            print(f"[{time.monotonic() - started:5.0f} s] {name} done", flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    command = command_line([sys.executable, "-m", "bench.run", *(argv or sys.argv[1:])])
    report.write(ctx, sections, args.out, command, started, analysis.explain(ctx, sections))
    print(json.dumps(ctx.figures, indent=1))
    print(f"wrote {args.out} after {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
