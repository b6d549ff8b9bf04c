"""`picofan monitor --replay FILE.csv` as a user runs it, in a real terminal: a log
`picofan log` wrote, shown in the monitor up to its last reading, read-only."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import picofan_cli
import pytest
from monitor_pilot import until
from polling import until as until_true
from rich.console import Console
from terminal import Tmux
from textual.widgets import Static

from fanctl import protocol as wire
from fanctl.settings import defaults, merge
from picofan.logger import CsvLog
from picofan.monitor.app import MonitorApp
from picofan.monitor.replay import Replay


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


@pytest.mark.slow  # a real terminal, redrawn in real time
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
        footer = until_true(lambda: next((line for line in [term.screen().rstrip().splitlines()[-1]]
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


def control_log(path: Path, control: str) -> None:
    """A minute of readings under `control`, the curve from 25 to 35 °C, a PWM fan."""
    log = CsvLog(path)
    log.settings = merge(defaults(), {"control": control, "output": "pwm", "curve_low": 25.0,
                                      "curve_high": 35.0})
    start = datetime(2026, 11, 23, 14, 0, 0).astimezone()
    for i in range(60):
        log.telemetry(start + timedelta(seconds=i),
                      wire.tele("aaaa0001", i, 1000 * i, 29.5 + i / 59, 30000, 9000.0, True,
                                log.settings, None, 50.0))
    log.close()


@pytest.mark.parametrize(("control", "guides"), [("curve", (25.0, 35.0)),
                                                 ("pid", (30.0, 30.0)),
                                                 ("hysteresis", (29.0, 31.0))])
async def test_replay_draws_the_guides_of_the_control_it_logged(
        tmp_path: Path, control: str, guides: tuple[float, float]) -> None:
    path = tmp_path / "run.csv"
    control_log(path, control)
    app = MonitorApp(Replay(path), refresh_s=0.05)
    async with app.run_test(size=(110, 36)) as pilot:
        await until(pilot, lambda: app.state.lines == 60)
        points = app.state.window(60)
        assert {(p.control, p.off_at, p.on_at) for p in points} == {(control, *guides)}


async def test_replay_help_lists_only_the_keys_that_apply_to_a_file(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    control_log(path, "hysteresis")
    app = MonitorApp(Replay(path), refresh_s=0.05)
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: bool(app.screen.query("#help-keys")))
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#help-keys", Static).content)
        shown = console.export_text()
        for applies in ("leave the monitor", "freeze / resume the plot", "the plot's window",
                        "save the screen"):
            assert applies in shown, shown
        for board_only in ("raise the setpoint", "store the settings on the board",
                           "recording", "calibrat", "settings box", "virtual Pico"):
            assert board_only not in shown, (board_only, shown)
