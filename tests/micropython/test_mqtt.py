"""fanctl.mqtt, the firmware's own MQTT client, on MicroPython's unix port with real
sockets: how a session begins, lives and ends (the broker's address, TCP, CONNECT with
its will and login, the keepalive and its timeouts), against a real broker (Mosquitto,
else amqtt: benchmarks/rigs/mqtt_broker.py) and against raw TCP servers that stay silent.
Its packets: test_mqtt_packets.py; broker names: test_dns.py. Nothing here waits for a
duration: each step waits for a condition."""

from __future__ import annotations

import socket
from pathlib import Path

from mqtt_broker import TestBroker
from mqtt_micropython import MicroPythonClient
from mqtt_rig import CONNACK, RawServer, polls_go_on, start
from mqtt_watch import Watcher
from polling import until


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
