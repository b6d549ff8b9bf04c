"""A board as Home Assistant sees it over MQTT, the host's side. The definitions (topics,
the device-discovery config, the state payload, reading the command payloads) live in
the firmware's fanctl.ha, shared with a board that publishes by itself over Wi-Fi:
the same unique ids and the same config either way. This module adds what
only the host needs: typed wrappers (dicts where the board writes pairs), orjson, and
the bridge's own topics. docs/home-assistant.md explains the choices.

Plain data in, plain data out (no MQTT client here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from fanctl import ha as board_ha
from fanctl.ha import (
    DISCOVERY_PREFIX,
    ENTITIES,
    FAN_COMMANDS,
    FAN_OFF,
    FAN_ON,
    NO_PRESET,
    OFFLINE,
    ONLINE,
    PWM,
    ROOT,
)

# The board's names the bridge and its tests use as ha.X.
__all__ = ["DISCOVERY_PREFIX", "FAN_COMMANDS", "FAN_OFF", "FAN_ON", "NO_PRESET", "OFFLINE",
           "ONLINE", "PWM"]


class _Uid:
    """hello's uid check, with the `fullmatch` the bridge calls."""

    @staticmethod
    def fullmatch(text: object) -> bool:
        return bool(board_ha.is_uid(text))


# Device-based discovery (one config per board) came in this release; an older Home
# Assistant ignores the config with a warning in its own log and shows nothing.
HA_MIN_VERSION = "2024.12"

UID = _Uid()  # machine.unique_id(), 16 lowercase hex digits
# The settings the fan adds, as config entities: name -> (label, unit, step, device
# class, only with). The board's table, keyed.
FAN_SETTINGS: dict[str, tuple[str, str, float, str | None, tuple[str, str] | None]] = {
    row[0]: row[1:] for row in board_ha.FAN_SETTINGS}


def board_id(hello: dict[str, Any]) -> str | None:
    """The board's id: hello's uid (protocol 3: machine.unique_id() in hex), or None for
    a hello whose uid is not one."""
    uid = hello.get("uid")
    return uid if isinstance(uid, str) and board_ha.is_uid(uid) else None


def display_name(bid: str, settings: dict[str, Any]) -> str:
    """The board's `name` setting, else `picofan` and the last 6 hex digits of its id."""
    return str(board_ha.display_name(bid, settings))


def clean_id(text: str) -> str:
    """An MQTT topic level and discovery id from any text: [a-z0-9_-] only (HA drops
    discovery topics with other characters)."""
    import re

    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "bridge"


@dataclass(frozen=True)
class Topics:
    """One board's topics."""

    board: str

    @property
    def base(self) -> str:
        return f"{ROOT}/{self.board}"

    @property
    def state(self) -> str:
        return str(board_ha.topic(self.board, "state"))

    @property
    def availability(self) -> str:
        return str(board_ha.topic(self.board, "availability"))

    @property
    def result(self) -> str:
        return str(board_ha.topic(self.board, "result"))

    @property
    def set_all(self) -> str:
        return str(board_ha.topic(self.board, "set"))

    def set_one(self, name: str) -> str:
        return str(board_ha.topic(self.board, "set/" + name))

    @property
    def save(self) -> str:
        return str(board_ha.topic(self.board, "save"))

    def fan(self, name: str) -> str:
        """The fan entity's command topics (FAN_COMMANDS)."""
        return str(board_ha.topic(self.board, "fan/" + name))

    def config(self, prefix: str = DISCOVERY_PREFIX) -> str:
        return str(board_ha.config_topic(self.board, prefix))


def bridge_status_topic(bridge: str) -> str:
    return f"{ROOT}/bridge/{bridge}/status"


def bridge_boards_topic(bridge: str) -> str:
    """A bridge's retained list of the boards it has served: found again after a crash."""
    return f"{ROOT}/bridge/{bridge}/boards"


# The command topics a bridge subscribes to, for every board.
COMMAND_FILTERS = board_ha.command_filters("+")


