"""A board on Wi-Fi with no host: `picofan sim --wifi --broker` runs the firmware's own
Wi-Fi and MQTT client (fanctl.net, on MicroPython's unix port) against a real broker,
and Home Assistant finds it exactly as the bridge shows a board on USB. The simulated
radio is the only stand-in; the sockets and the broker are real."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import picofan_cli
import pytest
from bridge_process import BridgeProcess
from mqtt_broker import TestBroker
from mqtt_watch import Watcher
from picofan_cli import SimCommand, csv_rows
from polling import until

from device_port import Port
from fanctl import ha_schema


@pytest.fixture
def pico(tmp_path: Path, broker: TestBroker) -> Iterator[SimCommand]:
    (tmp_path / "pico").mkdir()
    with SimCommand(tmp_path / "pico", "--wifi", "--broker", broker.url) as p:
        yield p


def board_id(home: Watcher) -> str:
    (bid,) = home.configs(1)
    return bid


def unique_ids(config: dict[str, Any]) -> dict[str, str]:
    return {key: c["uniq_id"] for key, c in config["cmps"].items() if "uniq_id" in c}


def tele(port: str) -> dict[str, str]:
    """The board's next telemetry, as `picofan log` writes it to its CSV."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "one.csv"
        done = picofan_cli.run("log", "--port", port, "--count", "1", "--log", str(path))
        assert done.returncode == 0, done.stderr
        return csv_rows(path)[-1]


def setpoint(port: str) -> float:
    done = picofan_cli.run("get", "--port", port, "--json")
    assert done.returncode == 0, done.stderr
    return float(json.loads(done.stdout)["setpoint"])


def test_the_board_publishes_home_assistant_by_itself(pico: SimCommand,
                                                       home: Watcher) -> None:
    bid = board_id(home)
    config = home.configs(1)[bid]
    assert config["avty"] == [{"t": ha_schema.topic(bid, "availability")}]  # its own will
    home.wait_text(ha_schema.topic(bid, "availability"), "online")
    state = home.wait_json(ha_schema.topic(bid, "state"))
    assert state["via"] == "wifi" and isinstance(state["temp_c"], float)
    # ...and USB says so too
    until(lambda: tele(pico.port)["mqtt"] == "up", "telemetry: mqtt up")
    t = tele(pico.port)
    assert t["wifi"] == "up" and -100 < int(t["rssi"]) < 0


def test_a_setpoint_from_home_assistant_reaches_the_board(pico: SimCommand,
                                                          home: Watcher) -> None:
    bid = board_id(home)
    home.wait_text(ha_schema.topic(bid, "availability"), "online")
    since = home.mark()
    home.publish(ha_schema.topic(bid, "set/setpoint"), "27.5")
    result = home.wait_json(ha_schema.topic(bid, "result"), since=since)
    assert result["ok"] is True, result
    until(lambda: setpoint(pico.port) == 27.5, "the board's setpoint 27.5")
    # a bad value: one clear result, nothing changed
    since = home.mark()
    home.publish(ha_schema.topic(bid, "set/setpoint"), "hot")
    result = home.wait_json(ha_schema.topic(bid, "result"), since=since)
    assert result["ok"] is False and "setpoint" in result["msg"], result
    assert setpoint(pico.port) == 27.5


def test_wifi_lost_says_offline_and_comes_back(pico: SimCommand, home: Watcher) -> None:
    bid = board_id(home)
    availability = ha_schema.topic(bid, "availability")
    home.wait_text(availability, "online")
    since = home.mark()
    pico.control("wifi down")
    home.wait_text(availability, "offline", since)  # the broker's last will
    until(lambda: tele(pico.port)["wifi"] in ("down", "joining"), "telemetry: wifi lost")
    assert tele(pico.port)["mqtt"] == "off"
    since = home.mark()
    pico.control("wifi up")
    home.wait_text(availability, "online", since)
    # the access point power-cycles: gone for 3 s, then the board is back by itself
    since = home.mark()
    pico.control("ap reboot 3")
    home.wait_text(availability, "offline", since)
    home.wait_text(availability, "online", home.mark())
    until(lambda: tele(pico.port)["mqtt"] == "up", "telemetry: mqtt up again")


def test_home_assistant_keeps_its_own_rate_when_usb_telemetry_is_quiet(
        pico: SimCommand, home: Watcher) -> None:
    bid = board_id(home)
    states = ha_schema.topic(bid, "state")
    home.wait_json(states)
    # A quiet USB log: one telemetry line a minute
    done = picofan_cli.run("set", "--port", pico.port, "interval_ms=60000")
    assert done.returncode == 0, done.stderr

    def usb_lines() -> int:
        return int(pico.control("status")["state"]["tele_sent"])

    lines = usb_lines()
    since = home.mark()
    # Home Assistant still gets a new reading each period (ha_policy.STATE_PERIOD_MS, a
    # second), from the board's state: three more of them than USB lines meanwhile.
    until(lambda: len(home.on(states, since)) >= usb_lines() - lines + 3,
          "three state messages more than USB telemetry lines")
    temps = {m.json()["temp_c"] for m in home.on(states, since)}
    assert len(temps) >= 2  # new readings, not one repeated


