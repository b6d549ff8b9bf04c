"""fanctl.mqtt_packets, the protocol half of the firmware's MQTT client, on MicroPython's
unix port with real sockets: publishing within the transmit buffer, subscribing and
receiving, and reading packets however they arrive, against a real broker (Mosquitto,
else amqtt: benchmarks/rigs/mqtt_broker.py) and raw TCP servers that send half a packet
at a time, too much, or garbage. Nothing here waits for a duration: each step waits for
a condition."""

from __future__ import annotations

import pytest
from mqtt_broker import TestBroker
from mqtt_micropython import MicroPythonClient
from mqtt_rig import CONNACK, RawServer, polls_go_on, start
from mqtt_watch import Watcher
from polling import until


# -- against a real broker ----------------------------------------------------------------
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


# -- against servers that misbehave ---------------------------------------------------------
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
