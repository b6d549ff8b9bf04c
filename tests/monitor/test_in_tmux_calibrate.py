"""The calibration screen in a real terminal, as docs/monitor.md tells it: a virtual Pico
(as `make sim` starts one), `picofan monitor --port` on it in tmux at 80x24, the bead
into a bath from the simulator's console, t, the reference typed, Enter, Ctrl+S, y."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from terminal import Tmux

from picofan.calibration import History
from picofan.client import Device
from picofan.sim.process import SimProcess

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # real time: the reading settles as a person waits for it

TERM = Tmux("picofan-calibrate")


@pytest.fixture
def sim() -> Iterator[SimProcess]:
    with SimProcess(seed=11) as s:  # real time, as `make sim`
        yield s


def test_one_point_pushed_and_saved_from_the_calibration_screen(
        sim: SimProcess, tmp_path: Path) -> None:
    state = tmp_path / "state"
    picofan = Path(sys.executable).parent / "picofan"
    TERM.start(f"env XDG_STATE_HOME={state} {picofan} monitor --port {sim.port} --no-log; "
               "echo MONITOR-EXITED $?; sleep 30", cwd=ROOT, width=80, height=24)
    try:
        TERM.wait_for("● connected", "^p palette", timeout=60)
        sim.control("fault open")  # the thermistor unplugged: no reading to take
        TERM.keys("t")
        shown = TERM.wait_for("Calibrate the thermistor of", "thermistor fault (open)",
                              "esc leave", timeout=60)
        assert "reference °C" in shown and "fit: take a point first" in shown
        TERM.keys("2", "5", "Enter")  # no reading: the point waits for a stable one
        TERM.wait_for("waiting: 25 °C is taken once the reading is stable", timeout=60)
        sim.control("fault none")
        sim.control("bath 25")
        TERM.wait_for("point 1 taken: 25 °C", "fit: offset from 1 point", timeout=120)
        TERM.keys("C-s")
        TERM.wait_for("Push and save this calibration?", "model=beta r0=", timeout=60)
        TERM.keys("y")
        TERM.wait_for("pushed and saved on the board: model=beta r0=", timeout=60)
        TERM.keys("Escape")
        shown = TERM.wait_for("q quit", timeout=60)
        assert "Calibrate the thermistor" not in shown
        TERM.keys("q")
        TERM.wait_for("MONITOR-EXITED 0", timeout=60)
    finally:
        TERM.stop()
    device = Device(sim.port, reply_timeout=30).start()
    try:
        got = device.request("get")
    finally:
        device.close()
    before = History(sim.info["uid"], root=state / "picofan").previous()
    assert before is not None and before["r0"] == 10000.0  # the defaults, kept for undo
    assert got["saved"] and got["settings"]["r0"] != 10000.0