def join_wifi(port: str, broker: TestBroker, folder: Path) -> None:
    """Wi-Fi told over USB as a person does (`picofan wifi`)."""
    secret = folder / "wifi-password"
    secret.write_text("correct horse battery\n")
    done = picofan_cli.run("wifi", "--port", port, "--ssid", "picofan-sim",
                           "--broker", broker.url, "--password-file", str(secret))
    assert done.returncode == 0, done.stderr


def test_a_retained_command_is_never_applied_by_the_board(
        tmp_path: Path, broker: TestBroker, home: Watcher) -> None:
    (tmp_path / "pico").mkdir()
    with SimCommand(tmp_path / "pico") as pico:
        done = picofan_cli.run("ports", "--json")
        assert done.returncode == 0, done.stderr
        (found,) = json.loads(done.stdout)
        bid = found["uid"]
        # Someone left a command retained (mosquitto_pub -r, QoS 0) before the board
        # connects
        command = ha_schema.topic(bid, "set")
        home.publish(command, '{"mode": "off"}', retain=True, qos=0)
        join_wifi(pico.port, broker, tmp_path)
        availability = ha_schema.topic(bid, "availability")
        home.wait_text(availability, "online")
        usb = Port(pico.port)
        try:
            # ...and it is replayed at every reconnect: the board ignores it, and says so
            for _ in range(3):
                since = home.mark()
                pico.control("ap reboot 1")
                home.wait_text(availability, "offline", since)
                home.wait_text(availability, "online", since)
                said = usb.wait_for(lambda m: m["type"] == "log"
                                    and "ignored a retained command" in m["msg"], 60)
                assert said["level"] == "warn"
                assert said["msg"] == (
                    "ignored a retained command on %s ('{\"mode\": \"off\"}'): a replay "
                    "from the broker, not a press; clear it: mosquitto_pub -r -n -t %s"
                    % (command, command))
                get = usb.reply({"cmd": "get", "id": 1}, 60)
                assert get["settings"]["mode"] == "auto"
            assert home.on(ha_schema.topic(bid, "result")) == []
            # Cleared (mosquitto_pub -r -n): gone at the next connection; and the empty
            # message (every subscriber gets the clear) is no command either: no refusal.
            # A live command after it is the first thing the board answers.
            home.publish(command, b"", retain=True, qos=0)
            since = home.mark()
            pico.control("ap reboot 1")
            home.wait_text(availability, "offline", since)
            home.wait_text(availability, "online", since)
            since = home.mark()
            home.publish(command, b"", retain=True, qos=0)
            home.publish(ha_schema.topic(bid, "set/setpoint"), "27.5")
            home.wait_json(ha_schema.topic(bid, "result"), since=since)
            assert [m.json() for m in home.on(ha_schema.topic(bid, "result"), since)] == [
                {"ok": True, "by": "board", "cmd": "set", "name": "setpoint",
                 "settings": {"setpoint": 27.5}, "saved": False}]
            assert usb.reply({"cmd": "get", "id": 2}, 60)["settings"]["mode"] == "auto"
        finally:
            usb.close()


def test_a_board_moved_from_the_bridge_to_wifi_keeps_its_entities(
        tmp_path: Path, broker: TestBroker, home: Watcher) -> None:
    (tmp_path / "pico").mkdir()
    with SimCommand(tmp_path / "pico") as usb_board:
        bridge = BridgeProcess(tmp_path / "bridge", broker.url, "--port", usb_board.port)
        try:
            bid = board_id(home)
            by_bridge = home.configs(1)[bid]
        finally:
            bridge.close()
        # The same board, told its Wi-Fi over USB as a person does
        secret = tmp_path / "wifi-password"
        secret.write_text("correct horse battery\n")
        done = picofan_cli.run("wifi", "--port", usb_board.port, "--ssid", "picofan-sim",
                               "--broker", broker.url, "--password-file", str(secret))
        assert done.returncode == 0, done.stderr
        assert "correct horse" not in done.stdout + done.stderr
        since = home.mark()
        by_board = home.wait_json(
            ha_schema.config_topic(bid),
            lambda c: c["avty"] == [{"t": ha_schema.topic(bid, "availability")}],
            since, "the board's own discovery config")
    assert unique_ids(by_board) == unique_ids(by_bridge)
    assert by_board["dev"]["ids"] == by_bridge["dev"]["ids"]
    assert by_board["stat_t"] == by_bridge["stat_t"]


def test_a_4_wire_fan_gets_its_entities_on_wifi_too(pico: SimCommand, home: Watcher) -> None:
    # The largest discovery config there is: a PWM fan with a tach, and a long name.
    bid = board_id(home)
    home.wait_text(ha_schema.topic(bid, "availability"), "online")
    since = home.mark()
    done = picofan_cli.run("set", "--port", pico.port, "output=pwm", "tach=on",
                           "name=greenhouse-left-bench")
    assert done.returncode == 0, done.stderr
    config = home.wait_json(ha_schema.config_topic(bid), lambda c: "uniq_id" in c["cmps"]["speed"],
                            since, "a discovery config with the fan entity")
    assert config["cmps"]["rpm"]["uniq_id"] == f"picofan_{bid}_rpm"
    assert config["dev"]["name"] == "greenhouse-left-bench"

