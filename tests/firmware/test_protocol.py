# runs on MicroPython too
import json

from fanctl import protocol
from fanctl.protocol import BadCommand, decode_command
from fanctl.settings import defaults, merge
from fanctl.usb import TxQueue
from picofan.spec import wire as schema
from scripted_board import ScriptedBoard
from support import raises


def code_of(line):
    return raises(BadCommand, decode_command, line).code


def test_decode_valid_commands():
    assert decode_command(b'{"cmd": "ping", "id": 1}') == ("ping", 1, {})
    assert decode_command(b'{"cmd":"set","id":"a7","setpoint":28}') == ("set", "a7",
                                                                         {"setpoint": 28})
    assert decode_command(b'{"cmd":"get"}') == ("get", None, {})


def test_decode_refuses_malformed_lines():
    cases = [
        (b"hello", "json"),
        (b"AT", "json"),
        (b'{"cmd": "ping"', "json"),
        (b"\xff\xfe{}", "encoding"),
        (b"[1, 2]", "not_object"),
        (b'"ping"', "not_object"),
        (b'{"cmd": "reboot"}', "unknown_cmd"),
        (b'{"cmd": ["ping"]}', "unknown_cmd"),
        (b'{"id": 3}', "unknown_cmd"),
        (b'{"cmd": "ping", "id": [1]}', "bad_id"),
        (b'{"cmd": "ping", "id": 1.5}', "bad_id"),
        (b'{"cmd": "ping", "id": "' + b"x" * 40 + b'"}', "bad_id"),
        (b'{"cmd": "set", "id": 1}', "missing"),
        (b'{"cmd": "ping", "extra": 1}', "unknown_field"),
        (b"[" * 400, "json"),
        (b"x" * (protocol.MAX_LINE + 1), "too_long"),
    ]
    for line, code in cases:
        assert code_of(line) == code, (line, code_of(line))


def test_malformed_json_is_refused_on_every_interpreter():
    # MicroPython's json.loads accepts every one of these (each would set setpoint=31);
    # CPython refuses them. The board must refuse them too.
    lines = [b'{"cmd" "set" "setpoint" 31}', b'{"cmd":"set" "setpoint":31}',
             b'{"cmd":"set","setpoint" 31}', b'{"cmd":"set",,,"setpoint":31}',
             b'{,"cmd":"set","setpoint":31}', b'{"cmd":"set":"setpoint":31}',
             b'{"cmd":"set","setpoint":31.}', b'{"cmd":"set","setpoint":31,}',
             b'{"cmd":"set","setpoint":031}', b'{"cmd":"set","setpoint":+31}',
             b'{"cmd":"set","setpoint":.5}', b'{"cmd":"set","setpoint":31}}',
             b'{"cmd":"ping","id":"\\x"}', b'{"cmd":"ping","id":"\\ud800"}',
             b'{"cmd":"ping"} {"cmd":"ping"}', b"{'cmd':'ping'}", b'{cmd:"ping"}']
    for line in lines:
        assert code_of(line) == "json", (line, code_of(line))


def test_invalid_utf8_is_refused_on_every_interpreter():
    # Overlong forms and encoded surrogates: CPython refuses them, MicroPython's own
    # check does not; the firmware refuses them everywhere.
    for bad in (b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"):
        line = b'{"cmd":"ping","id":"' + bad + b'"}'
        assert code_of(line) == "encoding", line
    assert decode_command('{"cmd":"ping","id":"é€😀"}'.encode())[1] == "é€😀"


def test_nan_and_infinity_are_refused():
    # MicroPython's parser refuses the tokens; CPython's accepts them and the
    # value checks refuse them. Either way: an error, nothing applied.
    assert code_of(b"NaN") in ("json", "not_object")
    for bad in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
        cmd = decode_command(b'{"cmd": "set", "setpoint": 30}')
        try:
            cmd = decode_command(b'{"cmd": "set", "setpoint": ' + bad + b"}")
        except BadCommand as e:
            assert e.code == "json"
            continue
        raises(ValueError, merge, defaults(), cmd[2])


def test_errors_echo_the_id_when_known():
    e = raises(BadCommand, decode_command, b'{"cmd": "fly", "id": 9}')
    assert e.id == 9


def test_messages_carry_exactly_their_declared_fields():
    s = defaults()
    built = {
        "hello": protocol.hello("1", "b", "e6614103e7452d2f", "0000b007", "power", s, True, None),
        "tele": protocol.tele("0000b007", 0, 5, 25.0, 32768, 10000.0, True, s, None),
        "ack": protocol.ack(1, "ping"),
        "error": protocol.error(1, "json", "x"),
        "log": protocol.log("info", "x"),
    }
    for kind, msg in built.items():
        fields = set(name for name, _ in schema.MESSAGES[kind])
        assert set(msg) - {"type"} == fields, kind
        assert json.loads(protocol.encode(msg)) == msg


def test_telemetry_rounds_and_never_emits_nan():
    msg = protocol.tele("0000b007", 0, 1, None, 0, None, True, defaults(), "open")
    assert json.loads(protocol.encode(msg))["temp"] is None
    msg = protocol.tele("0000b007", 0, 1, 25.123456, 32768, 10000.04, False, defaults(), None)
    assert msg["temp"] == 25.123 and msg["ohms"] == 10000.0


def written(*args):
    # protocol.tele(*args) written into the board's transmit queue, as the board sends
    # it: the line that reached the port.
    board = ScriptedBoard()
    queue = TxQueue(board)
    assert queue.put_written(lambda out: protocol.tele(*args, out=out))
    (line,) = board.out
    return line


class Net:
    # What tele reads of fanctl.net.Net.
    def __init__(self, wifi, rssi, mqtt):
        self.wifi = wifi
        self.rssi = rssi
        self.mqtt = mqtt


def test_telemetry_written_piece_by_piece_is_the_message_json_dumps_gives():
    s = merge(defaults(), {"setpoint": 27.25, "hysteresis": 0.7, "mode": "on"})
    cases = [
        ("0000b007", 0, 5, 25.0, 32768, 10000.0, True, defaults(), None, None, None),
        ("9c2e51a0", (1 << 30) - 1, 123456789, -12.3456789, 0, None, False, s, "open", None,
         None),
        ("9c2e51a0", 81, 81200, 24.87349, 65535, 10219.649, True, s, None, 42.46, 1260),
        ("ffffffff", 10, -5, 99.9996, 100, 123456789.06, True, s, "range", 0.04, 123456789),
        ("00000000", 7, 1, None, 1, 1e-07, True, s, "stall", 100.0, 0),
    ]
    nets = (None, Net("up", -67, "connecting"), Net("joining", None, "down"))
    for i, args in enumerate(cases):
        for kick, demand in ((False, None), (True, 33.333), (False, 0.0)):
            net = nets[i % len(nets)]
            full = list(args)
            full.extend((demand, kick, net))
            msg = protocol.tele(*full)
            text = written(*full)
            assert json.loads(text) == msg
            # ...each value formatted as json.dumps formats it (on MicroPython too)
            for key, value in msg.items():
                assert ('"%s": %s' % (key, json.dumps(value))) in text, (key, text)
            assert set(msg) - {"type"} == set(name for name, _ in schema.MESSAGES["tele"])
