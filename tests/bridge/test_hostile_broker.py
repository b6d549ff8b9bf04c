"""`picofan bridge` against a broker that misbehaves: a small raw TCP server on the
loopback that speaks just enough MQTT (it takes the CONNECT, answers CONNACK), then
announces a packet of 268 MB and streams it, or says nothing more. Bounded in bytes and
in time; one connection, then it stops listening."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bridge_process import BridgeProcess
from polling import until

Start = Callable[..., BridgeProcess]
CONNACK = b"\x20\x02\x00\x00"  # MQTT 3.1.1: session present 0, accepted
HUGE = b"\x30\xff\xff\xff\x7f"  # a PUBLISH of 268 435 455 bytes (the most MQTT can say)
STREAM_MAX = 64 * 1024 * 1024  # what the server sends at most
STREAM_S = 60.0  # and for how long at most
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


class RawBroker:
    """One connection on 127.0.0.1: CONNACK, then `then(connection)` in a thread."""

    def __init__(self, then: Callable[[socket.socket], None]) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.sent = 0  # bytes streamed after the header
        self.done = threading.Event()  # the bridge closed the connection (or time ran out)
        self.peer_closed = False
        self._then = then
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.server.settimeout(STREAM_S)
        try:
            conn, _ = self.server.accept()
        except OSError:
            self.done.set()
            return
        finally:
            self.server.close()  # one connection: the bridge's tries again find none
        with conn:
            conn.settimeout(STREAM_S)
            conn.recv(4096)  # the CONNECT
            conn.sendall(CONNACK)
            self._then(conn)
        self.done.set()

    def stream(self, conn: socket.socket) -> None:
        conn.sendall(HUGE + b"\x00\x0bpicofan/big")
        chunk = bytes(64 * 1024)
        deadline = time.monotonic() + STREAM_S
        try:
            while self.sent < STREAM_MAX and time.monotonic() < deadline:
                self.sent += conn.send(chunk)
        except OSError:  # reset, broken pipe: the bridge hung up
            self.peer_closed = True

    def silent(self, conn: socket.socket) -> None:
        deadline = time.monotonic() + STREAM_S
        try:
            while time.monotonic() < deadline:
                if not conn.recv(4096):
                    self.peer_closed = True
                    return
        except OSError:
            self.peer_closed = True

    def close(self) -> None:
        self.server.close()
        self._thread.join(STREAM_S + 5)


def test_a_broker_announcing_a_huge_packet_is_dropped_and_memory_stays_bounded(
        bridge: Start) -> None:
    hostile = RawBroker(lambda c: hostile.stream(c))
    try:
        run = bridge("--sim", "1", url=hostile.url)
        run.wait_log("connected to the broker")
        start = rss_mb(run.proc.pid)
        peak = start

        def watched() -> bool:
            nonlocal peak
            peak = max(peak, rss_mb(run.proc.pid))
            return hostile.done.is_set()

        until(watched, "the hostile broker's connection over")
        log = run.wait_log("lost the broker")
        print(f"bridge RSS {start:.1f} MB at the start, {peak:.1f} MB at most; the server "
              f"streamed {hostile.sent / 1e6:.1f} MB before the bridge hung up")
        assert hostile.peer_closed, "the bridge never dropped the connection"
        assert hostile.sent < STREAM_MAX
        assert peak < start + 16, (start, peak)
        lines = [ln for ln in log.splitlines() if "packet" in ln]
        assert len(lines) == 1, lines
        assert "lost the broker at" in lines[0]
        assert "a packet of 268435455 bytes; the bridge takes 262144 at most" in lines[0]
        assert "Traceback" not in log
    finally:
        hostile.close()


def test_a_broker_gone_silent_is_said_once(bridge: Start) -> None:
    quiet = RawBroker(lambda c: quiet.silent(c))
    try:
        run = bridge("--sim", "1", url=quiet.url)
        run.wait_log("connected to the broker")
        log = run.wait_log("lost the broker")
        lines = [ln for ln in log.splitlines() if "said nothing" in ln]
        assert len(lines) == 1, log
        assert "has said nothing for 15 s" in lines[0]
        assert log.index("said nothing") < log.index("lost the broker")
        until(lambda: quiet.done.is_set(), "the bridge hanging up")
        assert quiet.peer_closed
    finally:
        quiet.close()
