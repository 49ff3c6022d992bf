"""The statistics page for supervisors: mails per queue per day, re-routes per queue pair,
automatic replies per outcome and first-response times per queue, as inline SVG charts drawn
on the server (`postkamer.web.charts`) with the same numbers in tables.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from postkamer.web import charts, stats
from postkamer.web.auth import Db, config
from postkamer.web.supervisor import Supervisor
from postkamer.web.templating import render, translator_for

router = APIRouter(include_in_schema=False)
PERIODS = (7, 30, 90)


@router.get("/stats")
def stats_page(request: Request, db: Db, me: Supervisor, days: int = 30) -> Response:
    days = days if days in PERIODS else 30
    numbers = stats.compute(db, config(request).queues, days)
    t = translator_for(request, me)
    per_day = numbers.per_day
    day_chart = charts.stacked_bars(
        [d.strftime("%d/%m") for d in per_day.days],
        [(t.label("queue", q), v) for q, v in per_day.series.items()],
        t("stats.per_day"),
    )
    reroute_chart = charts.horizontal_bars(
        [
            (f"{t.label('queue', a)} → {t.label('queue', b)}", n, str(n))
            for a, b, n in numbers.reroutes
        ],
        t("stats.reroutes"),
    )
    reply_chart = charts.horizontal_bars(
        [
            (
                t.label("outcome", r.key)
                if r.key in OUTCOME_KEYS
                else t.label("disposition", r.key),
                r.rate * 100,
                f"{r.rate:.0%} ({r.replied}/{r.total})",
            )
            for r in numbers.replies
        ],
        t("stats.autoreply"),
        max_value=100,
    )
    answered = [r for r in numbers.response if r.median_hours is not None]
    response_chart = charts.horizontal_bars(
        [
            (
                t.label("queue", r.queue),
                r.median_hours or 0.0,
                t("stats.hours", h=f"{r.median_hours:.1f}"),
            )
            for r in answered
        ],
        t("stats.first_response"),
    )
    return render(
        request,
        me,
        "stats.html",
        s=numbers,
        periods=PERIODS,
        day_chart=day_chart,
        reroute_chart=reroute_chart,
        reply_chart=reply_chart,
        response_chart=response_chart,
        answered=answered,
    )


OUTCOME_KEYS = frozenset(
    {
        "pa_no_cancellation_needed",
        "needs_contract_number",
        "unknown_contract",
        "sender_unverified",
        "manual_review",
        "needs_destruction_confirmation",
        "accepted",
        "not_yet_eligible",
        "awaiting_sender_confirmation",
    }
)
