"""The in-process rig benchmarks/control_quality.py measures on (picofan.sim.board):
the shipped firmware on a world drawn from one seed holds the setpoint's band, and a
pinch scheduled in that world turns the fan on."""

from __future__ import annotations

from pathlib import Path

from fanctl.app import App
from fanctl.settings import defaults
from picofan.sim.board import World, make_world

MINUTE = 60_000


def run(world: World, path: Path, until_ms: int) -> App:
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
    beads = [bead for _, bead, _ in world.board.trace]
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
    assert world.board.trace[-1][2] is True, "fan off 20 s into a pinch"
