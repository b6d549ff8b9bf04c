"""The runs behind benchmarks/control_quality.py: each controller (the naive baseline
and the firmware's App with a control) driven in a simulated world from one seed, and
the scenarios measured on the true bead temperature (steady, a varying load, an ambient
step, a pinch, sensor faults and stalls)."""

from __future__ import annotations

import json
import math
import statistics
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fanctl import settings, thermistor
from fanctl.app import App
from fanctl.faults import OPEN, STALL
from picofan.sim.plant import PlantParams
from picofan.sim.rig import RigBoard, Sample, World, make_world

DEFAULTS = settings.defaults()
SETPOINT = DEFAULTS["setpoint"]
SAMPLE_MS = DEFAULTS["sample_ms"]
SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
WARM_UP_MS = 20 * MINUTE  # from power-up at 28 C to steady control
SPEED = {"output": "pwm", "tach": "on"}
CONTROLLERS: dict[str, dict[str, Any] | None] = {
    "naive": None,
    "hysteresis": {},
    "curve": {**SPEED, "control": "curve"},
    "pid": {**SPEED, "control": "pid"},
}
SETTLE_TOL_C = 0.1  # settled: no further than this outside the band finally held



# -- running a controller in a world -----------------------------------------------
def run_naive(world: World, until_ms: int) -> None:
    """BASELINE ONLY: the loop most hobby examples show."""
    board = world.board
    s = DEFAULTS
    while board.clock.ms < until_ms:
        raw = board.read_u16()  # one read
        r = max(raw, 1) / 65535  # (guarded so it does not divide by zero)
        ohms = s["r_fixed"] * (1 - r) / r if r < 1 else 1e-3
        temp = thermistor.beta_to_c(max(ohms, 1e-3), s["r0"], s["t0"], s["beta"])
        board.fan(temp > SETPOINT)  # one threshold
        board.wait(SAMPLE_MS)


def run(name: str, world: World, until_ms: int, changes: dict[str, Any] | None = None) -> None:
    base = CONTROLLERS[name]
    if base is None:
        run_naive(world, until_ms)
        return
    board = world.board
    with tempfile.TemporaryDirectory() as flash:
        path = Path(flash) / "settings.json"
        # As a user would: the settings saved on the board, which boots with them.
        settings.save(str(path), settings.merge(DEFAULTS, {**base, **(changes or {})}))
        app = App(board, str(path))
        assert app.warning is None, app.warning
        app.start()
        while board.clock.ms < until_ms:
            app.tick()


def world_with(seed: int, events: Iterable[tuple[int, Callable[[World], None]]],
               record_from_ms: int, plant: PlantParams | None = None) -> World:
    w = make_world(seed, plant)
    w.actions += list(events)
    w.actions.sort(key=lambda a: a[0])
    w.board.record_from_ms = record_from_ms
    return w


def between(trace: list[Sample], a_ms: float, b_ms: float = math.inf) -> list[Sample]:
    return [s for s in trace if a_ms <= s.ms < b_ms]


def tele(w: World) -> list[dict[str, Any]]:
    return [m for m in map(json.loads, w.port.lines) if m["type"] == "tele"]


# -- scenarios ----------------------------------------------------------------------
@dataclass
class Steady:
    mean: float
    sigma: float  # about the mean: what control leaves
    rms: float  # about the setpoint: the parts' offset included
    lo: float
    hi: float
    starts_per_h: float  # the fan started or stopped
    changes_per_h: float  # the duty the fan sees changed
    duty: float  # mean percent
    rpm_sigma: float
    reported: tuple[float, float] | None  # the band in the firmware's own telemetry


def steady(name: str, seed: int, hours: float, changes: dict[str, Any] | None = None,
           plant: PlantParams | None = None) -> Steady:
    w = world_with(seed, [], WARM_UP_MS, plant)
    end = WARM_UP_MS + int(hours * HOUR)
    run(name, w, end, changes)
    return measure(w, hours)


def measure(w: World, hours: float) -> Steady:
    temps = [s.bead_c for s in w.board.trace]
    mean = statistics.fmean(temps)
    reported = [m["temp"] for m in tele(w) if m["ms"] >= WARM_UP_MS and m["temp"] is not None]
    return Steady(
        mean=mean, sigma=statistics.pstdev(temps),
        rms=math.sqrt(statistics.fmean((t - SETPOINT) ** 2 for t in temps)),
        lo=min(temps), hi=max(temps),
        starts_per_h=sum(1 for ms in w.board.switch_ms if ms >= WARM_UP_MS) / hours,
        changes_per_h=sum(1 for ms, _ in w.board.changes if ms >= WARM_UP_MS) / hours,
        duty=statistics.fmean(s.duty for s in w.board.trace),
        rpm_sigma=statistics.pstdev(s.rpm for s in w.board.trace),
        reported=(min(reported), max(reported)) if reported else None)


LOADS_W = (8.0, 12.0, 10.0, 12.0, 8.0, 10.0)  # the heat source, changing every LOAD_EVERY_MS
LOAD_EVERY_MS = 10 * MINUTE


