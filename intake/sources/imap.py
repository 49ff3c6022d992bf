"""An IMAP folder as a mail source (imapclient), for `postkamer run`.

Per batch: `UID SEARCH UID <last+1>:*`, one FETCH of RFC822.SIZE for the batch, then one FETCH
of `BODY.PEEK[]` + INTERNALDATE for the mails within the size limit (bounded by bytes too);
a mail over the limit is never fetched whole: only its header block, and it goes to
quarantine as oversize. Nothing is changed on the server until `acknowledge`, which the
service calls after the database commit: MOVE to the processed folder (or COPY + \\Deleted +
UID EXPUNGE with UIDPLUS; never a plain EXPUNGE), or only \\Seen when `processed_folder` is "".

After every (re)connect, mails at or below the committed checkpoint that are still in the
folder (the process died between commit and move) are acknowledged first. A changed
UIDVALIDITY restarts from UID 1; the ledger's content hash turns what was already stored
into duplicates. Every socket operation has a timeout; a broken connection raises
`SourceUnavailable` and the next call reconnects. `wait_for_new` uses IDLE when the server
has it (renewed every `idle_renew_seconds`), else sleeps.
"""

from __future__ import annotations

import imaplib
import io
import logging
import shlex
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient import exceptions as imap_errors
from imapclient.imapclient import DELETED, SEEN, SocketTimeout

from intake.model import RawMail
from intake.sources.base import Batch, Checkpoint, Oversize, SourceUnavailable
from intake.sources.oauth import CredentialError, default_registry, oauth_login
from postkamer.settings import MailboxSettings

log = logging.getLogger(__name__)

