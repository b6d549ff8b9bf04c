# runs on MicroPython too
# A fixed corpus of malformed command lines, generated deterministically (the same
# lines on CPython and in MicroPython): every one gets exactly one error reply,
# changes nothing, and the loop keeps running.
import json

from fanctl import protocol, settings
from fanctl.app import App
from picofan.spec import wire
from scripted_board import ScriptedBoard, counts_for
from support import scratch_path

CTRL_C = 3  # the board's interrupt character: not a line's content


class Lcg:
    def __init__(self, seed):
        self.x = seed

    def next(self, n):
        self.x = (self.x * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.x >> 8) % n


def junk_lines(rng, count):
    out = []
    for _ in range(count):
        n = 1 + rng.next(80)
        b = bytearray()
        while len(b) < n:
            c = rng.next(256)
            if c not in (10, 13, CTRL_C):
                b.append(c)
        out.append(bytes(b))
    return out


def huge_lines():
    m = protocol.MAX_LINE
    return [b"x" * (m + 1), b"{" * (m + 1), b'{"cmd": "ping", "pad": "' + b"a" * m + b'"}',
            b" " * (m * 4), b"[" * (m * 8)]


def deep_lines():
    out = []
    for depth in (16, 64, 128, 200, 250):
        out.append(b"[" * depth + b"]" * depth)
        out.append(b'{"a":' * depth + b"1" + b"}" * depth)
        out.append(b'{"cmd": "set", "setpoint": ' + b"[" * depth + b"]" * depth + b"}")
    return out


WRONG_VALUES = ['"x"', "true", "null", "[]", "{}", "[30]", '{"v": 1}', "-1e999", "1e999",
                "NaN", "Infinity", "-Infinity", "1e30", "-1e31", '""', "1.5"]


# Text a free-text setting refuses: too long, or characters outside -_. letters digits space.
WRONG_TEXTS = ['"%s"' % ("x" * 25), '"a/b"', '"tab\\there"', '"caf\\u00e9"', '"a\\nb"']


def is_text(row):
    return len(row) == 3 and type(row[2]) is int


def wrong_type_lines():
    out = []
    for row in settings.SPEC:
        for v in WRONG_VALUES + (WRONG_TEXTS if is_text(row) else []):
            if v == "1.5" and type(row[1]) is float:
                continue  # a wrong type only for whole-number and word settings
            if is_text(row) and v in ('"x"', '""'):
                continue  # those are names
            out.append(('{"cmd": "set", "id": 1, "%s": %s}' % (row[0], v)).encode())
    return out


def out_of_range_lines():
    out = []
    for row in settings.SPEC:
        if len(row) > 3:
            lo, hi = row[2], row[3]
            for v in (lo - 1, hi + 1):
                out.append(('{"cmd": "set", "%s": %s}' % (row[0], v)).encode())
        else:
            word = "x" * 25 if is_text(row) else "nope"
            out.append(('{"cmd": "set", "%s": "%s"}' % (row[0], word)).encode())
    # Valid one by one, refused together (all or nothing).
    out.append(b'{"cmd": "set", "setpoint": 30, "hysteresis": 0.5, "interval_ms": 150}')
    out.append(b'{"cmd": "set", "t_min": 50, "t_max": 40}')
    out.append(b'{"cmd": "set", "setpoint": 124.5, "hysteresis": 2}')
    return out


def lenient_lines():
    # MicroPython's json.loads accepts every one of these (most would set setpoint=31);
    # CPython's refuses them, and so must the firmware, on either interpreter.
    return [b'{"cmd" "set" "setpoint" 31}', b'{"cmd":"set" "setpoint":31}',
            b'{"cmd":"set","setpoint" 31}', b'{"cmd":"set",,,"setpoint":31}',
            b'{,"cmd":"set","setpoint":31}', b'{"cmd":"set":"setpoint":31}',
            b'{"cmd":"set","setpoint":31.}', b'{"cmd": "ping",}', b'{"cmd": "ping",,}',
            b'{"cmd": "set", "setpoint": 030}', b'{"cmd": "set", "setpoint": [30 31]}',
            b'{"cmd": "set", "setpoint": [30,]}', b'{"cmd": "set", "setpoint": 3e}',
            b'{"cmd": "set", "setpoint": -}', b'{"cmd": "set", "setpoint": 1.e5}',
            b'{"cmd": "ping"} x', b'{"cmd": "ping"}}', b'{"cmd": "ping", "id": "a\\qb"}',
            b'{"cmd": "ping", "id": "a\\u12"}', b'{"cmd": "ping", "id": "tab\\there\\x"}',
            b'{"cmd": "ping", "id": "\\udc00"}', b'{"cmd": "ping", "id": "a\x01b"}',
            b'{"cmd": tru}', b'{"cmd": nul}', b'{"cmd": True}']


