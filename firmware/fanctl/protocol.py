# The wire format, defined once: newline-delimited JSON over USB serial.
# The firmware builds and parses messages here; the host and the docs read
# these same tables. docs/protocol.md explains every field.
import json

from fanctl import settings

VERSION = 2  # 2: boot and seq (hello, tele)
MAX_LINE = 512  # bytes, newline excluded; longer command lines are refused

# Field types: "i" int, "f" number, "b" bool, "s" str, "o" object; "?" = may be null.
# Device -> host messages, keyed by their "type".
MESSAGES = {
    "hello": (("fw", "s"), ("proto", "i"), ("board", "s"), ("boot", "s"), ("settings", "o"),
              ("saved", "b"), ("warning", "s?"), ("id", "x?")),
    "tele": (("boot", "s"), ("seq", "i"), ("ms", "i"), ("temp", "f?"), ("raw", "i"),
             ("ohms", "f?"), ("fan", "b"), ("setpoint", "f"), ("hysteresis", "f"),
             ("mode", "s"), ("fault", "s?")),
    "ack": (("id", "x?"), ("cmd", "s")),
    "error": (("id", "x?"), ("code", "s"), ("msg", "s")),
    "log": (("level", "s"), ("msg", "s")),
}
# "x": a command id, echoed as sent: an int or a short string.
MAX_ID = 32

# Host -> device commands and the extra fields each takes.
COMMANDS = ("ping", "get", "set", "save", "reset", "hello")
# Extra fields on an ack, by command.
ACK_FIELDS = {"ping": ("ms",), "get": ("settings", "saved"), "set": ("settings", "saved"),
              "save": ("settings", "saved"), "reset": ("settings", "saved")}

FAULTS = ("open", "short", "range", "stuck", "error")
LEVELS = ("info", "warn", "error")
ERRORS = ("json", "too_long", "encoding", "not_object", "unknown_cmd", "bad_id",
          "unknown_field", "type", "range", "missing", "io")


class BadCommand(ValueError):
    # args: (code, message, id or None)
    pass


def encode(msg):
    # One line of JSON. Never NaN or Infinity: those are not JSON; callers pass None.
    return json.dumps(msg)


def hello(fw, board, boot, s, saved, warning, cmd_id=None):
    return {"type": "hello", "fw": fw, "proto": VERSION, "board": board, "boot": boot,
            "settings": s, "saved": saved, "warning": warning, "id": cmd_id}


def tele(boot, seq, ms, temp, raw, ohms, fan, s, fault):
    # Rounded to what the sensor resolves: shorter lines, and no float32 noise digits.
    return {"type": "tele", "boot": boot, "seq": seq, "ms": ms,
            "temp": None if temp is None else round(temp, 3), "raw": raw,
            "ohms": None if ohms is None else round(ohms, 1), "fan": fan,
            "setpoint": s["setpoint"], "hysteresis": s["hysteresis"],
            "mode": s["mode"], "fault": fault}


def ack(cmd_id, cmd, extra=None):
    msg = {"type": "ack", "id": cmd_id, "cmd": cmd}
    if extra:
        msg.update(extra)
    return msg


def error(cmd_id, code, text):
    return {"type": "error", "id": cmd_id, "code": code, "msg": text}


def log(level, text):
    return {"type": "log", "level": level, "msg": text}


def _valid_id(v):
    if v is None:
        return True
    if type(v) is int:
        return -(1 << 30) < v < (1 << 30)
    return type(v) is str and len(v) <= MAX_ID


def decode_command(line):
    # bytes of one line (no newline) -> (cmd, id, args dict), or BadCommand.
    if len(line) > MAX_LINE:
        raise BadCommand("too_long", "line longer than %d bytes" % MAX_LINE, None)
    try:
        text = line.decode("utf-8")
    except UnicodeError:
        raise BadCommand("encoding", "line is not UTF-8", None)
    try:
        msg = json.loads(text)
    except (ValueError, RuntimeError):  # RuntimeError: nesting too deep
        raise BadCommand("json", "not JSON: send one JSON object per line", None)
    if type(msg) is not dict:
        raise BadCommand("not_object", "a command is a JSON object", None)
    cmd_id = msg.pop("id", None)
    if not _valid_id(cmd_id):
        raise BadCommand("bad_id", "id must be an int or a string of up to %d chars" % MAX_ID,
                         None)
    cmd = msg.pop("cmd", None)
    if cmd not in COMMANDS or type(cmd) is not str:
        raise BadCommand("unknown_cmd", "cmd must be one of " + "/".join(COMMANDS), cmd_id)
    if cmd == "set":
        if not msg:
            raise BadCommand("missing", "set needs at least one setting", cmd_id)
    elif msg:
        raise BadCommand("unknown_field", "%s takes no fields" % cmd, cmd_id)
    return cmd, cmd_id, msg


def encode_command(cmd, cmd_id=None, **fields):
    # For the host: the line to send, checked against the same rules the device uses.
    if cmd not in COMMANDS:
        raise BadCommand("unknown_cmd", "cmd must be one of " + "/".join(COMMANDS), cmd_id)
    if cmd == "set":
        for name in fields:
            settings.check_value(name, fields[name])
    msg = {"cmd": cmd, "id": cmd_id}
    msg.update(fields)
    return json.dumps(msg)