T = TypeVar("T")
TokenProvider = Callable[[MailboxSettings], str]
HEADER_BYTES = 64 * 1024  # most of an oversize mail's header block that is fetched
LARGE_BYTES = 4 * 1024 * 1024  # mails above this are fetched in pieces of this size
_ACK_CHUNK = 500
_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes socket.timeout and ssl errors
    imaplib.IMAP4.abort,
    imap_errors.IMAPClientAbortError,
    EOFError,
)


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def command_token(settings: MailboxSettings) -> str:
    """The OAuth2 access token printed by the mailbox's `token_command`."""
    if not settings.token_command:
        raise SourceUnavailable(
            f"mailbox {settings.name}: auth={settings.auth} needs token_command"
        )
    proc = subprocess.run(
        shlex.split(settings.token_command),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise SourceUnavailable(
            f"mailbox {settings.name}: token_command failed ({proc.returncode}): "
            f"{proc.stderr.strip()[:200]}"
        )
    return proc.stdout.strip()


class ImapSource:
    """One folder of one IMAP account. Not thread-safe: one thread per mailbox."""

    def __init__(
        self,
        settings: MailboxSettings,
        max_message_bytes: int,
        *,
        batch_bytes: int = 32 * 1024 * 1024,
        token_provider: TokenProvider | None = None,
    ) -> None:
        self.settings = settings
        self._max = max_message_bytes
        self._batch_bytes = batch_bytes
        self._token_provider = token_provider or default_registry()
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._caps: frozenset[bytes] = frozenset()
        self._reacked = False
        self._warned_no_uidplus = False

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def folder(self) -> str:
        return self.settings.folder

    @property
    def uidvalidity(self) -> int | None:
        return self._uidvalidity

    # --- connection ---------------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if not self.settings.tls_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _login(self, client: IMAPClient) -> None:
        s = self.settings
        if s.auth == "password":
            client.login(s.username, s.secret() or "")
        else:  # cached, refreshed tokens; a refused one is replaced once (intake.sources.oauth)
            try:
                oauth_login(client, s, self._token_provider)
            except CredentialError as exc:
                raise SourceUnavailable(f"mailbox {s.name}: {exc}") from None

    def _connect(self) -> IMAPClient:
        s = self.settings
        timeout = SocketTimeout(connect=s.timeout_seconds, read=s.timeout_seconds)
        ctx = self._ssl_context() if s.tls != "none" else None
        client = IMAPClient(
            s.host, port=s.port, ssl=s.tls == "ssl", ssl_context=ctx, timeout=timeout
        )
        try:
            if s.tls == "starttls":
                client.starttls(ctx)
            self._login(client)
            client.normalise_times = False  # keep INTERNALDATE timezone-aware
            caps = frozenset(bytes(c).upper() for c in client.capabilities())
            if s.processed_folder and not client.folder_exists(s.processed_folder):
                try:
                    client.create_folder(s.processed_folder)
                except imap_errors.IMAPClientError:
                    if not client.folder_exists(s.processed_folder):  # lost a race: fine
                        raise
            info = client.select_folder(s.folder)
        except BaseException:
            self._shutdown(client)
            raise
        self._caps = caps
        self._uidvalidity = int(info[b"UIDVALIDITY"])
        self._reacked = False
        log.info(
            "mailbox %s: connected to %s:%s, folder %s, UIDVALIDITY %s",
            s.name,
            s.host,
            s.port,
            s.folder,
            self._uidvalidity,
        )
        return client

    def _ensure(self) -> IMAPClient:
        if self._client is None:
            self._client = self._connect()
        return self._client

    @staticmethod
    def _shutdown(client: IMAPClient) -> None:
        try:
            client.shutdown()
        except Exception:  # the connection is being thrown away anyway
            log.debug("shutdown of a broken IMAP connection failed", exc_info=True)

    def _drop(self) -> None:
        if self._client is not None:
            self._shutdown(self._client)
        self._client = None

    def _guard(self, action: Callable[[IMAPClient], T]) -> T:
        """Run `action` on a live connection; a network or login failure drops the
        connection and raises SourceUnavailable (the caller backs off and retries)."""
        try:
            return action(self._ensure())
        except imap_errors.LoginError as exc:
            self._drop()
            raise SourceUnavailable(f"mailbox {self.name}: login refused: {exc}") from exc
        except _NETWORK_ERRORS as exc:
            self._drop()
            raise SourceUnavailable(f"mailbox {self.name}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.logout()
            except Exception:
                log.debug("logout failed", exc_info=True)
                self._drop()
        self._client = None

    # --- fetching -----------------------------------------------------------------------------

    def fetch_batch(self, checkpoint: Checkpoint | None) -> Batch:
        return self._guard(lambda client: self._fetch(client, checkpoint))

    def _fetch(self, client: IMAPClient, checkpoint: Checkpoint | None) -> Batch:
        uidvalidity = self._uidvalidity
        last = 0
        if checkpoint is not None and checkpoint.uidvalidity == uidvalidity:
            last = checkpoint.last_uid
        elif checkpoint is not None and checkpoint.last_uid:
            log.warning(
                "mailbox %s: UIDVALIDITY changed from %s to %s: rescanning the folder",
                self.name,
                checkpoint.uidvalidity,
                uidvalidity,
            )
        if not self._reacked:
            if last:
                self._acknowledge_committed(client, last)
            self._reacked = True
        found = client.search(["UID", f"{last + 1}:*"])
        candidates = sorted(int(u) for u in found if int(u) > last)[: self.settings.batch_size]
        if not candidates:
            return Batch()
        sizes = client.fetch(candidates, [b"RFC822.SIZE"])
        chosen: list[int] = []
        oversize: list[int] = []
        considered: list[int] = []
        total = 0
        for uid in candidates:
            if uid not in sizes:  # expunged since the SEARCH: skipped
                considered.append(uid)
                continue
            size = int(sizes[uid][b"RFC822.SIZE"])
            if size > self._max:
                oversize.append(uid)
            else:
                if chosen and total + size > self._batch_bytes:
                    break
                chosen.append(uid)
                total += size
            considered.append(uid)
        small = [u for u in chosen if int(sizes[u][b"RFC822.SIZE"]) <= LARGE_BYTES]
        mails = self._bodies(client, small, uidvalidity)
        for uid in chosen:
            if uid not in small:
                large = self._large_body(client, uid, int(sizes[uid][b"RFC822.SIZE"]), uidvalidity)
                if large is not None:
                    mails.append(large)
        mails.sort(key=lambda m: m.uid or 0)
        big = self._headers(client, oversize, uidvalidity, sizes)
        return Batch(
            mails=mails,
            oversize=big,
            checkpoint=Checkpoint(uidvalidity, considered[-1]),
            acknowledge_uids=[m.uid for m in mails if m.uid]
            + [o.mail.uid for o in big if o.mail.uid],
        )

    def _ref(self, uidvalidity: int | None, uid: int) -> str:
        return f"{self.settings.folder}/{uidvalidity}/{uid}"

    def _bodies(
        self, client: IMAPClient, uids: list[int], uidvalidity: int | None
    ) -> list[RawMail]:
        if not uids:
            return []
        data = client.fetch(uids, [b"BODY.PEEK[]", b"INTERNALDATE"])
        mails = []
        for uid in uids:
            item = data.get(uid)
            # expunged since the SEARCH: absent, or (Dovecot) `BODY[] NIL` with an OK
            # [EXPUNGEISSUED]; skipped, the rest of the batch goes on
            if item is None or item.get(b"BODY[]") is None:
                continue
            when = item.get(b"INTERNALDATE")
            mails.append(
                RawMail(
                    data=bytes(item[b"BODY[]"]),
                    source=self.name,
                    ref=self._ref(uidvalidity, uid),
                    uidvalidity=uidvalidity,
                    uid=uid,
                    internaldate=when if isinstance(when, datetime) else None,
                )
            )
        return mails

    def _large_body(
        self, client: IMAPClient, uid: int, size: int, uidvalidity: int | None
    ) -> RawMail | None:
        """One large mail, fetched in pieces (`BODY.PEEK[]<offset.length>`): the client library
        holds several copies of a literal while parsing it, so pieces keep the peak memory
        near the mail's own size."""
        buffer = io.BytesIO()  # its getvalue() hands over the buffer: no second full copy
        when: object = None
        offset = 0
        while offset < size:
            want = f"BODY.PEEK[]<{offset}.{LARGE_BYTES}>".encode()
            data = client.fetch([uid], [want, b"INTERNALDATE"]).get(uid)
            if data is None:
                return None  # expunged meanwhile
            when = data.get(b"INTERNALDATE", when)
            piece = next((v for k, v in data.items() if bytes(k).startswith(b"BODY[]")), None)
            if not piece:
                if not offset:
                    return None  # expunged meanwhile (`BODY[] NIL`)
                break
            buffer.write(piece)
            offset += len(piece)
            del data, piece
        return RawMail(
            data=buffer.getvalue(),
            source=self.name,
            ref=self._ref(uidvalidity, uid),
            uidvalidity=uidvalidity,
            uid=uid,
            internaldate=when if isinstance(when, datetime) else None,
        )

    def _headers(
        self, client: IMAPClient, uids: list[int], uidvalidity: int | None, sizes: dict[int, Any]
    ) -> list[Oversize]:
        if not uids:
            return []
        data = client.fetch(
            uids, [f"BODY.PEEK[HEADER]<0.{HEADER_BYTES}>".encode(), b"INTERNALDATE"]
        )
        out = []
        for uid in uids:
            item = data.get(uid)
            if item is None:
                continue
            head = next((v for k, v in item.items() if bytes(k).startswith(b"BODY[HEADER]")), b"")
            if head is None:  # expunged meanwhile (`BODY[HEADER] NIL`)
                continue
            when = item.get(b"INTERNALDATE")
            mail = RawMail(
                data=bytes(head or b""),
                source=self.name,
                ref=self._ref(uidvalidity, uid),
                uidvalidity=uidvalidity,
                uid=uid,
                internaldate=when if isinstance(when, datetime) else None,
            )
            out.append(Oversize(mail, int(sizes[uid][b"RFC822.SIZE"])))
        return out

    # --- acknowledging ------------------------------------------------------------------------

    def acknowledge(self, batch: Batch) -> None:
        """Flag or move the batch's mails; call only after the batch is committed. If the
        connection breaks here, the next connect acknowledges them (they are below the
        checkpoint)."""
        if not batch.acknowledge_uids:
            return
        if batch.checkpoint is not None and batch.checkpoint.uidvalidity != self._uidvalidity:
            return  # the folder changed under us: its mails are seen again and deduplicated
        uids = list(batch.acknowledge_uids)
        self._guard(lambda client: self._ack(client, uids))

    def _acknowledge_committed(self, client: IMAPClient, last_uid: int) -> None:
        criteria: list[str] = ["UID", f"1:{last_uid}"]
        if not self.settings.processed_folder:
            criteria.append("UNSEEN")
        else:  # without MOVE/UIDPLUS, copied mails stay behind flagged \Deleted: done already
            criteria.append("UNDELETED")
        left = sorted(int(u) for u in client.search(criteria) if int(u) <= last_uid)
        if left:
            log.info(
                "mailbox %s: %d committed mail(s) were not yet acknowledged: doing it now",
                self.name,
                len(left),
            )
            self._ack(client, left)

    def _ack(self, client: IMAPClient, uids: list[int]) -> None:
        target = self.settings.processed_folder
        for chunk in _chunks(uids, _ACK_CHUNK):
            if not target:
                client.add_flags(chunk, [SEEN], silent=True)
            elif b"MOVE" in self._caps:
                client.move(chunk, target)
            else:
                client.copy(chunk, target)
                client.add_flags(chunk, [DELETED], silent=True)
                if b"UIDPLUS" in self._caps:
                    client.uid_expunge(chunk)
                elif not self._warned_no_uidplus:
                    self._warned_no_uidplus = True
                    log.warning(
                        "mailbox %s: server has neither MOVE nor UIDPLUS: processed mails are "
                        "copied and flagged \\Deleted, but not expunged (a plain EXPUNGE would "
                        "also purge other clients' deletions)",
                        self.name,
                    )

    # --- waiting ------------------------------------------------------------------------------

    def wait_for_new(self, timeout: float, stop: threading.Event | None = None) -> None:
        deadline = time.monotonic() + timeout
        if self.settings.idle and self._client is not None and b"IDLE" in self._caps:
            self._guard(lambda client: self._idle(client, deadline, stop))
            return
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def _idle(self, client: IMAPClient, deadline: float, stop: threading.Event | None) -> None:
        renew = min(float(self.settings.idle_renew_seconds), 29 * 60.0)
        client.idle()
        started = time.monotonic()
        try:
            while not (stop and stop.is_set()):
                now = time.monotonic()
                if now >= deadline:
                    return
                if now - started >= renew:  # RFC 2177: re-issue well inside 29 minutes
                    client.idle_done()
                    client.idle()
                    started = time.monotonic()
                responses = client.idle_check(timeout=min(0.5, deadline - now))
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    return
        finally:
            client.idle_done()
