"""The fan: on or off, its duty (and kick-start), its rpm with a sparkline of the
plot's window, and a stall said in the panel itself."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fanctl.faults import STALL
from picofan.monitor.state import MonitorState, Point, duty_of

BARS = "▁▂▃▄▅▆▇█"
NO_TACH = "rpm —"


def sparkline(values: Sequence[int | None], width: int) -> str:
    """`values` (oldest first) in at most `width` bars, each the highest value of its
    share, on a scale from 0 to the highest of all: full bars hold steady at the
    peak; a share with nothing turning (0, or no reading) is a space."""
    n = len(values)
    width = min(width, n)
    peaks = [max((v for v in values[n * i // width:n * (i + 1) // width] if v is not None),
                 default=0) for i in range(width)]
    top = max(peaks, default=0)
    return "".join(BARS[-(-p * len(BARS) // top) - 1] if p > 0 else " " for p in peaks)


def duty_text(state: MonitorState) -> str:
    tele = state.tele
    if tele is None:
        return ""
    duty = duty_of(tele)
    return f"kick-start {duty:.0f} %" if state.kick_start() else f"duty {duty:.0f} %"


def rpm_text(tele: dict[str, object] | None) -> str:
    if tele is None:
        return ""
    rpm = tele.get("rpm")
    if tele["fault"] == STALL:
        return f"STALLED · {rpm if rpm is not None else 0} rpm"
    return NO_TACH if rpm is None else f"{rpm} rpm"


class FanPanel(Vertical):
    """FAN ON / fan off, the duty, the rpm; loud while the fan is stalled."""

    def compose(self) -> ComposeResult:
        yield Static("fan  ?", id="fan-state")
        yield Static("", id="fan-duty")
        yield Static("", id="fan-rpm")
        yield Static("", id="rpm-trend")

    def show(self, state: MonitorState, window: list[Point]) -> None:
        tele = state.tele
        on = bool(tele and tele["fan"])
        self.query_one("#fan-state", Static).update(
            "■ FAN ON" if on else "□ fan off" if tele else "fan  ?")
        self.set_class(on, "on")
        self.set_class(bool(tele) and not on, "off")
        self.set_class(bool(tele and tele["fault"] == STALL), "stalled")
        self.query_one("#fan-duty", Static).update(duty_text(state))
        self.query_one("#fan-rpm", Static).update(rpm_text(tele))
        trend = self.query_one("#rpm-trend", Static)
        rpms = [p.rpm for p in window]
        trend.display = any(r is not None for r in rpms)
        if trend.display:
            trend.update(sparkline(rpms, trend.content_size.width or 16))
