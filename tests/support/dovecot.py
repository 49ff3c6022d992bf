"""A private Dovecot IMAP server for the tests, with one fresh account per test.

The server starts once per session (own base_dir, config, free loopback port) and stops at the
end. Every user name logs in with the one test password (a static passdb: a passwd-file that
grows during the run is not re-read reliably), so each test takes a new user name and has its
own empty maildir. Mails are put in place either as files written straight
into the maildir (`deliver`, fast: thousands per second) or over IMAP (`append`).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

from tests.support._proc import chown, free_port, private_dir, remove_tree

_accounts = itertools.count(1)
PASSWORD = "secret"
_files = itertools.count(1)

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = pk-test-{port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
mail_fsync = never
imap_idle_notify_interval = 2 secs
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = static
  args = password={password}
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
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def available() -> bool:
    return shutil.which("dovecot") is not None and shutil.which("doveadm") is not None


@dataclass
class Account:
    """One IMAP user on the private server, with helpers to put mail in its folders."""

    server: DovecotServer
    user: str
    password: str

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    def maildir(self, folder: str = "INBOX") -> Path:
        base = self.server.root / "mail" / self.user
        return base if folder == "INBOX" else base / f".{folder}"

    def client(self, timeout: float = 30.0) -> IMAPClient:
        """A logged-in IMAPClient (the caller logs out)."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        client.login(self.user, self.password)
        return client

    def deliver(
        self,
        messages: Iterable[bytes],
        folder: str = "INBOX",
        arrived: Iterable[float] | None = None,
    ) -> int:
        """Write mails into the maildir the way an MDA does (tmp/ then rename into new/).
        `arrived` (epoch seconds per mail) sets the file time Dovecot reports as INTERNALDATE."""
        times = iter(arrived) if arrived is not None else None
        base = self.maildir(folder)
        _make_maildir(base)
        count = 0
        host = "pktest"
        for data in messages:
            name = f"{int(time.time())}.M{next(_files)}P{os.getpid()}.{host}"
            tmp = base / "tmp" / name
            tmp.write_bytes(data)
            chown(tmp, "mail")
            if times is not None:
                when = next(times)
                os.utime(tmp, (when, when))
            os.rename(tmp, base / "new" / name)
            count += 1
        return count

    def append(self, messages: Iterable[bytes], folder: str = "INBOX") -> int:
        """APPEND mails over IMAP (slower than `deliver`, but what a live server would see)."""
        client = self.client()
        try:
            if folder != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            count = 0
            for data in messages:
                client.append(folder, data)
                count += 1
            return count
        finally:
            client.logout()

    def count(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return 0
            status = client.folder_status(folder, [b"MESSAGES"])
            return int(status[b"MESSAGES"])
        finally:
            client.logout()

    def fetch_all(self, folder: str = "INBOX") -> list[bytes]:
        """The raw bytes of every mail in `folder`, in UID order."""
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, [b"BODY.PEEK[]"]) if uids else {}
            return [bytes(data[uid][b"BODY[]"]) for uid in sorted(data)]
        finally:
            client.logout()

    def uidvalidity(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            status = client.folder_status(folder, [b"UIDVALIDITY"])
            return int(status[b"UIDVALIDITY"])
        finally:
            client.logout()

    def recreate_inbox(self, messages: Iterable[bytes]) -> None:
        """Throw the INBOX away (mails, UID list, indexes) and fill it again with `messages`:
        what a server restore does. The folder comes back with a new UIDVALIDITY."""
        before = self.uidvalidity()
        base = self.maildir()
        for sub in ("cur", "new", "tmp"):
            shutil.rmtree(base / sub, ignore_errors=True)
        for entry in base.iterdir():
            if entry.is_file() and entry.name.startswith("dovecot"):
                entry.unlink()
        self.deliver(messages)
        # Dovecot derives UIDVALIDITY from the clock: make sure the new one differs
        while self.uidvalidity() == before:
            time.sleep(0.2)
            for entry in base.iterdir():
                if entry.is_file() and entry.name.startswith("dovecot"):
                    entry.unlink()


@dataclass
class DovecotServer:
    root: Path
    port: int
    host: str = "127.0.0.1"

    @property
    def conf(self) -> Path:
        return self.root / "dovecot.conf"

    def add_account(self, user: str | None = None) -> Account:
        user = user or f"u{next(_accounts)}"
        base = self.root / "mail" / user
        _make_maildir(base)
        home = self.root / "home" / user
        home.mkdir(parents=True, exist_ok=True)
        chown(home, "mail")
        return Account(self, user, PASSWORD)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        subprocess.run(
            ["doveadm", "-c", str(self.conf), "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=30,
        )
        remove_tree(self.root)


def _make_maildir(base: Path) -> None:
    for sub in ("", "cur", "new", "tmp"):
        path = base / sub if sub else base
        if not path.exists():
            path.mkdir(parents=True, mode=0o700)
            chown(path, "mail")
    parent = base.parent
    chown(parent, "mail")


def start() -> DovecotServer:
    root = private_dir("pk-dovecot-")
    port = free_port()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    (root / "run").chmod(0o755)
    chown(root / "mail", "mail")
    chown(root / "home", "mail")
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, port=port, password=PASSWORD), encoding="utf-8")
    # dovecot daemonizes: its output goes to a file, or the pipe would stay open forever
    with (root / "start.log").open("wb") as out:
        subprocess.run(
            ["dovecot", "-c", str(conf)],
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            check=True,
            timeout=30,
        )
    server = DovecotServer(root=root, port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client = IMAPClient(server.host, port=port, ssl=False, timeout=2)
            client.logout()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("dovecot did not start:\n" + server.log()) from None
            time.sleep(0.05)
    return server
