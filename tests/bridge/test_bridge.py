"""`picofan bridge` end to end, as a person runs it: the installed command in a
subprocess at its defaults, virtual Picos as the boards, a real broker, and a real MQTT
client in Home Assistant's seat checking what arrives."""

from __future__ import annotations

import itertools
import json
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bridge_process import BridgeProcess
from mqtt_broker import TestBroker
from mqtt_watch import Watcher
from picofan_cli import SimCommand
from polling import until
from scripted_device import ScriptedDevice

from fanctl import settings
from fanctl.protocol import PROTOCOL_VERSION
from picofan.bridge import ha_schema as ha
from picofan.protocol import OUTDATED
from picofan.spec import wire

Start = Callable[..., BridgeProcess]
CONFIG = "homeassistant/device/"  # (the default discovery prefix)
SPEC = {row[0]: row for row in settings.SPEC}


def configs(home: Watcher, count: int) -> dict[str, dict[str, Any]]:
    return home.configs(count)


def state(home: Watcher, bid: str, match: Callable[[dict[str, Any]], bool] = lambda s: True,
          since: int = 0, what: str = "") -> dict[str, Any]:
    return home.wait_json(ha.Topics(bid).state, match, since,
                          f"a state of board {bid} {what}".rstrip())


def result(home: Watcher, bid: str, since: int) -> dict[str, Any]:
    return home.wait_json(ha.Topics(bid).result, since=since,
                          what=f"a result from board {bid}")


def test_three_boards_are_three_home_assistant_devices(bridge: Start, home: Watcher,
                                                      broker: TestBroker) -> None:
    run = bridge("--sim", "3")
    status = ha.bridge_status_topic(ha.clean_id(socket.gethostname()))  # the default id
    for bid in configs(home, 3):
        home.wait_text(ha.Topics(bid).availability, "online")
        state(home, bid)
    # What Home Assistant finds when it (re)starts: the retained messages, as a new
    # subscriber gets them.
    late = Watcher(broker.port)
    found = configs(late, 3)
    assert late.wait_text(status, "online").retain
    unique_ids = set()
    for bid, config in found.items():
        assert ha.UID.fullmatch(bid)
        topics = ha.Topics(bid)
        # one retained message per board (amqtt hands a new subscriber each retained
        # message twice: the same one), with everything device discovery requires
        assert len(home.on(topics.config())) == 1
        assert {(m.retain, m.payload) for m in late.on(topics.config())} == {
            (True, home.on(topics.config())[0].payload)}
        assert config["dev"]["ids"] == [f"picofan_{bid}"]
        assert config["dev"]["name"] == f"picofan {bid[-6:]}"
        assert {"mf", "mdl", "mdl_id", "sw", "sn"} <= set(config["dev"])
        assert config["dev"]["sn"] == bid and config["dev"]["mdl_id"] == "virtual Pico W"
        assert config["o"]["name"] == "picofan"
        assert config["stat_t"] == topics.state
        assert config["avty"] == [{"t": topics.availability}, {"t": status}]
        assert config["avty_mode"] == "all"
        assert "~" not in json.dumps(config)  # HA would not expand it in a device config
        cmps = config["cmps"]
        # A switched fan (the default output): today's entities and the fan's two
        # switches; the 4-wire fan's entities as Home Assistant's removal (the platform).
        live = {key: e for key, e in cmps.items() if set(e) != {"p"}}
        assert set(live) == {"temperature", "fan", "fault", "fault_name", "setpoint",
                             "hysteresis", "mode", "name", "save", "output", "tach"}
        assert {key: e["p"] for key, e in cmps.items() if key not in live} == {
            "speed": "fan", "duty": "sensor", "rpm": "sensor", "control": "select",
            **dict.fromkeys(("min_duty", "max_duty", "off_below", "curve_low", "curve_high",
                             "pid_kp", "pid_ki", "pid_kd"), "number")}
        for key, entity in live.items():
            assert entity["p"] in ("sensor", "binary_sensor", "number", "select", "text",
                               "button")
            assert entity["uniq_id"] == f"picofan_{bid}_{key}"
            unique_ids.add(entity["uniq_id"])
        # limits and choices from the firmware's own tables
        for name in ("setpoint", "hysteresis"):
            assert (cmps[name]["min"], cmps[name]["max"]) == SPEC[name][2:4]
            assert cmps[name]["cmd_t"] == topics.set_one(name)
        assert cmps["mode"]["ops"] == list(SPEC["mode"][2])
        assert cmps["name"]["max"] == SPEC["name"][2]
        assert cmps["name"]["cmd_t"] == topics.set_one("name")
        assert cmps["fault_name"]["ops"] == ["none", *wire.FAULTS]
        assert cmps["temperature"]["dev_cla"] == "temperature"
        assert cmps["temperature"]["unit_of_meas"] == "°C"
        assert cmps["fan"]["dev_cla"] == "running"
        assert cmps["fault"]["dev_cla"] == "problem"
        assert cmps["save"]["cmd_t"] == topics.save
        # and the board's state and availability, retained
        assert late.wait_text(topics.availability, "online").retain
        assert late.wait(topics.state).retain
        s = state(late, bid)
        assert (s["setpoint"], s["hysteresis"], s["mode"], s["fault"], s["name"]) == (
            30.0, 2.0, "auto", None, "")
        assert 15 < s["temp_c"] < 40 and s["fan"] is False
        assert (s["duty"], s["rpm"], s["output"], s["tach"]) == (0.0, None, "switch", "off")
    assert len(unique_ids) == 3 * 11
    late.close()

    # The state is each board's own: a fault on virtual Pico 2 shows on one board only.
    mark = home.mark()
    run.control(2, "fault open")
    faulted = until(lambda: [bid for bid in found if any(
        m.json()["fault"] == "open" for m in home.on(ha.Topics(bid).state, mark))],
        "a board reporting the open thermistor")
    assert len(faulted) == 1
    s = state(home, faulted[0], lambda s: s["fault"] == "open", mark)
    assert s["temp_c"] is None  # HA shows unknown
    s = state(home, faulted[0], lambda s: s["fan"], mark, "with the fan on (fail-safe)")
    for bid in set(found) - set(faulted):
        assert all(m.json()["fault"] is None for m in home.on(ha.Topics(bid).state))


