"""The quarantine page for supervisors: mails that could not be processed, with the reason; a
safe look at one mail's header block (escaped, capped, never the body); processing it again
(`postkamer.service.retry_quarantined`, after a fix) or discarding it with a recorded reason.
Every retry and discard is an Event (who, when, what came of it).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from postkamer.web.access import RowId
from postkamer.web.auth import Db, config
from postkamer.web.supervisor import Supervisor, SupervisorActor
from postkamer.web.templating import render
from storage import ledger, quarantine
from storage.models import Event, LedgerEntry

router = APIRouter(include_in_schema=False)
STATES = (ledger.QUARANTINED, quarantine.DISCARDED)
SHOWN = 200


@router.get("/quarantine")
def quarantine_list(
    request: Request,
    db: Db,
    me: Supervisor,
    state: str = ledger.QUARANTINED,
    done: str | None = None,
) -> Response:
    state = state if state in STATES else ledger.QUARANTINED
    return render(
        request,
        me,
        "quarantine.html",
        state=state,
        entries=quarantine.entries(db, state, SHOWN),
        counts={s: quarantine.count(db, s) for s in STATES},
        oversize=ledger.is_oversize,
        done=done if done in ("retried", "discarded") else None,
    )


def _entry(db: Db, ledger_id: int) -> LedgerEntry:
    entry = db.get(LedgerEntry, ledger_id)
    if entry is None or entry.state not in STATES:
        raise HTTPException(status_code=404, detail="not in quarantine")
    return entry


@router.get("/quarantine/{ledger_id}")
def quarantine_mail(
    request: Request,
    db: Db,
    me: Supervisor,
    ledger_id: RowId,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    entry = _entry(db, ledger_id)
    return render(
        request,
        me,
        "quarantine_mail.html",
        e=entry,
        headers=quarantine.headers(config(request).blobs, entry),
        cap=quarantine.HEADER_CAP,
        oversize=ledger.is_oversize(entry),
        can_retry=config(request).processor is not None,
        discarded=quarantine.discard_event(db, ledger_id)
        if entry.state == quarantine.DISCARDED
        else None,
        done=done if done in ("discarded", "retry_failed") else None,
        error=error if error in ("reason_required", "not_quarantined") else None,
    )


def _back(ledger_id: int, **params: str) -> RedirectResponse:
    return RedirectResponse(f"/quarantine/{ledger_id}?{urlencode(params)}", status_code=303)


@router.post("/quarantine/{ledger_id}/retry")
def retry(request: Request, db: Db, me: SupervisorActor, ledger_id: RowId) -> Response:
    from postkamer.service import retry_quarantined

    cfg = config(request)
    _entry(db, ledger_id)
    if cfg.processor is None:
        raise HTTPException(status_code=409, detail="retrying is not available here")
    db.commit()  # the retry runs in its own transaction; do not hold this one open
    [result] = retry_quarantined(cfg.engine, cfg.blobs, cfg.processor, [ledger_id])
    db.add(
        Event(
            kind="quarantine_retry",
            actor=me.email,
            data={"ledger_id": ledger_id, "ok": result.ok, "reason": result.reason},
        )
    )
    if result.ok:
        return RedirectResponse("/quarantine?done=retried", status_code=303)
    return _back(ledger_id, done="retry_failed")


@router.post("/quarantine/{ledger_id}/discard")
def discard(
    db: Db,
    me: SupervisorActor,
    ledger_id: RowId,
    reason: Annotated[str, Form(max_length=quarantine.MAX_REASON)] = "",
) -> Response:
    _entry(db, ledger_id)
    if not reason.strip():
        return _back(ledger_id, error="reason_required")
    try:
        quarantine.discard(db, ledger_id, me.email, reason)
    except quarantine.NotQuarantined:
        return _back(ledger_id, error="not_quarantined")
    return RedirectResponse("/quarantine?done=discarded", status_code=303)
