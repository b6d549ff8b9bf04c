"""Reading the device's lines on the host: parse, validate, classify.

The message names, fields and types come from the firmware's own definition
(fanctl.protocol, fanctl.settings); this module only interprets them."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from typing import Any

from fanctl import protocol as wire
from fanctl import settings as wire_settings

MAX_LINE = 64 * 1024  # a device line longer than this is noise, not a message


@dataclass(frozen=True)
class Message:
    """A valid protocol message from the device."""

    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class DeviceText:
    """A line that is not a protocol message: a banner, a traceback, a stray
    print, or a message that failed validation (`reason` says why)."""

    text: str
    reason: str


_TYPES: dict[str, tuple[type, ...]] = {"i": (int,), "f": (int, float), "b": (bool,),
                                       "s": (str,), "o": (dict,), "x": (int, str)}
# Each message's fields as (name, accepted types, may be null, must be finite), from the wire spec.
_SPEC = {kind: [(name, _TYPES[code.rstrip("?")], code.endswith("?"), code.startswith("f"))
                for name, code in fields]
         for kind, fields in wire.MESSAGES.items()}


def validate(msg: dict[str, Any]) -> str | None:
    """Why msg is not a valid device message, or None."""
    kind = msg.get("type")
    if kind not in wire.MESSAGES:
        return f"unknown message type {kind!r}"
    for name, types, nullable, finite in _SPEC[kind]:
        if name not in msg:
            return f"{kind} without {name!r}"
        v = msg[name]
        if v is None:
            if not nullable:
                return f"{kind}.{name} may not be null"
        elif type(v) not in types or (finite and not math.isfinite(v)):
            return f"{kind}.{name} has a bad value {v!r}"
    if kind == "tele":
        why = _band_problem(msg["setpoint"], msg["hysteresis"], msg["mode"])
        if why:
            return why
        if msg["fault"] is not None and msg["fault"] not in wire.FAULTS:
            return f"tele.fault {msg['fault']!r} is not a known fault"
        if msg["fault"] is None and msg["temp"] is None:
            return "tele without temp and without a fault"
    if kind == "log" and msg["level"] not in wire.LEVELS:
        return f"log.level {msg['level']!r} is not a known level"
    if isinstance(msg.get("settings"), dict):
        for name, value in msg["settings"].items():
            try:
                wire_settings.check_value(name, value)
            except wire_settings.Invalid as e:
                return f"{kind}.settings: {e.args[1]}"
    return None


@functools.lru_cache(maxsize=64)
def _band_problem(setpoint: float, hysteresis: float, mode: str) -> str | None:
    # Telemetry repeats the same band line after line: check each band once.
    for name, v in (("setpoint", setpoint), ("hysteresis", hysteresis), ("mode", mode)):
        try:
            wire_settings.check_value(name, v)
        except wire_settings.Invalid as e:
            return f"tele.{name}: {e.args[1]}"
    return None


def parse_line(raw: bytes) -> Message | DeviceText:
    """One line from the device (line end optional) -> a message or device text."""
    text = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
    if len(raw) > MAX_LINE:
        return DeviceText(text[:200] + "…", "line too long")
    if not text.startswith("{"):
        return DeviceText(text, "not a message")
    try:
        msg = _DECODER.decode(text)
    except ValueError as e:
        return DeviceText(text, f"not JSON ({e})")
    if type(msg) is not dict:
        return DeviceText(text, "not a JSON object")
    why = validate(msg)
    if why:
        return DeviceText(text, why)
    return Message(msg["type"], msg)


def _refuse(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_refuse)  # one decoder: building one costs a µs


def encode_command(cmd: str, cmd_id: int | str | None = None, **fields: Any) -> bytes:
    """A command line for the device, checked by the firmware's own rules first
    (raises ValueError with the device's own message)."""
    return wire.encode_command(cmd, cmd_id, **fields).encode() + b"\n"
