# A board as Home Assistant sees it over MQTT: its topics, the device-discovery
# config, the state payload, and reading command payloads. The one definition: a board
# on Wi-Fi publishes it (fanctl.homeassistant), the bridge imports it for boards on USB
# (picofan.bridge.ha adds only the host's extras), so a board keeps its entities and
# unique ids whichever way it is connected. Limits and choices come from the firmware's
# own tables (fanctl.settings.SPEC, the fault names); nothing here restates them.
# docs/home-assistant.md explains the choices.
#
# Small on purpose: MicroPython's dicts keep no order, so every ordered object is a
# tuple of (key, value) pairs, and the discovery config is written one entity at a time
# (write_discovery) rather than held whole as dicts.
import json

from fanctl import faults, protocol
from fanctl import settings as board_settings
from fanctl.protocol import BadCommand

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
# What changes on a state topic at once, whatever the rate limit: all but the readings
# (temperature, duty, rpm).
URGENT = ("fan", "fault", "mode", "setpoint", "hysteresis", "name", "boot",
          "via") + tuple(row[0] for row in FAN_SETTINGS)
# Readings go out at most this often (the bridge's default --rate: 1 state message a
# second per board); urgent changes at once.
STATE_PERIOD_MS = 1000
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


def command_topic(text):
    # picofan/ID/set[/NAME], picofan/ID/save or picofan/ID/fan/NAME -> (id, kind, name):
    # kind "set", "save" or "fan"; name the setting of set/NAME, the command of
    # fan/NAME, None for the JSON form and save. None for any other topic.
    parts = text.split("/")
    if len(parts) < 3 or parts[0] != ROOT or not is_uid(parts[1]):
        return None
    uid, kind, n = parts[1], parts[2], len(parts)
    if kind == "save" and n == 3:
        return (uid, kind, None)
    if kind == "set" and n <= 4:
        return (uid, kind, parts[3] if n == 4 else None)
    if kind == "fan" and n == 4:
        return (uid, kind, parts[3])
    return None


def not_a_command(topic, payload, retain):
    # A message on a command topic that is no command, by one rule for the bridge and a
    # board on Wi-Fi. Empty: it clears a retained command (mosquitto_pub -r -n; the
    # broker passes the clear on to those subscribed) -> "", nothing to say. Retained:
    # the broker's replay of an old command at every (re)connect, not a press -> the
    # warning to log. None: a command.
    if not payload:
        return ""
    if retain:
        return ("ignored a retained command on %s (%r): a replay from the broker, not a "
                "press; clear it: mosquitto_pub -r -n -t %s" % (topic, shown(payload), topic))
    return None


# -- discovery ---------------------------------------------------------------------
# An entity, the device, the whole config: tuples of (key, value) pairs, written in
# that order. A value that is a tuple is an object of pairs; a list is a JSON array.
def _head(uid, platform, label, key):
    return (("p", platform), ("name", label), ("uniq_id", "%s_%s_%s" % (ROOT, uid, key)))


def _value_tpl(name):
    return ("val_tpl", "{{ value_json.%s }}" % name)


def _number(uid, name, label, unit, step, device_class=None):
    row = _ROW[name]
    if len(row) < 4:
        raise KeyError(name)  # (not a number setting)
    pairs = _head(uid, "number", label, name) + (
        ("cmd_t", topic(uid, "set/" + name)), _value_tpl(name), ("min", row[2]),
        ("max", row[3]), ("step", 1 if type(row[1]) is int else step), ("mode", "box"),
        ("unit_of_meas", unit), ("ent_cat", "config"))
    if device_class:
        # "temperature": converted for degF users. A temperature difference (hysteresis)
        # gets none: it must not be (2 degC would show as 35.6 degF), and HA's
        # temperature_delta class only exists since late 2025.
        pairs += (("dev_cla", device_class),)
    return pairs


def _select(uid, name, label, category=None):
    words = _ROW[name][2]
    if type(words) is not tuple:
        raise KeyError(name)  # (not a setting of words)
    pairs = _head(uid, "select", label, name) + (
        ("cmd_t", topic(uid, "set/" + name)), _value_tpl(name), ("ops", list(words)))
    if category:
        pairs += (("ent_cat", category),)
    return pairs


def _on_off(name):
    return "{{ 'ON' if value_json.%s else 'OFF' }}" % name