def test_unique_ids_stay_across_bridge_restarts(tmp_path: Path, bridge: Start,
                                               home: Watcher) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with SimCommand(tmp_path / "a", "--seed", "11") as a, \
            SimCommand(tmp_path / "b", "--seed", "12") as b:
        first = bridge("--port", a.port, "--port", b.port)
        ids = set(configs(home, 2))
        assert first.stop() == 0
        mark = home.mark()
        bridge("--port", b.port, "--port", a.port)
        until(lambda: len(home.topics_matching(CONFIG, "/config")) >= 2
              and all(home.on(ha.Topics(bid).config(), mark) for bid in ids),
              "both configs published again")
        assert home.topics_matching(CONFIG, "/config") == {ha.Topics(i).config() for i in ids}


def test_a_setpoint_from_mqtt_reaches_that_board_only(bridge: Start, home: Watcher) -> None:
    run = bridge("--sim", "3")
    ids = sorted(configs(home, 3))
    target, others = ids[0], ids[1:]
    for bid in ids:
        state(home, bid)
    mark = home.mark()
    home.publish(ha.Topics(target).set_one("setpoint"), "28.5")  # as HA's number sends it
    r = result(home, target, mark)
    assert r == {"ok": True, "by": "board", "cmd": "set", "name": "setpoint",
                 "settings": {"setpoint": 28.5}, "saved": False}
    state(home, target, lambda s: s["setpoint"] == 28.5, mark, "with the new setpoint")
    # The JSON form, all at once; the mode select; the save button.
    home.publish(ha.Topics(target).set_all, '{"hysteresis": 1.5, "setpoint": 27}')
    home.wait_json(ha.Topics(target).result, lambda r: r["ok"] and r["settings"] == {
        "hysteresis": 1.5, "setpoint": 27.0}, mark)
    home.publish(ha.Topics(target).set_one("mode"), "on")
    state(home, target, lambda s: s["mode"] == "on" and s["fan"] and s["hysteresis"] == 1.5,
          mark, "in mode on, fan on")
    home.publish(ha.Topics(target).save, "save")
    home.wait_json(ha.Topics(target).result, lambda r: r["cmd"] == "save" and r["ok"]
                   and r["saved"], mark)
    # The other boards were not touched: every state they published says so.
    for bid in others:
        state(home, bid, since=mark)
        assert not home.on(ha.Topics(bid).result)
        assert {(m.json()["setpoint"], m.json()["mode"]) for m in home.on(
            ha.Topics(bid).state)} == {(30.0, "auto")}
    assert "acknowledged" in run.log


