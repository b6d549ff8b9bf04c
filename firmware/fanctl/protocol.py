# The wire format, the board's half: newline-delimited JSON over USB serial. The
# firmware builds its messages and decodes commands here; picofan.spec.wire holds the
# schema the host validates against and the docs print. docs/protocol.md explains it.
import json

from fanctl import const

# 2: boot and seq (hello, tele), reset (hello); 3: uid (hello); 4: duty and rpm (tele),
# the stall fault, the fan settings; 5: the wifi command, wifi (hello, get); 6: demand
# and kick (tele)
PROTOCOL_VERSION = const(6)
MAX_LINE = const(512)  # bytes, newline excluded; longer command lines are refused
SEQ_MASK = const((1 << 30) - 1)  # telemetry seq wraps here: a small int on the board (no heap)
MAX_ID = const(32)  # longest string command id, echoed as sent

# Host -> device commands. (The full schema of every message, for validation and the
# docs, is the host's: picofan.spec.wire.)
COMMANDS = ("ping", "get", "set", "save", "reset", "hello", "wifi")


class BadCommand(ValueError):
    # A refused command or request, from any door (USB, MQTT, a file): `code` (one of
    # picofan.spec.wire.ERRORS) and `msg` go back in an error reply, with the command's
    # `id` when it had one. Raised as is for a line or an MQTT command that is no
    # command; settings.Invalid and wifi.BadWifi name the refusals of their own rules.
    def __init__(self, code, msg, cmd_id=None):
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.id = cmd_id

    def __str__(self):
        return self.msg


def encode(msg):
    # One line of JSON. Never NaN or Infinity: those are not JSON; callers pass None.
    return json.dumps(msg)


def hello(fw, board, uid, boot, reset, settings, saved, warning, cmd_id=None, wifi=None):
    # wifi: fanctl.wifi.public() of the stored Wi-Fi config, None without one
    return {"type": "hello", "fw": fw, "proto": PROTOCOL_VERSION, "board": board, "uid": uid,
            "boot": boot,
            "reset": reset, "settings": settings, "saved": saved, "warning": warning,
            "wifi": wifi, "id": cmd_id}


def tele(boot, seq, ms, temp, raw, ohms, fan, settings, fault, duty=None, rpm=None,
         demand=None, kick=False, net=None, out=None):
    # Rounded to what the sensor resolves: shorter lines, and no float32 noise digits.
    # duty None: a switched fan's, 100 or 0 %; rpm None: no tach. demand: the duty asked
    # for, before a kick-start (None: duty); kick: a kick-start drives full power now.
    # net: fanctl.net.Net, None without a wifi.json: its wifi (fanctl.wifi's state),
    # rssi (dBm while up) and mqtt (the broker session: "down", "connecting", "up"),
    # each "off" (rssi null) without one.
    # out None: the message as a dict. Else the same message as one JSON object written
    # onto `out` a piece at a time, the keys in the schema's order: write(bytes) the
    # keys, value(v) each value as json.dumps writes it (fanctl.usb.TxQueue). No dict
    # and no whole line outside out's buffer: a line every interval_ms.
    if duty is None:
        duty = 100.0 if fan else 0.0
    duty = round(duty, 1)
    demand = duty if demand is None else round(demand, 1)
    if temp is not None:
        temp = round(temp, 3)
    if ohms is not None:
        ohms = round(ohms, 1)
    if net is None:
        wifi = mqtt = "off"
        rssi = None
    else:
        wifi = net.wifi
        rssi = net.rssi
        mqtt = net.mqtt
    if out is None:
        return {"type": "tele", "boot": boot, "seq": seq, "ms": ms, "temp": temp, "raw": raw,
                "ohms": ohms, "fan": fan, "duty": duty, "rpm": rpm,
                "setpoint": settings["setpoint"], "hysteresis": settings["hysteresis"],
                "mode": settings["mode"], "fault": fault, "wifi": wifi, "rssi": rssi,
                "mqtt": mqtt, "demand": demand, "kick": kick}
    out.write(b'{"type": "tele", "boot": ')
    out.value(boot)
    out.write(b', "seq": ')
    out.value(seq)
    out.write(b', "ms": ')
    out.value(ms)
    out.write(b', "temp": ')
    out.value(temp)
    out.write(b', "raw": ')
    out.value(raw)
    out.write(b', "ohms": ')
    out.value(ohms)
    out.write(b', "fan": ')
    out.value(fan)
    out.write(b', "duty": ')
    out.value(duty)
    out.write(b', "rpm": ')
    out.value(rpm)
    out.write(b', "setpoint": ')
    out.value(settings["setpoint"])
    out.write(b', "hysteresis": ')
    out.value(settings["hysteresis"])
    out.write(b', "mode": ')
    out.value(settings["mode"])
    out.write(b', "fault": ')
    out.value(fault)
    out.write(b', "wifi": ')
    out.value(wifi)
    out.write(b', "rssi": ')
    out.value(rssi)
    out.write(b', "mqtt": ')
    out.value(mqtt)
    out.write(b', "demand": ')
    out.value(demand)
    out.write(b', "kick": ')
    out.value(kick)
    out.write(b"}")
    return None


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


_WS = b" \t\n\r"
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdefABCDEF"
_ESCAPES = b'"\\/bfnrt'


