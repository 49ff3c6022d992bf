"""The pure pipeline (issue 8, item 4) and where intake spends its time.

`measure_pipeline`: every generated `.eml` file through the production stages, each stage
function called directly and timed: parse (`intake.parse.parse_mail`), disposition
(`intake.disposition.classify_disposition`), text views (`intake.extract.mail_text`),
extraction (`intake.extract.extract`; language detection, `intake.extract.language.detect`,
is timed again on its own to show its share), classification (`routing.classify.classify`),
policy (`routing.policy.evaluate`) and the whole decision (`routing.decide.decide`; the rule
chain is what is left of it). The throughput counts each stage once, as `route_bytes` runs
them; a `route_bytes` pass over a slice checks that figure. A cProfile of a slice names the
functions that cost most.

`measure_intake_profile`: the in-process intake (`postkamer.service.ingest_paths` with the
production processor, SQLite) over a slice of the files, with every SQL statement counted and
timed, and a cProfile, so the cost of the database work per mail is visible next to the pure
stages.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from bench.measure import REPO, Context, Section, SqlCounter

T = TypeVar("T")
PROFILE_SLICE = 400
CHECK_SLICE = 300
INGEST_SLICE = 500
WARM_SLICE = 2500  # past the default global hourly reply limit (2,000)
OWN_DOMAIN = "contracts.example.com"
DEFAULT_RECEIVED = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # for a mail without a Date
TEXT = "text views (quoting, signature)"
EXTRACT = "extraction (all facts)"
LANGUAGE = "  of which language"
DECIDE = "decide (classification + rules + policy)"
CLASSIFY = "  of which classification"
POLICY = "  of which policy"


def _top(profile: cProfile.Profile, limit: int, key: str) -> list[list[object]]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    stats.sort_stats(key)
    rows: list[list[object]] = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    order: list[Any] = stats.fcn_list  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values()) or 1.0
    for func in order[:limit]:
        _cc, nc, tt, ct, _callers = raw[func]
        filename, line, name = func
        where = filename
        for root in (str(REPO) + "/", "/site-packages/", "/lib/python3"):
            if root in where:
                where = where.split(root, 1)[1]
        rows.append([f"`{name}` ({where}:{line})", nc, f"{tt:.2f}", f"{ct:.2f}",
                     f"{100 * tt / total:.0f} %"])
    return rows


def measure_pipeline(ctx: Context) -> Section:
    from intake.disposition import classify_disposition
    from intake.extract import extract, mail_text
    from intake.extract.language import detect
    from intake.extract.text import compiled, prepare
    from intake.model import Disposition
    from intake.parse import ParseLimits, parse_mail
    from routing import policy as policy_mod
    from routing.classify import classify
    from routing.config import load_routing_config
    from routing.dates import local_date
    from routing.decide import decide, known_contracts, route_bytes
    from routing.registry import Registry

    section = Section("pipeline", "4 The pure pipeline: `route` over the generated files")
    config = load_routing_config(REPO / "config" / "routing.yaml")
    registry = Registry.from_csv(ctx.corpus_dir / "contracts.csv")
    limits = ParseLimits()
    comp = compiled(config.extraction)
    files = sorted((ctx.corpus_dir / "mails").glob("*.eml"))[: ctx.count]
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    failures = 0
    clock = time.perf_counter

    def timed(stage: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        t0 = clock()
        value = fn(*args, **kwargs)
        totals[stage] += clock() - t0
        counts[stage] += 1
        return value

    max_chars = config.extraction.max_text_chars
    wall0 = clock()
    for path in files:
        data = timed("read file", path.read_bytes)
        try:
            parsed = timed("parse", parse_mail, data, limits)
        except Exception:
            failures += 1
            continue
        disposition = timed(
            "disposition",
            classify_disposition,
            parsed,
            own_domains=(OWN_DOMAIN,),
            own_message_id_domain=OWN_DOMAIN,
        )
        text = timed(TEXT, mail_text, parsed)
        extraction = timed(EXTRACT, extract, text, registry, config.extraction)
        own = prepare(text.subject, max_chars) + "\n\n" + prepare(text.new_text, max_chars)
        timed(LANGUAGE, detect, own, comp)
        received = parsed.date or DEFAULT_RECEIVED
        decision = timed(
            DECIDE,
            decide,
            parsed,
            disposition,
            extraction,
            registry=registry,
            config=config,
            received=received,
            text=text,
        )
        if disposition.disposition in (Disposition.TICKET, Disposition.FOLLOWUP):
            contracts = known_contracts(extraction, registry)
            timed(
                CLASSIFY,
                classify,
                text,
                extraction.language,
                contracts,
                config.classification,
                config.queue_names,
            )
        if decision.policy is not None:
            timed(
                POLICY,
                policy_mod.evaluate,
                contract_numbers=extraction.contract_numbers,
                sender=parsed.from_.email if parsed.from_ is not None else "",
                registry=registry,
                received=local_date(received),
                destruction_confirmation=extraction.destruction_confirmation,
                machine_out_of_use=extraction.machine_out_of_use,
                requested_end_date=extraction.requested_end_date,
                breach_claimed=extraction.breach_claimed,
                kind_hints=extraction.kind_hints,
                params=config.policy,
            )
    wall = clock() - wall0
    n = len(files)
    route_stages = ("parse", "disposition", TEXT, EXTRACT, DECIDE)
    route_s = sum(totals[s] for s in route_stages)
    rate = (n - failures) / route_s
    ctx.figures["pipeline"] = rate
    ctx.facts["stages"] = {k: totals[k] / max(counts[k], 1) for k in totals}
    rows = []
    for stage in ("read file", *route_stages[:4], LANGUAGE, DECIDE, CLASSIFY, POLICY):
        if stage not in totals:
            continue
        share = f"{100 * totals[stage] / route_s:.0f} %" if stage != "read file" else ""
        rows.append([stage, counts[stage], f"{totals[stage]:.2f}",
                     f"{1000 * totals[stage] / max(counts[stage], 1):.2f}", share])
    section.add(
        f"{n:,} files, {failures} could not be parsed. Stage functions called directly; "
        f"throughput counts each stage once (as `route_bytes` does): **{rate:.1f} mails/s** "
        f"({1000 / rate:.2f} ms a mail). Wall time of the instrumented loop {wall:.1f} s "
        "(includes the extra language, classification and policy calls made only to time them).",
        "",
    )
    section.table(["stage", "calls", "total s", "ms per call", "share of route"], rows)

    # cross-check with the production entry point
    check = files[:CHECK_SLICE]
    t0 = clock()
    for path in check:
        with contextlib.suppress(Exception):
            route_bytes(path.read_bytes(), registry=registry, config=config)
    check_rate = len(check) / (clock() - t0)
    ctx.figures["route_bytes"] = check_rate
    section.add(
        f"Check: `routing.decide.route_bytes` over the first {len(check):,} files: "
        f"{check_rate:.1f} mails/s."
    )

    # where inside the stages: cProfile over a slice
    profile = cProfile.Profile()
    sample = [p.read_bytes() for p in files[:PROFILE_SLICE]]
    profile.enable()
    for data in sample:
        with contextlib.suppress(Exception):
            route_bytes(data, registry=registry, config=config)
    profile.disable()
    section.add(
        "",
        f"cProfile of `route_bytes` over {len(sample)} files, functions by own time "
        "(profiling slows everything down about 2x; compare shares, not seconds):",
        "",
    )
    section.table(
        ["function", "calls", "own s", "cumulative s", "share of own time"],
        _top(profile, 15, "tottime"),
    )
    section.commands.append(
        "in-process: for each file, parse_mail -> classify_disposition -> mail_text -> extract "
        "-> decide (bench/pipeline.py)"
    )
    return section


def measure_intake_profile(ctx: Context) -> Section:
    """In-process `ingest_paths`: the first `WARM_SLICE` files plain, then `INGEST_SLICE` more
    under cProfile with every SQL statement counted, so costs that grow with the database (or
    start when the hourly reply limit trips) show up next to the pure stages."""
    from bench.intake import db_counts
    from postkamer.processing import default_processor
    from postkamer.service import ingest_paths, open_engine
    from postkamer.settings import Settings
    from routing.registry import parse_csv
    from storage.contracts import import_contracts
    from storage.db import session_scope

    section = Section(
        "intakeprofile", "Where intake spends its time: in-process ingest with SQL counted"
    )
    files = sorted((ctx.corpus_dir / "mails").glob("*.eml"))[: ctx.count]
    warm = max(0, min(WARM_SLICE, len(files) - INGEST_SLICE))
    n = min(INGEST_SLICE, len(files) - warm)
    var = ctx.scratch("intake-profile")
    settings = Settings(
        database={"url": f"sqlite:///{var / 'postkamer.db'}"},
        storage={"blobs": str(var / "blobs")},
        outbound={"folder": str(var / "outbox")},
        routing={"config": str(REPO / "config" / "routing.yaml"),
                 "templates": str(REPO / "templates")},
    )
    engine = open_engine(settings)
    with session_scope(engine) as session:
        import_contracts(session, parse_csv(
            (ctx.corpus_dir / "contracts.csv").read_text(encoding="utf-8")))
    processor = default_processor(settings)
    t0 = time.perf_counter()
    ingest_paths(settings, [str(p) for p in files[:warm]], processor, engine=engine)
    warm_s = time.perf_counter() - t0
    sql = SqlCounter().attach(engine)
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    summary = ingest_paths(
        settings, [str(p) for p in files[warm : warm + n]], processor, engine=engine
    )
    profile.disable()
    seconds = time.perf_counter() - t0
    engine.dispose()
    counts = db_counts(settings.database.url)
    total_sql = sql.seconds
    total_n = sql.statements
    ctx.figures["ingest_inprocess"] = n / seconds
    ctx.facts["sql_per_mail"] = total_n / n
    ctx.facts["sql_share"] = total_sql / seconds
    focus = _cumulative(profile, ("count_recent", "record_loop_limit", "queue_template_reply",
                                  "process_mail", "parse_mail", "extract", "decide"))
    ctx.facts["intake_focus"] = {k: v / seconds for k, v in focus.items()}
    section.add(
        f"`postkamer.service.ingest_paths` with the production processor, SQLite: the first "
        f"{warm:,} files without profiling ({warm / warm_s:.0f} mails/s), then {n:,} more "
        f"under cProfile: {seconds:.1f} s ({n / seconds:.1f} mails/s with profiling on). "
        f"Summary {summary.to_json()}; {counts['tickets']:,} tickets in all. "
        f"**{total_n / n:.1f} SQL statements a mail**, together {total_sql:.1f} s "
        f"({100 * total_sql / seconds:.0f} % of the time, driver time only).",
        "",
    )
    section.table(["statement", "count", "per mail", "seconds"], sql.rows(n))
    section.add("Share of the profiled time spent in (cumulative, functions overlap):", "")
    section.table(
        ["function", "seconds", "share"],
        [[f"`{k}`", f"{v:.2f}", f"{100 * v / seconds:.0f} %"] for k, v in focus.items()],
    )
    section.add("Functions by cumulative time (cProfile):", "")
    section.table(
        ["function", "calls", "own s", "cumulative s", "share of own time"],
        _top(profile, 20, "cumulative"),
    )
    return section


def _cumulative(profile: cProfile.Profile, names: tuple[str, ...]) -> dict[str, float]:
    """Cumulative seconds of the named functions (summed over same-named ones)."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    out = dict.fromkeys(names, 0.0)
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in raw.items():
        if name in out and str(REPO) in filename:
            out[name] += ct
    return out
