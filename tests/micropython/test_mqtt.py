"""fanctl.mqtt, the firmware's own MQTT client, on MicroPython's unix port with real
sockets: against a real broker (Mosquitto, else amqtt: benchmarks/rigs/mqtt_broker.py)
and against raw TCP servers that misbehave on purpose (silent, half a packet at a time,
garbage). Nothing here waits for a duration: each step waits for a condition."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from mqtt_broker import TestBroker
from mqtt_micropython import MicroPythonClient
from mqtt_watch import Watcher
from polling import until

CONNACK = b"\x20\x02\x00\x00"


@pytest.fixture
def board() -> Iterator[list[MicroPythonClient]]:
    """Clients started with start(kwargs); all ended after the test."""
    started: list[MicroPythonClient] = []
    yield started
    for c in started:
        c.close()


def start(started: list[MicroPythonClient], port: int, **kwargs: object) -> MicroPythonClient:
    c = MicroPythonClient(client_id=kwargs.pop("client_id", "picofan-test"),
                          host="127.0.0.1", port=port, **kwargs)
    started.append(c)
    c.ask("start")
    return c


class RawServer:
    """One TCP connection on a free port, scripted by the test: it accepts, and then
    sends what it is told to (nothing at all, if it is told nothing)."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.conn: socket.socket | None = None
        self.got = b""
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.conn, _ = self.listener.accept()
        while True:
            try:
                data = self.conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            self.got += data

    def connected(self) -> socket.socket:
        return until(lambda: self.conn, "the client's TCP connection")

    def send(self, data: bytes) -> None:
        self.connected().sendall(data)

    def close(self) -> None:
        if self.conn:
            self.conn.close()
        self.listener.close()


@pytest.fixture
def raw() -> Iterator[RawServer]:
    s = RawServer()
    yield s
    s.close()


def polls_go_on(c: MicroPythonClient, more: int = 200) -> dict[str, object]:
    """The client's loop keeps turning: `more` polls returned after this call began."""
    first = c.stats()["polls"]
    return until(lambda: (s := c.stats())["polls"] >= first + more and s,
                 f"{more} more polls")


# -- against a real broker ----------------------------------------------------------------
def test_connects_and_publishes_qos0_and_qos1(broker: TestBroker, home: Watcher,
                                              board: list[MicroPythonClient]) -> None:
    c = start(board, broker.port)
    assert c.wait_state("up") == "-"
    assert c.ask("publish", topic="picofan/t/state", payload='{"t":21.5}') is True
    assert c.ask("publish", topic="picofan/t/availability", payload="online",
                 retain=True, qos=1) is True
    assert home.wait("picofan/t/state").payload == b'{"t":21.5}'
    until(lambda: c.stats()["inflight"] == 0, "the PUBACK of the QoS 1 publish")
    # retained: a subscriber that comes later still gets it
    late = Watcher(broker.port, "picofan/t/availability")
    try:
        seen = late.wait("picofan/t/availability")
        assert (seen.payload, seen.retain) == (b"online", True)
    finally:
        late.close()


def test_publish_refused_when_not_up_or_too_big(broker: TestBroker, home: Watcher,
                                                board: list[MicroPythonClient]) -> None:
    c = MicroPythonClient(client_id="small", host="127.0.0.1", port=broker.port,
                          tx_size=256)
    board.append(c)
    assert c.ask("publish", topic="a", payload="before start") is False
    c.ask("start")
    c.wait_state("up")
    assert c.ask("publish", topic="picofan/big", payload="x" * 300) is False
    assert c.ask("publish", topic="picofan/small", payload="y" * 200) is True
    assert home.wait("picofan/small").payload == b"y" * 200
    assert home.on("picofan/big") == []


def test_subscribes_and_receives(broker: TestBroker, home: Watcher,
                                 board: list[MicroPythonClient]) -> None:
    c = start(board, broker.port, client_id="picofan-sub")
    c.wait_state("up")
    assert c.ask("subscribe", topic="picofan/t/set/+", qos=1) is True
    until(lambda: c.stats()["inflight"] == 0, "the SUBACK")
    home.publish("picofan/t/set/setpoint", "30.5")
    home.publish("picofan/t/other", "not for the board")
    home.publish("picofan/t/set/mode", "auto °C")
    until(lambda: len(c.messages()) == 2, "two messages")
    assert c.messages() == [("picofan/t/set/setpoint", "30.5"),
                            ("picofan/t/set/mode", "auto °C")]
    # QoS 1 in: the client acknowledged each (the broker logs the PUBACKs)
    if broker.kind == "mosquitto":
        until(lambda: broker.log.read_text().count("Received PUBACK from picofan-sub") == 2,
              "the broker got two PUBACKs")


