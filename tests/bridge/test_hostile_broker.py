"""`picofan bridge` against a broker that misbehaves, or is old: a small raw TCP server on
the loopback that speaks just enough MQTT (it reads the CONNECT, answers CONNACK in the
CONNECT's version), then announces a packet of 268 MB and streams it, or says nothing
more; or that speaks only MQTT 3.1.1 and refuses an MQTT 5 CONNECT. Bounded in bytes and
in time; one connection (or as many as it is told), then it stops listening."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bridge_process import BridgeProcess
from polling import until

from picofan.bridge.guard import MAX_PACKET

Start = Callable[..., BridgeProcess]
CONNACK = {4: b"\x20\x02\x00\x00",  # MQTT 3.1.1: session present 0, accepted
           5: b"\x20\x03\x00\x00\x00"}  # MQTT 5: the same, and no properties
REFUSED_VERSION = b"\x20\x02\x00\x01"  # MQTT 3.1.1: unacceptable protocol version
HUGE = b"\x30\xff\xff\xff\x7f"  # a PUBLISH of 268 435 455 bytes (the most MQTT can say)
STREAM_MAX = 64 * 1024 * 1024  # what the server sends at most
STREAM_S = 60.0  # and for how long at most
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


@dataclass
class Connect:
    """What a CONNECT says: its protocol level (4: MQTT 3.1.1, 5: MQTT 5), its flags, and
    its MQTT 5 properties (identifier: value) for the fixed-size ones."""

    level: int
    flags: int
    properties: dict[int, int] = field(default_factory=dict)


def read_exactly(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        got = conn.recv(n - len(data))
        if not got:
            raise ConnectionError("closed mid-packet")
        data += got
    return data


def read_varint(read: Callable[[int], bytes]) -> int:
    value = shift = 0
    while True:
        byte = read(1)[0]
        value |= (byte & 127) << shift
        shift += 7
        if not byte & 128:
            return value


def read_connect(conn: socket.socket) -> Connect:
    assert read_exactly(conn, 1) == b"\x10", "not a CONNECT"
    body = read_exactly(conn, read_varint(lambda n: read_exactly(conn, n)))
    name_len = struct.unpack("!H", body[:2])[0]
    assert body[2:2 + name_len] == b"MQTT"
    at = 2 + name_len
    level, flags = body[at], body[at + 1]
    at += 4  # (and the keepalive)
    found = Connect(level, flags)
    if level == 5:
        def take(n: int) -> bytes:
            nonlocal at
            at += n
            return body[at - n:at]

        end = read_varint(take) + at
        sizes = {0x11: 4, 0x21: 2, 0x22: 2, 0x27: 4, 0x17: 1, 0x19: 1}
        while at < end:
            ident = take(1)[0]
            assert ident in sizes, f"an unexpected CONNECT property {ident:#x}"
            found.properties[ident] = int.from_bytes(take(sizes[ident]), "big")
    return found


class RawBroker:
    """Connections on 127.0.0.1 (one unless told): it reads the CONNECT, answers CONNACK
    (in the CONNECT's version; REFUSED_VERSION to an MQTT 5 one when `v311_only`), then
    `then(connection)`, in a thread."""

    def __init__(self, then: Callable[[socket.socket], None], connections: int = 1,
                 v311_only: bool = False) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.connects: list[Connect] = []  # what each CONNECT said
        self.sent = 0  # bytes streamed after the header
        self.done = threading.Event()  # the bridge closed the connection (or time ran out)
        self.peer_closed = False
        self._then = then
        self._connections = connections
        self._v311_only = v311_only
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.server.settimeout(STREAM_S)
        try:
            for _ in range(self._connections):
                try:
                    conn, _ = self.server.accept()
                except OSError:
                    return
                with conn:
                    conn.settimeout(STREAM_S)
                    connect = read_connect(conn)
                    self.connects.append(connect)
                    if connect.level == 5 and self._v311_only:
                        conn.sendall(REFUSED_VERSION)
                        continue
                    conn.sendall(CONNACK[connect.level])
                    self._then(conn)
        finally:
            self.server.close()  # the bridge's tries after the last find none
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


def test_the_bridge_tells_its_broker_the_largest_packet_it_takes(bridge: Start) -> None:
    # MQTT 5's Maximum Packet Size: a broker that honours it never sends a larger one.
    server = RawBroker(lambda c: None)
    try:
        run = bridge("--sim", "1", url=server.url)
        log = run.wait_log("connected to the broker")
        (connect,) = server.connects
        assert connect.level == 5
        assert connect.properties[0x27] == MAX_PACKET  # Maximum Packet Size
        # A clean start, and no Session Expiry Interval: nothing kept across connections.
        assert connect.flags & 0x02
        assert 0x11 not in connect.properties
        assert "3.1.1" not in log
    finally:
        server.close()


def test_a_broker_refusing_mqtt_5_is_spoken_to_in_mqtt_3_1_1(bridge: Start) -> None:
    old = RawBroker(lambda c: None, connections=2, v311_only=True)
    try:
        run = bridge("--sim", "1", url=old.url)
        log = run.wait_log("connected to the broker")
        assert [c.level for c in old.connects] == [5, 4]
        said = [ln for ln in log.splitlines() if "3.1.1" in ln]
        assert len(said) == 1, said
        assert f"speaks MQTT 3.1.1 only: it cannot be told the largest packet the bridge " \
               f"takes ({MAX_PACKET} bytes)" in said[0]
        assert "refused" not in log and "Traceback" not in log
    finally:
        old.close()
