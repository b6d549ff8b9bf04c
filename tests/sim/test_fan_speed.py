"""The virtual Pico's 4-wire fan with the firmware on MicroPython, through the real
pty: PWM output with the tach on (kick-start, rpm, the stall fault), the tach off,
and the switch output as it was. At speed 0 the board's clock charges no compute
time, so board-time figures (telemetry `ms`, the simulator's `loop`) do not depend
on how busy the machine is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import picofan_cli
import pytest
from polling import until

from device_port import Msg, Port
from fanctl.faults import STALL
from fanctl.settings import defaults
from picofan.sim.fan import FanParams
from picofan.sim.process import SimProcess

FAN = FanParams()  # the virtual Pico's fan
S = defaults()
SAMPLE_MS = S["sample_ms"]
SPEED_FAN = {"output": "pwm", "tach": "on", "interval_ms": SAMPLE_MS}  # a line a sample


def is_tele(m: Msg) -> bool:
    return m["type"] == "tele"


def state(sim: SimProcess) -> dict[str, Any]:
    return sim.control("status")["state"]


def steady_rpm(duty: float) -> float:
    return FAN.max_rpm * duty / 100


@pytest.fixture
def sim0() -> Iterator[SimProcess]:
    with SimProcess(speed=0, seed=5) as s:
        yield s


@pytest.fixture
def port0(sim0: SimProcess) -> Iterator[Port]:
    p = Port(sim0.port)
    yield p
    p.close()


def set_(port: Port, **changes: Any) -> Msg:
    """Set, and return the telemetry that follows the ack: the firmware samples and
    reports at once after a set, so its `ms` is the board's time of the change (at
    speed 0 the board runs on while the host reads)."""
    ack = port.reply({"cmd": "set", "id": "s", **changes})
    assert ack["type"] == "ack", ack
    return port.wait_for(is_tele)


def settled(port: Port, duty: float, since_ms: int) -> Msg:
    """The first telemetry after since_ms from which the rpm has held near the duty's
    speed for three whole rpm windows (a second each)."""
    near: list[Msg] = []

    def holds(m: Msg) -> bool:
        if not is_tele(m) or m["ms"] < since_ms:
            return False
        ok = m["rpm"] is not None and abs(m["rpm"] - steady_rpm(duty)) <= 0.06 * steady_rpm(duty)
        near[:] = [*near, m] if ok else []
        return ok and near[-1]["ms"] - near[0]["ms"] >= 3000

    port.wait_for(holds, timeout=60)
    return near[0]


def test_a_pwm_fan_kick_starts_then_its_rpm_rises_and_settles(sim0: SimProcess,
                                                             port0: Port) -> None:
    set_(port0, **SPEED_FAN, mode="off")
    stopped = port0.wait_for(lambda m: is_tele(m) and m["rpm"] == 0 and m["duty"] == 0)
    assert stopped["fan"] is False
    first = set_(port0, mode="on", manual_duty=40.0)
    after = [first, *(port0.wait_for(is_tele) for _ in range(30))]
    # Full power first (kick_start_ms), then the duty asked for; the fan is driven all along.
    duties = [m["duty"] for m in after if m["duty"] > 0]
    assert duties[0] == 100.0 and duties[-1] == 40.0, duties
    kick = [d for d in duties if d == 100.0]
    assert len(kick) * SAMPLE_MS <= S["kick_start_ms"] + SAMPLE_MS, duties
    assert all(m["fan"] for m in after if m["duty"] > 0)
    # The rpm rises from 0, then holds at the fan's speed for 40 %.
    rpms = [m["rpm"] for m in after]
    assert rpms[0] in (0, None) or rpms[0] < steady_rpm(40) / 2, rpms
    held = settled(port0, 40.0, first["ms"])
    assert held["duty"] == 40.0 and held["fault"] is None
    s = state(sim0)
    assert s["duty"] == pytest.approx(40.0, abs=0.01) and not s["stalled"]
    assert abs(s["rpm"] - steady_rpm(40)) <= 0.02 * steady_rpm(40)


def test_without_a_kick_start_the_fan_will_not_start_and_stalls_until_full_power_starts_it(
        port0: Port) -> None:
    # The fan's start duty is above min_duty: from stop, 20 % does not turn it. The
    # firmware sees no pulse, calls it a stall and drives 100 %, which starts it.
    set_(port0, **SPEED_FAN, mode="off", kick_start_ms=0)
    port0.wait_for(lambda m: is_tele(m) and m["rpm"] == 0)
    start = set_(port0, mode="on", manual_duty=S["min_duty"])
    stall = port0.wait_for(lambda m: is_tele(m) and m["fault"] == STALL)
    assert stall["duty"] == 100.0
    assert stall["ms"] - start["ms"] <= S["stall_ms"] + 2 * SAMPLE_MS
    before = [start, *(m for m in port0.seen if is_tele(m) and start["ms"] < m["ms"] < stall["ms"])]
    assert all(m["rpm"] == 0 and m["duty"] == S["min_duty"] for m in before), before
    # ...and once it has turned as long as stall_ms, back to 20 %, which it now runs at.
    port0.wait_for(lambda m: is_tele(m) and m["fault"] is None and m["ms"] > stall["ms"])
    settled(port0, S["min_duty"], stall["ms"])


def test_stall_gives_the_stall_fault_at_full_power_and_unstall_clears_it(
        sim0: SimProcess, port0: Port) -> None:
    set_(port0, **SPEED_FAN, mode="on", manual_duty=50.0)
    settled(port0, 50.0, 0)
    locked = sim0.control("stall")["state"]
    assert locked["stalled"] and locked["rpm"] == 0
    fault = port0.wait_for(lambda m: is_tele(m) and m["fault"] == STALL)
    assert fault["duty"] == 100.0 and fault["fan"] is True and fault["rpm"] == 0
    # Board time from the rotor locking to the fan driven at 100 %: the stall time,
    # and the sample that notices it.
    loop = until(lambda: state(sim0)["loop"]["fault_to_fan_ms"] is not None and
                 state(sim0)["loop"])
    assert S["stall_ms"] <= loop["fault_to_fan_ms"] <= S["stall_ms"] + 2 * SAMPLE_MS, loop
    assert fault["ms"] - locked["ms"] <= S["stall_ms"] + 2 * SAMPLE_MS
    # Locked, it stays a stall at full power.
    more = on_for(port0, fault["ms"] + 3 * S["stall_ms"])
    assert all(m["fault"] == STALL and m["duty"] == 100.0 for m in more)
    freed = sim0.control("unstall")["state"]
    assert not freed["stalled"]
    clear = port0.wait_for(lambda m: is_tele(m) and m["fault"] is None)
    assert clear["rpm"] > 0
    settled(port0, 50.0, clear["ms"])


def test_with_the_tach_off_a_locked_fan_never_stalls(sim0: SimProcess, port0: Port) -> None:
    set_(port0, **{**SPEED_FAN, "tach": "off"}, mode="on", manual_duty=50.0)
    first = port0.wait_for(is_tele)
    assert first["rpm"] is None
    locked = sim0.control("stall")["state"]
    # Five times the stall time of board time: no fault, the duty as asked, no rpm.
    lines = on_for(port0, locked["ms"] + 5 * S["stall_ms"])
    assert all(m["fault"] is None and m["duty"] == 50.0 and m["rpm"] is None for m in lines)
    s = state(sim0)
    assert s["stalled"] and s["rpm"] == 0 and s["duty"] == pytest.approx(50.0, abs=0.01)


def on_for(port: Port, until_ms: int) -> list[Msg]:
    """Read telemetry until the board's clock reaches until_ms (at speed 0 a host that
    stops reading holds the board up)."""
    lines = [port.wait_for(is_tele)]
    while lines[-1]["ms"] < until_ms:
        lines.append(port.wait_for(is_tele))
    return lines


def test_the_switch_output_is_on_or_off_with_no_rpm(sim0: SimProcess, port0: Port) -> None:
    # The defaults: GPIO2 switched. Telemetry says 0 or 100 %, no rpm; the fan is
    # powered fully whenever it is on, and spins up to its full speed.
    set_(port0, interval_ms=SAMPLE_MS, setpoint=25.0)  # 28 C at boot: fan on
    on = port0.wait_for(lambda m: is_tele(m) and m["fan"] and m["ms"] > 10_000)
    assert on["duty"] == 100.0 and on["rpm"] is None
    on_for(port0, on["ms"] + 10_000)  # ten seconds at full power: at full speed
    s = state(sim0)
    assert s["duty"] == 100.0 and s["fan"] and s["rpm"] > 0.95 * FAN.max_rpm
    set_(port0, setpoint=35.0)
    off = port0.wait_for(lambda m: is_tele(m) and not m["fan"], timeout=60)
    assert off["duty"] == 0.0 and off["rpm"] is None
    on_for(port0, off["ms"] + 30_000)  # unpowered, it coasts to a stop
    s = state(sim0)
    assert s["duty"] == 0.0 and not s["fan"] and s["rpm"] == 0


def test_stall_and_unstall_in_help_and_bad_input_is_one_line(sim0: SimProcess) -> None:
    text = sim0.control("help")["help"]
    assert "stall | unstall" in text and "rpm" in text
    r = sim0.control("stall now")
    assert r == {"ok": False, "error": "stall takes 0 argument(s)"}
    assert sim0.control("at 5 unstall")["ok"]
    assert not state(sim0)["stalled"]


def test_stall_typed_at_the_sims_console(tmp_path: Path) -> None:
    # `picofan sim` as a person runs it: commands typed on its console, one line each back.
    with picofan_cli.SimCommand(tmp_path) as sim:
        assert sim.proc.stdin is not None and sim.proc.stdout is not None
        sim.proc.stdout.readline()  # "control socket …; type help …"
        for typed in ("stall", "stall 3", "unstall"):
            sim.proc.stdin.write(typed + "\n")
            sim.proc.stdin.flush()
        said = [sim.proc.stdout.readline() for _ in range(3)]
    assert said[0].startswith("ok: bead ") and "0 rpm, stalled)" in said[0], said
    assert said[1] == "error: stall takes 0 argument(s)\n"
    assert said[2].startswith("ok: bead ") and "stalled" not in said[2], said


def test_a_stall_typed_at_the_console_locks_the_rotor_now_not_at_the_last_sample() -> None:
    # The world changes when the command comes: the edges the fan gave between the
    # firmware's last look and the lock are still counted (a real rotor turned then),
    # so the stall timer cannot start before the lock.
    from picofan.sim.pico import VirtualPico

    pico = VirtualPico(speed=0)
    hw = pico.hardware
    try:
        hw.set_fan(True)
        for ms in range(0, 5000, 100):  # spun up, the firmware looking every 100 ms
            hw.clock.to_at_least(ms)
            hw.tach_count()
        seen = hw.tach_count()
        hw.clock.to_at_least(5080.0)  # the lock comes 80 ms after that look
        pico.command("stall")
        turned = hw.tach_count() - seen
        assert turned >= int(steady_rpm(100.0) / 60 * FAN.tach_ppr * 0.08) - 1 > 0, turned
    finally:
        pico.close()
