"""A TCP proxy on loopback that injects network faults between a client and a real server.

The tests point the service at `proxy.port` instead of the server's port and then break the
path the way networks break:

- `pass`    forward everything (the default);
- `refuse`  accept and close at once every new connection (and cut the open ones): server down;
- `stall`   keep connections open but forward nothing in either direction: a silent peer;
- `cut_all()` close every open connection now;
- one-shot rules armed with `on(...)`: when the client sends a byte pattern (say `BODY.PEEK[]`
  or the end-of-DATA dot), run a callback, and/or cut the connection after N more bytes in a
  direction, or stall it. A rule fires once (on the `nth` occurrence) and is then removed, so
  the client's reconnect works normally.

Threads, not asyncio: the code under test uses blocking sockets (imapclient) as well as asyncio
(aiosmtplib), and a thread per direction keeps the proxy independent of both.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["up", "down"]  # up: client -> server; down: server -> client
Action = Literal["none", "cut", "stall"]


@dataclass
class Rule:
    """Fires when `pattern` passes upstream for the `nth` time (1 = first)."""

    pattern: bytes
    action: Action = "cut"
    direction: Direction = "down"  # where `after_bytes` are counted once the rule has fired
    after_bytes: int = 0  # bytes still forwarded in `direction` before the cut/stall
    forward_trigger: bool = True  # False: the chunk holding the pattern is swallowed
    callback: Callable[[], None] | None = None  # run before the chunk is forwarded
    nth: int = 1
    seen: int = 0
    fired: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Conn:
    client: socket.socket
    server: socket.socket
    closed: threading.Event = field(default_factory=threading.Event)
    stalled: bool = False
    # armed after a rule fired: (action, direction, bytes left)
    pending: tuple[Action, Direction, int] | None = None
    tails: dict[str, bytes] = field(default_factory=lambda: {"up": b"", "down": b""})

    def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class TcpProxy:
    """`TcpProxy(host, port).start()`; clients connect to 127.0.0.1:`proxy.port`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode: Literal["pass", "refuse", "stall"] = "pass"
        self.connections = 0  # accepted so far
        self.upstream_log = bytearray()  # everything the clients sent (for assertions)
        self._rules: list[Rule] = []
        self._conns: list[_Conn] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self.host = "127.0.0.1"
        self._thread = threading.Thread(target=self._accept_loop, name="tcpproxy", daemon=True)

    # --- control ------------------------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
        self.cut_all()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def set_mode(self, mode: Literal["pass", "refuse", "stall"]) -> None:
        self.mode = mode
        if mode == "refuse":
            self.cut_all()

    def cut_all(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()

    def on(self, pattern: bytes, **kwargs: object) -> Rule:
        """Arm a one-shot rule (see `Rule`); returns it so a test can wait on `rule.fired`."""
        rule = Rule(pattern, **kwargs)  # type: ignore[arg-type]
        with self._lock:
            self._rules.append(rule)
        return rule

    def sent_commands(self) -> list[bytes]:
        """The lines the clients sent (CRLF-split), for protocol assertions."""
        return bytes(self.upstream_log).split(b"\r\n")

    # --- plumbing -----------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        self._listener.settimeout(0.1)  # a closed listener does not wake a blocked accept()
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            self.connections += 1
            if self.mode == "refuse":
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            conn = _Conn(client, server)
            with self._lock:
                self._conns.append(conn)
            for src, dst, direction in ((client, server, "up"), (server, client, "down")):
                threading.Thread(
                    target=self._pump,
                    args=(conn, src, dst, direction),
                    name=f"tcpproxy-{direction}",
                    daemon=True,
                ).start()

    def _match(self, conn: _Conn, chunk: bytes) -> Rule | None:
        window = conn.tails["up"] + chunk
        with self._lock:
            for rule in self._rules:
                hits = window.count(rule.pattern)
                if hits:
                    rule.seen += hits
                    if rule.seen >= rule.nth:
                        self._rules.remove(rule)
                        return rule
        return None

    def _pump(self, conn: _Conn, src: socket.socket, dst: socket.socket, direction: str) -> None:
        try:
            while not conn.closed.is_set():
                ready, _, _ = select.select([src], [], [], 0.1)
                if conn.stalled or self.mode == "stall":  # data stays in the kernel buffers
                    if conn.closed.wait(0.05):
                        return
                    continue
                if not ready:
                    continue
                chunk = src.recv(65536)
                if not chunk:
                    conn.close()
                    return
                if direction == "up":
                    self.upstream_log.extend(chunk)
                    rule = self._match(conn, chunk)
                    conn.tails["up"] = (conn.tails["up"] + chunk)[-64:]
                    if rule is not None:
                        if rule.callback is not None:
                            rule.callback()
                        if rule.action != "none":
                            conn.pending = (rule.action, rule.direction, rule.after_bytes)
                        rule.fired.set()
                        if not rule.forward_trigger:
                            self._apply(conn, conn.pending)
                            continue
                limited = self._limit(conn, chunk, direction)
                if limited is not None:
                    dst.sendall(limited)
        except OSError:
            conn.close()

    def _limit(self, conn: _Conn, chunk: bytes, direction: str) -> bytes | None:
        """Apply an armed cut/stall: forward what is still allowed, then act."""
        if conn.pending is None or conn.pending[1] != direction:
            return chunk
        action, where, left = conn.pending
        if len(chunk) < left:
            conn.pending = (action, where, left - len(chunk))
            return chunk
        head = chunk[:left]
        if head:
            with contextlib.suppress(OSError):
                (conn.server if direction == "up" else conn.client).sendall(head)
        self._apply(conn, conn.pending)
        return None

    @staticmethod
    def _apply(conn: _Conn, pending: tuple[Action, Direction, int] | None) -> None:
        conn.pending = None
        if pending is None:
            return
        if pending[0] == "cut":
            conn.close()
        elif pending[0] == "stall":
            conn.stalled = True
