"""Endurance: a simulated day on the virtual Pico as fast as it runs (speed 0),
through its real pty, with the host's Device client and CSV logger; then the
firmware's heap over the same day under MicroPython (WebAssembly).

The day: the heat load changes every 20 min (8 / 10 / 12 W), a 30 s pinch every
7 min, a setpoint push from the host every 3 min (29 / 30 / 31 C), the USB cable
pulled for 2 s every hour (a reconnect). Checked: every telemetry line the
virtual Pico delivered is in the CSV exactly once (count, distinct ms, ms sum
against the simulator's own tally), no exception anywhere (no firmware error log,
no 'error' fault, no stray text, an empty simulator stderr, no host thread died),
the host's memory (RSS) per simulated hour, the firmware heap after a collection.

    .venv/bin/python benchmarks/endurance.py [HOURS] [--no-heap]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks/rigs"))  # the rigs the tests use too

from endurance_day import audit, exactly_once, run_day, sent  # noqa: E402
from micropython_wasm import firmware_heap as wasm_heap  # noqa: E402


def firmware_heap(hours: float) -> dict[str, Any]:
    return wasm_heap(int(hours * 36_000), script="mp_endurance.py", marks=max(1, round(hours)))


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    hours = float(args[0]) if args else 24.0
    day = run_day(hours)
    s = day.sim
    print(f"endurance: {hours:g} simulated hours on the virtual Pico (speed 0, real pty), "
          f"host Device + CsvLog, in {day.seconds:.0f} s wall ({hours * 3600 / day.seconds:.0f}x)")
    n, _ = sent(day)
    a = audit(day)
    print(f"  CSV rows {day.csv_rows} over {len(day.segments)} boots: duplicates "
          f"{a['duplicates']}, holes while connected {a['holes']}, lines sent before the "
          f"host (re)opened the port {a['lost_at_connect']} -> exactly once: {exactly_once(day)}")
    print(f"  telemetry lines the sim put into the port: {n}")
    print(f"  bytes the USB port dropped (none holding it open, or full): "
          f"{s.get('dropped_bytes')}; boots {s.get('boots')}, host reconnects "
          f"{day.connects - 1}, disconnects {day.disconnects}")
    print(f"  line fragments right after (re)opening the port: {day.cut_at_connect}")
    print(f"  setpoint pushes acked {day.pushes}, lost to a reconnect {day.pushes_lost}")
    rss = day.rss
    if rss:
        after1 = [kb for h, kb in rss if h >= 1] or [rss[0][1]]
        print(f"  host RSS: start {rss[0][1] / 1024:.1f} MB, after hour 1 "
              f"{after1[0] / 1024:.1f} MB,"
              f" end {rss[-1][1] / 1024:.1f} MB, max {max(kb for _, kb in rss) / 1024:.1f} MB"
              f" (growth hour 1 -> end {(rss[-1][1] - after1[0]) / 1024:+.1f} MB)")
    print(f"  problems (exceptions, error logs, stray text): {len(day.problems)}")
    for p in day.problems[:10]:
        print(f"    {p}")
    if "--no-heap" not in sys.argv:
        m = firmware_heap(hours)
        heap = m["heap"]
        print(f"firmware heap under MicroPython, the same day ({int(hours * 36_000)} samples: "
              "heat cycles, pinches, setpoint pushes, faults, a reboot every hour)")
        print("  heap in use after a collection, by hour: " + " ".join(
            f"{used}" for _, used in heap))
        print(f"  growth first -> last {heap[-1][1] - heap[0][1]:+d} bytes; telemetry lines "
              f"{m['lines']}, fan switches {m['switches']}")


if __name__ == "__main__":
    main()