# Every kind of bad payload, on each command topic: (topic suffix, payload, code).
BAD: list[tuple[str, bytes, str]] = [
    ("set/setpoint", b"abc", "type"),
    ("set/setpoint", b"nan", "type"),
    ("set/setpoint", b"NaN", "type"),
    ("set/setpoint", b"inf", "type"),
    ("set/setpoint", b"-Infinity", "type"),
    ("set/setpoint", b"1e999", "type"),
    ("set/setpoint", b"300", "range"),
    ("set/setpoint", b"-40.5", "range"),
    ("set/setpoint", b"9" * 30, "range"),
    ("set/setpoint", b"9" * 4000, "too_long"),
    ("set/setpoint", b"\xff\xfe\x00\x01", "encoding"),
    ("set/setpoint", b"28.5.1", "type"),
    ("set/setpoint", b",5", "type"),
    ("set/setpoint", b"28,", "type"),
    ("set/setpoint", b"0x1c", "type"),
    ("set/setpoint", b"28 5", "type"),
    ("set/setpoint", b"true", "type"),
    ("set/setpoint", b"\x00", "type"),
    ("set/setpoint", "28,5°".encode(), "encoding"),
    ("set/hysteresis", b"0", "range"),
    ("set/hysteresis", b"50", "range"),
    ("set/mode", b"fast", "type"),
    ("set/mode", b"\xc3\xa9", "encoding"),
    ("set/name", b"x" * 25, "type"),
    ("set/name", b"rack/2", "type"),
    ("set/name", "café".encode(), "encoding"),
    ("set/fan_speed", b"50", "unknown_field"),
    ("set/interval_ms", b"20.5", "type"),
    ("set", b"{", "json"),
    ("set", b"[]", "not_object"),
    ("set", b"28", "not_object"),
    ("set", b'"setpoint"', "not_object"),
    ("set", b"{}", "missing"),
    ("set", b'{"setpoint": NaN}', "json"),
    ("set", b'{"setpoint": Infinity}', "json"),
    ("set", b'{"setpoint": 1e999}', "json"),
    ("set", b'{"setpoint": "28"}', "type"),
    ("set", b'{"setpoint": true}', "type"),
    ("set", b'{"setpoint": null}', "type"),
    ("set", b'{"setpoint": 28, "nope": 1}', "unknown_field"),
    ("set", b'{"name": 5}', "type"),
    ("set", b'{"setpoint": 124.5, "hysteresis": 20}', "range"),  # together: the band leaves t_max
    ("set", b'{"interval_ms": 250}', "range"),  # not a multiple of sample_ms
    ("set", b'{"setpoint": 28}' + b" " * 600, "too_long"),
    ("set", b"\x80\x81{}", "json"),
    ("set", b'{"setpoint": 28}garbage', "json"),
    ("save", b"please", "type"),
    ("save", b"\xff", "type"),
    # the fan's settings, on a board at the defaults: output switch
    ("set/output", b"fast", "type"),
    ("set/output", b"PWM", "type"),
    ("set/control", b"pid", "range"),  # curve and pid need output pwm
    ("set/tach", b"yes", "type"),
    ("set/tach_ppr", b"2.5", "type"),
    ("set/min_duty", b"150", "range"),
    ("set/min_duty", b"5", "range"),  # under off_below (10)
    ("set/max_duty", b"0", "range"),
    ("set/off_below", b"50", "range"),  # over min_duty (20)
    ("set/pid_kp", b"-1", "range"),
    ("set/pid_ki", b"nan", "type"),
    ("set/curve_low", b"45", "range"),  # not under curve_high (40)
    ("set", b'{"output": "switch", "control": "curve"}', "range"),
    ("set", b'{"min_duty": 50, "max_duty": 40}', "range"),
    # the fan entity's commands: what it cannot read, then a switched fan's (it has none)
    ("fan/percentage", b"abc", "type"),
    ("fan/percentage", b"101", "range"),
    ("fan/percentage", b"-5", "range"),
    ("fan/percentage", b"\xff", "encoding"),
    ("fan/percentage", b"9" * 4000, "too_long"),
    ("fan/power", b"on", "type"),
    ("fan/preset", b"eco", "type"),
    ("fan/speed", b"50", "unknown_cmd"),
    ("fan/percentage", b"40", "range"),
    ("fan/power", b"ON", "range"),
    ("fan/preset", b"auto", "range"),
]


