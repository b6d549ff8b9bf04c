"""A board on Wi-Fi and the bridge publish the same Home Assistant device: the board's
discovery config (fanctl.ha, written on MicroPython's unix port as the virtual Pico and
the board run it) is the bridge's, byte for byte, but for its availability; so a board
moved from USB+bridge to Wi-Fi keeps its entities (same unique ids)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fanctl import ha as board_ha
from fanctl import settings
from picofan.bridge import ha

ROOT = Path(__file__).resolve().parents[2]
UNIX_MICROPYTHON = Path(sys.executable).parent / "micropython"
MICROPYPATH = (f"{ROOT / 'firmware'}:{ROOT / 'tests/firmware'}:{ROOT / 'benchmarks/rigs'}:"
               f"{ROOT / 'host'}:.frozen")
BID = "e6614c311b2f5c37"
HELLO = {"fw": "0.1.0", "board": "Raspberry Pi Pico W", "uid": BID}
BOARDS = {"switch": {}, "pwm": {"output": "pwm"},
          "pwm_tach_named": {"output": "pwm", "tach": "on", "name": "rack 2"}}
# The board's own script: its config for each of BOARDS, one JSON line each.
WRITE = """
import io, sys
from fanctl import ha, settings
for over in %r:  # (a list: MicroPython's dicts keep no order)
    s = settings.defaults()
    s.update(over)
    out = io.StringIO()
    ha.write_discovery(out, %r, %r, s, [ha.topic(%r, "availability")])
    sys.stdout.write(out.getvalue() + "\\n")
"""


def micropython(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(UNIX_MICROPYTHON), "-c", script], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "MICROPYPATH": MICROPYPATH})


def bridge_config(over: dict[str, Any], availability: list[str]) -> dict[str, Any]:
    board = {**settings.defaults(), **over}
    return ha.discovery(BID, {**HELLO, "settings": board}, board, availability)


def test_the_board_publishes_the_bridges_config_byte_for_byte_but_availability() -> None:
    run = micropython(WRITE % (list(BOARDS.values()), BID, HELLO, BID))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(BOARDS)
    own = [ha.Topics(BID).availability]
    for line, over in zip(lines, BOARDS.values(), strict=True):
        assert line.encode() == ha.encode(bridge_config(over, own))
        board, bridged = json.loads(line), bridge_config(
            over, [ha.Topics(BID).availability, ha.bridge_status_topic("host")])
        # what differs: the availability alone (the board's: its own, with its will)
        assert board["avty"] == [{"t": f"picofan/{BID}/availability"}]
        assert len(bridged["avty"]) == 2
        assert {**board, "avty": bridged["avty"]} == bridged
        # so the same device and the same unique ids
        assert board["dev"]["ids"] == bridged["dev"]["ids"] == [f"picofan_{BID}"]
        ids = {e["uniq_id"] for e in board["cmps"].values() if "uniq_id" in e}
        assert ids == {e["uniq_id"] for e in bridged["cmps"].values() if "uniq_id" in e}


@pytest.mark.parametrize("over", BOARDS.values(), ids=list(BOARDS))
def test_on_cpython_the_board_writes_the_same_config(over: dict[str, Any]) -> None:
    board = {**settings.defaults(), **over}
    out = io.StringIO()
    board_ha.write_discovery(out, BID, HELLO, board, ["a"])
    assert json.loads(out.getvalue()) == bridge_config(over, ["a"])


def test_the_glue_runs_on_the_unix_port() -> None:
    run = subprocess.run(
        [str(UNIX_MICROPYTHON), str(ROOT / "tests/micropython/unittest_lite.py"),
         "test_homeassistant"], capture_output=True, text=True, timeout=300,
        env={**os.environ, "MICROPYPATH": MICROPYPATH})
    assert "micropython: " in run.stdout, run.stderr
    assert " 0 failed" in run.stdout and "FAIL" not in run.stdout, run.stdout[-3000:]
    assert run.stdout.count("PASS test_homeassistant.") >= 10