def entity(uid, key):
    # -> (pairs, only with): entity KEY of ENTITIES, and the (setting, value) it needs
    # (None: every board).
    if key == "temperature":
        return _head(uid, "sensor", "Temperature", key) + (
            ("dev_cla", "temperature"), ("stat_cla", "measurement"), ("unit_of_meas", DEGC),
            ("sug_dsp_prc", 1), _value_tpl("temp_c")), None
    if key == "fan":
        return _head(uid, "binary_sensor", "Fan", key) + (
            ("dev_cla", "running"), ("val_tpl", _on_off("fan"))), None
    if key == "fault":
        return _head(uid, "binary_sensor", "Sensor fault", key) + (
            ("dev_cla", "problem"), ("ent_cat", "diagnostic"),
            ("val_tpl", _on_off("fault"))), None
    if key == "fault_name":
        return _head(uid, "sensor", "Fault", key) + (
            ("dev_cla", "enum"), ("ops", fault_names()), ("ent_cat", "diagnostic"),
            ("val_tpl", "{{ value_json.fault or '%s' }}" % NO_FAULT)), None
    if key == "setpoint":
        return _number(uid, key, "Setpoint", DEGC, TEMPERATURE_STEP, "temperature"), None
    if key == "hysteresis":
        return _number(uid, key, "Hysteresis", DEGC, TEMPERATURE_STEP), None
    if key == "mode":
        return _select(uid, key, "Mode"), None
    if key == "name":
        # The board's own name, on its flash once saved (it names the device too).
        # HA takes any text up to `max`; the board's rule refuses the rest.
        return _head(uid, "text", "Name", key) + (
            ("cmd_t", topic(uid, "set/name")), _value_tpl("name"), ("max", _ROW["name"][2]),
            ("ent_cat", "config")), None
    if key == "save":
        return _head(uid, "button", "Save settings", key) + (
            ("cmd_t", topic(uid, "save")), ("pl_prs", SAVE_PAYLOAD),
            ("ent_cat", "config")), None
    if key == "speed":
        # A 4-wire fan (output pwm): on/off, speed and auto, as Home Assistant's fan
        # entity. On = running (driven); percentage = the duty as driven. Setting a
        # percentage runs the fan at it (mode on, manual_duty); the preset auto, or
        # turning it on, hands it back to the board's control (mode auto); off: mode off.
        state = topic(uid, "state")
        return _head(uid, "fan", "Fan speed", key) + (
            ("cmd_t", topic(uid, "fan/power")), ("stat_val_tpl", _on_off("fan")),
            ("pct_cmd_t", topic(uid, "fan/percentage")), ("pct_stat_t", state),
            # HA takes a whole number in its speed range (1..100 by default) here
            ("pct_val_tpl", "{{ '%.0f' % value_json.duty }}"),
            ("pr_mode_cmd_t", topic(uid, "fan/preset")), ("pr_mode_stat_t", state),
            ("pr_mode_val_tpl", "{{ value_json.mode if value_json.mode in %s else '%s' }}"
             % (_py_list(FAN_PRESETS), NO_PRESET)),
            ("pr_modes", list(FAN_PRESETS))), PWM
    if key == "duty":
        return _head(uid, "sensor", "Fan duty", key) + (
            ("stat_cla", "measurement"), ("unit_of_meas", "%"), _value_tpl("duty")), PWM
    if key == "rpm":
        return _head(uid, "sensor", "Fan rpm", key) + (
            ("stat_cla", "measurement"), ("unit_of_meas", "rpm"), _value_tpl("rpm")), TACH
    for name, label, unit, step, device_class, when in FAN_SETTINGS:
        if name == key:
            if len(_ROW[name]) == 3:  # words
                return _select(uid, name, label, "config"), when
            return _number(uid, name, label, unit, step, device_class), when
    raise KeyError(key)


def _py_list(words):
    # A list of words as Jinja (and Python) spell it: ['auto']
    return "[" + ", ".join("'%s'" % w for w in words) + "]"


def component(uid, key, settings):
    # Entity KEY as the device config's `cmps` has it for a board with these settings:
    # the entity, or only its platform when the settings do not call for it (HA
    # removes it).
    pairs, when = entity(uid, key)
    if when is None or settings.get(when[0]) == when[1]:
        return pairs
    return (pairs[0],)


