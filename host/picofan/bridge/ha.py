"""A board as Home Assistant sees it over MQTT: the topics, the device-discovery config,
the state payload, and reading the command payloads. Every entity's limits and
choices come from the firmware's own tables (fanctl.settings.SPEC, spec.wire.FAULTS);
nothing here restates them. docs/home-assistant.md explains the choices.

Plain data in, plain data out (no MQTT client here): the bridge publishes what these
functions build, and a board on Wi-Fi (issue 17) can publish the same."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from fanctl import protocol
from fanctl import settings as board_settings
from fanctl.settings import Invalid
from picofan.spec import wire
from picofan.values import parse_setting

DISCOVERY_PREFIX = "homeassistant"
ROOT = "picofan"
UID = re.compile(r"[0-9a-f]{16}")  # hello's uid: machine.unique_id(), 16 lowercase hex digits
MANUFACTURER = "picofan"
MODEL = "Pico W fan controller"
# HA's number entity moves in steps of 1 unless told; 0.1 °C is as fine as a person
# sets a temperature (and the smallest hysteresis the table allows).
TEMPERATURE_STEP = 0.1
PERCENT_STEP = 1  # duty limits: as fine as a person sets a fan
GAIN_STEP = 0.01  # PID gains: pid_ki is 0.5 by default, tuned in hundredths
MAX_VALUE_BYTES = 32  # a bare command value: "28.5", "auto"
SAVE_PAYLOAD = "save"  # the save button's payload_press
NO_FAULT = "none"  # the fault-name sensor's state when there is none
# The fan entity (output pwm): its command topics, picofan/ID/fan/NAME, and payloads.
FAN_COMMANDS = ("power", "percentage", "preset")
FAN_ON, FAN_OFF = "ON", "OFF"  # HA's payload_on / payload_off
FAN_PRESETS = ("auto",)  # a preset hands the fan back to the board's own control
NO_PRESET = "None"  # HA's payload_reset_preset_mode: no preset (mode on or off)
# Entities that exist only with a setting's value: (setting, value). Otherwise their
# entry in the device config is Home Assistant's removal (the platform alone), so a
# board whose output changes gains or loses them cleanly, under the same unique ids.
PWM = ("output", "pwm")
TACH = ("tach", "on")
# The settings the fan adds, as config entities (limits and choices from SPEC):
# name -> (label, unit, step, device class, only with). Words are selects.
FAN_SETTINGS: dict[str, tuple[str, str, float, str | None, tuple[str, str] | None]] = {
    "output": ("Output", "", 0, None, None),
    "tach": ("Tach", "", 0, None, None),
    "control": ("Control", "", 0, None, PWM),
    "min_duty": ("Min duty", "%", PERCENT_STEP, None, PWM),
    "max_duty": ("Max duty", "%", PERCENT_STEP, None, PWM),
    "off_below": ("Off below", "%", PERCENT_STEP, None, PWM),
    "curve_low": ("Curve low", "°C", TEMPERATURE_STEP, "temperature", PWM),
    "curve_high": ("Curve high", "°C", TEMPERATURE_STEP, "temperature", PWM),
    # Sign: duty rises while the temperature is above the setpoint.
    "pid_kp": ("PID Kp", "%/°C", GAIN_STEP, None, PWM),
    "pid_ki": ("PID Ki", "%/(°C·s)", GAIN_STEP, None, PWM),
    "pid_kd": ("PID Kd", "%·s/°C", GAIN_STEP, None, PWM),
}
# What changes on a state topic at once, whatever the rate limit: all but the readings
# (temperature, duty, rpm).
URGENT = ("fan", "fault", "mode", "setpoint", "hysteresis", "name", "boot", "via",
          *FAN_SETTINGS)
ONLINE, OFFLINE = "online", "offline"  # HA's default availability payloads

_ROW: dict[str, Any] = {row[0]: row for row in board_settings.SPEC}


def board_id(hello: dict[str, Any]) -> str | None:
    """The board's id: hello's uid (protocol 3: machine.unique_id() in hex), or None for
    a hello whose uid is not one."""
    uid = hello.get("uid")
    return uid if isinstance(uid, str) and UID.fullmatch(uid) else None


def display_name(bid: str, settings: dict[str, Any]) -> str:
    """The board's `name` setting, else `picofan` and the last 6 hex digits of its id."""
    name = settings.get("name")
    return name if isinstance(name, str) and name else f"picofan {bid[-6:]}"


