"""What steers the fan: the setpoint and the control in force (its band, curve or
PID gains, the duty limits), or the mode holding it; and a fault banner that
cannot be missed."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fanctl.control import thresholds
from picofan.monitor.state import MonitorState, control_of, duty_of
from picofan.spec import wire


def band_text(tele: dict[str, Any], settings: dict[str, Any] | None = None) -> str:
    """The setpoint, and what sets the fan: in mode auto the control with its numbers
    (`settings` as the board last reported them; without them, as tele alone tells:
    a hysteresis band), in mode on or off the mode itself (the rest sets nothing)."""
    control = control_of(settings)
    setpoint = f"setpoint {tele['setpoint']:.2f} °C"
    band = f"{setpoint}, band {tele['hysteresis']:.2f}"  # (the band's whole width)
    mode = tele["mode"]
    if mode == "off":
        return f"{band}\nfan held off: mode off"
    if mode == "on":
        at = f" at {duty_of(tele):.0f} %" if settings and settings["output"] == "pwm" else ""
        return f"{band}\nfan held on: mode on{at}"
    limits = ("" if not settings else f"duty {settings['min_duty']:g}–"
              f"{settings['max_duty']:g} %, off < {settings['off_below']:g} %")
    if control == "curve" and settings:
        return (f"0 % at {settings['curve_low']:.2f} °C, rising\n"
                f"to 100 % at {settings['curve_high']:.2f} °C\n{limits}\nmode auto, curve")
    if control == "pid" and settings:
        gains = f"kp {settings['pid_kp']:g} ki {settings['pid_ki']:g} kd {settings['pid_kd']:g}"
        return f"{setpoint} (PID)\n{gains}\n{limits}\nmode auto, pid"
    off_at, on_at = thresholds(tele)
    return f"{band}\nfan ON at ≥ {on_at:.2f} °C\nfan OFF at ≤ {off_at:.2f} °C\nmode auto"


def setpoint_unused(settings: dict[str, Any] | None) -> str | None:
    """Why the setpoint steers nothing under these settings (a curve: its ends do), or
    None."""
    if control_of(settings) == "curve":
        return "control curve ignores the setpoint"  # (its ends steer: curve_low, _high)
    return None


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
        band.update(band_text(tele, state.settings))
        fault.display = tele["fault"] is not None
        if tele["fault"]:
            words = wire.FAULTS.get(tele["fault"], tele["fault"])
            fault.update(f"⚠ FAULT: {words}; fan at 100 %")
