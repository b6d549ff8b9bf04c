"""The big numbers: the temperature, and its trend."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from picofan.monitor.state import MonitorState, reading_fault


def trend_text(per_min: float | None, fault: bool = False) -> str:
    if fault:
        return "trend  – (sensor fault)"
    if per_min is None:
        return "trend  …"
    arrow = "↑" if per_min > 0.05 else "↓" if per_min < -0.05 else "→"
    return f"trend {arrow} {per_min:+.2f} °C/min"


class Readout(Vertical):
    """Temperature in large digits, and its trend."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="temp-row"):
            yield Digits("--.--", id="temp")
            yield Static("°C", id="unit")
        yield Static("trend  …", id="trend")

    def show(self, state: MonitorState) -> None:
        tele = state.tele
        temp = "--.--" if tele is None or tele["temp"] is None else f"{tele['temp']:.2f}"
        self.query_one("#temp", Digits).update(temp)
        fault = bool(tele and reading_fault(tele["fault"]))
        self.query_one("#trend", Static).update(trend_text(state.trend(), fault))
