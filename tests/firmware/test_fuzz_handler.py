"""Property-based fuzzing of the firmware's command handler (CPython only:
hypothesis does not run in MicroPython; the fixed corpus in test_fuzz_corpus.py
runs in both). Every line gets exactly one reply; a rejected line changes nothing;
no exception escapes into the loop's fail-safe."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fanctl import protocol, settings
from fanctl.app import App
from picofan.spec import wire
from scripted_board import ScriptedBoard, counts_for
from support import scratch_path

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)
fields = st.dictionaries(st.sampled_from([*settings.defaults(), "id", "cmd", "x", ""]) | st.text(),
                         json_values, max_size=5)
commands = st.builds(lambda cmd, rest: {"cmd": cmd, **rest},
                     st.sampled_from([*protocol.COMMANDS, "nope"]) | json_values, fields)


def fresh_app() -> App:
    board = ScriptedBoard(counts_for(25))
    app = App(board, scratch_path("settings.json"))
    app.start()
    while board.now < 1000:
        app.tick()
    return app


APP = fresh_app()


def send(line: bytes) -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
    app = APP
    board = app.board
    assert isinstance(board, ScriptedBoard)
    app.settings = settings.defaults()
    app.stored = None
    before = dict(app.settings)
    board.take()
    board.send(line + b"\n")
    app.tick()
    return board.take(), before, app


def check(out: list[dict[str, Any]], before: dict[str, Any], app: App, line: bytes) -> None:
    assert not [m for m in out if m["type"] == "log"], out  # no exception reached fail_safe
    assert app.fault is None
    replies = [m for m in out if m["type"] in ("ack", "error", "hello")]
    if not line.strip(b" ") and not line:
        return
    assert len(replies) == 1, (line, out)
    if replies[0]["type"] == "error":
        assert replies[0]["code"] in wire.ERRORS
        assert app.settings == before, line
    for m in out:  # everything the device said is valid JSON without NaN/Infinity
        json.dumps(m, allow_nan=False)


@given(st.binary(max_size=600).filter(lambda b: b and not set(b) & {3, 10, 13}))
def test_any_bytes_one_reply_no_exception(line: bytes) -> None:
    out, before, app = send(line)
    check(out, before, app, line)


@given(commands)
def test_any_json_command_one_reply_and_all_or_nothing(msg: dict[str, Any]) -> None:
    line = json.dumps(msg).encode()
    if len(line) > protocol.MAX_LINE:
        line = line[:protocol.MAX_LINE + 1]
    out, before, app = send(line)
    check(out, before, app, line)
    reply = next(m for m in out if m["type"] in ("ack", "error", "hello"))
    if reply["type"] == "ack" and msg.get("cmd") == "set":
        changes = {k: v for k, v in msg.items() if k not in ("cmd", "id")}
        assert app.settings == settings.merge(before, changes)
        for v in app.settings.values():
            assert not isinstance(v, float) or math.isfinite(v)
