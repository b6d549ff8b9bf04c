"""What the monitor knows about the device, built from link events alone:
the widgets draw this, never what the user typed. Plain Python (no Textual),
so it is tested on its own and costs nothing per line beyond a few appends."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fanctl.control import thresholds
from fanctl.faults import STALL
from picofan.client import Connected, Disconnected, Event, Rebooted, Received
from picofan.monitor.faults import FaultNotes
from picofan.narrate import Narrator, is_telemetry

WINDOWS_S = (60, 600, 3600)  # the plot's selectable spans: 1 min, 10 min, 1 h
TREND_S = 30.0  # the trend arrow compares now with this long ago
MAX_MESSAGES = 500


@dataclass(frozen=True)
class Point:
    t: float  # device clock, seconds (the same at any simulator speed)
    temp: float | None
    fan: bool
    off_at: float  # the guides (see guides()): the lower...
    on_at: float  # ...and the upper temperature
    fault: str | None = None
    duty: float = 0.0  # percent, as driven
    rpm: int | None = None  # None: no tach
    control: str = "hysteresis"  # how auto mode picked the duty then


# The guides' labels (upper, lower) under each control; pid draws one line.
GUIDES = {"hysteresis": ("fan on ≥", "fan off ≤"), "curve": ("100 % at", "0 % at"),
          "pid": ("setpoint", None)}


def control_of(settings: dict[str, Any] | None) -> str:
    """The control in force ("hysteresis" when the board has not said: a replay)."""
    return str(settings.get("control", "hysteresis")) if settings else "hysteresis"


def guides(tele: dict[str, Any], settings: dict[str, Any] | None) -> tuple[float, float]:
    """The two temperatures that steer the fan under the control in force, low and
    high: hysteresis, its off and on thresholds; curve, where the demand is 0 % and
    100 %; pid, the setpoint (twice: one line)."""
    control = control_of(settings)
    if control == "curve" and settings:
        return float(settings["curve_low"]), float(settings["curve_high"])
    if control == "pid":
        return float(tele["setpoint"]), float(tele["setpoint"])
    off_at, on_at = thresholds(tele)
    return float(off_at), float(on_at)


def reading_fault(fault: str | None) -> bool:
    """True for a fault that makes the temperature untrustworthy: every one but a
    stalled fan (its thermistor reads on as well as ever)."""
    return fault is not None and fault != STALL


def duty_of(tele: dict[str, Any]) -> float:
    """The duty a reading reports (a log written before protocol 4 has none: its
    switched fan ran at 100 % or 0 %)."""
    duty = tele.get("duty")
    return float(duty) if duty is not None else 100.0 if tele["fan"] else 0.0


@dataclass
class MonitorState:
    connected: bool = False
    port: str = ""
    hello: dict[str, Any] | None = None
    tele: dict[str, Any] | None = None
    settings: dict[str, Any] | None = None
    # One point per second at most, one hour long: bounded however long it runs.
    history: deque[Point] = field(default_factory=lambda: deque(maxlen=WINDOWS_S[-1] + 60))
    messages: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_MESSAGES))
    notes_total: int = 0  # messages ever noted (the deque keeps the last MAX_MESSAGES)
    lines: int = 0
    reboots: int = 0
    newest_at: float = 0.0  # when the newest telemetry line was read off the port (epoch s)
    narrator: Narrator = field(default_factory=Narrator)  # the messages' words
    faults: FaultNotes = field(default_factory=FaultNotes)  # faults starting and ending

    def apply(self, event: Event, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if isinstance(event, Connected):
            self.connected, self.port = True, event.port
        elif isinstance(event, Disconnected):
            self.connected = False
        elif isinstance(event, Rebooted):
            self.reboots += 1
            self.history.clear()  # its clock starts again at 0
        elif isinstance(event, Received):
            self._message(event, now)
        if not is_telemetry(event) and (text := self.narrator.describe(event)):
            self.note(event, text)

    def _message(self, event: Received, now: float) -> None:
        kind, m = event.message.type, event.message.data
        if kind == "tele":
            for text in self.faults.lines(self.tele, m, event.at):
                self.note(event, text)
            self.tele = m
            self.lines += 1
            self.newest_at = event.at.timestamp()
            # A replay's reading carries the settings its log recorded beside it.
            settings = m.get("settings", self.settings)
            low, high = guides(m, settings)
            point = Point(m["ms"] / 1000, m["temp"], m["fan"], low, high, m["fault"],
                          duty_of(m), m.get("rpm"), control_of(settings))
            if self.history and point.t < self.history[-1].t:
                self.history.clear()  # the clock went back in one boot: its 12.4-day wrap
            if self.history and point.t - self.history[-1].t < 1.0:
                self.history[-1] = point  # keep the newest within each second
            else:
                self.history.append(point)
        elif kind == "hello":  # (restarts: from the boot id, see Rebooted)
            self.hello = m
            self.settings = m["settings"]
        elif kind == "ack" and "settings" in m:
            self.settings = m["settings"]

    def note(self, event: Event, text: str) -> None:
        self.messages.append(f"{event.at:%H:%M:%S} {text}")
        self.notes_total += 1

    def acked(self, reply: dict[str, Any]) -> None:
        if "settings" in reply:
            self.settings = reply["settings"]

    def kick_start(self) -> bool:
        """True while a kick-start drives the fan at full power, as the board says
        (tele.kick; a log from before protocol 6 reads as none)."""
        return bool(self.tele and self.tele["kick"])

    def trend(self) -> float | None:
        """°C per minute over the last TREND_S seconds, or None: from good
        readings since the last sensor fault only (none during one)."""
        last = self.history[-1] if self.history else None
        if last is None or last.temp is None or reading_fault(last.fault):
            return None
        past = last
        for p in reversed(self.history):
            if p.temp is None or reading_fault(p.fault) or last.t - p.t > TREND_S:
                break
            past = p
        if last.t - past.t < 2.0:
            return None
        assert past.temp is not None
        return (last.temp - past.temp) / (last.t - past.t) * 60

    def window(self, span_s: float) -> list[Point]:
        """The points of the last span_s seconds of device time."""
        if not self.history:
            return []
        end = self.history[-1].t
        return [p for p in self.history if end - p.t <= span_s]
