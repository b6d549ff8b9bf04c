"""The monitor under load: 50 telemetry lines a second from the virtual Pico,
the Textual app running headless (it still lays out and renders every frame).
Prints the host process's CPU, redraws per second, the age of the newest
reading on screen at each redraw, and the largest backlog of unread events.

    .venv/bin/python benchmarks/monitor_load.py [SECONDS]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from picofan.client import Device
from picofan.monitor.app import MonitorApp
from picofan.sim.process import SimProcess


async def run(seconds: float) -> None:
    with SimProcess(speed=1.0) as sim:
        dev = Device(sim.port).start()
        dev.request("set", sample_ms=20, interval_ms=20)  # 50 lines/s
        app = MonitorApp(dev, sim=sim)
        ages: list[float] = []
        backlog: list[int] = []
        plain_redraw = app.redraw

        def measured_redraw() -> None:
            backlog.append(dev._events.qsize())
            plain_redraw()
            if app.state.newest_at:
                ages.append((time.time() - app.state.newest_at) * 1000)

        app.redraw = measured_redraw  # type: ignore[method-assign]
        async with app.run_test(size=(110, 36)) as pilot:
            await pilot.pause(2.0)  # settle
            lines0, redraws0 = app.state.lines, app.redraws
            cpu0, t0 = time.process_time(), time.monotonic()
            ages.clear()
            backlog.clear()
            await asyncio.sleep(seconds)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
            lines, redraws = app.state.lines - lines0, app.redraws - redraws0
        dev.close()
    ages.sort()
    print(f"monitor under load for {wall:.0f} s (headless Textual, virtual Pico at real time)")
    print(f"  telemetry received   {lines / wall:6.1f} lines/s")
    print(f"  redraws              {redraws / wall:6.1f} /s (timer, not per line)")
    print(f"  CPU of this process  {100 * cpu / wall:6.1f} % of one core "
          "(reader thread, parsing, CSV, layout and render)")
    print(f"  newest reading's age on screen: median {statistics.median(ages):.0f} ms, "
          f"p99 {ages[int(0.99 * (len(ages) - 1))]:.0f} ms, max {ages[-1]:.0f} ms")
    print(f"  unread events at a redraw: max {max(backlog)}, last {backlog[-1]} "
          "(a growing backlog would show here)")


if __name__ == "__main__":
    asyncio.run(run(float(sys.argv[1]) if len(sys.argv) > 1 else 30.0))
