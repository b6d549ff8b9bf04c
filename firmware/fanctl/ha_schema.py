# A board as Home Assistant sees it over MQTT: the names, the topics and the state
# payload, shared by a board on Wi-Fi (fanctl.ha_publisher) and the bridge for boards on
# USB (picofan.bridge.ha_schema adds only the host's extras), so a board keeps its
# entities and unique ids whichever way it is connected. The discovery config is
# fanctl.ha_discovery, reading commands fanctl.ha_commands, when to publish
# fanctl.ha_policy. Limits and choices come from the firmware's own tables
# (fanctl.settings.SPEC, the fault names); nothing here restates them.
# docs/home-assistant.md explains the choices.
#
# Small on purpose: MicroPython's dicts keep no order, so every ordered object is a
# tuple of (key, value) pairs.
from fanctl import faults
from fanctl import settings as board_settings

DISCOVERY_PREFIX = "homeassistant"
ROOT = "picofan"
MANUFACTURER = "picofan"
MODEL = "Pico W fan controller"
# HA's number entity moves in steps of 1 unless told; 0.1 degC is as fine as a person
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
DEGC = "\u00b0C"
# The settings the fan adds, as config entities (limits and choices from SPEC):
# (name, label, unit, step, device class, only with). Words are selects.
FAN_SETTINGS = (
    ("output", "Output", "", 0, None, None),
    ("tach", "Tach", "", 0, None, None),
    ("control", "Control", "", 0, None, PWM),
    ("min_duty", "Min duty", "%", PERCENT_STEP, None, PWM),
    ("max_duty", "Max duty", "%", PERCENT_STEP, None, PWM),
    ("off_below", "Off below", "%", PERCENT_STEP, None, PWM),
    ("curve_low", "Curve low", DEGC, TEMPERATURE_STEP, "temperature", PWM),
    ("curve_high", "Curve high", DEGC, TEMPERATURE_STEP, "temperature", PWM),
    # Sign: duty rises while the temperature is above the setpoint.
    ("pid_kp", "PID Kp", "%/" + DEGC, GAIN_STEP, None, PWM),
    ("pid_ki", "PID Ki", "%/(" + DEGC + "\u00b7s)", GAIN_STEP, None, PWM),
    ("pid_kd", "PID Kd", "%\u00b7s/" + DEGC, GAIN_STEP, None, PWM),
)
# The device config's `cmps` keys, in order (part of the discovery ids: never rename one).
ENTITIES = ("temperature", "fan", "fault", "fault_name", "setpoint", "hysteresis", "mode",
            "name", "save", "speed", "duty", "rpm") + tuple(row[0] for row in FAN_SETTINGS)
ONLINE, OFFLINE = "online", "offline"  # HA's default availability payloads
VIA_WIFI = "wifi"  # the state's "via" of a board on Wi-Fi (the bridge puts its own id)

_ROW = board_settings._ROW  # the settings table by name (one copy in RAM)


def fault_names():
    # The fault-name sensor's options: none, then every fault the board reports.
    return [NO_FAULT] + list(faults.NAMES)


def is_uid(text):
    # hello's uid: machine.unique_id() as 16 lowercase hex digits (no `re` on the board).
    if type(text) is not str or len(text) != 16:
        return False
    for c in text:
        if c not in "0123456789abcdef":
            return False
    return True


def display_name(uid, settings):
    # The board's `name` setting, else "picofan" and the last 6 hex digits of its id.
    name = settings.get("name")
    return name if isinstance(name, str) and name else "picofan " + uid[-6:]


# -- topics ------------------------------------------------------------------------
def topic(uid, leaf):
    # picofan/ID/LEAF: "state", "availability", "result", "set", "set/NAME", "save",
    # "fan/NAME" (the fan entity's FAN_COMMANDS)
    return ROOT + "/" + uid + "/" + leaf


def config_topic(uid, prefix=DISCOVERY_PREFIX):
    return "%s/device/%s_%s/config" % (prefix, ROOT, uid)


def command_filters(uid):
    # The command topics of one board (a bridge subscribes with + for the id).
    return (topic(uid, "set"), topic(uid, "set/+"), topic(uid, "save"), topic(uid, "fan/+"))


def will(uid):
    # The MQTT last will of a board on Wi-Fi: (topic, payload, retain, qos).
    return (topic(uid, "availability"), OFFLINE, True, 1)


# -- state -------------------------------------------------------------------------
def state(tele, settings, via):
    # The state payload from a telemetry message (and the board's name and fan settings,
    # from its settings): the reading to 0.01 degC (finer is noise to HA, and would make
    # every line a change), null on a fault (HA: unknown); the duty as driven, and the
    # rpm (null without a tach). via: how the board is connected (the bridge's id, or
    # VIA_WIFI).
    temp = tele["temp"]
    out = {"temp_c": None if temp is None else round(temp, 2), "fan": tele["fan"],
           "duty": tele["duty"], "rpm": tele["rpm"],
           "setpoint": tele["setpoint"], "hysteresis": tele["hysteresis"],
           "mode": tele["mode"], "fault": tele["fault"], "name": settings.get("name", "")}
    for row in FAN_SETTINGS:
        out[row[0]] = settings.get(row[0])
    out["boot"] = tele["boot"]
    out["via"] = via
    return out

