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
from picofan.protocol import OUTDATED
from picofan.spec import wire


def describe(event: Event) -> str | None:
    """One line for a person watching the stream (None: nothing to say)."""
    if isinstance(event, Connected):
        gap = f" after {event.gap_s:.1f} s away" if event.gap_s is not None else ""
        return f"connected to {event.port}{gap}"
    if isinstance(event, Disconnected):
        return f"disconnected from {event.port} ({event.reason}); retrying"
    if isinstance(event, Noise):
        return OUTDATED if event.line.outdated else noise_text(event.line)
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
    # The duty as driven (a switched fan's is 0 or 100 %), and the tach's rpm when it has one.
    rpm = "" if m["rpm"] is None else f" {m['rpm']:5d} rpm"
    fault = f"  FAULT {m['fault']}" if m["fault"] else ""
    return (f"{event.at:%H:%M:%S} {temp} °C  fan {'ON ' if m['fan'] else 'off'} "
            f"{m['duty']:3.0f} %{rpm}  "
            f"on≥{m['setpoint'] + half:.2f} off≤{m['setpoint'] - half:.2f}  "
            f"{m['mode']}{fault}")


def fault_change(before: dict[str, Any] | None, now: dict[str, Any]) -> str | None:
    """A fault starting or ending between two readings (before: None at the first), in
    words for the events log; None when nothing changed."""
    was = before["fault"] if before else None
    fault = now["fault"]
    if fault == was:
        return None
    if fault is None:
        return f"fault over ({was}): back to normal control"
    words = wire.FAULTS.get(fault, fault)
    return f"fault {fault}: {words}; the fan driven at full power"


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
        self._said_outdated = False  # (older firmware: said once per connection)

    def describe(self, event: Event) -> str | None:
        if isinstance(event, Connected):
            self._said_outdated = False
        elif isinstance(event, Noise) and event.line.outdated:
            if self._said_outdated:
                return None
            self._said_outdated = True
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
