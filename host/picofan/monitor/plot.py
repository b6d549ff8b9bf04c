"""Temperature over time, with the ON/OFF thresholds and the fan's ON periods."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from picofan.monitor.state import Point

WINDOW_NAMES = {60: "1 min", 600: "10 min", 3600: "1 h"}


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
        plt.ylim(lo, hi)
        all_x = [p.t - now for p in points]
        plt.plot(all_x, [p.on_at for p in points], color="red", marker="dot", label="fan on ≥")
        plt.plot(all_x, [p.off_at for p in points], color="blue", marker="dot",
                 label="fan off ≤")
        on = [(p.t - now) for p in points if p.fan]
        if on:
            plt.scatter(on, [lo + 0.1] * len(on), color="orange", marker="▄", label="fan ON")
        plt.plot(xs, ys, color="green", marker="braille", label="°C")
        self.refresh()
