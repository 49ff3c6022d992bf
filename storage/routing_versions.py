"""Versions of the routing config: every config that went live is a `RoutingConfigVersion` row
(who, when, sha256, the whole text, a unified diff against the version before, a comment).

`apply_config` validates a candidate (YAML, types, queues, RE2 patterns, reply template names),
refuses it with every problem (file:line) when it is not fit, else writes the routing file
atomically (tmp + fsync + rename) and stores the new version in the caller's transaction.
`rollback` applies an old version's text as a NEW version, so history only grows.
`ensure_baseline` stores the file as it is as the first version. The running service notices
the new file through `routing.reloader.ConfigReloader`; the web app and the CLI
(`postkamer routing apply|history|rollback`) call these functions.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from routing.config import ConfigProblem, RoutingConfig, validate_routing_config
from storage.db import session_scope
from storage.models import RoutingConfigVersion, utcnow

MAX_CONTENT = 1_000_000  # characters; a routing config is a few hundred lines
MAX_COMMENT = 500
FILE_AUTHOR = "file"  # versions picked up from the file on disk (edited outside the app)


class ConfigRejected(ValueError):
    """The candidate config has problems and was not applied; `problems` says where."""

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "config rejected")


class VersionConflict(RuntimeError):
    """Someone applied another version since the editor opened `expected`."""

    def __init__(self, expected: int | None, latest: int | None) -> None:
        super().__init__(f"the config changed meanwhile: version {latest}, you edited {expected}")
        self.expected = expected
        self.latest = latest


class UnknownVersion(LookupError):
    pass


def sha256_text(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def template_names(folder: str | Path | None) -> set[str] | None:
    """Reply template names every language can render (`TemplateSet.load(folder)`), or None
    when there is no template folder to check against."""
    if folder is None or not Path(folder).is_dir():
        return None
    from outbound.templates import TemplateSet

    return set(TemplateSet.load(folder).known_names())


def validate(
    content: str, source: str, known_templates: set[str] | None = None
) -> tuple[RoutingConfig | None, list[ConfigProblem]]:
    """The config and [] when `content` may go live, else None and every problem."""
    if len(content) > MAX_CONTENT:
        return None, [ConfigProblem(source, 0, "", f"larger than {MAX_CONTENT} characters")]
    return validate_routing_config(content, source, known_templates)


def write_atomic(path: Path, content: str) -> None:
    """Replace `path` so that a reader sees the old or the new file, never half of one."""
    path = Path(path)
    directory = path.parent
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=old_name,
            tofile=new_name,
        )
    )


def latest(session: Session) -> RoutingConfigVersion | None:
    return session.exec(
        select(RoutingConfigVersion).order_by(col(RoutingConfigVersion.id).desc())
    ).first()


def get_version(session: Session, version_id: int) -> RoutingConfigVersion:
    found = session.get(RoutingConfigVersion, version_id)
    if found is None:
        raise UnknownVersion(f"no routing config version {version_id}")
    return found


def history(session: Session, limit: int | None = None) -> list[RoutingConfigVersion]:
    """Applied versions, newest first."""
    query = select(RoutingConfigVersion).order_by(col(RoutingConfigVersion.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def record_version(
    session: Session, content: str, author: str, comment: str = ""
) -> RoutingConfigVersion:
    """Store `content` as the newest version (diff against the one before); no file is
    written. A content equal to the newest version is not stored twice: that one is returned."""
    previous = latest(session)
    digest = sha256_text(content)
    if previous is not None and previous.sha256 == digest:
        return previous
    row = RoutingConfigVersion(
        created_at=utcnow(),
        author=author[:200],
        sha256=digest,
        content=content,
        comment=comment.strip()[:MAX_COMMENT],
    )
    session.add(row)
    session.flush()  # the id names the version in its diff
    if previous is None:
        row.diff = unified_diff("", content, "/dev/null", f"version {row.id}")
    else:
        row.diff = unified_diff(
            previous.content, content, f"version {previous.id}", f"version {row.id}"
        )
    session.add(row)
    session.flush()
    return row


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def ensure_baseline(session: Session, path: str | Path) -> RoutingConfigVersion | None:
    """When no version is stored yet, store the routing file as it is as the first one."""
    newest = latest(session)
    if newest is not None:
        return newest
    content = _read(Path(path))
    if content is None:
        return None
    return record_version(session, content, "system", "baseline: the file as found")


def _pick_up_file(session: Session, path: Path, known_templates: set[str] | None) -> None:
    """A valid file edited on disk since the newest version is history too: record it first,
    so the next diff shows only what the person in the app changed."""
    content = _read(path)
    newest = latest(session)
    if content is None or newest is None or newest.sha256 == sha256_text(content):
        return
    config, _ = validate(content, str(path), known_templates)
    if config is not None:
        record_version(session, content, FILE_AUTHOR, "changed on disk")


def apply_config(
    session: Session,
    path: str | Path,
    content: str,
    author: str,
    comment: str = "",
    *,
    known_templates: set[str] | None = None,
    expected_version: int | None = None,
) -> RoutingConfigVersion:
    """Validate `content`, write it to `path` and store it as a new version.

    Raises `ConfigRejected` (nothing written) when it has problems, and `VersionConflict` when
    `expected_version` is given and another version was applied meanwhile. Content equal to the
    newest version writes the file (if it differs) and returns that version unchanged.
    The file is written before the transaction commits: if the commit then fails, the reloader
    records the file's content as a version (author "file") when it picks it up.
    """
    path = Path(path)
    content = content.replace("\r\n", "\n")
    _config, problems = validate(content, str(path), known_templates)
    if problems:
        raise ConfigRejected(problems)
    ensure_baseline(session, path)
    if expected_version is not None:
        newest = latest(session)
        if newest is not None and newest.id != expected_version:
            raise VersionConflict(expected_version, newest.id)
    _pick_up_file(session, path, known_templates)
    version = record_version(session, content, author, comment)
    if _read(path) != content:
        write_atomic(path, content)
    return version


def rollback(
    session: Session,
    path: str | Path,
    version_id: int,
    author: str,
    *,
    known_templates: set[str] | None = None,
    comment: str | None = None,
) -> RoutingConfigVersion:
    """Apply the text of an old version again, as a new version (history is never rewritten).
    The old text is validated again: a template it names may have been removed since."""
    old = get_version(session, version_id)
    note = comment if comment is not None else f"rollback to version {version_id}"
    return apply_config(session, path, old.content, author, note, known_templates=known_templates)


def version_recorder(engine: Engine, author: str = FILE_AUTHOR) -> Callable[[str], None]:
    """For `routing.reloader.ConfigReloader`: store a config picked up from the file as a
    version, in its own transaction (nothing when it is already the newest version)."""

    def record(content: str) -> None:
        with session_scope(engine) as session:
            record_version(session, content, author, "picked up from the file")

    return record


__all__ = [
    "FILE_AUTHOR",
    "ConfigRejected",
    "UnknownVersion",
    "VersionConflict",
    "apply_config",
    "ensure_baseline",
    "get_version",
    "history",
    "latest",
    "record_version",
    "rollback",
    "sha256_text",
    "template_names",
    "unified_diff",
    "validate",
    "version_recorder",
    "write_atomic",
]
