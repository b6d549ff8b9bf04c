# Runs on CPython and MicroPython alike: the firmware's reply to every line of the
# fixed corpus (test_fuzz_corpus.py) and to some good lines, one JSON line each,
# so tests/firmware/test_interpreters.py can compare interpreters reply by reply.
import json

from test_fuzz_corpus import corpus

from fanctl.app import App
from scripted_board import ScriptedBoard, counts_for
from support import scratch_path

GOOD = [b'{"cmd": "ping", "id": 1}', b'{"cmd": "get", "id": "g"}',
        b'{"cmd": "set", "id": 2, "setpoint": 28.5, "hysteresis": 1.5, "mode": "auto"}',
        b'{"cmd": "set", "id": 3, "setpoint": -0.0, "min_on_ms": 0}',
        b'{"cmd":"set","id":4,"setpoint":3.1e1}', b' {"cmd" : "hello" , "id" : 5} ',
        '{"cmd": "ping", "id": "\u00e9\u20ac"}'.encode(), b'{"cmd": "ping", "id": "\\u00e9\\n"}',
        b'{"cmd": "reset", "id": 6}']


def main():
    board = ScriptedBoard(counts_for(25))
    app = App(board, scratch_path("settings.json"))
    app.start()
    while board.now < 6000:
        app.tick()
    for line in corpus() + GOOD:
        board.take()
        board.send(line + b"\n")
        app.tick()
        while board.inbox:  # a bounded amount of input per pass
            app.tick()
        replies = [m for m in board.take() if m["type"] in ("ack", "error", "hello")]
        print(json.dumps(replies))


main()
