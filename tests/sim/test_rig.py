"""The in-process rig benchmarks/control_quality.py measures on (picofan.sim.rig):
the shipped firmware on a world drawn from one seed holds the setpoint's band, a
pinch scheduled in that world turns the fan on, and a PWM fan under PID holds the
setpoint at a mid-range duty with its rpm following the duty."""

from __future__ import annotations

from pathlib import Path

from fanctl import settings
from fanctl.app import App
from fanctl.settings import defaults
from picofan.sim.rig import World, make_world

MINUTE = 60_000


def run(world: World, path: Path, until_ms: int, **changes: object) -> App:
    if changes:
        settings.save(str(path), settings.merge(defaults(), changes))
    app = App(world.board, str(path))
    app.start()
    while world.board.clock.ms < until_ms:
        app.tick()
    return app


def test_the_firmware_holds_its_band_on_the_rig(tmp_path: Path) -> None:
    world = make_world(seed=3)
    world.board.record_from_ms = 20 * MINUTE  # after the warm-up
    app = run(world, tmp_path / "settings.json", 40 * MINUTE)
    s = defaults()
    beads = [s.bead_c for s in world.board.trace]
    assert beads, "the rig recorded nothing"
    # the band is setpoint +/- hysteresis/2, plus the overshoot of the minimum on/off time
    assert s["setpoint"] - 2 < min(beads) and max(beads) < s["setpoint"] + 2, (min(beads),
                                                                               max(beads))
    assert app.controller.switches >= 4  # it really cycled the fan
    assert any('"type": "tele"' in line for line in world.port.lines)


def test_a_pinch_in_the_world_turns_the_fan_on(tmp_path: Path) -> None:
    world = make_world(seed=3)
    pinch_at = 20 * MINUTE

    def pinch(w: World) -> None:
        w.plant.pinched = True

    world.actions.append((pinch_at, pinch))
    world.board.record_from_ms = pinch_at
    run(world, tmp_path / "settings.json", pinch_at + 20_000)
    assert world.board.trace[-1].duty == 100.0, "fan off 20 s into a pinch"


def test_pid_holds_the_setpoint_with_a_pwm_fan_at_a_mid_range_duty(tmp_path: Path) -> None:
    world = make_world(seed=3)
    world.board.record_from_ms = 30 * MINUTE
    app = run(world, tmp_path / "settings.json", 40 * MINUTE, output="pwm", tach="on",
              control="pid")
    trace = world.board.trace
    s = defaults()
    # True temperatures: within the 1 % parts' offset of the setpoint, and steady.
    beads = [x.bead_c for x in trace]
    assert max(beads) - min(beads) < 0.1 and abs(beads[-1] - s["setpoint"]) < 0.6, beads[-1]
    duties = [x.duty for x in trace]
    assert min(duties) > 25.0 and max(duties) < 60.0, (min(duties), max(duties))
    # The fan never stopped, and its rpm follows the duty the firmware reports.
    assert world.board.switch_ms == [] or world.board.switch_ms[-1] < 30 * MINUTE
    fan = world.plant.fan
    assert abs(fan.rpm - fan.steady_rpm(fan.duty)) < 0.02 * fan.p.max_rpm
    assert app.fan.rpm is not None and abs(app.fan.rpm - fan.rpm) <= 60  # 30 rpm a pulse
