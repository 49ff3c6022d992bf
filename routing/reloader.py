"""Hot reload of the routing config: the service calls `ConfigReloader.poll()` once per batch.

The check is cheap: a `stat()` of the file, and only when its mtime, size or inode changed a
read and a sha256. A changed file is validated like `postkamer routing check` does; a valid one
replaces the running config (and is recorded as an applied version through the `record`
callback, author "file"), an invalid one is logged with its file:line problems once and the
running config stays. The config returned goes on to `routing.decide`.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from routing.config import ConfigProblem, RoutingConfig, RoutingConfigError, validate_routing_config

log = logging.getLogger(__name__)

Stamp = tuple[int, int, int]  # mtime_ns, size, inode


def _stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ConfigReloader:
    """Keeps the running routing config in step with its file.

    `ConfigReloader(path)` loads the file and raises `RoutingConfigError` if it is not valid
    (the service must not start on a broken config); pass `config=` to start from a config
    already loaded. `record(content)` is called for every changed valid file that goes live.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        config: RoutingConfig | None = None,
        known_templates: set[str] | None = None,
        record: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.known_templates = known_templates
        self._record = record
        self._stamp = _stamp(self.path)
        self._sha: str | None = None
        self._rejected: str | None = None  # sha of the invalid file already reported
        self.problems: list[ConfigProblem] = []
        if config is None:
            text = self._read()
            if text is None:
                raise RoutingConfigError(
                    [ConfigProblem(str(self.path), 0, "", "cannot read the routing config")]
                )
            loaded, problems = validate_routing_config(text, str(self.path), known_templates)
            if loaded is None:
                raise RoutingConfigError(problems)
            config, self._sha = loaded, _sha(text)
        self._config = config

    @property
    def config(self) -> RoutingConfig:
        """The running config."""
        return self._config

    def _read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except OSError as exc:
            log.error(
                "routing config %s: cannot read: %s; keeping the running config", self.path, exc
            )
            return None

    def poll(self) -> RoutingConfig | None:
        """The new config when the file changed to a valid one, else None (keep running the
        current one). Invalid files are logged once per content, with file:line per problem."""
        stamp = _stamp(self.path)
        if stamp is None or stamp == self._stamp:
            return None
        text = self._read()
        if text is None:
            return None
        self._stamp = stamp
        digest = _sha(text)
        if digest == self._sha:  # back to what runs (or only touched)
            self.problems, self._rejected = [], None
            return None
        config, problems = validate_routing_config(text, str(self.path), self.known_templates)
        if config is None:
            self.problems = problems
            if digest != self._rejected:
                self._rejected = digest
                log.error(
                    "routing config %s changed but is not valid; keeping the running config:\n%s",
                    self.path,
                    "\n".join(str(p) for p in problems),
                )
            return None
        self._config, self._sha, self.problems, self._rejected = config, digest, [], None
        log.info("routing config %s reloaded (sha256 %s)", self.path, digest[:12])
        if self._record is not None:
            try:
                self._record(text)
            except Exception:  # history is worth a log line, not a stopped service
                log.exception("could not record the reloaded routing config as a version")
        return config

    def current(self) -> RoutingConfig:
        """Poll, then the config to use for this batch."""
        self.poll()
        return self._config


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