def device(uid, hello, settings, availability):
    # The device config but its `cmps`: the device, the shared state topic and the
    # availability topics (all must say online: avty_mode all). hello: fw and board.
    return (
        ("dev", (("ids", ["%s_%s" % (ROOT, uid)]), ("name", display_name(uid, settings)),
                 ("mf", MANUFACTURER), ("mdl", MODEL), ("mdl_id", hello["board"]),
                 ("sw", hello["fw"]), ("sn", uid))),
        ("o", (("name", ROOT), ("sw", hello["fw"]))),
        ("stat_t", topic(uid, "state")),
        ("avty", [(("t", t),) for t in availability]),
        ("avty_mode", "all"),
        ("qos", 1),
    )


def _write(out, value, close=True):
    # JSON of a value (pairs: an object) onto `out` (anything with write(str): a text
    # stream, or the MQTT client's payload writer), a little at a time.
    if type(value) is tuple:
        sep = "{"
        for key, item in value:
            out.write(sep)
            out.write(json.dumps(key))
            out.write(":")
            _write(out, item)
            sep = ","
        if close:
            out.write("{}" if sep == "{" else "}")
    elif type(value) is list:
        sep = "["
        for item in value:
            out.write(sep)
            _write(out, item)
            sep = ","
        out.write("[]" if sep == "[" else "]")
    else:
        out.write(json.dumps(value))


def write_discovery(out, uid, hello, settings, availability):
    # The board's one device-discovery config (retained on config_topic) as JSON onto
    # `out` (as _write's), one entity at a time: the whole text is never built here.
    _write(out, device(uid, hello, settings, availability), False)
    sep = ',"cmps":{'
    for key in ENTITIES:
        out.write(sep)
        out.write(json.dumps(key))
        out.write(":")
        _write(out, component(uid, key, settings))
        sep = ","
    out.write("}}")


def discovery_changes(settings):
    # What of the settings the discovery config shows: it changes with these.
    return (settings.get("name"), settings.get(PWM[0]), settings.get(TACH[0]))


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


def urgent(old, new):
    # A change HA must see at once (the fan, a fault, the settings, a restart), not
    # only a new reading.
    if old is None:
        return True
    for key in URGENT:
        if old[key] != new[key]:
            return True
    return False


# -- commands ----------------------------------------------------------------------
def _bare_text(what, payload):
    # A bare value's text: short ASCII, or BadCommand.
    if len(payload) > MAX_VALUE_BYTES:
        raise BadCommand("too_long", "%s: a value of at most %d bytes, not %d"
                      % (what, MAX_VALUE_BYTES, len(payload)))
    for byte in payload:
        if byte > 127:
            raise BadCommand("encoding", "%s: the value is not ASCII text" % what)
    return payload.decode().strip()


def _digits(text, i):
    # -> the index after the ASCII digits from i
    while i < len(text) and "0" <= text[i] <= "9":
        i += 1
    return i


def parse_number(text, name):
    # A number as a person types it: "28,5" -> 28.5 (a decimal comma or point, one at
    # most, with a digit either side, as JSON writes it: ",5" and "28," are typing
    # slips, not 0.5 and 28), "28" -> 28, "1e3"; ValueError naming `name` otherwise (NaN
    # and infinities are not numbers a person means). The CLI, the monitor and MQTT
    # read numbers so.
    clean = text.strip()
    i = 1 if clean[:1] in ("+", "-") else 0
    whole = _digits(clean, i)
    j = whole
    ok = whole > i
    if clean[j:j + 1] in (".", ","):
        j = _digits(clean, j + 1)
        ok = ok and j > whole + 1
    if j < len(clean) and clean[j] in "eE":
        k = j + 1 + (1 if clean[j + 1:j + 2] in ("+", "-") else 0)
        j = _digits(clean, k) if _digits(clean, k) > k else -1
    if not ok or j != len(clean):
        raise ValueError("%s: %r is not a number" % (name, text))
    if whole == len(clean):
        return int(clean)
    return float(clean.replace(",", "."))


def parse_setting(name, text):
    # The value `text` stands for in setting `name`: a number for a number setting, else
    # the text itself (unknown names are left to the settings' check to refuse).
    row = _ROW.get(name)
    return parse_number(text, name) if row is not None and len(row) > 3 else text


def parse_value(name, payload):
    # A bare value on picofan/ID/set/NAME ("28.5", "auto"), checked by the settings'
    # own rule for NAME; raises BadCommand (code, msg) for anything else.
    if name not in _ROW:
        raise BadCommand("unknown_field", "unknown setting '%s'" % name)
    text = _bare_text(name, payload)
    try:
        value = parse_setting(name, text)
    except ValueError as e:
        raise BadCommand("type", str(e))
    return board_settings.check_value(name, value)


