"""A private Dovecot whose only login is OAuth2 (XOAUTH2 / OAUTHBEARER), checked against a
token-introspection endpoint that the test runs on loopback and controls (`Introspection`).

Refusals are immediate: no failure delay and no per-IP auth penalty (every test login comes
from 127.0.0.1, and the penalty would grow to seconds after the first refused token).
Dovecot POSTs `token=...` to the endpoint for every login; the endpoint answers
`{"active": true, "username": ...}` for tokens the test marked active and 401 otherwise.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from imapclient import IMAPClient

from tests.support._proc import chown, free_port, private_dir
from tests.support.dovecot import DovecotServer

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = pk-oauth-{port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
mail_fsync = never
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""

OAUTH2 = """\
introspection_mode = post
introspection_url = http://127.0.0.1:{port}/introspect
username_attribute = username
active_attribute = active
active_value = true
"""


@dataclass
class Introspection:
    """The token endpoint's view: which tokens are active, for whom; what Dovecot asked."""

    active: dict[str, str] = field(default_factory=dict)  # token -> username
    seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, token: str, user: str) -> None:
        with self.lock:
            self.active[token] = user

    def revoke(self, token: str) -> None:
        with self.lock:
            self.active.pop(token, None)

    def answer(self, token: str) -> tuple[int, dict[str, object]]:
        with self.lock:
            self.seen.append(token)
            user = self.active.get(token)
        if user is None:
            return 401, {"active": False}
        return 200, {"active": True, "username": user}


def _handler(state: Introspection) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode("utf-8"))
            status, body = state.answer((form.get("token") or [""])[0])
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@dataclass
class OAuthDovecot:
    server: DovecotServer
    tokens: Introspection

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    def client(self) -> IMAPClient:
        return IMAPClient(self.host, port=self.port, ssl=False, timeout=10)


@contextmanager
def running() -> Iterator[OAuthDovecot]:
    state = Introspection()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    root = private_dir("pk-dovecot-oauth-")
    port = free_port()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    chown(root / "mail", "mail")
    chown(root / "home", "mail")
    (root / "oauth2.conf").write_text(OAUTH2.format(port=httpd.server_address[1]))
    (root / "oauth2.conf").chmod(0o644)
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, port=port), encoding="utf-8")
    server = DovecotServer(root=root, port=port)
    try:
        with (root / "start.log").open("wb") as out:
            subprocess.run(
                ["dovecot", "-c", str(conf)],
                stdout=out,
                stderr=out,
                stdin=subprocess.DEVNULL,
                check=True,
                timeout=30,
            )
        deadline = time.monotonic() + 10
        while True:
            try:
                IMAPClient(server.host, port=port, ssl=False, timeout=2).logout()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("dovecot did not start:\n" + server.log()) from None
                time.sleep(0.05)
        yield OAuthDovecot(server, state)
    finally:
        server.stop()
        httpd.shutdown()
        httpd.server_close()