def test_the_retain_flag_reaches_on_message(broker: TestBroker, home: Watcher,
                                           board: list[MicroPythonClient]) -> None:
    # A retained command left on the broker comes with the flag set on subscribing (a
    # replay), a live one without: on_message must be told which is which.
    home.publish("picofan/t/set/mode", "off", retain=True)
    c = start(board, broker.port, client_id="picofan-retain")
    c.wait_state("up")
    assert c.ask("subscribe", topic="picofan/t/set/+", qos=1) is True
    until(lambda: c.retained(), "the retained message")
    home.publish("picofan/t/set/setpoint", "30")
    until(lambda: ("picofan/t/set/setpoint", "30", False) in c.retained(), "the live one")
    # (amqtt may hand the retained message over twice on one subscription)
    assert set(c.retained()) == {("picofan/t/set/mode", "off", True),
                                 ("picofan/t/set/setpoint", "30", False)}
    home.publish("picofan/t/set/mode", "", retain=True)  # cleared for the tests after


def test_keepalive_pings_keep_the_session_up(broker: TestBroker,
                                             board: list[MicroPythonClient]) -> None:
    c = start(board, broker.port, client_id="picofan-ping", keepalive=1)
    c.wait_state("up")
    # keepalive 1 s: a client that never pinged would be dropped after 1.5 s
    until(lambda: c.stats()["pings"] >= 5, "five pings answered")
    assert c.stats()["state"] == "up"
    if broker.kind == "mosquitto":
        assert broker.log.read_text().count("Received PINGREQ from picofan-ping") >= 5
    assert [s for s, _ in c.states()] == ["down", "connecting", "up"]


def test_last_will_on_a_lost_connection_not_on_close(broker: TestBroker, home: Watcher,
                                                     board: list[MicroPythonClient]) -> None:
    will = ["picofan/w/availability", "offline", True, 1]
    a = start(board, broker.port, client_id="will-a", will=will)
    b = start(board, broker.port, client_id="will-b",
              will=["picofan/w2/availability", "offline", True, 1])
    a.wait_state("up")
    b.wait_state("up")
    m = b.mark()
    b.ask("close")
    assert b.wait_state("down", after=m) == "closed"
    a.quit()  # the process ends: no DISCONNECT
    assert home.wait("picofan/w/availability").payload == b"offline"
    late = Watcher(broker.port, "picofan/w/availability")  # and it was kept (retain)
    try:
        seen = late.wait("picofan/w/availability")
        assert (seen.payload, seen.retain) == (b"offline", True)
    finally:
        late.close()
    # b said DISCONNECT: its will is dropped (a marker message proves the broker moved on)
    home.publish("picofan/marker", "after")
    home.wait("picofan/marker")
    assert home.on("picofan/w2/availability") == []


def test_broker_killed_and_restarted(broker: TestBroker, home: Watcher,
                                     board: list[MicroPythonClient]) -> None:
    c = start(board, broker.port, keepalive=2, timeout_ms=2000)
    c.wait_state("up")
    m = c.mark()
    broker.stop()
    error = c.wait_state("down", after=m)
    assert "closed" in error or "network error" in error or "PINGRESP" in error, error
    assert c.ask("publish", topic="picofan/t/x", payload="lost") is False
    c.ask("start")  # the broker is still gone: refused, down again
    assert "ECONNREFUSED" in c.wait_state("down", after=c.started)
    broker.start()
    c.ask("start")
    c.wait_state("up", after=c.started)
    # (retained: the watcher, reconnecting by itself, gets it whenever it is back)
    assert c.ask("publish", topic="picofan/t/again", payload="back", retain=True) is True
    assert home.wait("picofan/t/again").payload == b"back"


def test_wrong_password_is_refused_with_a_reason(tmp_path: Path,
                                                 board: list[MicroPythonClient]) -> None:
    b = TestBroker(tmp_path / "login", login=("pico", "s3cret"))
    try:
        bad = start(board, b.port, client_id="bad", user="pico", password="wrong")
        error = bad.wait_state("down", after=bad.started)
        assert error.startswith("broker refused the connection: "), error
        assert ("bad user name or password" in error or "not authorized" in error), error
        good = start(board, b.port, client_id="good", user="pico", password="s3cret")
        good.wait_state("up")
    finally:
        b.close()


