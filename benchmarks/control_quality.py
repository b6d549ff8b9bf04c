"""Control quality, side by side: a naive hobby loop against the firmware, on the
same simulated plant, divider and RP2040 ADC model, with the same seed.

- NAIVE (a baseline, not product code; it lives only here): one threshold at the
  setpoint, no hysteresis, no minimum on/off time, one ADC read per sample, the
  Beta formula on that read, fan on when hotter than the setpoint. Sampled every
  100 ms like the firmware, so only the control law differs.
- OURS: the real fanctl.app.App with its default settings (hysteresis 2 C,
  minimum on/off 5 s, 32 reads averaged per sample, open/short detection).

Both run on picofan.sim.board.SimBoard at speed 0 (virtual time, as fast as the CPU
goes), each scenario from the same starting state and the same seed. Then the
resolution of the reported temperature at 25 C and 40 C, single read against the
firmware's oversampling, next to the ADC's quantisation step.

    .venv/bin/python benchmarks/control_quality.py [SEED]
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fanctl import settings, thermistor
from fanctl.app import App
from picofan.sim.adc import CODES, AdcParams, Divider, Rp2040Adc
from picofan.sim.board import NullPort, RigBoard, SimBoard, World, make_world
from picofan.sim.clock import SimClock
from picofan.sim.plant import Plant
from picofan.spec import curve

DEFAULTS = settings.defaults()
SETPOINT = DEFAULTS["setpoint"]
HYSTERESIS = DEFAULTS["hysteresis"]
SAMPLE_MS = DEFAULTS["sample_ms"]
MINUTE = 60_000
HOUR = 60 * MINUTE


# -- the two controllers ---------------------------------------------------------
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


def run_ours(world: World, until_ms: int) -> App:
    """The firmware as shipped: fanctl.app.App with default settings."""
    board = world.board
    with tempfile.TemporaryDirectory() as flash:
        app = App(board, str(Path(flash) / "settings.json"))
        app.start()
        while board.clock.ms < until_ms:
            app.tick()
    return app


CONTROLLERS: dict[str, Callable[[World, int], object]] = {"naive": run_naive, "ours": run_ours}


# -- scenarios --------------------------------------------------------------------
@dataclass
class Result:
    switches_per_h: float = math.nan
    band: tuple[float, float, float] = (math.nan, math.nan, math.nan)  # min, max, sigma
    reaction_ms: float | None = math.nan
    extra: dict[str, object] = field(default_factory=dict)


def band_of(trace: list[tuple[int, float, bool]]) -> tuple[float, float, float]:
    temps = [t for _, t, _ in trace]
    sigma = math.sqrt(sum((t - SETPOINT) ** 2 for t in temps) / len(temps))
    return min(temps), max(temps), sigma


def steady(name: str, seed: int, hours: float) -> Result:
    w = make_world(seed)
    w.board.record_from_ms = 20 * MINUTE  # past the warm-up from 28 C
    end = w.board.record_from_ms + int(hours * HOUR)
    CONTROLLERS[name](w, end)
    n = sum(1 for ms in w.board.switch_ms if ms >= w.board.record_from_ms)
    return Result(switches_per_h=n / hours, band=band_of(w.board.trace),
                  extra=reported_band(w))


def reported_band(w: World) -> dict[str, object]:
    """The band in the firmware's own telemetry (what a user's log shows)."""
    import json

    temps = [m["temp"] for m in map(json.loads, w.port.lines)
             if m["type"] == "tele" and m["ms"] >= w.board.record_from_ms and m["temp"]]
    if not temps:
        return {}
    return {"reported band": f"{min(temps):.2f} .. {max(temps):.2f} C"}


EVENTS = 8  # pinches / faults, at different phases of the fan's cycle
EVENT_EVERY_MS = 4 * MINUTE + 23_037  # faults: one run, off the 100 ms sample grid
PINCH_PHASE_MS = 28_037  # pinches: one run each, 20 min + i * this (a pinch resets the cycle)


def committed_on_after(board: RigBoard, t_ms: int, until_ms: int) -> int | None:
    """ms from t_ms until the fan came on and stayed on through until_ms (None: never)."""
    start = None
    for ms, _, fan in board.trace:
        if ms < t_ms:
            continue
        if ms >= until_ms:
            break
        if fan and start is None:
            start = ms
        elif not fan:
            start = None
    return None if start is None else start - t_ms


def repeated(name: str, seed: int, begin: Callable[[World], None],
             end: Callable[[World], None], length_ms: int,
             times: list[int] | None = None) -> tuple[World, list[int]]:
    w = make_world(seed)
    times = times or [20 * MINUTE + i * EVENT_EVERY_MS for i in range(EVENTS)]
    for t in times:
        w.actions += [(t, begin), (t + length_ms, end)]
    w.actions.sort(key=lambda a: a[0])
    CONTROLLERS[name](w, times[-1] + 2 * MINUTE)
    return w, times


def reactions(w: World, times: list[int], length_ms: int) -> list[int | None]:
    return [committed_on_after(w.board, t, t + length_ms) for t in times]


def pinch(name: str, seed: int) -> Result:
    def press(w: World) -> None:
        w.plant.pinched = True

    def release(w: World) -> None:
        w.plant.pinched = False

    got: list[int | None] = []
    off_at_start = switches = 0
    for i in range(EVENTS):
        t = 20 * MINUTE + i * PINCH_PHASE_MS
        w, _ = repeated(name, seed, press, release, 30_000, [t])
        got += reactions(w, [t], 30_000)
        off_at_start += not fan_at(w.board, t)
        switches += sum(1 for ms in w.board.switch_ms if t <= ms < t + 30_000)
    return Result(reaction_ms=worst(got), extra={
        "median": fmt_ms(median(got)), "fan off at pinch start": f"{off_at_start}/{EVENTS}",
        "switches/pinch": switches / EVENTS})


def fan_at(board: RigBoard, t_ms: int) -> bool:
    before = [fan for ms, _, fan in board.trace if ms < t_ms]
    return before[-1] if before else True


def worst(values: list[int | None]) -> int | None:
    return None if any(v is None for v in values) else max(v for v in values if v is not None)


def median(values: list[int | None]) -> float | None:
    if any(v is None for v in values):
        return None
    return statistics.median(v for v in values if v is not None)


def ambient_step(name: str, seed: int, to_c: float = 25.0) -> Result:
    w = make_world(seed)
    step_at = 20 * MINUTE

    def step(w: World) -> None:
        w.plant.p.ambient_c = to_c

    w.actions.append((step_at, step))
    w.board.record_from_ms = step_at + 10 * MINUTE  # the hour after it settles
    CONTROLLERS[name](w, step_at + 70 * MINUTE)
    n = sum(1 for ms in w.board.switch_ms if ms >= w.board.record_from_ms)
    return Result(switches_per_h=float(n), band=band_of(w.board.trace))


def sensor_open(name: str, seed: int) -> Result:
    def break_(w: World) -> None:
        w.board.fault = "open"

    def repair(w: World) -> None:
        w.board.fault = None

    w, times = repeated(name, seed, break_, repair, 5_000)
    got = reactions(w, times, 5_000)
    on = [fan for ms, _, fan in w.board.trace for t in times if t <= ms < t + 5_000]
    return Result(reaction_ms=worst(got), extra={
        "median": fmt_ms(median(got)),
        "fan off at fault start": f"{sum(1 for t in times if not fan_at(w.board, t))}/{len(times)}",
        "fan on during the faults": f"{100 * sum(on) / len(on):.0f} %",
        "first report": fault_reported(w, times[0])})


def fault_reported(w: World, t: int) -> str:
    import json

    for line in w.port.lines:
        m = json.loads(line)
        if m["type"] == "tele" and m["ms"] >= t and m["fault"]:
            return f"'{m['fault']}' in telemetry after {m['ms'] - t} ms"
    return "never (no telemetry)" if not w.port.lines else "never"


# -- resolution ---------------------------------------------------------------------
class FixedPlant(Plant):
    """The bead held at one temperature: only the divider and the ADC move."""

    def __init__(self, t_c: float) -> None:
        super().__init__()
        self.bead_c = self.body_c = t_c

    def advance_to(self, t_s: float) -> None:
        self.t_s = t_s


def reported_sigma(t_c: float, oversample: int, seed: int, n: int = 2000) -> tuple[float, float]:
    """(sigma, mean - true) of the temperature in the firmware's telemetry at
    its default rate (1 line/s), with `oversample` reads per sample."""
    import json

    rng = random.Random(seed)
    params = AdcParams()
    divider = Divider.from_nominal(DEFAULTS, params, rng)
    port = NullPort()
    board = SimBoard(FixedPlant(t_c), divider, Rp2040Adc(params, rng), port, SimClock(0),
                     lambda ms: None)
    with tempfile.TemporaryDirectory() as flash:
        app = App(board, str(Path(flash) / "settings.json"))
        app.settings = settings.merge(app.settings, {"oversample": oversample})
        app.start()
        while sum(1 for line in port.lines if '"tele"' in line) < n:
            for _ in range(100):
                app.tick()
    temps = [json.loads(x)["temp"] for x in port.lines if '"tele"' in x][:n]
    return statistics.pstdev(temps), statistics.fmean(temps) - t_c


def quantisation_step(t_c: float) -> float:
    """Degrees C per 12-bit ADC code at t_c (nominal parts)."""
    s = DEFAULTS
    lo = curve.ohms_to_ratio(curve.c_to_ohms(t_c - 0.5, s), s["r_fixed"])
    hi = curve.ohms_to_ratio(curve.c_to_ohms(t_c + 0.5, s), s["r_fixed"])
    return 1.0 / (abs(hi - lo) * CODES)


# -- report -------------------------------------------------------------------------
def fmt_ms(v: float | None) -> str:
    return "never" if v is None else f"{v:.0f} ms"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "n/a (one side never)"
    return f"{a / b:.1f}x" if b else "inf"


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    hours = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    print(f"control quality, virtual Pico (RP2040 ADC model, seed {seed}), setpoint "
          f"{SETPOINT} C, hysteresis {HYSTERESIS} C, sample every {SAMPLE_MS} ms")
    print("naive = one threshold, no hysteresis, no minimum times, one ADC read "
          "(baseline); ours = fanctl.app.App with defaults")
    goal_band = HYSTERESIS / 2 + 0.3
    ok = True

    res = {n: steady(n, seed, hours) for n in CONTROLLERS}
    print(f"\n1. steady heat load (plant defaults: 10 W, ambient 22 C), {hours:g} h after "
          "20 min warm-up; true bead temperature")
    for n, r in res.items():
        lo, hi, sd = r.band
        print(f"  {n:5s}  switch events/h {r.switches_per_h:8.1f}   band {lo:6.2f} .. {hi:6.2f} C"
              f"  ({lo - SETPOINT:+.2f} / {hi - SETPOINT:+.2f})   sigma around setpoint "
              f"{sd:.3f} C" + "".join(f"   {k} {v}" for k, v in r.extra.items()))
    rs = res["naive"].switches_per_h / max(res["ours"].switches_per_h, 1e-9)
    lo, hi, _ = res["ours"].band
    band_ok = SETPOINT - goal_band <= lo and hi <= SETPOINT + goal_band
    print(f"  ratio naive/ours: switch events {rs:.1f}x, sigma "
          f"{res['naive'].band[2] / res['ours'].band[2]:.2f}x")
    print(f"  goal >= 20x fewer switch events: {'met' if rs >= 20 else 'NOT met'}; "
          f"band within {SETPOINT} +/- {goal_band:.1f} C: {'met' if band_ok else 'NOT met'}")
    ok &= rs >= 20 and band_ok

    res = {n: pinch(n, seed) for n in CONTROLLERS}
    print(f"\n2. a 30 s pinch (finger at 34 C on the bead), {EVENTS} runs, at 20 min + i * "
          f"{PINCH_PHASE_MS / 1000:g} s (phases across the fan's cycle); reaction = pinch to the "
          "fan on for the rest of it")
    for n, r in res.items():
        print(f"  {n:5s}  time to react: worst {fmt_ms(r.reaction_ms):>9s}   " +
              "   ".join(f"{k}: {v}" for k, v in r.extra.items()))
    print("  ratio naive/ours: worst reaction "
          f"{ratio(res['naive'].reaction_ms, res['ours'].reaction_ms)}")

    res = {n: ambient_step(n, seed) for n in CONTROLLERS}
    print("\n3. ambient step 22 -> 25 C at 20 min; the hour from 10 min after the step")
    for n, r in res.items():
        lo, hi, sd = r.band
        print(f"  {n:5s}  switch events/h {r.switches_per_h:8.1f}   band {lo:6.2f} .. {hi:6.2f} C"
              f"  ({lo - SETPOINT:+.2f} / {hi - SETPOINT:+.2f})   sigma {sd:.3f} C")
    print(f"  ratio naive/ours: switch events "
          f"{res['naive'].switches_per_h / max(res['ours'].switches_per_h, 1e-9):.1f}x")

    res = {n: sensor_open(n, seed) for n in CONTROLLERS}
    print(f"\n4. the thermistor opens for 5 s, {EVENTS} times in one run, from 20 min every "
          f"{EVENT_EVERY_MS / 1000:g} s (off the sample grid); fail safe = the fan on for the "
          "rest of the fault")
    for n, r in res.items():
        print(f"  {n:5s}  time to fail safe: worst {fmt_ms(r.reaction_ms):>9s}   " +
              "   ".join(f"{k}: {v}" for k, v in r.extra.items()))
    fs = res["ours"].reaction_ms
    print(f"  goal fail-safe within 1 s: {'met' if fs is not None and fs <= 1000 else 'NOT met'}"
          f" (naive: {fmt_ms(res['naive'].reaction_ms)})")
    ok &= fs is not None and fs <= 1000

    print("\n5. resolution of the reported temperature (telemetry at the default 1 line/s, "
          "2000 lines, bead held still)")
    print("   temp    quantisation   sigma 1 read   sigma oversample "
          f"{DEFAULTS['oversample']}   gain   offset (part tolerance)")
    for t in (25.0, 40.0):
        q = quantisation_step(t)
        s1, _ = reported_sigma(t, 1, seed)
        sn, off = reported_sigma(t, DEFAULTS["oversample"], seed)
        print(f"  {t:5.1f} C  {q:.4f} C/code   {s1:.4f} C      {sn:.4f} C"
              f"{'':13s}{s1 / sn:4.1f}x  {off:+.3f} C")
        ok &= sn <= 0.05
    print("  goal sigma <= 0.05 C at the default rate: see the oversample column")
    print(f"\nall goals met: {ok}")


if __name__ == "__main__":
    main()
