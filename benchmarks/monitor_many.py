"""`picofan monitor --all` with many boards: 10 virtual Picos, each sending 10
telemetry lines a second (interval_ms 100), found by the real discovery (they
register in a runtime folder of the benchmark's own); the Textual app headless
(it still lays out and renders every frame). First the table of boards, then
the full view of one of them (Enter). Prints, per stretch of time, this
process's CPU, the age of the newest reading at each redraw (the oldest board's:
the worst one), and the unread events (a growing backlog would show as ages and
counts that climb from one stretch to the next).

    .venv/bin/python benchmarks/monitor_many.py [BOARDS] [SECONDS_PER_VIEW]
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time

from picofan import ports
from picofan.monitor.many import AllBoardsApp

INTERVAL_MS = 100
STRETCH_S = 10.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[int(p * (len(ordered) - 1))]


async def run(boards: int, seconds: float) -> None:
    from picofan.sim.process import SimProcess  # (after the runtime folder is set)

    with contextlib.ExitStack() as stack:
        sims = [stack.enter_context(SimProcess(seed=seed)) for seed in range(1, boards + 1)]
        app = AllBoardsApp(ports.board_ports)
        ages: list[float] = []  # ms, the stalest board's newest reading, at each redraw
        backlog: list[int] = []
        plain_redraw = app.redraw

        def measured_redraw() -> None:
            waiting = sum(len(b.inbox) + b.device._events.qsize()  # type: ignore[attr-defined]
                          for b in app.boards)
            plain_redraw()
            newest = [b.state.newest_at for b in app.boards]
            if len(newest) == boards and all(newest):
                backlog.append(waiting)
                ages.append((time.time() - min(newest)) * 1000)

        app.redraw = measured_redraw  # type: ignore[method-assign]
        async with app.run_test(size=(110, 36)) as pilot:
            while len(app.boards) < boards or not all(b.state.settings for b in app.boards):
                await pilot.pause(0.2)
            for board in app.boards:
                board.device.request("set", interval_ms=INTERVAL_MS)
            await pilot.pause(2.0)  # settle
            print(f"monitor --all with {len(sims)} virtual Picos at "
                  f"{1000 // INTERVAL_MS} lines/s each (headless Textual, real time, "
                  f"{os.cpu_count()} cores)")
            print("  view         from-to s  lines/s  CPU %  newest age ms: median  p99   max"
                  "  unread max")
            t_start = time.monotonic()
            for view in ("table", "full view"):
                if view == "full view":
                    await pilot.press("enter")
                    await pilot.pause(1.0)
                for _ in range(int(seconds // STRETCH_S)):
                    ages.clear()
                    backlog.clear()
                    lines0 = sum(b.state.lines for b in app.boards)
                    cpu0, t0 = time.process_time(), time.monotonic()
                    await asyncio.sleep(STRETCH_S)
                    cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
                    lines = sum(b.state.lines for b in app.boards) - lines0
                    print(f"  {view:10} {t0 - t_start:5.0f}-{t0 + wall - t_start:<4.0f} "
                          f"{lines / wall:7.1f} {100 * cpu / wall:6.1f}  "
                          f"{statistics.median(ages):18.0f} {percentile(ages, 0.99):5.0f} "
                          f"{max(ages):5.0f} {max(backlog):7d}")
        app.close_boards()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    span = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    with tempfile.TemporaryDirectory(prefix="picofan-bench-") as runtime:
        # Only the benchmark's own virtual Picos: none a person left running.
        os.environ[ports.RUNTIME_DIR_ENV] = runtime
        asyncio.run(run(count, span))
