"""Reading the device's lines on the host: parse, validate, classify.

The message names, fields and types come from the wire schema (picofan.spec.wire)
and the settings rules from the firmware's own table (fanctl.settings); this module
only interprets them, and builds the commands the host sends."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from typing import Any

import orjson

from fanctl import protocol as device
from fanctl import settings as wire_settings
from fanctl import wifi as wire_wifi
from picofan.spec import wire

MAX_LINE = 64 * 1024  # a device line longer than this is noise, not a message
TOO_LONG = f"a line longer than {MAX_LINE} bytes (dropped: is this a picofan board?)"


@dataclass(frozen=True)
class Message:
    """A valid protocol message from the device."""

    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class DeviceText:
    """A line that is not a protocol message: a banner, a traceback, a stray
    print, or a message that failed validation (`reason` says why). outdated: a
    message of firmware older than this host's protocol (OUTDATED says what to do)."""

    text: str
    reason: str
    outdated: bool = False


# Fields a protocol version added, by message: a message without one is older firmware's,
# not a broken one. (3: the board's uid; 4: the fan's duty and rpm; 5: Wi-Fi; 6: the
# duty asked for and the kick-start.)
ADDED = {("hello", "uid"): 3, ("tele", "duty"): 4, ("tele", "rpm"): 4, ("hello", "wifi"): 5,
         ("tele", "demand"): 6, ("tele", "kick"): 6}
OUTDATED = (f"the board's firmware is older than protocol {device.PROTOCOL_VERSION}, which "
            "this picofan reads: its messages are ignored; update it with `picofan flash`")


_TYPES: dict[str, tuple[type, ...]] = {"i": (int,), "f": (int, float), "b": (bool,),
                                       "s": (str,), "o": (dict,), "x": (int, str)}
# Each message's fields as (name, accepted types, may be null), from the wire spec.
# (The decoder refuses NaN and Infinity already; a saved log's numbers are checked here.)
_SPEC = {kind: tuple((name, _TYPES[code.rstrip("?")], code.endswith("?")) for name, code in fields)
         for kind, fields in wire.MESSAGES.items()}
_MISSING = object()


def outdated(msg: dict[str, Any]) -> str | None:
    """Why msg comes from firmware older than this host's protocol, or None."""
    kind = msg.get("type")
    proto = msg.get("proto")
    if kind == "hello" and type(proto) is int and proto < device.PROTOCOL_VERSION:
        return f"a hello of protocol {proto}"
    for (added_to, name), version in ADDED.items():
        if kind == added_to and name not in msg:
            return f"{kind} without {name!r} (protocol {version})"
    return None


def validate(msg: dict[str, Any]) -> str | None:
    """Why msg is not a valid device message, or None."""
    kind = msg.get("type")
    spec = _SPEC.get(kind) if type(kind) is str else None
    if spec is None:
        return f"unknown message type {kind!r}"
    for name, types, nullable in spec:
        v = msg.get(name, _MISSING)
        if type(v) not in types and not (v is None and nullable):
            return f"{kind} without {name!r}" if v is _MISSING else (
                f"{kind}.{name} has a bad value {v!r}")
        if type(v) is float and not math.isfinite(v):
            return f"{kind}.{name} has a bad value {v!r}"
    if kind == "tele":
        for name, (lo, hi) in wire.TELE_RANGES.items():
            v = msg[name]
            if v is not None and not lo <= v <= hi:
                return f"tele.{name} {v!r} is outside {lo}..{hi}"
        why = _band_problem(msg["setpoint"], msg["hysteresis"], msg["mode"])
        if why:
            return why
        if msg["fault"] is not None and msg["fault"] not in wire.FAULTS:
            return f"tele.fault {msg['fault']!r} is not a known fault"
        if msg["fault"] is None and msg["temp"] is None:
            return "tele without temp and without a fault"
    if isinstance(msg.get("wifi"), dict):
        shown = msg["wifi"]
        for name, code in wire.WIFI_PUBLIC:
            if type(shown.get(name)) not in _TYPES[code]:
                return f"{kind}.wifi.{name} is missing or has a bad value"
        if len(shown) != len(wire.WIFI_PUBLIC):
            return f"{kind}.wifi has unknown fields"
    if kind == "log" and msg["level"] not in wire.LEVELS:
        return f"log.level {msg['level']!r} is not a known level"
    if isinstance(msg.get("settings"), dict):
        for name, value in msg["settings"].items():
            try:
                wire_settings.check_value(name, value)
            except wire_settings.Invalid as e:
                return f"{kind}.settings: {e.msg}"
    return None


@functools.lru_cache(maxsize=64)
def _band_problem(setpoint: float, hysteresis: float, mode: str) -> str | None:
    # Telemetry repeats the same band line after line: check each band once.
    for name, v in (("setpoint", setpoint), ("hysteresis", hysteresis), ("mode", mode)):
        try:
            wire_settings.check_value(name, v)
        except wire_settings.Invalid as e:
            return f"tele.{name}: {e.msg}"
    return None


def parse_line(raw: bytes) -> Message | DeviceText:
    """One line from the device (line end optional) -> a message or device text."""
    if len(raw.rstrip(b"\r\n")) > MAX_LINE:
        return DeviceText(_text(raw[:200]) + "…", TOO_LONG)
    if not raw.startswith(b"{"):
        return DeviceText(_text(raw), "not a message")
    try:
        msg = orjson.loads(raw)  # strict JSON: NaN and Infinity are refused
    except orjson.JSONDecodeError as e:
        return DeviceText(_text(raw), f"not JSON ({e})")
    if type(msg) is not dict:
        return DeviceText(_text(raw), "not a JSON object")
    why = outdated(msg)
    if why:
        return DeviceText(_text(raw), why, outdated=True)
    why = validate(msg)
    if why:
        return DeviceText(_text(raw), why)
    return Message(msg["type"], msg)


def _text(raw: bytes) -> str:
    return raw.rstrip(b"\r\n").decode("utf-8", errors="replace")


def encode_command(cmd: str, cmd_id: int | str | None = None, /, **fields: Any) -> bytes:
    """A command line for the device, checked by the firmware's own rules first:
    raises the device's own refusal (fanctl.protocol.BadCommand, or its subclass
    fanctl.settings.Invalid or fanctl.wifi.BadWifi) with .code, .msg and .id, and
    sends nothing."""
    if cmd not in device.COMMANDS:
        raise device.BadCommand("unknown_cmd", "cmd must be one of " + "/".join(device.COMMANDS),
                                cmd_id)
    if cmd == "set":
        # Each field is checked before the call: a field named like a parameter
        # (cmd, cmd_id) is then an unknown setting, not a TypeError.
        for name, value in fields.items():
            try:
                wire_settings.check_value(name, value)
            except wire_settings.Invalid as e:
                e.id = cmd_id
                raise
    elif cmd == "wifi":
        try:
            wire_wifi.request(fields)
        except wire_wifi.BadWifi as e:
            e.id = cmd_id
            raise
    elif fields:
        raise device.BadCommand("unknown_field", f"{cmd} takes no fields", cmd_id)
    # json's spacing, as the board's own json.dumps writes (MAX_LINE counts these bytes).
    line = json.dumps({"cmd": cmd, "id": cmd_id, **fields}).encode()
    if len(line) > device.MAX_LINE:  # the device would answer too_long, without our id
        raise device.BadCommand("too_long", f"the command would be {len(line)} bytes; the "
                                f"device takes lines of up to {device.MAX_LINE}: send fewer "
                                "settings at a time", cmd_id)
    return line + b"\n"
