"""Setpoint round trip over the virtual Pico's pty at real time: command sent ->
ack received -> first telemetry showing the new band. Median and p99.

    .venv/bin/python benchmarks/setpoint_rtt.py [PUSHES]
"""

from __future__ import annotations

import statistics
import sys
import time

from picofan.client import Device, Received
from picofan.sim.process import SimProcess


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> None:
    pushes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    acks: list[float] = []
    shown: list[float] = []
    with SimProcess(speed=1.0) as sim, Device(sim.port) as dev:
        for i in range(pushes):
            target = 25.0 + (i % 10) * 0.5
            dev.poll_events()
            t0 = time.perf_counter()
            dev.request("set", setpoint=target)
            acks.append((time.perf_counter() - t0) * 1000)
            for event in dev.events(timeout=3):
                if (isinstance(event, Received) and event.message.type == "tele"
                        and event.message.data["setpoint"] == target):
                    shown.append((time.perf_counter() - t0) * 1000)
                    break
    print(f"setpoint round trip over the virtual Pico's pty, real time, {pushes} pushes")
    for name, v in (("command -> ack", acks), ("command -> telemetry with new band", shown)):
        print(f"  {name:36s} median {statistics.median(v):6.2f} ms   p99 {pct(v, 99):6.2f} ms"
              f"   max {max(v):6.2f} ms")
    print(f"  goal p99 < 50 ms: {'met' if pct(shown, 99) < 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
