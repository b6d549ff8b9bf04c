"""The virtual Pico end to end, through its real pseudo-terminal with pyserial,
running the unchanged firmware at 50x real time."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest
import serial
from polling import until

from device_port import Port
from fanctl import FIRMWARE_VERSION
from picofan.sim.process import SimProcess


def is_tele(m: dict) -> bool:
    return m["type"] == "tele"


def test_hello_arrives_after_reset(sim: SimProcess, port: Port) -> None:
    assert sim.control("reset")["ok"]
    hello = port.wait_for(lambda m: m["type"] == "hello")
    assert hello["fw"] == FIRMWARE_VERSION and hello["board"] == "virtual Pico W"
    assert hello["id"] is None


def test_each_virtual_pico_has_its_own_unique_id() -> None:
    # One per seed, as each Pico has its flash chip's: the same seed is the same board.
    ids = []
    for seed in (1, 2, 1):
        with SimProcess(seed=seed) as other:
            port = Port(other.port)
            ids.append(port.reply({"cmd": "hello", "id": 1})["uid"])
            port.close()
    assert ids[0] == ids[2] != ids[1]
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)


def test_hello_on_request(port: Port) -> None:
    hello = port.reply({"cmd": "hello", "id": 1})
    assert hello["type"] == "hello" and hello["settings"]["setpoint"] == 30.0


def test_telemetry_rate_matches_setting(port: Port) -> None:
    assert port.reply({"cmd": "set", "id": 2, "interval_ms": 500})["type"] == "ack"
    port.wait_for(lambda m: is_tele(m))
    tele = [port.wait_for(is_tele) for _ in range(12)]
    # Every 500 ms of board time, give or take what the firmware spends computing
    # (the board's clock charges it): less than one 100 ms sample, never a drift.
    steps = [b["ms"] - a["ms"] for a, b in itertools.pairwise(tele)]
    assert all(abs(step - 500) < 100 for step in steps), steps
    assert abs(tele[-1]["ms"] - tele[0]["ms"] - 11 * 500) < 100, steps
    # a period that is not a whole number of samples is refused, not approximated
    err = port.reply({"cmd": "set", "id": 3, "interval_ms": 250})
    assert err["type"] == "error" and "multiple of sample_ms" in err["msg"]


def test_pinch_turns_fan_on_then_release_turns_it_off(sim: SimProcess, port: Port) -> None:
    port.reply({"cmd": "set", "id": 1, "setpoint": 30.0, "hysteresis": 1.0})
    # past the minimum off-time that follows the boot-time switch-off
    start = port.wait_for(lambda m: is_tele(m) and m["ms"] >= 6000)
    assert start["fan"] is False and start["temp"] < 30.5
    sim.control("pinch")
    hot = port.wait_for(lambda m: is_tele(m) and m["fan"], timeout=60)
    assert hot["temp"] >= 30.5
    # The fan came on at the first sample at or above the threshold (telemetry is
    # once a second, so the line that shows it is within a second of the switch).
    before = [m for m in port.seen if is_tele(m) and m["ms"] < hot["ms"]]
    assert before[-1]["fan"] is False
    assert before[-1]["temp"] < 30.5 + 0.5
    sim.control("release")
    cool = port.wait_for(lambda m: is_tele(m) and not m["fan"], timeout=120)
    assert cool["temp"] <= 29.5 + 0.3
    assert cool["ms"] - hot["ms"] >= 5000  # the minimum on-time held


def test_set_changes_band_and_next_telemetry_shows_it(port: Port) -> None:
    ack = port.reply({"cmd": "set", "id": 9, "setpoint": 22.5, "hysteresis": 3})
    assert ack["type"] == "ack" and ack["settings"]["setpoint"] == 22.5
    tele = port.wait_for(is_tele)
    assert (tele["setpoint"], tele["hysteresis"]) == (22.5, 3.0)
    # 28 C is above 22.5 + 1.5: the fan must come on (after the minimum off-time)
    assert port.wait_for(lambda m: is_tele(m) and m["fan"], timeout=30)


def test_open_and_shorted_thermistor_fail_safe(sim: SimProcess, port: Port) -> None:
    port.wait_for(lambda m: is_tele(m) and not m["fan"], timeout=30)
    for fault in ("open", "short"):
        assert sim.control(f"fault {fault}")["ok"]
        m = port.wait_for(lambda m, f=fault: is_tele(m) and m["fault"] == f)
        assert m["fan"] is True and m["temp"] is None
    sim.control("fault none")
    m = port.wait_for(lambda m: is_tele(m) and m["fault"] is None)
    assert m["temp"] is not None


def test_garbage_changes_nothing_and_gets_errors(port: Port) -> None:
    before = port.reply({"cmd": "get", "id": 1})["settings"]
    junk = [b"\x00\xff\xfe garbage\n", b"AT\r\n", b"{\"cmd\": \"set\", \"setpoint\": \"hot\"}\n",
            b"x" * 2000 + b"\n", b"{\"cmd\": \"set\", \"hysteresis\": -1, \"id\": 5}\n"]
    for line in junk:
        port.send(line)
        err = port.wait_for(lambda m: m["type"] == "error")
        assert err["msg"]
    assert port.reply({"cmd": "get", "id": 2})["settings"] == before


def test_ctrl_c_stops_firmware_and_ctrl_d_restarts_it(port: Port) -> None:
    port.wait_for(is_tele)
    port.send(b"\x03")
    stopped = port.wait_for(lambda m: m["type"] == "log" and "stopped" in m["msg"])
    assert stopped["level"] == "info"
    port.send(b"\x04")
    assert port.wait_for(lambda m: m["type"] == "hello")
    assert any(b"soft reboot" in line for line in port.raw)


def test_unplug_and_replug_reboots_behind_the_same_path(sim: SimProcess) -> None:
    first = Port(sim.port)
    first.wait_for(is_tele)
    sim.control("unplug 2")
    # The host sees its port go away...
    with pytest.raises(serial.SerialException):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            first.serial.readline()
    first.close()
    # ...then the board boots again behind the same path.
    until(lambda: sim.control("status")["state"]["boots"] >= 2, "a second boot")
    second = Port(sim.port)
    hello = second.reply({"cmd": "hello", "id": 3})
    assert hello["type"] == "hello"
    second.close()


def tele_window(seed: int) -> list[str]:
    # As fast as the CPU goes, with a scripted pinch: the firmware's virtual clock
    # and the ADC noise depend only on the seed and the script. The board starts
    # paused and goes on once the port is open: unread, at speed 0, it would run on
    # past the window while a busy machine keeps this test from opening the port.
    with SimProcess(speed=0, seed=seed, script="pause; at 20 pinch; at 50 release") as s:
        port = Port(s.port)
        assert s.control("resume")["ok"]
        port.wait_for(lambda m: is_tele(m) and m["ms"] >= 90_000, timeout=120)
        port.close()
    lines = [m for m in port.seen if is_tele(m) and 10_000 <= m["ms"] <= 90_000]
    assert [m["ms"] for m in lines] == list(range(10_000, 90_001, 1000)), "lines lost"
    return [json.dumps(m, sort_keys=True) for m in lines]


def test_same_seed_same_telemetry_different_seed_differs() -> None:
    a, b, c = tele_window(3), tele_window(3), tele_window(4)
    assert a == b
    assert a != c
    assert any('"fan": true' in line for line in a)  # the pinch really switched the fan


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the parent's pid, after the state
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("speed", [1, 50])
def test_a_killed_simulator_takes_its_firmware_with_it(speed: float) -> None:
    # The firmware runs in a MicroPython process of its own; with the simulator killed
    # (kill -9: no clean-up runs) it must end too, not spin on a dead pipe for ever.
    with SimProcess(speed=speed, seed=3) as sim, serial.Serial(sim.port, timeout=10) as host:
        chips = until(lambda: _children(sim.proc.pid), "the firmware's MicroPython process")
        until(lambda: b'"tele"' in host.readline(), "telemetry")  # running, with a host
        sim.proc.kill()
        sim.proc.wait()
        until(lambda: not any(_alive(pid) for pid in chips), "the firmware process ending", 60)
