# The device-discovery config of a board (fanctl.ha_schema's entities): one config
# per board, written one entity at a time (write_discovery) rather than held whole as
# dicts. An entity, the device, the whole config: tuples of (key, value) pairs, written
# in that order. A value that is a tuple is an object of pairs; a list is a JSON array.
import json

from fanctl.ha_schema import (
    _ROW,
    DEGC,
    ENTITIES,
    FAN_PRESETS,
    FAN_SETTINGS,
    MANUFACTURER,
    MODEL,
    NO_FAULT,
    NO_PRESET,
    PWM,
    ROOT,
    SAVE_PAYLOAD,
    TACH,
    TEMPERATURE_STEP,
    display_name,
    fault_names,
    topic,
)


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
