"""Link events as a person reads them: one home for the words `picofan log`
prints, the monitor's messages panel shows and both write to the events log."""

from __future__ import annotations

from typing import Any, TypeGuard

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
from picofan.logger import CsvLog


def describe(event: Event) -> str | None:
    """One line for a person watching the stream (None: nothing to say)."""
    if isinstance(event, Connected):
        gap = f" after {event.gap_s:.1f} s away" if event.gap_s is not None else ""
        return f"connected to {event.port}{gap}"
    if isinstance(event, Disconnected):
        return f"disconnected from {event.port} ({event.reason}); retrying"
    if isinstance(event, Noise):
        return noise_text(event.line)
    if isinstance(event, Rebooted | NotRebooted | LinesLost):
        return event.text
    if isinstance(event, Received):
        m = event.message.data
        kind = event.message.type
        if kind == "tele":
            return telemetry_line(event)
        if kind == "hello":
            return f"hello: firmware {m['fw']} on {m['board']}" + (
                f" (warning: {m['warning']})" if m["warning"] else "")
        if kind == "log":
            return f"device {m['level']}: {m['msg']}"
        if kind == "error":  # a reply nobody waited for
            return f"device error: {m['msg']} ({m['code']})"
        return f"device {kind}: {m}"
    return None


def telemetry_line(event: Received) -> str:
    m = event.message.data
    half = m["hysteresis"] / 2
    temp = "  --.---" if m["temp"] is None else f"{m['temp']:8.3f}"
    fault = f"  FAULT {m['fault']}" if m["fault"] else ""
    return (f"{event.at:%H:%M:%S} {temp} °C  fan {'ON ' if m['fan'] else 'off'}  "
            f"on≥{m['setpoint'] + half:.2f} off≤{m['setpoint'] - half:.2f}  "
            f"{m['mode']}{fault}")


def is_telemetry(event: Event) -> TypeGuard[Received]:
    return isinstance(event, Received) and event.message.type == "tele"


class Narrator:
    """describe(), once per thing that happened. A board that has just started
    sends a hello and the host asks for another on connecting: a hello that
    repeats the last one (same boot, same news) says nothing new. The board also
    logs its hello's warning (a missing settings file) at start: said once."""

    def __init__(self) -> None:
        self._last_hello: dict[str, Any] | None = None
        self._warning: str | None = None  # said with a hello, not yet logged

    def describe(self, event: Event) -> str | None:
        if isinstance(event, Received):
            m = event.message.data
            if event.message.type == "hello":
                news = {k: v for k, v in m.items() if k not in ("id", "reset")}
                if news == self._last_hello:
                    return None
                self._last_hello, self._warning = news, m["warning"]
            elif event.message.type == "log" and m["msg"] == self._warning:
                self._warning = None
                return None
        return describe(event)


def record(log: CsvLog, event: Event, text: str | None) -> None:
    """Telemetry into the CSV; anything else worth a line into the events log."""
    if is_telemetry(event):
        log.telemetry(event.at, event.message.data)
    elif text is not None:
        log.event(event.at, type(event).__name__, text)