@dataclass(frozen=True)
class CommandTopic:
    board: str
    kind: str  # "set", "save" or "fan"
    name: str | None  # the setting of set/NAME, the command of fan/NAME; None for the
    # JSON form and save


def command_topic(topic: str) -> CommandTopic | None:
    """picofan/ID/set[/NAME], picofan/ID/save or picofan/ID/fan/NAME -> what it
    addresses; None otherwise."""
    found = board_ha.command_topic(topic)
    return None if found is None else CommandTopic(*found)


# -- discovery ---------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """The board's pairs as dicts (insertion-ordered: orjson writes them in order)."""
    if isinstance(value, tuple):
        return {key: _plain(item) for key, item in value}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


Entity = tuple[dict[str, Any], tuple[str, str] | None]  # the config, and only with (or None)


def entities(bid: str) -> dict[str, Entity]:
    """Every entity a board can have, keyed as in the device config's `cmps` (the keys
    are part of the discovery ids: never rename one), each with the setting it needs
    (None: every board)."""
    out: dict[str, Entity] = {}
    for key in ENTITIES:
        pairs, when = board_ha.entity(bid, key)
        out[key] = (_plain(pairs), when)
    return out


def components(bid: str, settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The device config's `cmps` for a board with these settings: every entity, those
    its settings do not call for reduced to their platform (HA removes them)."""
    return {key: _plain(board_ha.component(bid, key, settings)) for key in ENTITIES}


def discovery(bid: str, hello: dict[str, Any], settings: dict[str, Any],
              availability: list[str]) -> dict[str, Any]:
    """The board's one device-discovery config (retained on Topics.config): its device,
    the shared state topic and availability (all of `availability` must say online),
    and every entity. A board on Wi-Fi writes the same (fanctl.ha.write_discovery)."""
    config: dict[str, Any] = _plain(board_ha.device(bid, hello, settings, availability))
    config["cmps"] = components(bid, settings)
    return config


def encode(payload: dict[str, Any] | list[Any]) -> bytes:
    """JSON as published: compact, UTF-8 (°C as itself)."""
    return orjson.dumps(payload)


# -- state -------------------------------------------------------------------------
def state(tele: dict[str, Any], settings: dict[str, Any], via: str) -> dict[str, Any]:
    """The state payload from a telemetry line and the board's settings (fanctl.ha.state);
    via: the bridge's id."""
    out: dict[str, Any] = board_ha.state(tele, settings, via)
    return out


# The settings a telemetry line repeats (fanctl.protocol.tele): the rest of the state's
# settings come from the board's acknowledged settings.
TELE_SETTINGS = ("setpoint", "hysteresis", "mode")


def urgent(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """A change HA must see at once (the fan, a fault, the settings, a restart), not
    only a new reading."""
    return bool(board_ha.urgent(old, new))


# -- commands (fanctl.ha's readers: each raises fanctl.protocol.BadCommand) -------------
def parse_value(name: str, payload: bytes) -> Any:
    """A bare value on picofan/ID/set/NAME ("28.5", "auto"), by the board's rule."""
    return board_ha.parse_value(name, payload)


def parse_fan(name: str, payload: bytes, settings: dict[str, Any]) -> dict[str, Any]:
    """A command of the fan entity on picofan/ID/fan/NAME -> the settings it sets."""
    changes: dict[str, Any] = board_ha.parse_fan(name, payload, settings)
    return changes


def parse_changes(payload: bytes) -> dict[str, Any]:
    """A JSON object of settings on picofan/ID/set, each field by the board's rule."""
    changes: dict[str, Any] = board_ha.parse_changes(payload)
    return changes


def parse_save(payload: bytes) -> None:
    board_ha.parse_save(payload)


def not_a_command(topic: str, payload: bytes, retain: bool) -> str | None:
    """The board's rule (fanctl.ha): None for a command, "" for an empty message (a
    retained command cleared), else the warning for a retained one."""
    why = board_ha.not_a_command(topic, payload, retain)
    return None if why is None else str(why)


def shown(payload: bytes, most: int = 64) -> str:
    """A payload as text for a result or a log line: never raw binary, never long."""
    return str(board_ha.shown(payload, most))
