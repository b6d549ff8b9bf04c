"""The Home Assistant side of a board, as plain data: ids, topics, the discovery
config, and reading command payloads (whatever bytes arrive: a value the firmware's own
check accepts, or a refusal; never anything else)."""

from __future__ import annotations

import json

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanctl import settings
from fanctl.protocol import BadCommand
from picofan.bridge import ha
from picofan.spec import wire

HELLO = {"fw": "0.1.0", "board": "Raspberry Pi Pico W", "settings": settings.defaults()}
SPEC = {row[0]: row for row in settings.SPEC}


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
    assert ha.command_topic(t.fan("percentage")) == ha.CommandTopic(bid, "fan", "percentage")
    for other in (t.state, t.result, t.availability, f"{t.set_all}/a/b", "picofan/x/set",
                  f"other/{bid}/set", f"{t.save}/x", f"{t.base}/fan", f"{t.base}/fan/a/b"):
        assert ha.command_topic(other) is None


PWM_TACH = {**settings.defaults(), "output": "pwm", "tach": "on"}


def test_the_config_is_json_of_a_size_a_board_can_hold() -> None:
    for board_settings in (HELLO["settings"], PWM_TACH):
        config = ha.discovery("e6614c311b2f5c37", HELLO, board_settings, ["a", "b"])
        payload = ha.encode(config)
        assert json.loads(payload) == config
        # A board on Wi-Fi publishes the same from its RAM (a Pico W has ~150 KB free):
        # about 3 KB, and 6 KB with every fan entity.
        assert len(payload) < 8000
        assert "°C" in payload.decode()  # as itself, not escaped
        assert config["cmps"]["fault_name"]["ops"] == ["none", *wire.FAULTS]


def test_the_fan_entities_come_and_go_with_the_output_and_the_tach() -> None:
    bid = "e6614c311b2f5c37"
    switch = ha.components(bid, settings.defaults())
    pwm = ha.components(bid, {**settings.defaults(), "output": "pwm"})
    both = ha.components(bid, PWM_TACH)
    # the same keys always (the discovery ids); what a board lacks is Home Assistant's
    # removal: the platform alone
    assert list(switch) == list(pwm) == list(both)
    gone = {key for key, e in switch.items() if set(e) == {"p"}}
    assert gone == {"speed", "duty", "rpm", "control", "min_duty", "max_duty", "off_below",
                    "curve_low", "curve_high", "pid_kp", "pid_ki", "pid_kd"}
    assert {key for key, e in pwm.items() if set(e) == {"p"}} == {"rpm"}
    assert not [key for key, e in both.items() if set(e) == {"p"}]
    for key, entity in both.items():  # one unique id per entity, whatever the settings
        assert entity["uniq_id"] == f"picofan_{bid}_{key}" and switch[key]["p"] == entity["p"]
    # today's entities unchanged on a switched fan, and the new settings it can use
    assert {key for key, e in switch.items() if set(e) != {"p"}} == {
        "temperature", "fan", "fault", "fault_name", "setpoint", "hysteresis", "mode", "name",
        "save", "output", "tach"}
    fan = both["speed"]
    assert fan["p"] == "fan" and fan["pr_modes"] == ["auto"]
    assert {fan["cmd_t"], fan["pct_cmd_t"], fan["pr_mode_cmd_t"]} == {
        ha.Topics(bid).fan(name) for name in ha.FAN_COMMANDS}
    # limits and choices from the firmware's table
    for name in ("min_duty", "max_duty", "off_below", "pid_kp", "pid_ki", "pid_kd",
                 "curve_low", "curve_high"):
        assert (both[name]["min"], both[name]["max"]) == SPEC[name][2:4], name
        assert both[name]["cmd_t"] == ha.Topics(bid).set_one(name)
    for name in ("output", "control", "tach"):
        assert both[name]["ops"] == list(SPEC[name][2])


def test_the_state_carries_the_duty_rpm_and_fan_settings() -> None:
    tele = {"temp": 25.1234, "fan": True, "duty": 35.0, "rpm": 1180, "setpoint": 30.0,
            "hysteresis": 2.0, "mode": "on", "fault": None, "boot": "9c2e51a0"}
    s = ha.state(tele, PWM_TACH, "host")
    assert (s["temp_c"], s["duty"], s["rpm"], s["output"], s["tach"], s["pid_ki"]) == (
        25.12, 35.0, 1180, "pwm", "on", PWM_TACH["pid_ki"])
    # a new duty or rpm is a reading (rate-limited); a setting is news at once
    assert not ha.urgent(s, {**s, "duty": 36.0, "rpm": 1200})
    assert ha.urgent(s, ha.state(tele, {**PWM_TACH, "output": "switch"}, "host"))


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
    except BadCommand as e:
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
    except BadCommand as e:
        assert e.code in wire.ERRORS and e.msg
    else:
        assert changes and all(settings.check_value(k, v) == v for k, v in changes.items())


