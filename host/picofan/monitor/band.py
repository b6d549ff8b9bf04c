"""Setpoint, thresholds, mode, and a fault banner that cannot be missed."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fanctl.control import thresholds
from picofan.monitor.state import MonitorState
from picofan.spec import wire


def band_text(tele: dict[str, Any]) -> str:
    """The setpoint, and what switches the fan: the band in mode auto, the mode
    itself in mode on or off (there the thresholds switch nothing)."""
    setpoint = f"setpoint {tele['setpoint']:.2f} °C ± {tele['hysteresis'] / 2:.2f}"
    mode = tele["mode"]
    if mode != "auto":
        return f"{setpoint}\nfan held {mode}: mode {mode}"
    off_at, on_at = thresholds(tele)
    return f"{setpoint}\nfan ON at ≥ {on_at:.2f} °C\nfan OFF at ≤ {off_at:.2f} °C\nmode auto"


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
        band.update(band_text(tele))
        fault.display = tele["fault"] is not None
        if tele["fault"]:
            words = wire.FAULTS.get(tele["fault"], tele["fault"])
            fault.update(f"⚠ FAULT: {words}; fan ON")
