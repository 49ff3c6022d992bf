"""Supervisor pages share one gate: supervisors and admins only (queue owners get 403), and for
every POST the session's CSRF token first. The routers of the routing config, quarantine and
statistics pages (and the admins' users page) are collected here for `postkamer.web.app`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from postkamer.web.access import ALL_QUEUES_ROLES, Principal
from postkamer.web.auth import Actor, Me

SUPERVISOR_ROLES = ALL_QUEUES_ROLES  # supervisor, admin


def _only_supervisors(principal: Principal) -> Principal:
    if principal.role not in SUPERVISOR_ROLES:
        raise HTTPException(status_code=403, detail="supervisors only")
    return principal


def supervisor(principal: Me) -> Principal:
    return _only_supervisors(principal)


def supervisor_actor(principal: Actor) -> Principal:
    """A supervisor whose POST carried the CSRF token."""
    return _only_supervisors(principal)


Supervisor = Annotated[Principal, Depends(supervisor)]
SupervisorActor = Annotated[Principal, Depends(supervisor_actor)]


def routers() -> list[APIRouter]:
    from postkamer.web import quarantine_page, routing_page, stats_page, users_page

    return [routing_page.router, quarantine_page.router, stats_page.router, users_page.router]