# -- against servers that misbehave ---------------------------------------------------------
def test_refused_tcp_connection_goes_down(board: list[MicroPythonClient]) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nobody listens there
    c = start(board, port)
    assert "ECONNREFUSED" in c.wait_state("down", after=c.started)


def test_silent_server_times_out_and_polls_never_block(board: list[MicroPythonClient]) -> None:
    patient, quick = RawServer(), RawServer()
    try:
        # a minute to answer: meanwhile the loop keeps turning (each poll returned)
        c = start(board, patient.port, timeout_ms=60000)
        until(lambda: patient.got.startswith(b"\x10"), "the CONNECT")
        assert polls_go_on(c)["state"] == "connecting"
        # 1 s to answer: then down, with the reason
        d = start(board, quick.port, timeout_ms=1000)
        assert d.wait_state("down", after=d.started) == "no CONNACK within 1000 ms"
        assert quick.got.startswith(b"\x10")  # it had sent its CONNECT
    finally:
        patient.close()
        quick.close()


def test_silent_after_connack_no_pingresp_goes_down(raw: RawServer,
                                                    board: list[MicroPythonClient]) -> None:
    c = start(board, raw.port, keepalive=1, timeout_ms=1000)
    until(lambda: raw.got.startswith(b"\x10"), "the CONNECT")
    raw.send(CONNACK)
    c.wait_state("up")
    until(lambda: b"\xc0\x00" in raw.got, "a PINGREQ")
    assert c.wait_state("down", after=c.started) == "no PINGRESP within 1000 ms"


def publish_packet(topic: bytes, payload: bytes, qos: int = 0, pid: int = 1) -> bytes:
    body = len(topic).to_bytes(2, "big") + topic + (pid.to_bytes(2, "big") if qos else b"")
    body += payload
    size = len(body)
    length = b""
    while True:
        byte, size = size & 0x7F, size >> 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            break
    return bytes([0x30 | qos << 1]) + length + body