def varying_load(name: str, seed: int, changes: dict[str, Any] | None = None) -> Steady:
    """As steady(), with the heat load stepping between 8, 10 and 12 W every 10 minutes
    (a machine working harder and less hard), for an hour after the warm-up."""
    def load(watts: float) -> Callable[[World], None]:
        def change(w: World) -> None:
            w.plant.p.heat_w = watts
        return change

    events = [(WARM_UP_MS + i * LOAD_EVERY_MS, load(watts)) for i, watts in enumerate(LOADS_W)]
    w = world_with(seed, events, WARM_UP_MS)
    run(name, w, WARM_UP_MS + len(LOADS_W) * LOAD_EVERY_MS, changes)
    return measure(w, len(LOADS_W) * LOAD_EVERY_MS / HOUR)


@dataclass
class Settle:
    settle_ms: float  # from the event (its end) to the bead within the final band for good
    level: float  # where it settled: the mean of the last FINAL_MS
    band: tuple[float, float]  # ...and the band it holds there (min, max)
    hi: float  # the most above, and below, the level before, once the event is over
    lo: float


FINAL_MS = 20 * MINUTE
AFTER_MS = 45 * MINUTE  # how long each event is followed


def settle_after(trace: list[Sample], from_ms: float, before: Steady) -> Settle:
    """From from_ms, how long until the bead stays within the band it holds at the end
    (the last FINAL_MS, SETTLE_TOL_C wider each side): for a steady controller, its
    final level +/- SETTLE_TOL_C; for one that cycles, its cycle's band, whose shape
    the event may have changed."""
    after = between(trace, from_ms)
    final = [s.bead_c for s in after if s.ms >= after[-1].ms - FINAL_MS]
    lo, hi = min(final) - SETTLE_TOL_C, max(final) + SETTLE_TOL_C
    out = [s.ms for s in after if not lo <= s.bead_c <= hi]
    settle = out[-1] + SAMPLE_MS - from_ms if out else 0.0
    temps = [s.bead_c for s in after]
    return Settle(settle, statistics.fmean(final), (min(final), max(final)),
                  max(temps) - before.mean, min(temps) - before.mean)


def ambient_step(name: str, seed: int, steady_band: Steady,
                 changes: dict[str, Any] | None = None, to_c: float = 25.0) -> Settle:
    def step(w: World) -> None:
        w.plant.p.ambient_c = to_c

    w = world_with(seed, [(WARM_UP_MS, step)], WARM_UP_MS)
    run(name, w, WARM_UP_MS + AFTER_MS, changes)
    return settle_after(w.board.trace, WARM_UP_MS, steady_band)


PINCH_MS = 30 * SECOND


def pinch(name: str, seed: int, steady_band: Steady,
          changes: dict[str, Any] | None = None) -> Settle:
    def press(w: World) -> None:
        w.plant.pinched = True

    def release(w: World) -> None:
        w.plant.pinched = False

    released = WARM_UP_MS + PINCH_MS
    w = world_with(seed, [(WARM_UP_MS, press), (released, release)], released)
    run(name, w, released + AFTER_MS, changes)
    # From the release: the bead follows the body again (during the pinch it is the finger's).
    return settle_after(w.board.trace, released, steady_band)


EVENTS = 8  # faults and stalls, at different phases of the fan's cycle
EVENT_EVERY_MS = 4 * MINUTE + 23_037  # off the 100 ms sample grid


@dataclass
class Fault:
    to_full_ms: list[float | None] = field(default_factory=list)  # fault -> fan at 100 %
    reported_ms: list[float | None] = field(default_factory=list)  # ...-> in telemetry
    full_share: float = math.nan  # of the samples during the faults, at 100 %
    cleared_ms: list[float | None] = field(default_factory=list)  # repair -> fault gone


def first_full(board: RigBoard, t_ms: float, until_ms: float) -> float | None:
    """ms from t_ms to the fan driven at 100 % (0: it already was), None: never."""
    duty = 0.0
    for ms, d in board.changes:
        if ms > t_ms:
            break
        duty = d
    if duty >= 100.0:
        return 0.0
    return next((ms - t_ms for ms, d in board.changes if t_ms <= ms < until_ms and d >= 100.0),
                None)


def faults(name: str, seed: int, fault_name: str, begin: Callable[[World], None],
           end: Callable[[World], None], length_ms: int) -> Fault:
    times = [WARM_UP_MS + i * EVENT_EVERY_MS for i in range(EVENTS)]
    events = [(t, begin) for t in times] + [(t + length_ms, end) for t in times]
    w = world_with(seed, events, WARM_UP_MS)
    run(name, w, times[-1] + 2 * MINUTE)
    lines = tele(w)
    out = Fault()
    during = [s for t in times for s in between(w.board.trace, t, t + length_ms)]
    out.full_share = sum(1 for s in during if s.duty >= 100.0) / len(during)
    for t in times:
        out.to_full_ms.append(first_full(w.board, t, t + length_ms))
        out.reported_ms.append(next((m["ms"] - t for m in lines
                                     if m["ms"] >= t and m["fault"] == fault_name), None))
        out.cleared_ms.append(next((m["ms"] - t - length_ms for m in lines
                                    if m["ms"] >= t + length_ms and m["fault"] is None), None))
    return out


def sensor_open(name: str, seed: int) -> Fault:
    def break_(w: World) -> None:
        w.board.fault = OPEN

    def repair(w: World) -> None:
        w.board.fault = None

    return faults(name, seed, OPEN, break_, repair, 5 * SECOND)


STALL_MS = 15 * SECOND


def stall(name: str, seed: int) -> Fault:
    def lock(w: World) -> None:
        w.plant.fan.lock(True)

    def free(w: World) -> None:
        w.plant.fan.lock(False)

    return faults(name, seed, STALL, lock, free, STALL_MS)
