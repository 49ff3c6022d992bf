"""The users page for admins: every web user with their role and queues, the accounts whose
logins are being slowed down right now (`storage.throttle`), and an unlock button that clears an
account's counted failures (same as `postkamer users unlock EMAIL`). Each unlock is an Event.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from postkamer.web.access import Principal
from postkamer.web.auth import Actor, Db, Me
from postkamer.web.templating import render
from storage import throttle, users
from storage.models import Event, User

router = APIRouter(include_in_schema=False)
DONE = ("unlocked",)


def _only_admins(principal: Principal) -> Principal:
    if principal.role != "admin":
        raise HTTPException(status_code=403, detail="admins only")
    return principal


def admin(principal: Me) -> Principal:
    return _only_admins(principal)


def admin_actor(principal: Actor) -> Principal:
    return _only_admins(principal)


Admin = Annotated[Principal, Depends(admin)]
AdminActor = Annotated[Principal, Depends(admin_actor)]


@router.get("/admin/users")
def users_page(request: Request, db: Db, me: Admin, done: str | None = None) -> Response:
    slowed: dict[str, list[throttle.Slowed]] = {}
    for s in throttle.slowed_accounts(db):
        slowed.setdefault(s.email, []).append(s)
    return render(
        request,
        me,
        "users.html",
        people=db.exec(select(User).order_by(col(User.email))).all(),
        slowed=slowed,
        done=done if done in DONE else None,
    )


@router.post("/admin/users/unlock")
def unlock(db: Db, me: AdminActor, email: Annotated[str, Form(max_length=320)] = "") -> Response:
    address = users.normalize_email(email)
    cleared = throttle.unlock(db, address)
    db.add(Event(kind="login_unlocked", actor=me.email, data={"email": address, "keys": cleared}))
    return RedirectResponse("/admin/users?done=unlocked", status_code=303)