def test_every_bad_payload_is_refused_and_nothing_is_sent(bridge: Start,
                                                         home: Watcher) -> None:
    run = bridge("--sim", "1")
    (bid,) = configs(home, 1)
    before = state(home, bid)
    mark = home.mark()
    topics = ha.Topics(bid)
    for suffix, payload, _ in BAD:
        home.publish(f"{topics.base}/{suffix}", payload)
    results = until(lambda: len(got := home.on(topics.result, mark)) >= len(BAD) and got,
                    f"{len(BAD)} results")
    assert len(results) == len(BAD)
    for (suffix, payload, code), got in zip(BAD, results, strict=True):
        r = got.json()
        # refused by the bridge: nothing reached the board
        assert (r["ok"], r["by"], r["code"], r["cmd"]) == (
            False, "bridge", code, suffix.split("/")[0]), (suffix, payload, r)
        assert r["msg"] and len(r["payload"]) <= 65
        assert "\x00" not in r["payload"] and "\udcff" not in r["payload"]
    assert run.log.count("nothing sent") == len(BAD)
    # The board's settings never moved, and it still takes a good command.
    home.publish(topics.set_one("setpoint"), "29")
    r = home.wait_json(topics.result, lambda r: r["ok"], mark)
    assert r["settings"] == {"setpoint": 29.0}
    kept = ("hysteresis", "mode", *ha.FAN_SETTINGS)
    seen = {tuple(m.json()[k] for k in ("setpoint", *kept)) for m in home.on(topics.state, mark)}
    assert seen <= {tuple(before[k] for k in ("setpoint", *kept)),
                    (29.0, *(before[k] for k in kept))}
    assert "Traceback" not in run.log


def test_a_name_from_home_assistant_names_the_device(bridge: Start, home: Watcher,
                                                    pico: SimCommand) -> None:
    run = bridge("--port", pico.port)
    (bid,) = configs(home, 1)
    state(home, bid)
    mark = home.mark()
    home.publish(ha.Topics(bid).set_one("name"), "rack 2")  # as HA's text entity sends it
    assert result(home, bid, mark)["settings"] == {"name": "rack 2"}
    config = home.wait_json(ha.Topics(bid).config(), since=mark)
    assert config["dev"]["name"] == "rack 2"
    assert config["cmps"]["setpoint"]["uniq_id"] == f"picofan_{bid}_setpoint"  # same entities
    state(home, bid, lambda s: s["name"] == "rack 2", mark, "named")
    home.wait_text(ha.Topics(bid).availability, "online")
    assert "board " + bid + " (rack 2)" in run.wait_log(r"\(rack 2\)")
    # A name the board would refuse is refused before it is sent.
    mark = home.mark()
    home.publish(ha.Topics(bid).set_one("name"), "rack/2")
    r = result(home, bid, mark)
    assert (r["ok"], r["by"], r["code"]) == (False, "bridge", "type")


