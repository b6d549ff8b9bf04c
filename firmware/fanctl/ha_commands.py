# Commands from Home Assistant, read by the board's own rules, the same for the bridge
# and a board on Wi-Fi: which command a topic is, what a payload sets, and the result
# published on picofan/ID/result. Each reader raises fanctl.protocol.BadCommand.
import json

from fanctl import protocol
from fanctl import settings as board_settings
from fanctl.ha_schema import (
    _ROW,
    FAN_COMMANDS,
    FAN_OFF,
    FAN_ON,
    FAN_PRESETS,
    MAX_VALUE_BYTES,
    PWM,
    ROOT,
    SAVE_PAYLOAD,
    is_uid,
)
from fanctl.protocol import BadCommand


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
