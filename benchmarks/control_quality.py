"""Control quality, side by side: four ways to drive the fan on one simulated plant
(sim/plant.py with its fan, sim/fan.py), one divider and RP2040 ADC model, one seed.

- naive (a baseline, not product code; it lives only in control_quality_runs.py):
  one threshold at the setpoint, no band, no minimum on/off time, one ADC read per
  sample, the Beta formula on it, the fan switched on when hotter than the setpoint.
  Every 100 ms, like the firmware, so only the control law differs.
- hysteresis: the real fanctl.app.App with its defaults (output switch, tach off).
- curve, pid: the same App with output pwm, tach on and that control; every other
  setting (gains, curve, limits, kick-start, stall time) at its default.

All run on picofan.sim.rig's rig at speed 0 (virtual time, as fast as the CPU goes),
each scenario from power-up in a world drawn from the same seed. Temperatures are
the TRUE bead temperature from the plant, not what the firmware reports.

    .venv/bin/python benchmarks/control_quality.py [SEED] [HOURS]
    .venv/bin/python benchmarks/control_quality.py --tune [SEED]   # PID gains, a grid

The runs and scenarios: control_quality_runs.py; the resolution of the reported
temperature: control_quality_resolution.py; here, the report and the PID grid.
"""

from __future__ import annotations

import statistics
import sys

from control_quality_resolution import quantisation_step, reported_sigma
from control_quality_runs import (
    CONTROLLERS,
    DEFAULTS,
    EVENTS,
    PINCH_MS,
    SECOND,
    SETPOINT,
    SETTLE_TOL_C,
    STALL_MS,
    ambient_step,
    pinch,
    sensor_open,
    stall,
    steady,
    varying_load,
)

from picofan.sim.plant import PlantParams


# -- report -------------------------------------------------------------------------
def s_(ms: float | None) -> str:
    return "never" if ms is None else f"{ms / 1000:.1f} s"


