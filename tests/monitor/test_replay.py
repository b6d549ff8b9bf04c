"""`picofan monitor --replay FILE.csv` as a user runs it, in a real terminal: a log
`picofan log` wrote, shown in the monitor up to its last reading, read-only."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import picofan_cli
import pytest
from polling import until
from terminal import Tmux

from fanctl import protocol as wire
from fanctl.settings import defaults, merge
from picofan.logger import CsvLog

pytestmark = pytest.mark.slow  # a real terminal, redrawn in real time


def scripted_log(path: Path) -> None:
    """Five minutes of readings ending at 31.234 °C with the fan on, setpoint 29."""
    log = CsvLog(path)
    start = datetime(2026, 11, 23, 14, 0, 0).astimezone()
    s = merge(defaults(), {"setpoint": 29.0})
    for i in range(300):
        temp = 28.0 + i * (31.234 - 28.0) / 299
        log.telemetry(start + timedelta(seconds=i),
                      wire.tele("aaaa0001", i, 1000 * i, temp, 30000, 9000.0, i > 200, s, None))
    log.close()


def test_replay_shows_the_log_and_sends_nothing(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    scripted_log(path)
    before = path.read_bytes()
    term = Tmux("picofan-replay-test")
    term.start(f"{picofan_cli.PICOFAN} monitor --replay {path}; echo EXITED $?; sleep 60",
               cwd=tmp_path, width=80, height=24)
    try:
        shown = term.wait_for("▶ replay of", "FAN ON", timeout=60)
        assert "2026-11-23 14:00:00 to 14:04:59  ·  300 readings  ·  read-only" in shown
        assert "setpoint 29.00 °C" in shown
        assert "╶─╮╶╮  ╶─╮╶─╮" in shown  # the last reading in big digits: 31.23
        # read-only, and it says so: the footer offers no key that would send
        assert "a replay of run.csv: read-only" in shown
        # The footer is drawn after the panels: wait for it rather than catch a half-drawn
        # screen on a busy machine.
        footer = until(lambda: next((line for line in [term.screen().rstrip().splitlines()[-1]]
                                     if "quit" in line), None), "the replay's footer", 60)
        assert "setpoint" not in footer and "save" not in footer
        term.keys("q")
        shown = term.wait_for("EXITED", timeout=60)
        assert "EXITED 0" in shown and "300 readings replayed from" in shown
    finally:
        term.stop()
    assert path.read_bytes() == before  # the log is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.csv", "run.events.log"]


def test_replay_of_a_file_that_is_not_a_log_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n")
    done = picofan_cli.run("monitor", "--replay", str(path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "not a picofan log" in done.stderr
    done = picofan_cli.run("monitor", "--replay", str(path), "--sim")
    assert done.returncode == 2 and "one source" in done.stderr