def test_shown_payloads_are_short_printable_text() -> None:
    assert ha.shown(b"28.5") == "28.5"
    assert ha.shown(b"\xff\x00x") == "\ufffd\ufffdx"
    assert ha.shown(b"9" * 100) == "9" * 64 + "…"


@pytest.mark.parametrize(("name", "payload", "changes"), [
    ("percentage", b"40", {"mode": "on", "manual_duty": 40.0}),
    ("percentage", b"100", {"mode": "on", "manual_duty": 100.0}),
    ("percentage", b"0", {"mode": "off"}),  # HA's 0 %: off
    ("preset", b"auto", {"mode": "auto"}),
    ("power", b"ON", {"mode": "auto"}),
    ("power", b"OFF", {"mode": "off"}),
])
def test_the_fan_entitys_commands_are_settings(name: str, payload: bytes,
                                              changes: dict[str, object]) -> None:
    assert ha.parse_fan(name, payload, PWM_TACH) == changes
    settings.merge(PWM_TACH, changes)  # and the board takes them


def test_a_switched_fan_has_no_fan_entity_to_command() -> None:
    with pytest.raises(BadCommand) as refused:
        ha.parse_fan("percentage", b"40", settings.defaults())
    assert refused.value.code == "range" and "output pwm" in refused.value.msg


@given(name=st.sampled_from([*ha.FAN_COMMANDS, "speed"]), payload=st.one_of(
    st.binary(max_size=40), st.sampled_from([b"ON", b"OFF", b"auto", b"50", b"on", b"-1"])))
def test_any_bytes_are_fan_settings_or_a_refusal(name: str, payload: bytes) -> None:
    try:
        changes = ha.parse_fan(name, payload, PWM_TACH)
    except BadCommand as e:
        assert e.code in wire.ERRORS and e.msg
    else:
        assert settings.merge(PWM_TACH, changes)


def rendered(entity: dict[str, object], key: str, state: dict[str, object]) -> str:
    """A value template as Home Assistant renders it: Jinja, the state as value_json
    (None renders as "None", HA's word for unknown)."""
    template = jinja2.Environment(autoescape=False).from_string(str(entity[key]))
    return template.render(value_json=state)


@pytest.mark.parametrize("over", [
    {}, {"output": "pwm", "tach": "on", "mode": "on", "duty": 35.5, "rpm": 1180},
    {"output": "pwm", "mode": "auto", "duty": 0.0, "fan": False},
    {"output": "pwm", "tach": "on", "fault": "stall", "duty": 100.0, "rpm": 0, "temp": None},
])
def test_every_template_gives_home_assistant_a_value_it_takes(over: dict[str, object]) -> None:
    board = {**settings.defaults(), **{k: v for k, v in over.items() if k in SPEC}}
    tele = {"temp": 25.1234, "fan": True, "duty": 100.0, "rpm": None, "fault": None,
            "boot": "9c2e51a0", **{k: board[k] for k in ("setpoint", "hysteresis", "mode")},
            **{k: v for k, v in over.items() if k not in SPEC}}
    state = ha.state(tele, board, "host")
    for key, entity in ha.components("e6614c311b2f5c37", board).items():
        if set(entity) == {"p"}:
            continue
        if entity["p"] == "fan":
            assert rendered(entity, "stat_val_tpl", state) == ("ON" if tele["fan"] else "OFF")
            percentage = int(rendered(entity, "pct_val_tpl", state))  # HA: int(), 1..100
            assert percentage == round(float(tele["duty"]))
            preset = rendered(entity, "pr_mode_val_tpl", state)
            assert preset == ("auto" if board["mode"] == "auto" else ha.NO_PRESET)
            continue
        if "val_tpl" not in entity:
            continue  # the save button
        value = rendered(entity, "val_tpl", state)
        if entity["p"] == "binary_sensor":
            assert value in ("ON", "OFF"), (key, value)
        elif "ops" in entity:
            assert value in entity["ops"], (key, value)
        elif entity["p"] == "number":
            assert entity["min"] <= float(value) <= entity["max"], (key, value)
        elif entity["p"] == "sensor":
            assert value == "None" or float(value) == float(value), (key, value)
    assert rendered(ha.entities("x")["rpm"][0], "val_tpl", state) == str(tele["rpm"])