def worst(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else max(v for v in values if v is not None)


def median(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return statistics.median(got) if len(got) == len(values) else None


def table(rows: list[tuple[str, dict[str, str]]], names: list[str]) -> None:
    width = max(len(r) for r, _ in rows)
    cols = [max(len(n), *(len(v.get(n, "")) for _, v in rows)) for n in names]
    print(f"  {'':{width}s}  " + "  ".join(f"{n:>{c}s}" for n, c in zip(names, cols,
                                                                         strict=True)))
    for label, vals in rows:
        print(f"  {label:{width}s}  " + "  ".join(f"{vals.get(n, '-'):>{c}s}"
                                                  for n, c in zip(names, cols, strict=True)))


def main(seed: int, hours: float) -> bool:
    names = list(CONTROLLERS)
    print(f"control quality on the simulated plant (seed {seed}; setpoint {SETPOINT} C, "
          f"ambient 22 C, heat 10 W; true bead temperature)")
    print("naive = one threshold, one ADC read, no band (baseline); hysteresis = the firmware's "
          "defaults (switch); curve, pid = output pwm + tach on, defaults otherwise")
    st = {n: steady(n, seed, hours) for n in names}
    loads = {n: varying_load(n, seed) for n in names}
    steps = {n: ambient_step(n, seed, st[n]) for n in names}
    pinches = {n: pinch(n, seed, st[n]) for n in names}
    opens = {n: sensor_open(n, seed) for n in names}
    stalls = {n: stall(n, seed) for n in names if CONTROLLERS[n]}
    speed = [n for n in names if (CONTROLLERS[n] or {}).get("tach") == "on"]

    rows: list[tuple[str, dict[str, str]]] = [
        (f"steady {hours:g} h: sigma about the mean",
         {n: f"{r.sigma:.4f} C" for n, r in st.items()}),
        ("  mean (offset: 1 % parts)", {n: f"{r.mean - SETPOINT:+.3f} C" for n, r in st.items()}),
        ("  RMS about the setpoint", {n: f"{r.rms:.3f} C" for n, r in st.items()}),
        ("  band held", {n: f"{r.lo:.2f}..{r.hi:.2f}" for n, r in st.items()}),
        ("  band reported", {n: f"{r.reported[0]:.2f}..{r.reported[1]:.2f}" if r.reported
                             else "-" for n, r in st.items()}),
        ("  fan starts+stops /h", {n: f"{r.starts_per_h:.0f}" for n, r in st.items()}),
        ("  duty changes /h", {n: f"{r.changes_per_h:.0f}" for n, r in st.items()}),
        ("  average duty", {n: f"{r.duty:.1f} %" for n, r in st.items()}),
        ("  rpm sigma", {n: f"{r.rpm_sigma:.0f}" for n, r in st.items()}),
        ("load 8/10/12 W, 10 min each: sigma",
         {n: f"{r.sigma:.4f} C" for n, r in loads.items()}),
        ("  band held", {n: f"{r.lo:.2f}..{r.hi:.2f}" for n, r in loads.items()}),
        ("  fan starts+stops /h", {n: f"{r.starts_per_h:.0f}" for n, r in loads.items()}),
        ("  average duty", {n: f"{r.duty:.1f} %" for n, r in loads.items()}),
        ("ambient 22->25 C: settle", {n: s_(r.settle_ms) for n, r in steps.items()}),
        ("  settles at (vs before)", {n: f"{r.level:.2f} ({r.level - st[n].mean:+.2f})"
                                      for n, r in steps.items()}),
        ("  band held after", {n: f"{r.band[0]:.2f}..{r.band[1]:.2f}"
                               for n, r in steps.items()}),
        ("  overshoot", {n: f"{r.hi:+.2f} C" for n, r in steps.items()}),
        (f"pinch {PINCH_MS // SECOND} s: settle after", {n: s_(r.settle_ms)
                                                          for n, r in pinches.items()}),
        ("  undershoot", {n: f"{r.lo:+.2f} C" for n, r in pinches.items()}),
        (f"stall {STALL_MS // SECOND} s x{EVENTS}: to 100 %",
         {n: f"{s_(worst(r.to_full_ms))}" if n in speed else "no tach"
          for n, r in stalls.items()} | {"naive": "no tach"}),
        ("  reported (worst)", {n: s_(worst(r.reported_ms)) for n, r in stalls.items()
                                if n in speed}),
        ("  at 100 % while stalled", {n: f"{100 * r.full_share:.0f} %"
                                      for n, r in stalls.items() if n in speed}),
        ("  cleared after unstall", {n: s_(worst(r.cleared_ms)) for n, r in stalls.items()
                                     if n in speed}),
        (f"open thermistor 5 s x{EVENTS}: to 100 %",
         {n: s_(worst(r.to_full_ms)) for n, r in opens.items()}),
        ("  median", {n: s_(median(r.to_full_ms)) for n, r in opens.items()}),
        ("  at 100 % during it", {n: f"{100 * r.full_share:.0f} %" for n, r in opens.items()}),
    ]
    print()
    table(rows, names)

    pid, fs = st["pid"], [worst(opens[n].to_full_ms) for n in names if n != "naive"]
    stall_worst = [worst(stalls[n].to_full_ms) for n in speed]
    goals = [
        ("PID sigma of the true bead at steady load <= 0.1 C", pid.sigma <= 0.1),
        ("stall -> 100 % within 3 s", all(v is not None and v <= 3000 for v in stall_worst)),
        ("sensor fault -> 100 % within 1 s, and held", all(v is not None and v <= 1000
                                                          for v in fs)
         and all(opens[n].full_share > 0.98 for n in names if n != "naive")),
    ]
    print()
    for text, met in goals:
        print(f"  goal: {text}: {'met' if met else 'NOT met'}")

    print("\nresolution of the reported temperature (telemetry at 1 line/s, 2000 lines, "
          "bead held still)")
    print("   temp    quantisation   sigma 1 read   sigma oversample "
          f"{DEFAULTS['oversample']}   gain   offset (part tolerance)")
    ok = all(met for _, met in goals)
    for t in (25.0, 40.0):
        q = quantisation_step(t)
        s1, _ = reported_sigma(t, 1, seed)
        sn, off = reported_sigma(t, DEFAULTS["oversample"], seed)
        print(f"  {t:5.1f} C  {q:.4f} C/code   {s1:.4f} C      {sn:.4f} C"
              f"{'':13s}{s1 / sn:4.1f}x  {off:+.3f} C")
        ok &= sn <= 0.05
    print(f"\nall goals met: {ok}")
    return ok


# A harder plant for the same gains: the bead six times slower (buried in a thermal
# mass) and a body with a third of the heat capacity, so the sensor lags far more.
SLUGGISH = PlantParams(bead_tau_s=60.0, body_c_per_j=1 / 100.0)


def tune(seed: int) -> None:
    """PID gains on this plant: steady sigma, ambient step and pinch, per gain set;
    sigma on SLUGGISH, where gains with too short an integral time oscillate; and the
    varying load, where the fan may stop and start."""
    print(f"PID gains (seed {seed}): settle = within the final band, +/-{SETTLE_TOL_C} C, "
          "for good; sluggish = bead tau 60 s, body 100 J/K")
    print(f"  {'kp':>5s} {'ki':>5s}   sigma    step settle  over    pinch settle  dip    "
          "sigma sluggish   load: sigma  starts/h")
    for kp in (25.0, 50.0, 100.0, 150.0):
        for ki in (0.5, 1.0, 2.0, 4.0):
            g = {"pid_kp": kp, "pid_ki": ki}
            st = steady("pid", seed, 0.5, g)
            sp = ambient_step("pid", seed, st, g)
            pn = pinch("pid", seed, st, g)
            slow = steady("pid", seed, 0.5, g, SLUGGISH)
            ld = varying_load("pid", seed, g)
            print(f"  {kp:5g} {ki:5g}   {st.sigma:.4f}  {s_(sp.settle_ms):>10s}  "
                  f"{sp.hi:+.2f}  {s_(pn.settle_ms):>10s}  {pn.lo:+.2f}   {slow.sigma:.4f}"
                  f"           {ld.sigma:.4f}  {ld.starts_per_h:8.0f}", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--tune"]:
        tune(int(args[1]) if len(args) > 1 else 1)
    else:
        sys.exit(0 if main(int(args[0]) if args else 1,
                           float(args[1]) if len(args) > 1 else 1.0) else 1)