def clean_id(text: str) -> str:
    """An MQTT topic level and discovery id from any text: [a-z0-9_-] only (HA drops
    discovery topics with other characters)."""
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
        return f"{self.base}/state"

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def result(self) -> str:
        return f"{self.base}/result"

    @property
    def set_all(self) -> str:
        return f"{self.base}/set"

    def set_one(self, name: str) -> str:
        return f"{self.base}/set/{name}"

    @property
    def save(self) -> str:
        return f"{self.base}/save"

    def fan(self, name: str) -> str:
        """The fan entity's command topics (FAN_COMMANDS)."""
        return f"{self.base}/fan/{name}"

    def config(self, prefix: str = DISCOVERY_PREFIX) -> str:
        return f"{prefix}/device/{ROOT}_{self.board}/config"


def bridge_status_topic(bridge: str) -> str:
    return f"{ROOT}/bridge/{bridge}/status"


def bridge_boards_topic(bridge: str) -> str:
    """A bridge's retained list of the boards it has served: found again after a crash."""
    return f"{ROOT}/bridge/{bridge}/boards"


# The command topics a bridge subscribes to, for every board.
COMMAND_FILTERS = (f"{ROOT}/+/set", f"{ROOT}/+/set/+", f"{ROOT}/+/save", f"{ROOT}/+/fan/+")


@dataclass(frozen=True)
class CommandTopic:
    board: str
    kind: str  # "set", "save" or "fan"
    name: str | None  # the setting of set/NAME, the command of fan/NAME; None for the
    # JSON form and save


def command_topic(topic: str) -> CommandTopic | None:
    """picofan/ID/set[/NAME], picofan/ID/save or picofan/ID/fan/NAME -> what it
    addresses; None otherwise."""
    parts = topic.split("/")
    if len(parts) < 3 or parts[0] != ROOT or not UID.fullmatch(parts[1]):
        return None
    if parts[2:] == ["save"]:
        return CommandTopic(parts[1], "save", None)
    if parts[2] == "set" and len(parts) <= 4:
        return CommandTopic(parts[1], "set", parts[3] if len(parts) == 4 else None)
    if parts[2] == "fan" and len(parts) == 4:
        return CommandTopic(parts[1], "fan", parts[3])
    return None


# -- discovery ---------------------------------------------------------------------
def _number(bid: str, name: str, label: str, unit: str, step: float,
            device_class: str | None = None) -> dict[str, Any]:
    _, default, low, high = _ROW[name]
    entity = {"p": "number", "name": label, "uniq_id": f"{ROOT}_{bid}_{name}",
              "cmd_t": Topics(bid).set_one(name), "val_tpl": f"{{{{ value_json.{name} }}}}",
              "min": low, "max": high, "step": 1 if isinstance(default, int) else step,
              "mode": "box", "unit_of_meas": unit, "ent_cat": "config"}
    if device_class:
        # "temperature": converted for °F users. A temperature difference (hysteresis)
        # gets none: it must not be (2 °C would show as 35.6 °F), and HA's
        # temperature_delta class only exists since late 2025.
        entity["dev_cla"] = device_class
    return entity


def _select(bid: str, name: str, label: str, category: str | None = None) -> dict[str, Any]:
    entity = {"p": "select", "name": label, "uniq_id": f"{ROOT}_{bid}_{name}",
              "cmd_t": Topics(bid).set_one(name), "val_tpl": f"{{{{ value_json.{name} }}}}",
              "ops": list(_ROW[name][2])}
    if category:
        entity["ent_cat"] = category
    return entity


def _setting(bid: str, name: str) -> dict[str, Any]:
    label, unit, step, device_class, _ = FAN_SETTINGS[name]
    if len(_ROW[name]) == 3:  # words
        return _select(bid, name, label, "config")
    return _number(bid, name, label, unit, step, device_class)


Entity = tuple[dict[str, Any], tuple[str, str] | None]  # the config, and only with (or None)