def test_a_board_refusal_comes_back_on_the_result_topic(tmp_path: Path, bridge: Start,
                                                        home: Watcher, pico: SimCommand) -> None:
    # What only the board can judge gets its own answer, forwarded: here its flash
    # cannot take the settings file (a folder where the new file goes).
    bridge("--port", pico.port)
    (bid,) = configs(home, 1)
    state(home, bid)
    (tmp_path / "pico/flash/settings.json.tmp").mkdir()
    mark = home.mark()
    home.publish(ha.Topics(bid).set_one("setpoint"), "29")
    home.publish(ha.Topics(bid).save, "save")
    got = until(lambda: len(r := home.on(ha.Topics(bid).result, mark)) >= 2 and r,
                "two results")
    assert got[0].json()["ok"]
    r = got[1].json()
    assert (r["ok"], r["by"], r["cmd"], r["code"]) == (False, "board", "save", "io")
    assert "could not write settings" in r["msg"]


def test_a_retained_command_is_not_replayed(bridge: Start, home: Watcher,
                                           pico: SimCommand) -> None:
    run = bridge("--port", pico.port)
    (bid,) = configs(home, 1)
    state(home, bid)
    assert run.stop() == 0
    # Someone left a retained command (mosquitto_pub -r): a new bridge must not apply it.
    home.publish(ha.Topics(bid).set_one("setpoint"), "20", retain=True)
    mark = home.mark()
    again = bridge("--port", pico.port)
    again.wait_log("ignored a retained command")
    state(home, bid, since=mark)
    home.publish(ha.Topics(bid).set_one("mode"), "off")  # a live one is applied
    state(home, bid, lambda s: s["mode"] == "off", mark)
    assert {m.json()["setpoint"] for m in home.on(ha.Topics(bid).state, mark)} == {30.0}
    home.publish(ha.Topics(bid).set_one("setpoint"), "", retain=True)  # (cleared)


def urgent_changes(states: list[dict[str, Any]]) -> int:
    """How many of these state messages changed more than the reading."""
    return sum(ha.urgent(a, b) for a, b in itertools.pairwise([None, *states]))


def test_telemetry_at_50_lines_a_second_is_rate_limited_per_board(
        bridge: Start, home: Watcher) -> None:
    run = bridge("--sim", "2")  # at the default: at most 1 state message/s per board
    ids = sorted(configs(home, 2))
    for bid in ids:
        state(home, bid)
        mark = home.mark()
        home.publish(ha.Topics(bid).set_all, '{"sample_ms": 20, "interval_ms": 20}')
        assert result(home, bid, mark)["ok"]
    run.control(1, "pinch")  # warming: a new reading (to 0.01 °C) every few lines
    # A window of board time, from the board's own clock, while 50 lines/s stream.
    first = run.control(1, "status")["state"]
    mark = home.mark()
    until(lambda: run.control(1, "status")["state"]["tele_sent"] - first["tele_sent"] >= 500,
          "500 telemetry lines from board 1")
    last = run.control(1, "status")["state"]
    window_s = (last["ms"] - first["ms"]) / 1000
    lines = last["tele_sent"] - first["tele_sent"]
    assert lines / window_s > 40  # it did stream at about 50 lines/s
    for bid in ids:
        states = [m.json() for m in home.on(ha.Topics(bid).state, mark)]
        # at most one per second (and one either side of the window), plus the changes
        # that go at once (the fan coming on)
        assert len(states) <= window_s * 1 + 2 + urgent_changes(states), (bid, len(states))
    # The warming board's reading moved by many more 0.01 °C steps than it was
    # allowed messages: without the limit, each step would have been one.
    steps = []
    for bid in ids:
        temps = [m.json()["temp_c"] for m in home.on(ha.Topics(bid).state, mark)]
        steps.append(round((max(temps) - min(temps)) / 0.01))
        print(f"board {bid}: {len(temps)} state messages in {window_s:.1f} s of board time "
              f"({lines} lines from board 1); the reading moved {steps[-1]} steps of 0.01 °C")
    assert max(steps) > 3 * (window_s + 2)


