"""The host's reading of device lines: valid messages pass, everything else
becomes device text with a reason, never an exception."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from fanctl import faults, ha_schema
from fanctl import protocol as wire
from fanctl.protocol import decode_command
from fanctl.settings import defaults
from picofan.protocol import DeviceText, Message, encode_command, parse_line
from picofan.spec import wire as schema

TELE = wire.tele("0000b007", 0, 1000, 25.5, 32768, 10000.0, False, defaults(), None)


def line(msg: dict) -> bytes:
    return json.dumps(msg).encode() + b"\r\n"


def test_encode_command_round_trips_and_checks_values() -> None:
    line = encode_command("set", 4, setpoint=28.5, mode="auto")
    assert line.endswith(b"\n")
    assert decode_command(line[:-1]) == ("set", 4, {"setpoint": 28.5, "mode": "auto"})
    for cmd, fields, code in (("set", {"setpoint": "x"}, "type"), ("launch", {}, "unknown_cmd"),
                              ("ping", {"setpoint": 1}, "unknown_field")):
        try:
            encode_command(cmd, 1, **fields)
        except ValueError as e:
            assert (getattr(e, "code", None), getattr(e, "id", None)) == (code, 1), e
            assert "(" not in str(e), "a refusal reads as its message, not a tuple"
        else:
            raise AssertionError(f"{cmd} {fields} was encoded")


def test_valid_telemetry_parses() -> None:
    parsed = parse_line(line(TELE))
    assert isinstance(parsed, Message) and parsed.type == "tele"
    assert parsed.data["temp"] == 25.5


def test_every_device_message_kind_parses() -> None:
    s = defaults()
    for msg in (wire.hello("0.1.0", "b", "e6614103e7452d2f", "0000b007", "power", s, True, None),
                wire.ack(3, "ping", {"ms": 5}),
                wire.error(None, "json", "not JSON"), wire.log("warn", "x")):
        assert isinstance(parse_line(line(msg)), Message), msg


def test_non_messages_become_device_text() -> None:
    cases = {
        b"MicroPython v1.27.0 on 2025-12-09; Raspberry Pi Pico W with RP2040\r\n": "not a message",
        b"Traceback (most recent call last):\r\n": "not a message",
        b'{"type": "tele", "ms": 1\r\n': "not JSON",
        b'{"type": "tele", "temp": NaN}\r\n': "not JSON",
        b"[1, 2]\r\n": "not a message",
        b'{"type": "gossip"}\r\n': "unknown message type",
        b"\xff\xfe\x00junk\r\n": "not a message",
    }
    for raw, reason in cases.items():
        parsed = parse_line(raw)
        assert isinstance(parsed, DeviceText) and reason in parsed.reason, (raw, parsed)


def test_values_are_validated() -> None:
    bad = [
        {**TELE, "temp": "hot"},
        {**TELE, "fan": 1},
        {**TELE, "ms": 1.5},
        {**TELE, "mode": "turbo"},
        {**TELE, "setpoint": 900},
        {**TELE, "fault": "gremlins"},
        {**TELE, "temp": None},  # no temperature must come with a fault
        {k: v for k, v in TELE.items() if k != "raw"},
    ]
    for msg in bad:
        parsed = parse_line(line(msg))
        assert isinstance(parsed, DeviceText), msg


@given(st.binary(max_size=300))
def test_any_bytes_parse_without_exception(raw: bytes) -> None:
    assert isinstance(parse_line(raw), Message | DeviceText)


@given(st.dictionaries(st.sampled_from([n for n, _ in schema.MESSAGES["tele"]] + ["type"]),
                       st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                       max_size=12))
def test_any_json_object_parses_without_exception(msg: dict) -> None:
    try:
        raw = json.dumps(msg).encode()
    except ValueError:
        return
    assert isinstance(parse_line(raw), Message | DeviceText)


def test_every_fault_the_board_reports_is_described_and_offered() -> None:
    # One list of faults (the firmware's): the host describes each one of them, in its
    # order, and no fault the board cannot report; Home Assistant offers the same.
    assert list(schema.FAULTS) == list(faults.NAMES)
    assert set(schema._MEANINGS) == set(faults.NAMES)
    assert all(schema.FAULTS.values())
    assert ha_schema.fault_names() == [ha_schema.NO_FAULT, *faults.NAMES]
    tele = parse_line(line({**TELE, "fault": faults.NAMES[-1]}))
    assert isinstance(tele, Message) and tele.data["fault"] == faults.ERROR


def test_wifi_in_hello_and_acks_is_checked() -> None:
    s = defaults()
    shown = {"ssid": "greenhouse", "broker": "mqtt://10.0.0.2", "password_set": True}
    hello = wire.hello("0.1.0", "b", "e6614103e7452d2f", "0000b007", "power", s, True, None,
                       None, shown)
    assert isinstance(parse_line(line(hello)), Message)
    assert isinstance(parse_line(line(wire.ack(1, "wifi", {"wifi": shown}))), Message)
    for bad in ({**shown, "password": "correct horse"}, {**shown, "password_set": "yes"},
                {"ssid": "greenhouse"}):
        parsed = parse_line(line({**hello, "wifi": bad}))
        assert isinstance(parsed, DeviceText) and "hello.wifi" in parsed.reason, bad
    older = {k: v for k, v in hello.items() if k != "wifi"}
    parsed = parse_line(line(older))
    assert isinstance(parsed, DeviceText) and parsed.outdated


def test_wifi_command_is_checked_before_sending() -> None:
    ok = encode_command("wifi", 2, ssid="greenhouse", password="correct horse",
                        broker="mqtt://10.0.0.2:1883")
    assert decode_command(ok[:-1])[0] == "wifi"
    assert decode_command(encode_command("wifi", 3, off=True)[:-1]) == ("wifi", 3, {"off": True})
    for fields, code in (({"ssid": "greenhouse"}, "missing"),
                         ({"ssid": "g", "password": "correct horse", "broker": "x"}, "type"),
                         ({"off": False}, "type"), ({"off": True, "ssid": "g"}, "type")):
        try:
            encode_command("wifi", 1, **fields)
        except ValueError as e:
            assert (getattr(e, "code", None), getattr(e, "id", None)) == (code, 1), e
            assert "correct horse" not in str(e)
        else:
            raise AssertionError(f"{fields} was encoded")
    assert schema.ACK_FIELDS["wifi"] == ("wifi",)