def _number_end(line, i, n):
    # -> index after a JSON number starting at i, or -1: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
    if line[i] == 45:  # -
        i += 1
    if i >= n or line[i] not in _DIGITS:
        return -1
    if line[i] == 48:  # a leading 0 stands alone
        i += 1
    else:
        while i < n and line[i] in _DIGITS:
            i += 1
    if i < n and line[i] == 46:  # .
        i += 1
        if i >= n or line[i] not in _DIGITS:
            return -1
        while i < n and line[i] in _DIGITS:
            i += 1
    if i < n and line[i] in b"eE":
        i += 1
        if i < n and line[i] in b"+-":
            i += 1
        if i >= n or line[i] not in _DIGITS:
            return -1
        while i < n and line[i] in _DIGITS:
            i += 1
    return i


def _string_end(line, i, n):
    # -> index after a JSON string whose opening quote is at i, or -1. Surrogate
    # escapes are refused: MicroPython and CPython decode them differently.
    i += 1
    while i < n:
        c = line[i]
        if c == 34:  # "
            return i + 1
        if c < 32:
            return -1
        if c == 92:  # backslash
            i += 1
            if i >= n:
                return -1
            if line[i] == 117:  # u
                hexits = line[i + 1:i + 5]
                if len(hexits) < 4:
                    return -1
                for h in hexits:
                    if h not in _HEX:
                        return -1
                if hexits[0] in b"dD" and hexits[1] in b"89abcdefABCDEF":
                    return -1
                i += 4
            elif line[i] not in _ESCAPES:
                return -1
        i += 1
    return -1


def _utf8_ok(line):
    # Strict UTF-8 (RFC 3629: no overlongs, surrogates or code points past U+10FFFF),
    # as CPython decodes it; MicroPython's own check lets some of those through.
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            lo, hi, more = 0x80, 0xBF, 1
        elif c == 0xE0:
            lo, hi, more = 0xA0, 0xBF, 2
        elif c == 0xED:
            lo, hi, more = 0x80, 0x9F, 2
        elif 0xE1 <= c <= 0xEF:
            lo, hi, more = 0x80, 0xBF, 2
        elif c == 0xF0:
            lo, hi, more = 0x90, 0xBF, 3
        elif c == 0xF4:
            lo, hi, more = 0x80, 0x8F, 3
        elif 0xF1 <= c <= 0xF3:
            lo, hi, more = 0x80, 0xBF, 3
        else:
            return False
        if i + more >= n:
            return False  # cut short
        if not lo <= line[i + 1] <= hi:
            return False
        for k in range(i + 2, i + 1 + more):
            if not 0x80 <= line[k] <= 0xBF:
                return False
        i += 1 + more
    return True


def strict_json(line):
    # True when `line` (bytes) is exactly one JSON value (RFC 8259) and nothing else.
    # MicroPython's json.loads accepts missing commas and colons, extra commas and
    # "31."; this check makes the board refuse what CPython (and the host) refuse.
    n = len(line)
    stack = bytearray(n)  # open containers: 123 "{" or 91 "[" (depth never exceeds n)
    depth = 0
    want = 0  # 0 a value, 1 after a value, 2 a key or "}", 3 a key, 4 ":", 5 a value or "]"
    i = 0
    while True:
        while i < n and line[i] in _WS:
            i += 1
        if i >= n:
            return want == 1 and not depth
        c = line[i]
        if want == 1:
            if not depth:
                return False  # something after the top-level value
            top = stack[depth - 1]
            if c == 44:  # ,
                want = 3 if top == 123 else 0
                i += 1
            elif (c == 125 and top == 123) or (c == 93 and top == 91):
                depth -= 1
                i += 1
            else:
                return False
        elif want in (2, 3):
            if c == 125 and want == 2:
                depth -= 1
                want = 1
                i += 1
            elif c == 34:
                i = _string_end(line, i, n)
                if i < 0:
                    return False
                want = 4
            else:
                return False
        elif want == 4:
            if c != 58:  # :
                return False
            want = 0
            i += 1
        elif c == 93 and want == 5:
            depth -= 1
            want = 1
            i += 1
        elif c == 123 or c == 91:
            stack[depth] = c
            depth += 1
            want = 2 if c == 123 else 5
            i += 1
        elif c == 34:
            i = _string_end(line, i, n)
            if i < 0:
                return False
            want = 1
        elif c == 45 or c in _DIGITS:
            i = _number_end(line, i, n)
            if i < 0:
                return False
            want = 1
        else:
            for word in (b"true", b"false", b"null"):
                if line[i:i + len(word)] == word:
                    i += len(word)
                    want = 1
                    break
            else:
                return False


def decode_command(line):
    # bytes of one line (no newline) -> (cmd, id, args dict), or BadCommand.
    if len(line) > MAX_LINE:
        raise BadCommand("too_long", "line longer than %d bytes" % MAX_LINE, None)
    try:
        text = line.decode("utf-8")
    except UnicodeError:
        raise BadCommand("encoding", "line is not UTF-8", None)
    if len(text) != len(line) and not _utf8_ok(line):  # same length: plain ASCII
        raise BadCommand("encoding", "line is not UTF-8", None)
    if not strict_json(line):
        raise BadCommand("json", "not JSON: send one JSON object per line", None)
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
    elif msg and cmd != "wifi":  # wifi's fields are fanctl.wifi's to check
        raise BadCommand("unknown_field", "%s takes no fields" % cmd, cmd_id)
    return cmd, cmd_id, msg