def parse_fan(name, payload, settings):
    # A command of the fan entity on picofan/ID/fan/NAME, for a board with these
    # settings -> the settings it sets; raises BadCommand (code, msg) for anything else,
    # and for a board whose output is not pwm (it has no fan entity).
    if name not in FAN_COMMANDS:
        raise BadCommand("unknown_cmd", "fan/%s: the fan's commands are %s"
                      % (name, ", ".join(FAN_COMMANDS)))
    if name == "percentage":
        duty = parse_value("manual_duty", payload)
        # 0 % is off to Home Assistant: its slider's end, fan.set_percentage 0
        changes = {"mode": "on", "manual_duty": duty} if duty > 0 else {"mode": "off"}
    elif name == "preset":
        text = _bare_text("fan/" + name, payload)
        if text not in FAN_PRESETS:
            raise BadCommand("type", "fan/preset takes " + " or ".join(FAN_PRESETS))
        changes = {"mode": text}
    else:
        text = _bare_text("fan/" + name, payload)
        if text not in (FAN_ON, FAN_OFF):
            raise BadCommand("type", "fan/power takes %s or %s" % (FAN_ON, FAN_OFF))
        changes = {"mode": "auto" if text == FAN_ON else "off"}
    if settings.get(PWM[0]) != PWM[1]:
        raise BadCommand("range", "fan/%s: the fan entity needs output %s (this board's "
                               "output is %s)" % (name, PWM[1], settings.get(PWM[0])))
    return changes


def parse_changes(payload):
    # A JSON object on picofan/ID/set ({"setpoint": 28, "hysteresis": 1.5}), each field
    # checked by the settings' own rule; raises BadCommand. (The settings together are
    # checked against the board's with fanctl.settings.merge.) Strict JSON, as the
    # board reads a command line: NaN, Infinity and bad UTF-8 are refused.
    if len(payload) > protocol.MAX_LINE:
        raise BadCommand("too_long", "a command of at most %d bytes, not %d"
                      % (protocol.MAX_LINE, len(payload)))
    changes = None
    if protocol._utf8_ok(payload) and protocol.strict_json(payload):
        try:
            changes = json.loads(payload.decode())
        except (ValueError, RuntimeError):  # RuntimeError: nesting too deep
            pass
        else:
            if type(changes) is not dict:
                raise BadCommand("not_object",
                              "a JSON object of settings, e.g. {\"setpoint\": 28}")
    if changes is None:
        raise BadCommand("json", "not JSON: one JSON object of settings, e.g. "
                              "{\"setpoint\": 28}")
    if not changes:
        raise BadCommand("missing", "no settings in the object")
    out = {}
    for name in changes:
        value = changes[name]
        if type(value) is float and value - value != 0:  # 1e999: past a double
            raise BadCommand("json", "not JSON: %s is out of range" % name)
        out[name] = board_settings.check_value(name, value)
    return out


def parse_save(payload):
    if payload.strip() != SAVE_PAYLOAD.encode():
        raise BadCommand("type", "save takes the payload '%s'" % SAVE_PAYLOAD)


def shown(payload, most=64):
    # A payload as text for a result or a log line: never raw binary, never long. Not
    # UTF-8, or a control character: U+FFFD in its place.
    cut = bytes(payload[:most])
    if protocol._utf8_ok(cut):
        text = cut.decode()
    else:
        text = "".join(chr(b) if b < 128 else "\ufffd" for b in cut)
    text = "".join("\ufffd" if c < " " or "\x7f" <= c <= "\x9f" else c for c in text)
    return text + ("\u2026" if len(payload) > most else "")


# -- results -----------------------------------------------------------------------
def result(what, ok, by):
    # The start of a result on picofan/ID/result for a command on topic `what`
    # (command_topic's triple): who answered, the command, the setting or fan command.
    out = {"ok": ok, "by": by, "cmd": what[1]}
    if what[2]:
        out["name"] = what[2]
    return out


def refusal(what, by, code, msg, payload):
    # A refused command's result: nothing changed. payload: as shown.
    out = result(what, False, by)
    out["code"] = code
    out["msg"] = msg
    out["payload"] = shown(payload)
    return out