def test_half_written_packet_arrives_once_whole(raw: RawServer,
                                                board: list[MicroPythonClient]) -> None:
    c = start(board, raw.port)
    until(lambda: raw.got.startswith(b"\x10"), "the CONNECT")
    raw.send(CONNACK)
    c.wait_state("up")
    packet = publish_packet(b"picofan/t/set/setpoint", b"31.25" * 60, qos=1, pid=7)
    assert len(packet) > 256  # two bytes of remaining length
    raw.send(packet[:1])  # the first byte only: not even the length
    polls_go_on(c)
    raw.send(packet[1:2])  # half the length
    polls_go_on(c)
    raw.send(packet[2:len(packet) // 2])  # half the packet
    polls_go_on(c)
    assert c.messages() == [] and c.stats()["state"] == "up"
    # the rest, with a whole second packet in the same segment
    raw.send(packet[len(packet) // 2:] + publish_packet(b"picofan/t/save", b""))
    until(lambda: len(c.messages()) == 2, "both messages")
    assert c.messages() == [("picofan/t/set/setpoint", "31.25" * 60), ("picofan/t/save", "")]
    until(lambda: b"\x40\x02\x00\x07" in raw.got, "the PUBACK for packet id 7")
    assert c.stats()["state"] == "up"


def test_packet_too_big_for_the_buffer_is_skipped(raw: RawServer,
                                                  board: list[MicroPythonClient]) -> None:
    c = start(board, raw.port, rx_size=128)
    until(lambda: raw.got.startswith(b"\x10"), "the CONNACK")
    raw.send(CONNACK)
    c.wait_state("up")
    big = publish_packet(b"picofan/big", b"z" * 1000)
    raw.send(big[:300])
    polls_go_on(c)
    raw.send(big[300:] + publish_packet(b"picofan/after", b"ok"))
    until(lambda: c.messages() == [("picofan/after", "ok")], "the message after the big one")
    s = c.stats()
    assert (s["skipped"], s["received"], s["state"]) == (1, 1, "up")


@pytest.mark.parametrize("garbage,reason", [
    (b"\x00\x00", "unexpected packet type 0"),
    (b"\x30\xff\xff\xff\xff\x01", "remaining length over 4 bytes"),
    (b"\x30\x03\x00\x09a", "PUBLISH topic longer than the packet"),
    (b"\x30\x04\x00\x02\xff\xfe", "PUBLISH topic not UTF-8"),
    (b"\x34\x05\x00\x01ax\x00", "PUBLISH with QoS 2"),
    (CONNACK, "CONNACK"),
])
def test_malformed_packet_goes_down_with_a_reason(raw: RawServer,
                                                  board: list[MicroPythonClient],
                                                  garbage: bytes, reason: str) -> None:
    c = start(board, raw.port)
    until(lambda: raw.got.startswith(b"\x10"), "the CONNECT")
    raw.send(CONNACK)
    c.wait_state("up")
    m = c.mark()
    raw.send(garbage)
    assert c.wait_state("down", after=m) == "malformed packet from the broker: " + reason
    assert c.stats()["state"] == "down"  # still running: no traceback
    assert c.stderr() == ""


def test_connack_refusal_code(raw: RawServer, board: list[MicroPythonClient]) -> None:
    c = start(board, raw.port)
    until(lambda: raw.got.startswith(b"\x10"), "the CONNECT")
    raw.send(b"\x20\x02\x00\x02")
    assert c.wait_state("down", after=c.started) == (
        "broker refused the connection: client identifier rejected")


# -- broker names -------------------------------------------------------------------------
class DNSServer:
    """A DNS server on a free UDP port for DNSResolver: names -> IPv4 (each answer a
    CNAME first, then the A record, as recursive servers answer), NXDOMAIN for other
    names, and no answer at all for names in `silent`."""

    def __init__(self, names: dict[str, str], silent: tuple[str, ...] = ()) -> None:
        self.names = names
        self.silent = silent
        self.asked: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                query, peer = self.sock.recvfrom(512)
            except OSError:
                return
            labels, i = [], 12
            while query[i]:
                labels.append(query[i + 1:i + 1 + query[i]].decode())
                i += 1 + query[i]
            name = ".".join(labels)
            self.asked.append(name)
            question = query[12:i + 5]
            if name in self.silent:
                continue
            ip = self.names.get(name)
            if ip is None:
                self.sock.sendto(query[:2] + b"\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00"
                                 + question, peer)
                continue
            alias = b"\x05alias\xc0\x0c"
            cname = b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c" + len(alias).to_bytes(2, "big")
            a = (b"\xc0" + bytes([12 + len(question)]) + b"\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04"
                 + bytes(int(p) for p in ip.split(".")))
            self.sock.sendto(query[:2] + b"\x81\x80\x00\x01\x00\x02\x00\x00\x00\x00"
                             + question + cname + alias + a, peer)

    def close(self) -> None:
        self.sock.close()


def start_named(started: list[MicroPythonClient], host: str, port: int, dns: DNSServer,
                **kwargs: object) -> MicroPythonClient:
    c = MicroPythonClient(client_id="picofan-dns", host=host, port=port,
                          dns={"server": "127.0.0.1", "port": dns.port, "timeout_ms": 500,
                               "tries": 2}, **kwargs)
    started.append(c)
    c.ask("start")
    return c


def test_broker_by_name_through_the_non_blocking_resolver(
        broker: TestBroker, home: Watcher, board: list[MicroPythonClient]) -> None:
    dns = DNSServer({"mqtt.greenhouse.lan": "127.0.0.1"})
    try:
        c = start_named(board, "mqtt.greenhouse.lan", broker.port, dns)
        c.wait_state("up")
        assert dns.asked == ["mqtt.greenhouse.lan"]
        assert c.ask("publish", topic="picofan/t/named", payload="hi") is True
        assert home.wait("picofan/t/named").payload == b"hi"
    finally:
        dns.close()


def test_unknown_or_unanswered_name_goes_down_with_a_reason(
        board: list[MicroPythonClient]) -> None:
    dns = DNSServer({}, silent=("quiet.lan",))
    try:
        c = start_named(board, "nowhere.lan", 1883, dns)
        assert c.wait_state("down", after=c.started) == (
            "network error: DNS: nowhere.lan has no address (rcode 3)")
        q = start_named(board, "quiet.lan", 1883, dns)
        polls_go_on(q)  # while the server says nothing
        assert q.wait_state("down", after=q.started) == (
            "network error: DNS: no answer for quiet.lan from 127.0.0.1")
        assert dns.asked.count("quiet.lan") == 2  # tries=2
    finally:
        dns.close()


def test_name_without_a_resolver_uses_getaddrinfo_off_the_board(
        broker: TestBroker, board: list[MicroPythonClient]) -> None:
    c = MicroPythonClient(client_id="picofan-localhost", host="localhost", port=broker.port)
    board.append(c)
    c.ask("start")
    c.wait_state("up")

