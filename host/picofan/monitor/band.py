"""Setpoint, thresholds, mode, and a fault banner that cannot be missed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fanctl.control import thresholds
from picofan.monitor.state import MonitorState

FAULT_WORDS = {
    "open": "thermistor OPEN (disconnected?)",
    "short": "thermistor SHORTED",
    "range": "reading outside the plausible range",
    "error": "firmware error (see messages)",
}


class BandPanel(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("", id="band")
        yield Static("", id="fault")

    def show(self, state: MonitorState) -> None:
        tele = state.tele
        band = self.query_one("#band", Static)
        fault = self.query_one("#fault", Static)
        if tele is None:
            band.update("waiting for the first reading…")
            fault.display = False
            return
        off_at, on_at = thresholds(tele)
        band.update(
            f"setpoint {tele['setpoint']:.2f} °C ± {tele['hysteresis'] / 2:.2f}\n"
            f"fan ON at ≥ {on_at:.2f} °C\n"
            f"fan OFF at ≤ {off_at:.2f} °C\n"
            f"mode {tele['mode']}"
        )
        fault.display = tele["fault"] is not None
        if tele["fault"]:
            words = FAULT_WORDS.get(tele["fault"], tele["fault"])
            fault.update(f"⚠ FAULT: {words}; fan ON")
