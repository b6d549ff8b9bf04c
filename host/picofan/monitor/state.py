"""What the monitor knows about the device, built from link events alone:
the widgets draw this, never what the user typed. Plain Python (no Textual),
so it is tested on its own and costs nothing per line beyond a few appends."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fanctl.control import thresholds
from picofan.client import (
    Connected,
    Disconnected,
    Event,
    LinesLost,
    Noise,
    NotRebooted,
    Rebooted,
    Received,
    noise_text,
)

WINDOWS_S = (60, 600, 3600)  # the plot's selectable spans: 1 min, 10 min, 1 h
TREND_S = 30.0  # the trend arrow compares now with this long ago
MAX_MESSAGES = 500


@dataclass(frozen=True)
class Point:
    t: float  # device clock, seconds (the same at any simulator speed)
    temp: float | None
    fan: bool
    off_at: float
    on_at: float


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

    def apply(self, event: Event, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if isinstance(event, Connected):
            self.connected, self.port = True, event.port
            gap = f" after {event.gap_s:.1f} s" if event.gap_s is not None else ""
            self.note(event, f"connected to {event.port}{gap}")
        elif isinstance(event, Disconnected):
            self.connected = False
            self.note(event, f"disconnected ({event.reason}); retrying")
        elif isinstance(event, Noise):
            self.note(event, noise_text(event.line))
        elif isinstance(event, Rebooted):
            self.reboots += 1
            self.history.clear()  # its clock starts again at 0
            self.note(event, event.text)
        elif isinstance(event, NotRebooted | LinesLost):
            self.note(event, event.text)
        elif isinstance(event, Received):
            self._message(event, now)

    def _message(self, event: Received, now: float) -> None:
        kind, m = event.message.type, event.message.data
        if kind == "tele":
            self.tele = m
            self.lines += 1
            self.newest_at = event.at.timestamp()
            off_at, on_at = thresholds(m)
            point = Point(m["ms"] / 1000, m["temp"], m["fan"], off_at, on_at)
            if self.history and point.t < self.history[-1].t:
                self.history.clear()  # the clock went back in one boot: its 12.4-day wrap
            if self.history and point.t - self.history[-1].t < 1.0:
                self.history[-1] = point  # keep the newest within each second
            else:
                self.history.append(point)
        elif kind == "hello":  # (restarts: from the boot id, see Rebooted)
            self.hello = m
            self.settings = m["settings"]
            if m.get("warning"):
                self.note(event, f"device warning: {m['warning']}")
        elif kind == "log":
            self.note(event, f"device {m['level']}: {m['msg']}")
        elif kind == "error":  # a reply nobody here waited for: say it
            self.note(event, f"device error: {m['msg']} ({m['code']})")
        elif kind == "ack" and "settings" in m:
            self.settings = m["settings"]

    def note(self, event: Event, text: str) -> None:
        self.messages.append(f"{event.at:%H:%M:%S} {text}")
        self.notes_total += 1

    def acked(self, reply: dict[str, Any]) -> None:
        if "settings" in reply:
            self.settings = reply["settings"]

    def trend(self) -> float | None:
        """°C per minute over the last TREND_S seconds, or None."""
        pts = [p for p in self.history if p.temp is not None]
        if len(pts) < 2:
            return None
        last = pts[-1]
        past = next((p for p in pts if last.t - p.t <= TREND_S), pts[0])
        if last.t - past.t < 2.0:
            return None
        return (last.temp - past.temp) / (last.t - past.t) * 60  # type: ignore[operator]

    def window(self, span_s: float) -> list[Point]:
        """The points of the last span_s seconds of device time."""
        if not self.history:
            return []
        end = self.history[-1].t
        return [p for p in self.history if end - p.t <= span_s]