def test_a_fan_change_or_a_fault_goes_out_at_once_whatever_the_rate(
        bridge: Start, home: Watcher) -> None:
    # One state message in 1000 s: only the urgent ones can come after the first.
    run = bridge("--sim", "1", "--rate", "0.001")
    (bid,) = configs(home, 1)
    first = state(home, bid)
    assert not first["fan"]
    mark = home.mark()
    run.control(1, "pinch")
    state(home, bid, lambda s: s["fan"], mark, "with the fan on")
    run.control(1, "fault open")
    state(home, bid, lambda s: s["fault"] == "open", mark, "with the fault")
    states = [first] + [m.json() for m in home.on(ha.Topics(bid).state, mark)]
    assert all(ha.urgent(a, b) for a, b in itertools.pairwise(states)), states


def test_unplugged_is_offline_and_plugged_back_is_online(bridge: Start, home: Watcher,
                                                        pico: SimCommand) -> None:
    run = bridge("--port", pico.port)
    (bid,) = configs(home, 1)
    availability = ha.Topics(bid).availability
    home.wait_text(availability, "online")
    mark = home.mark()
    pulled = time.monotonic()
    pico.control("unplug 3")
    offline = home.wait_text(availability, "offline", mark)
    back = home.wait_text(availability, "online", mark)
    assert offline.at < back.at
    home.wait(ha.Topics(bid).state, lambda m: m.at >= back.at, mark)  # fresh readings
    print(f"unplug -> offline on the broker in {offline.at - pulled:.2f} s")
    run.wait_log("offline")
    # The bridge itself stayed up all along; and a command works again.
    status = ha.bridge_status_topic(ha.clean_id(socket.gethostname()))
    assert [m.text for m in home.on(status, mark)] == []
    mark = home.mark()
    home.publish(ha.Topics(bid).set_one("setpoint"), "31")
    assert result(home, bid, mark)["ok"]


def test_home_assistant_starting_gets_everything_again(bridge: Start, home: Watcher) -> None:
    bridge("--sim", "2")
    ids = configs(home, 2)
    for bid in ids:
        state(home, bid)
    mark = home.mark()
    home.publish("homeassistant/status", "offline")  # HA going: nothing to do
    home.publish("homeassistant/status", "online")  # HA back, remembering nothing
    for bid in ids:
        topics = ha.Topics(bid)
        config = home.wait(topics.config(), since=mark)
        online = home.wait_text(topics.availability, "online", since=mark)
        fresh = home.wait(topics.state, since=home.seen.index(online))
        assert config.at <= online.at <= fresh.at  # in the order HA needs them
        assert config.json() == ids[bid]


def test_the_broker_restarting_gets_everything_again(bridge: Start, home: Watcher,
                                                    broker: TestBroker) -> None:
    run = bridge("--sim", "1")
    (bid,) = configs(home, 1)
    state(home, bid)
    broker.restart()  # with nothing kept: no retained message survives it
    run.wait_log("lost the broker")
    run.wait_log("connected to the broker", 2)
    late = Watcher(broker.port)  # HA, say, subscribing after the restart
    topics = ha.Topics(bid)
    assert late.wait(topics.config()).retain
    assert late.wait_text(topics.availability, "online").retain
    assert late.wait(topics.state).retain
    status = ha.bridge_status_topic(ha.clean_id(socket.gethostname()))
    assert late.wait_text(status, "online").retain
    # and commands work again
    mark = late.mark()
    late.publish(topics.set_one("setpoint"), "26.5")
    assert result(late, bid, mark)["settings"] == {"setpoint": 26.5}
    state(late, bid, lambda s: s["setpoint"] == 26.5, mark)
    late.close()


def test_a_killed_bridge_leaves_its_last_will(bridge: Start, home: Watcher) -> None:
    run = bridge("--sim", "1")
    (bid,) = configs(home, 1)
    status = ha.bridge_status_topic(ha.clean_id(socket.gethostname()))
    home.wait_text(status, "online")
    mark = home.mark()
    killed = time.monotonic()
    run.stop(signal.SIGKILL)
    will = home.wait_text(status, "offline", mark)
    print(f"SIGKILL -> the will on the broker in {will.at - killed:.2f} s")
    # Every board lists the bridge's status in its availability (mode all): HA shows
    # them all unavailable, from the one will.
    assert {"t": status} in configs(home, 1)[bid]["avty"]


