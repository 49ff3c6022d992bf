"""The routing config page for supervisors: the YAML in force, an editor whose problems are shown
at their lines, a replay of the candidate against the running config over stored mail, applying
the candidate as a new version, the version history with each diff, and rollback.

Applying and rolling back go through `storage.routing_versions` (validated, atomic file write,
versioned); the running service picks the new file up through `routing.reloader`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from postkamer.web.access import MAX_ID, RowId, parse_id
from postkamer.web.auth import Db, config
from postkamer.web.replaying import ReplayView, run_replay
from postkamer.web.supervisor import Supervisor, SupervisorActor
from postkamer.web.templating import render
from routing.config import ConfigProblem, RoutingConfig
from storage import routing_versions as rv
from storage.models import RoutingConfigVersion

router = APIRouter(include_in_schema=False)
HISTORY_SHOWN = 50
ACTIONS = ("check", "replay", "apply")


@dataclass
class Editor:
    """What the editor form shows: the text, the version it started from, and the outcome of
    the last check, replay or apply."""

    content: str
    base_version: int | None
    comment: str = ""
    action: str | None = None
    problems: list[ConfigProblem] = field(default_factory=list)
    replay: ReplayView | None = None
    conflict: tuple[int | None, int | None] | None = None

    @property
    def bad_lines(self) -> set[int]:
        return {p.line for p in self.problems if p.line}

    @property
    def lines(self) -> list[str]:
        return self.content.split("\n")


def _routing_path(request: Request) -> Path:
    path = config(request).routing_config
    if path is None:
        raise HTTPException(status_code=404, detail="no routing config file is set up")
    return path


def _templates(request: Request) -> set[str] | None:
    return rv.template_names(config(request).templates)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _page(
    request: Request,
    db: Db,
    me: Supervisor,
    editor: Editor,
    status_code: int = 200,
    **extra: object,
) -> Response:
    path = _routing_path(request)
    latest = rv.ensure_baseline(db, path)
    return render(
        request,
        me,
        "routing.html",
        status_code=status_code,
        file=path.name,
        latest=latest,
        history=rv.history(db, HISTORY_SHOWN),
        editor=editor,
        **{"done": None, "version": None, "source": None, **extra},
    )


@router.get("/routing")
def routing_page(
    request: Request,
    db: Db,
    me: Supervisor,
    done: str | None = None,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    source: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    path = _routing_path(request)
    latest = rv.ensure_baseline(db, path)  # the file as found is version 1
    editor = Editor(content=_read(path), base_version=latest.id if latest else None)
    done_key = done if done in ("applied", "unchanged", "rolled_back") else None
    return _page(request, db, me, editor, done=done_key, version=version, source=source)


def _running_config(path: Path, db: Db) -> RoutingConfig | None:
    """The config in force: the file, else (file broken) the newest version that is valid."""
    config_, _ = rv.validate(_read(path), path.name)
    if config_ is not None:
        return config_
    for version in rv.history(db, HISTORY_SHOWN):
        config_, _ = rv.validate(version.content, f"version {version.id}")
        if config_ is not None:
            return config_
    return None


@router.post("/routing")
def routing_post(
    request: Request,
    db: Db,
    me: SupervisorActor,
    content: Annotated[str, Form(max_length=rv.MAX_CONTENT)] = "",
    action: Annotated[str, Form()] = "check",
    base_version: Annotated[str, Form()] = "",
    comment: Annotated[str, Form(max_length=rv.MAX_COMMENT)] = "",
) -> Response:
    path = _routing_path(request)
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    base = parse_id(base_version)
    editor = Editor(content, base, comment.strip(), action if action in ACTIONS else "check")
    templates = _templates(request)
    if editor.action == "apply":
        try:
            before = rv.latest(db)
            version = rv.apply_config(
                db,
                path,
                content,
                me.email,
                comment,
                known_templates=templates,
                expected_version=base,
            )
        except rv.ConfigRejected as exc:
            editor.problems = exc.problems
            return _page(request, db, me, editor, status_code=422)
        except rv.VersionConflict as exc:
            db.rollback()
            editor.conflict = (exc.expected, exc.latest)
            return _page(request, db, me, editor, status_code=409)
        unchanged = before is not None and before.id == version.id
        outcome = "unchanged" if unchanged else "applied"
        return RedirectResponse(f"/routing?done={outcome}&version={version.id}", status_code=303)
    candidate, editor.problems = rv.validate(content, path.name, templates)
    if editor.action == "replay" and candidate is not None:
        current = _running_config(path, db)
        if current is not None:
            cfg = config(request)
            editor.replay = run_replay(
                db, cfg.blobs, current, candidate, cfg.replay_limit, cfg.trust
            )
    return _page(request, db, me, editor)  # a check that finds problems did its job: 200


def _version(db: Db, version_id: int) -> RoutingConfigVersion:
    try:
        return rv.get_version(db, version_id)
    except rv.UnknownVersion:
        raise HTTPException(status_code=404, detail="no such version") from None


@router.get("/routing/versions/{version_id}")
def version_page(request: Request, db: Db, me: Supervisor, version_id: RowId) -> Response:
    _routing_path(request)
    version = _version(db, version_id)
    latest = rv.latest(db)
    return render(
        request,
        me,
        "routing_version.html",
        v=version,
        lines=version.content.split("\n"),
        diff=version.diff.split("\n") if version.diff else [],
        in_use=latest is not None and latest.id == version.id,
    )


@router.post("/routing/versions/{version_id}/rollback")
def rollback(request: Request, db: Db, me: SupervisorActor, version_id: RowId) -> Response:
    path = _routing_path(request)
    old = _version(db, version_id)
    before = rv.latest(db)
    try:
        version = rv.rollback(db, path, version_id, me.email, known_templates=_templates(request))
    except rv.ConfigRejected as exc:  # e.g. a template it names was removed since
        latest = rv.latest(db)
        editor = Editor(old.content, latest.id if latest else None, action="apply")
        editor.problems = exc.problems
        return _page(request, db, me, editor, status_code=422)
    if before is not None and before.id == version.id:
        return RedirectResponse(f"/routing?done=unchanged&version={version.id}", status_code=303)
    return RedirectResponse(
        f"/routing?done=rolled_back&version={version.id}&source={old.id}", status_code=303
    )