def entities(bid: str) -> dict[str, Entity]:
    """Every entity a board can have, keyed as in the device config's `cmps` (the keys
    are part of the discovery ids: never rename one), each with the setting it needs
    (None: every board)."""
    topics = Topics(bid)
    always: dict[str, dict[str, Any]] = {
        "temperature": {
            "p": "sensor", "name": "Temperature", "uniq_id": f"{ROOT}_{bid}_temperature",
            "dev_cla": "temperature", "stat_cla": "measurement", "unit_of_meas": "°C",
            "sug_dsp_prc": 1, "val_tpl": "{{ value_json.temp_c }}"},
        "fan": {
            "p": "binary_sensor", "name": "Fan", "uniq_id": f"{ROOT}_{bid}_fan",
            "dev_cla": "running", "val_tpl": "{{ 'ON' if value_json.fan else 'OFF' }}"},
        "fault": {
            "p": "binary_sensor", "name": "Sensor fault", "uniq_id": f"{ROOT}_{bid}_fault",
            "dev_cla": "problem", "ent_cat": "diagnostic",
            "val_tpl": "{{ 'ON' if value_json.fault else 'OFF' }}"},
        "fault_name": {
            "p": "sensor", "name": "Fault", "uniq_id": f"{ROOT}_{bid}_fault_name",
            "dev_cla": "enum", "ops": [NO_FAULT, *wire.FAULTS], "ent_cat": "diagnostic",
            "val_tpl": f"{{{{ value_json.fault or '{NO_FAULT}' }}}}"},
        "setpoint": _number(bid, "setpoint", "Setpoint", "°C", TEMPERATURE_STEP,
                            "temperature"),
        "hysteresis": _number(bid, "hysteresis", "Hysteresis", "°C", TEMPERATURE_STEP),
        "mode": _select(bid, "mode", "Mode"),
        "name": {
            # The board's own name, on its flash once saved (it names the device too).
            # HA takes any text up to `max`; the board's rule refuses the rest.
            "p": "text", "name": "Name", "uniq_id": f"{ROOT}_{bid}_name",
            "cmd_t": Topics(bid).set_one("name"), "val_tpl": "{{ value_json.name }}",
            "max": _ROW["name"][2], "ent_cat": "config"},
        "save": {
            "p": "button", "name": "Save settings", "uniq_id": f"{ROOT}_{bid}_save",
            "cmd_t": Topics(bid).save, "pl_prs": SAVE_PAYLOAD, "ent_cat": "config"},
    }
    out: dict[str, Entity] = {key: (entity, None) for key, entity in always.items()}
    # A 4-wire fan (output pwm): on/off, speed and auto, as Home Assistant's fan entity.
    # On = running (driven); percentage = the duty as driven. Setting a percentage runs
    # the fan at it (mode on, manual_duty); the preset auto, or turning it on, hands it
    # back to the board's control (mode auto); off: mode off.
    out["speed"] = ({
        "p": "fan", "name": "Fan speed", "uniq_id": f"{ROOT}_{bid}_speed",
        "cmd_t": topics.fan("power"), "stat_val_tpl": "{{ 'ON' if value_json.fan else 'OFF' }}",
        "pct_cmd_t": topics.fan("percentage"), "pct_stat_t": topics.state,
        # HA takes a whole number in its speed range (1..100 by default) here
        "pct_val_tpl": "{{ '%.0f' % value_json.duty }}",
        "pr_mode_cmd_t": topics.fan("preset"), "pr_mode_stat_t": topics.state,
        "pr_mode_val_tpl": (f"{{{{ value_json.mode if value_json.mode in {list(FAN_PRESETS)} "
                            f"else '{NO_PRESET}' }}}}"),
        "pr_modes": list(FAN_PRESETS)}, PWM)
    out["duty"] = ({
        "p": "sensor", "name": "Fan duty", "uniq_id": f"{ROOT}_{bid}_duty",
        "stat_cla": "measurement", "unit_of_meas": "%", "val_tpl": "{{ value_json.duty }}"},
        PWM)
    out["rpm"] = ({
        "p": "sensor", "name": "Fan rpm", "uniq_id": f"{ROOT}_{bid}_rpm",
        "stat_cla": "measurement", "unit_of_meas": "rpm", "val_tpl": "{{ value_json.rpm }}"},
        TACH)
    for name, row in FAN_SETTINGS.items():
        out[name] = (_setting(bid, name), row[4])
    return out