def test_a_stopped_bridge_says_offline_and_leaves_nothing_running(
        bridge: Start, home: Watcher) -> None:
    run = bridge("--sim", "2")
    ids = configs(home, 2)
    sims = run.children()
    assert len(sims) == 2
    mark = home.mark()
    assert run.stop(signal.SIGTERM) == 0
    status = ha.bridge_status_topic(ha.clean_id(socket.gethostname()))
    home.wait_text(status, "offline", mark)
    for bid in ids:
        home.wait_text(ha.Topics(bid).availability, "offline", mark)
    assert not [p for p in sims if Path(f"/proc/{p}").exists()]
    assert "Traceback" not in run.log
    assert "stopped: the boards and the bridge are offline" in run.log


def test_a_board_gone_while_the_bridge_was_dead_is_offline_after(
        tmp_path: Path, bridge: Start, home: Watcher) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    with SimCommand(tmp_path / "a", "--seed", "21") as a:
        with SimCommand(tmp_path / "b", "--seed", "22") as b:
            first = bridge("--port", a.port, "--port", b.port)
            ids = configs(home, 2)
            for bid in ids:
                home.wait_text(ha.Topics(bid).availability, "online")
            first.stop(signal.SIGKILL)  # its boards' availability still says online
        mark = home.mark()
        bridge("--port", a.port)  # b was unplugged meanwhile
        until(lambda: {m.text for bid in ids
                       for m in home.on(ha.Topics(bid).availability, mark)} == {"online",
                                                                                 "offline"},
              "one board online again, the other offline")
        offline = [bid for bid in ids if home.last(ha.Topics(bid).availability).text == "offline"]
        assert len(offline) == 1


# An older board's own lines: protocol 2 (its hello without uid), written out here, and
# protocol 3 (no duty or rpm), as that firmware sent them (tests/host/data/README.md).
PROTOCOL_2 = "\r\n".join(json.dumps(m) for m in (
    {"type": "hello", "fw": "0.0.9", "proto": 2, "board": "Raspberry Pi Pico W",
     "boot": "9c2e51a0", "reset": "power", "settings": {"setpoint": 30.0, "mode": "auto"},
     "saved": True, "warning": None, "id": None},
    {"type": "tele", "boot": "9c2e51a0", "seq": 0, "ms": 0, "temp": 24.0, "raw": 30000,
     "ohms": 11000.0, "fan": False, "setpoint": 30.0, "hysteresis": 2.0, "mode": "auto",
     "fault": None})).encode() + b"\r\n"
PROTOCOL_3 = (Path(__file__).parents[1] / "host/data/protocol3-board.jsonl").read_bytes()


@pytest.mark.parametrize("lines", [PROTOCOL_2, PROTOCOL_3], ids=["protocol2", "protocol3"])
def test_an_older_board_is_said_once_and_left_alone(bridge: Start, home: Watcher,
                                                    pico: SimCommand, lines: bytes) -> None:
    # The older board on a pty the test speaks for; a current board beside it is bridged
    # as usual.
    old = ScriptedDevice()
    try:
        run = bridge("--port", old.path, "--port", pico.port)
        until(lambda: old.read(0.1) is not None and b'"cmd": "hello"' in old.received,
              "the bridge asking the old board who it is")  # and it answers, again and again
        for _ in range(3):
            old.send(lines.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        log = run.wait_log(f"older than protocol {PROTOCOL_VERSION}")
        assert old.path in log and "picofan flash" in log
        (bid,) = configs(home, 1)  # the current board only
        home.wait_text(ha.Topics(bid).availability, "online")
        state(home, bid, since=home.mark())  # (its lines kept coming meanwhile)
        assert run.log.count(OUTDATED) == 1  # once, not once a line
        assert "Traceback" not in run.log
        assert "device: {" not in run.log  # none of its lines logged as noise
    finally:
        old.close()
