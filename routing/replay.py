"""Replay: what a candidate routing config would change on mail already received.

`replay(items, current, candidate, registry, trust=...)` re-decides every stored mail with both
configs, through the same pure path as production (parse -> sender proof -> disposition ->
text -> extraction -> decide; the sender proof with the running service's `[trust]`, so a
sender proven live is proven here), and reports how many decisions change, a table of
(queue/outcome before -> after) with counts and a few example mails each. Parsing is done once
per mail, and extraction once when both configs share the extraction settings. Nothing is
written anywhere: the supervisor reads the report (`postkamer routing replay`, the web app)
before applying the candidate.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from intake.model import Extraction, MailText, ParsedMail
from intake.proof import NO_TRUST, TrustConfig, sender_proof
from routing.config import RoutingConfig
from routing.decide import decide
from routing.model import RoutingDecision
from routing.registry import Registry

EXAMPLES_PER_ROW = 3
COMPARED = (
    "queue",
    "outcome",
    "effective_date",
    "earliest_notice_date",
    "reply_template",
    "priority",
    "status",
    "tags",
)


@dataclass(frozen=True, slots=True)
class ReplayItem:
    """One stored mail: its raw bytes (or an already parsed mail) and where/when it arrived."""

    ref: str  # how a person finds it again: ledger id, file name
    data: bytes | None = None
    parsed: ParsedMail | None = None
    received: datetime | None = None
    mailbox: str = ""


def label(decision: RoutingDecision) -> str:
    """`queue/outcome` for cancellations, `queue` otherwise, `(no queue)` for no queue."""
    queue = decision.queue or "(no queue)"
    if decision.policy is not None:
        return f"{queue}/{decision.policy.outcome}"
    return queue


def _facts(decision: RoutingDecision) -> dict[str, Any]:
    policy = decision.policy
    return {
        "queue": decision.queue,
        "outcome": policy.outcome if policy else None,
        "effective_date": policy.effective_date if policy else None,
        "earliest_notice_date": policy.earliest_notice_date if policy else None,
        "reply_template": decision.reply_template,
        "priority": decision.priority,
        "status": decision.status,
        "tags": decision.tags,
    }


@dataclass
class ReplayReport:
    total: int = 0
    changed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    field_changes: Counter[str] = field(default_factory=Counter)  # which facts changed, how often

    def add(self, ref: str, before: RoutingDecision, after: RoutingDecision) -> None:
        self.total += 1
        a, b = _facts(before), _facts(after)
        diff = [k for k in COMPARED if a[k] != b[k]]
        if not diff:
            return
        self.changed += 1
        self.field_changes.update(diff)
        key = (label(before), label(after))
        self.transitions[key] += 1
        refs = self.examples.setdefault(key, [])
        if len(refs) < EXAMPLES_PER_ROW:
            refs.append(ref)

    def rows(self) -> list[tuple[str, str, int, list[str]]]:
        """(from, to, count, examples), most frequent first."""
        return [
            (src, dst, n, self.examples.get((src, dst), []))
            for (src, dst), n in sorted(self.transitions.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "changed": self.changed,
            "unchanged": self.total - self.changed,
            "errors": [{"ref": r, "error": e} for r, e in self.errors],
            "changes": [
                {"from": s, "to": t, "count": n, "examples": ex} for s, t, n, ex in self.rows()
            ],
            "fields": dict(self.field_changes.most_common()),
        }

    def table(self) -> str:
        lines = [
            f"{self.total} mails replayed, {self.changed} decisions change"
            + (f", {len(self.errors)} could not be processed" if self.errors else "")
        ]
        rows = self.rows()
        if rows:
            w1 = max(len("from"), *(len(r[0]) for r in rows))
            w2 = max(len("to"), *(len(r[1]) for r in rows))
            lines.append(f"{'from':<{w1}}  {'to':<{w2}}  {'count':>5}  examples")
            for src, dst, n, ex in rows:
                lines.append(f"{src:<{w1}}  {dst:<{w2}}  {n:>5}  {', '.join(ex)}")
        if self.field_changes:
            lines.append(
                "changed: " + ", ".join(f"{k} {n}" for k, n in self.field_changes.most_common())
            )
        for ref, error in self.errors[:EXAMPLES_PER_ROW]:
            lines.append(f"error: {ref}: {error}")
        return "\n".join(lines)


Prepared = tuple[ParsedMail, Any, MailText, datetime]


Outcome = tuple[str, RoutingDecision | None, RoutingDecision | None, str | None]

# the configs, registry and trust a forked worker uses: set before the pool forks, never pickled
_SHARED: tuple[RoutingConfig, RoutingConfig, Registry, TrustConfig] | None = None


def _decide_both(
    item: ReplayItem,
    current: RoutingConfig,
    candidate: RoutingConfig,
    registry: Registry,
    trust: TrustConfig = NO_TRUST,
) -> Outcome:
    """(ref, before, after, error) for one stored mail."""
    from intake.disposition import classify_disposition  # isort: skip
    from intake.extract import extract, mail_text  # isort: skip
    from intake.parse import parse_mail  # isort: skip

    try:
        parsed = item.parsed if item.parsed is not None else parse_mail(item.data or b"")
        proof = sender_proof(parsed, trust, item.data)
        disposition = classify_disposition(parsed)
        text = mail_text(parsed)
        received = item.received or parsed.date or datetime.now(UTC)
        first: Extraction = extract(text, registry, current.extraction)
        same = current.extraction == candidate.extraction
        second = first if same else extract(text, registry, candidate.extraction)
        before = decide(
            parsed,
            disposition,
            first,
            registry=registry,
            config=current,
            received=received,
            mailbox=item.mailbox,
            text=text,
            sender_proof=proof,
        )
        after = decide(
            parsed,
            disposition,
            second,
            registry=registry,
            config=candidate,
            received=received,
            mailbox=item.mailbox,
            text=text,
            sender_proof=proof,
        )
    except Exception as exc:  # a mail that cannot be processed is reported, not fatal
        return item.ref, None, None, f"{type(exc).__name__}: {exc}"
    return item.ref, before, after, None


def _decide_shared(item: ReplayItem) -> Outcome:
    assert _SHARED is not None
    return _decide_both(item, *_SHARED)


def _outcomes(
    items: Iterable[ReplayItem],
    current: RoutingConfig,
    candidate: RoutingConfig,
    registry: Registry,
    workers: int,
    trust: TrustConfig,
) -> Iterator[Outcome]:
    # forking a process that runs other threads can copy a lock held by one of them into the
    # child: only a single-threaded process (the `routing replay` command) uses workers
    single_threaded = threading.active_count() == 1
    if workers <= 1 or not single_threaded or "fork" not in multiprocessing.get_all_start_methods():
        for item in items:
            yield _decide_both(item, current, candidate, registry, trust)
        return
    global _SHARED
    _SHARED = (current, candidate, registry, trust)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_decide_shared, items, chunksize=32)
    finally:
        _SHARED = None


def replay(
    items: Iterable[ReplayItem],
    current: RoutingConfig,
    candidate: RoutingConfig,
    registry: Registry,
    *,
    keep: Callable[[RoutingDecision, RoutingDecision], bool] | None = None,
    workers: int = 1,
    trust: TrustConfig = NO_TRUST,
) -> ReplayReport:
    """Decide every item with both configs and report the differences. Pure apart from
    reading the items. `keep(before, after)` can narrow the report (e.g. to one queue).
    `workers` > 1 spreads the mails over that many forked processes (each mail is
    independent) when this process runs no other thread; otherwise it decides them here.
    `trust` is the `[trust]` of the running service: whose Authentication-Results prove a
    sender (a confirmation by reply is not replayed: such a mail is judged on its headers)."""
    report = ReplayReport()
    outcomes = _outcomes(items, current, candidate, registry, workers, trust)
    for ref, before, after, error in outcomes:
        if error is not None or before is None or after is None:
            report.errors.append((ref, error or "no decision"))
            continue
        if keep is None or keep(before, after):
            report.add(ref, before, after)
    return report