def structure_lines():
    return [b'{"cmd": "ping", "extra": 1}', b'{"cmd": "get", "setpoint": 30}',
            b'{"cmd": "set"}', b'{"cmd": "set", "id": 2}', b'{"cmd": "set", "colour": "red"}',
            b'{"cmd": "set", "setpoint": 28, "colour": "red"}', b'{"cmd": "PING"}',
            b'{"cmd": "reboot"}', b'{"cmd": null}', b'{"cmd": 1}', b'{"cmd": ["ping"]}',
            b'{"cmd": {"ping": 1}}', b'{"id": 1}', b"{}", b"[]", b"1", b'"ping"', b"null",
            b"true", b'{"cmd": "ping", "id": 1.5}', b'{"cmd": "ping", "id": true}',
            b'{"cmd": "ping", "id": [1]}', b'{"cmd": "ping", "id": {}}',
            b'{"cmd": "ping", "id": 1073741824}', b'{"cmd": "ping", "id": "' + b"i" * 33 + b'"}',
            b"{'cmd': 'ping'}", b'{"cmd": "ping"', b'"cmd": "ping"}',
            b"cmd=ping", b"ping", b"AT+GMR", b"\x1b[A", b"\x00", b"\x04", b"\t",
            b'{"cmd": "ping"}{"cmd": "ping"}', b'{"cmd": "set", "setpoint": 0x1e}',
            b'{"cmd": "set", "setpoint": +30}',
            b'{"cmd": "set", "setpoint": .5}']


def unicode_lines():
    return ['{"cmd": "p\u00efng"}'.encode(), '{"cmd": "ping", "\u00e9": 1}'.encode(),
            '{"cmd": "set", "mode": "\u00e0uto"}'.encode(), "\u2603".encode(),
            '{"cmd": "\U0001f600"}'.encode(), '{"cmd": "set", "setpoint": "\u0663\u0660"}'.encode(),
            b'{"cmd": "ping", "id": "\xc3"}', b"\xc3\x28", b"\xed\xa0\x80", b"\xf0\x28\x8c\x28",
            b'{"cmd": "ping\xff"}', b"\xef\xbb\xbf{}", b'{"cmd": "ping", "x": "\\ud800"}',
            '{"cmd": "set", "\u0073etpoint": 1000}'.encode(), '{"cmd":\u00a0"ping"}'.encode()]


def corpus():
    rng = Lcg(2024)
    return (junk_lines(rng, 60) + huge_lines() + deep_lines() + wrong_type_lines()
            + out_of_range_lines() + structure_lines() + lenient_lines() + unicode_lines())


def test_corpus_is_big_enough_and_has_every_kind():
    lines = corpus()
    assert len(lines) >= 200, len(lines)
    assert max(len(x) for x in lines) > protocol.MAX_LINE


def test_every_corpus_line_is_one_error_and_changes_nothing():
    path = scratch_path("settings.json")
    board = ScriptedBoard(counts_for(25))
    app = App(board, path)
    app.start()
    while board.now < 6000:
        app.tick()
    s_before, stored_before, fan_before = dict(app.settings), app.stored, board.fan_on
    for i, line in enumerate(corpus()):
        board.take()
        board.send(line + b"\n")
        app.tick()
        while board.inbox:  # a bounded amount of input per pass
            app.tick()
        out = board.take()
        replies = [m for m in out if m["type"] in ("ack", "error", "hello")]
        assert len(replies) == 1 and replies[0]["type"] == "error", (i, line, replies)
        assert replies[0]["code"] in wire.ERRORS, (i, line)
        assert not [m for m in out if m["type"] == "log"], (i, line, out)
        assert app.settings == s_before and app.stored == stored_before, (i, line)
        assert app.fault is None and board.fan_on == fan_before, (i, line)
    # Nothing was written to the flash, and the device still answers.
    try:
        open(path).close()
        wrote = True
    except OSError:
        wrote = False
    assert not wrote
    board.send(json.dumps({"cmd": "ping", "id": 99}).encode() + b"\n")
    app.tick()
    assert board.take("ack")[0]["id"] == 99