def components(bid: str, settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The device config's `cmps` for a board with these settings: every entity, those
    its settings do not call for reduced to their platform (HA removes them)."""
    return {key: entity if when is None or settings.get(when[0]) == when[1]
            else {"p": entity["p"]}
            for key, (entity, when) in entities(bid).items()}


def discovery(bid: str, hello: dict[str, Any], settings: dict[str, Any],
              availability: list[str]) -> dict[str, Any]:
    """The board's one device-discovery config (retained on Topics.config): its device,
    the shared state topic and availability (all of `availability` must say online),
    and every entity."""
    return {
        "dev": {"ids": [f"{ROOT}_{bid}"], "name": display_name(bid, settings),
                "mf": MANUFACTURER, "mdl": MODEL, "mdl_id": hello["board"],
                "sw": hello["fw"], "sn": bid},
        "o": {"name": ROOT, "sw": hello["fw"]},
        "stat_t": Topics(bid).state,
        "avty": [{"t": t} for t in availability],
        "avty_mode": "all",
        "qos": 1,
        "cmps": components(bid, settings),
    }


def encode(payload: dict[str, Any] | list[Any]) -> bytes:
    """JSON as published: compact, UTF-8 (°C as itself)."""
    return orjson.dumps(payload)


# -- state -------------------------------------------------------------------------
def state(tele: dict[str, Any], settings: dict[str, Any], via: str) -> dict[str, Any]:
    """The state payload from a telemetry line (and the board's name and fan settings,
    from its settings): the reading to 0.01 °C (finer is noise to HA, and would make
    every line a change), null on a fault (HA: unknown); the duty as driven, and the
    rpm (null without a tach)."""
    temp = tele["temp"]
    return {"temp_c": None if temp is None else round(temp, 2), "fan": tele["fan"],
            "duty": tele["duty"], "rpm": tele["rpm"],
            "setpoint": tele["setpoint"], "hysteresis": tele["hysteresis"],
            "mode": tele["mode"], "fault": tele["fault"], "name": settings.get("name", ""),
            **{name: settings.get(name) for name in FAN_SETTINGS},
            "boot": tele["boot"], "via": via}


def urgent(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """A change HA must see at once (the fan, a fault, the settings, a restart), not
    only a new reading."""
    return old is None or any(old[k] != new[k] for k in URGENT)


# -- commands ----------------------------------------------------------------------
def is_setting(name: str) -> bool:
    return name in _ROW


def _bare_text(what: str, payload: bytes) -> str:
    """A bare value's text: short ASCII, or Invalid."""
    if len(payload) > MAX_VALUE_BYTES:
        raise Invalid("too_long", f"{what}: a value of at most {MAX_VALUE_BYTES} bytes, "
                                  f"not {len(payload)}")
    try:
        return payload.decode("ascii").strip()
    except UnicodeDecodeError:
        raise Invalid("encoding", f"{what}: the value is not ASCII text") from None


def parse_value(name: str, payload: bytes) -> Any:
    """A bare value on picofan/ID/set/NAME ("28.5", "auto"), checked by the firmware's
    own rule for NAME; raises Invalid (code, msg) for anything else."""
    if name not in _ROW:
        raise Invalid("unknown_field", f"unknown setting '{name}'")
    text = _bare_text(name, payload)
    try:
        value = parse_setting(name, text)
    except ValueError as e:
        raise Invalid("type", str(e)) from None
    return board_settings.check_value(name, value)


def parse_fan(name: str, payload: bytes, settings: dict[str, Any]) -> dict[str, Any]:
    """A command of the fan entity on picofan/ID/fan/NAME, for a board with these
    settings -> the settings it sets; raises Invalid (code, msg) for anything else, and
    for a board whose output is not pwm (it has no fan entity)."""
    if name not in FAN_COMMANDS:
        raise Invalid("unknown_cmd", f"fan/{name}: the fan's commands are "
                                     + ", ".join(FAN_COMMANDS))
    if name == "percentage":
        duty = parse_value("manual_duty", payload)
        # 0 % is off to Home Assistant: its slider's end, fan.set_percentage 0
        changes = {"mode": "on", "manual_duty": duty} if duty > 0 else {"mode": "off"}
    elif name == "preset":
        text = _bare_text(f"fan/{name}", payload)
        if text not in FAN_PRESETS:
            raise Invalid("type", f"fan/preset takes {' or '.join(FAN_PRESETS)}")
        changes = {"mode": text}
    else:
        text = _bare_text(f"fan/{name}", payload)
        if text not in (FAN_ON, FAN_OFF):
            raise Invalid("type", f"fan/power takes {FAN_ON} or {FAN_OFF}")
        changes = {"mode": "auto" if text == FAN_ON else "off"}
    if settings.get("output") != PWM[1]:
        raise Invalid("range", f"fan/{name}: the fan entity needs output {PWM[1]} (this "
                               f"board's output is {settings.get('output')})")
    return changes


def parse_changes(payload: bytes) -> dict[str, Any]:
    """A JSON object on picofan/ID/set ({"setpoint": 28, "hysteresis": 1.5}), each field
    checked by the firmware's own rule; raises Invalid. (The settings together are
    checked against the board's with fanctl.settings.merge.)"""
    if len(payload) > protocol.MAX_LINE:
        raise Invalid("too_long", f"a command of at most {protocol.MAX_LINE} bytes, "
                                  f"not {len(payload)}")
    try:
        changes = orjson.loads(payload)  # strict: NaN, Infinity, bad UTF-8 are refused
    except orjson.JSONDecodeError as e:
        raise Invalid("json", f"not JSON ({e})") from None
    if type(changes) is not dict:
        raise Invalid("not_object", "a JSON object of settings, e.g. {\"setpoint\": 28}")
    if not changes:
        raise Invalid("missing", "no settings in the object")
    return {name: board_settings.check_value(name, value) for name, value in changes.items()}


def parse_save(payload: bytes) -> None:
    if payload.strip() != SAVE_PAYLOAD.encode():
        raise Invalid("type", f"save takes the payload {SAVE_PAYLOAD!r}")


def shown(payload: bytes, most: int = 64) -> str:
    """A payload as text for a result or a log line: never raw binary, never long."""
    text = payload[:most].decode("utf-8", errors="replace")
    text = "".join(c if c.isprintable() else "\ufffd" for c in text)
    return text + ("…" if len(payload) > most else "")
