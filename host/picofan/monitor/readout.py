"""The big numbers: temperature with its trend, and the fan, in words and colour."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from picofan.monitor.state import MonitorState


def trend_text(per_min: float | None, fault: bool = False) -> str:
    if fault:
        return "trend  – (sensor fault)"
    if per_min is None:
        return "trend  …"
    arrow = "↑" if per_min > 0.05 else "↓" if per_min < -0.05 else "→"
    return f"trend {arrow} {per_min:+.2f} °C/min"


class Readout(Horizontal):
    """Temperature in large digits, its trend, and FAN ON / fan off."""

    def compose(self) -> ComposeResult:
        with Vertical(id="temp-box"):
            with Horizontal(id="temp-row"):
                yield Digits("--.--", id="temp")
                yield Static("°C", id="unit")
            yield Static("trend  …", id="trend")
        yield Static("fan  ?", id="fan")

    def show(self, state: MonitorState) -> None:
        tele = state.tele
        temp = "--.--" if tele is None or tele["temp"] is None else f"{tele['temp']:.2f}"
        self.query_one("#temp", Digits).update(temp)
        fault = bool(tele and tele["fault"])
        self.query_one("#trend", Static).update(trend_text(state.trend(), fault))
        fan = self.query_one("#fan", Static)
        on = bool(tele and tele["fan"])
        fan.update("■ FAN ON" if on else "□ fan off" if tele else "fan  ?")
        fan.set_class(on, "on")
        fan.set_class(bool(tele) and not on, "off")
