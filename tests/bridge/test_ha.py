"""The Home Assistant side of a board, as plain data: ids, topics, the discovery
config, and reading command payloads (whatever bytes arrive: a value the firmware's own
check accepts, or a refusal; never anything else)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanctl import settings
from fanctl.settings import Invalid
from picofan.bridge import ha
from picofan.spec import wire

HELLO = {"fw": "0.1.0", "board": "Raspberry Pi Pico W", "settings": settings.defaults()}


def test_the_board_id_is_hellos_uid() -> None:
    assert ha.board_id({"uid": "e6614c311b2f5c37"}) == "e6614c311b2f5c37"
    for bad in ("E6614C311B2F5C37", "e6614c31", "../../x", 12, None):  # not a uid: not used
        assert ha.board_id({"uid": bad}) is None
    assert ha.board_id({}) is None


def test_the_name_setting_names_the_device() -> None:
    assert ha.display_name("e6614c311b2f5c37", {}) == "picofan 2f5c37"
    assert ha.display_name("e6614c311b2f5c37", {"name": ""}) == "picofan 2f5c37"
    assert ha.display_name("e6614c311b2f5c37", {"name": "rack 2"}) == "rack 2"
    config = ha.discovery("e6614c311b2f5c37", HELLO, {**HELLO["settings"], "name": "rack 2"},
                          ["a", "b"])
    assert config["dev"]["name"] == "rack 2"


def test_command_topics() -> None:
    bid = "e6614c311b2f5c37"
    t = ha.Topics(bid)
    assert ha.command_topic(t.set_one("setpoint")) == ha.CommandTopic(bid, "set", "setpoint")
    assert ha.command_topic(t.set_all) == ha.CommandTopic(bid, "set", None)
    assert ha.command_topic(t.save) == ha.CommandTopic(bid, "save", None)
    for other in (t.state, t.result, t.availability, f"{t.set_all}/a/b", "picofan/x/set",
                  f"other/{bid}/set", f"{t.save}/x"):
        assert ha.command_topic(other) is None


def test_the_config_is_json_of_a_size_a_board_can_hold() -> None:
    config = ha.discovery("e6614c311b2f5c37", HELLO, HELLO["settings"], ["a", "b"])
    payload = ha.encode(config)
    assert json.loads(payload) == config
    assert len(payload) < 2500  # issue 17's board publishes the same from its RAM
    assert "°C" in payload.decode()  # as itself, not escaped
    assert config["cmps"]["fault_name"]["ops"] == ["none", *wire.FAULTS]


@pytest.mark.parametrize(("name", "payload", "value"), [
    ("setpoint", b"28.5", 28.5), ("setpoint", b"28", 28.0), ("setpoint", b" 28.5\n", 28.5),
    ("setpoint", b"-40", -40.0), ("setpoint", b"28,5", 28.5), ("hysteresis", b"0.1", 0.1),
    ("mode", b"off", "off"), ("interval_ms", b"20", 20),
])
def test_good_values(name: str, payload: bytes, value: object) -> None:
    got = ha.parse_value(name, payload)
    assert got == value and type(got) is type(value)


@given(name=st.sampled_from([row[0] for row in settings.SPEC] + ["nope"]), payload=st.binary())
def test_any_bytes_are_a_valid_value_or_a_refusal(name: str, payload: bytes) -> None:
    try:
        value = ha.parse_value(name, payload)
    except Invalid as e:
        assert e.code in wire.ERRORS and e.msg
    else:
        assert settings.check_value(name, value) == value


@given(payload=st.one_of(
    st.binary(max_size=600),
    st.dictionaries(st.sampled_from(["setpoint", "hysteresis", "mode", "x"]),
                    st.one_of(st.floats(), st.integers(), st.text(max_size=5), st.none(),
                              st.booleans())).map(lambda d: json.dumps(d).encode())))
def test_any_bytes_are_valid_settings_or_a_refusal(payload: bytes) -> None:
    try:
        changes = ha.parse_changes(payload)
    except Invalid as e:
        assert e.code in wire.ERRORS and e.msg
    else:
        assert changes and all(settings.check_value(k, v) == v for k, v in changes.items())


def test_shown_payloads_are_short_printable_text() -> None:
    assert ha.shown(b"28.5") == "28.5"
    assert ha.shown(b"\xff\x00x") == "\ufffd\ufffdx"
    assert ha.shown(b"9" * 100) == "9" * 64 + "…"
