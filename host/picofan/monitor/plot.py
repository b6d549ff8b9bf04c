"""Temperature over time, with the temperatures that steer the fan (the ON/OFF
thresholds, the curve's ends or the PID's setpoint), and the fan's duty on the
right-hand axis."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

from picofan.monitor.state import GUIDES, Point

WINDOW_NAMES = {60: "1 min", 600: "10 min", 3600: "1 h"}
NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)  # tick steps, times a power of ten
ROWS_PER_TICK = 2  # a temperature label on every other row of a tall chart...
LABEL_EVERY_ROW_BELOW = 10  # ...and on every row of a short one (a finer scale)
EDGE_ROWS = 5  # the plot's rows that are not the chart: title, frame, x labels


def nice_step(least: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n that is at least `least`."""
    power = 10.0 ** math.floor(math.log10(max(least, 1e-6)))
    return next(m * power for m in NICE_STEPS if m * power >= least * (1 - 1e-9))


def even_ticks(lo: float, hi: float, rows: int) -> tuple[float, float, list[float], list[str]]:
    """A y axis holding lo..hi on a chart `rows` rows tall: (low, high, ticks,
    labels), a tick every ROWS_PER_TICK rows exactly (plotext rounds a value to
    its row: only whole rows apart look even) at a round step, every label
    with the same decimals."""
    per_tick = ROWS_PER_TICK if rows >= LABEL_EVERY_ROW_BELOW else 1
    steps = max(rows - 1, 1) / per_tick  # the steps the chart holds (maybe not whole)
    step = nice_step((hi - lo) / steps)
    while True:
        low = round(math.floor(lo / step + 1e-9) * step, 9)  # (no 29.900000000000002)
        high = low + step * steps
        if high >= hi - 1e-9:
            break
        step = nice_step(step * 1.001)
    ticks = [round(low + i * step, 9) for i in range(int(steps + 1e-9) + 1)]
    decimals = _decimals(step)
    return low, high, ticks, [f"{t:.{decimals}f}" for t in ticks]


def duty_ticks(rows: int) -> list[float]:
    """0 and 100 %, and 50 where it falls on a whole row of a chart `rows` tall."""
    return [0.0, 50.0, 100.0] if (rows - 1) % 2 == 0 else [0.0, 100.0]


def _decimals(step: float) -> int:
    """Decimals that print every multiple of `step` exactly (0.25 -> 2, 0.5 -> 1, 2 -> 0)."""
    for decimals in range(6):
        if abs(round(step, decimals) - step) < 1e-9:
            return decimals
    return 6


class TempPlot(PlotextPlot):
    def draw(self, points: list[Point], span_s: int, paused: bool) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        state = "  (paused)" if paused else ""
        plt.title(f"temperature, last {WINDOW_NAMES.get(span_s, f'{span_s} s')}{state}")
        plt.xlabel("seconds ago")
        plt.xlim(-span_s, 0)
        now = points[-1].t if points else 0.0
        temps = [(p.t - now, p.temp) for p in points if p.temp is not None]
        if not temps:
            self.refresh()
            return
        xs = [x for x, _ in temps]
        ys = [y for _, y in temps]
        lo = min(min(ys), min(p.off_at for p in points)) - 0.5
        hi = max(max(ys), max(p.on_at for p in points)) + 0.5
        lo, hi, ticks, labels = even_ticks(lo, hi, self.size.height - EDGE_ROWS)
        plt.ylim(lo, hi)
        plt.yticks(ticks, labels)
        all_x = [p.t - now for p in points]
        upper, lower = GUIDES.get(points[-1].control, GUIDES["hysteresis"])
        plt.plot(all_x, [p.on_at for p in points], color="red", marker="dot", label=upper)
        if lower:
            plt.plot(all_x, [p.off_at for p in points], color="blue", marker="dot",
                     label=lower)
        plt.plot(xs, ys, color="green", marker="braille", label="°C")
        # The duty on its own axis, 0..100 %: a switched fan's is a square wave.
        plt.plot(all_x, [p.duty for p in points], color="orange", marker="braille",
                 label="duty %", yside="right")
        # (2: the right-hand axis; the stubs type these two sides as numbers)
        plt.ylim(0, 100, yside=2)
        ticks = duty_ticks(self.size.height - EDGE_ROWS)
        plt.yticks(ticks, [f"{t:.0f}" for t in ticks], yside=2)
        self.refresh()
