"""The monitor's calibration screen (t, or the palette): the settling indicator, points
taken against a reference, a refused fit, push and save behind one confirmation, undo,
and Escape changing nothing. Against a device the test plays (its ohms exactly as the
test says) and against the virtual Pico with its bead held in a bath."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from monitor_pilot import BOOT, commands, hello, line, running, until
from scripted_device import ScriptedDevice
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Static

from fanctl import protocol as wire
from fanctl.settings import defaults
from fanctl.thermistor import ohms_to_c
from picofan.monitor.app import MonitorApp
from picofan.monitor.calibrate import CalibrateScreen, ConfirmPush


@pytest.fixture
def device() -> Iterator[ScriptedDevice]:
    d = ScriptedDevice()
    yield d
    d.close()


@pytest.fixture(autouse=True)
def history_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The undo history in this test's own folder, never the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


class Board:
    """The scripted device's telemetry: one line a second of device time, its ohms
    as the test sets them."""

    def __init__(self, device: ScriptedDevice) -> None:
        self.device = device
        self.seq = 0
        self.settings = defaults()

    def tele(self, ohms: float | None, fault: str | None = None) -> None:
        temp = None if ohms is None else ohms_to_c(ohms, self.settings)
        self.device.send(line(wire.tele(BOOT, self.seq, self.seq * 1000, temp, 30000,
                                        ohms, False, self.settings, fault)))
        self.seq += 1


def calibration(app: MonitorApp) -> CalibrateScreen:
    screen = app.screen
    assert isinstance(screen, CalibrateScreen), screen
    return screen


def text(app: MonitorApp, selector: str) -> str:
    """What a widget of the screen on top shows."""
    return str(app.screen.query_one(selector, Static).render())


def gauge(app: MonitorApp) -> str:
    return text(app, "#calib-settling")


async def settle(pilot: Pilot[int], app: MonitorApp, board: Board, ohms: float) -> list[float]:
    """Telemetry at `ohms` until the screen says stable, one line at a time (each
    waited for); the indicator's progress after each line."""
    seen: list[float] = []
    for _ in range(600):
        board.tele(ohms)
        await until(pilot, lambda n=board.seq: app.state.lines == n)
        settling = calibration(app).settling
        assert settling is not None
        await until(pilot, lambda p=settling.progress: f"{p:4.0%}" in gauge(app))
        seen.append(settling.progress)
        if "stable" in gauge(app):
            return seen
    raise AssertionError(f"never stable: {seen[-5:]}")


async def take(pilot: Pilot[int], app: MonitorApp, reference: str) -> None:
    before = len(calibration(app).points)
    await pilot.press(*reference, "enter")
    await until(pilot, lambda: len(calibration(app).points) == before + 1)


async def open_screen(pilot: Pilot[int], app: MonitorApp) -> None:
    await until(pilot, lambda: app.state.settings is not None)
    await pilot.press("t")
    await until(pilot, lambda: isinstance(app.screen, CalibrateScreen))


async def test_settling_then_a_point_and_escape_changes_nothing(device: ScriptedDevice) -> None:
    board = Board(device)
    async with running(device.path) as (app, pilot):
        device.send(hello())
        await open_screen(pilot, app)
        assert "Calibrate the thermistor of e6614103e7452d2f" in text(app, "#calib-title")
        await pilot.press(*"0", "enter")  # no reading yet: not taken, one line says why
        await until(pilot, lambda: text(app, "#calib-status").startswith("not taken"))
        assert "not stable" in text(app, "#calib-status")
        assert not calibration(app).points
        # A reading that moves never settles; a steady one does, the bar filling.
        for ohms in (12000.0, 11000.0, 10000.0, 9000.0):
            board.tele(ohms)
        await until(pilot, lambda: app.state.lines == 4)
        seen = await settle(pilot, app, board, 10000.0)
        assert seen[0] < 0.5 and seen[-1] == 1.0 and len(set(seen)) > 3, seen
        assert all(p < 1.0 for p in seen[:-1])
        assert "10000.0 Ω" in text(app, "#calib-live")
        box = app.screen.query_one("#calib-reference", Input)
        assert box.value == "0"  # kept: Enter again takes it once the reading is stable
        box.value = ""
        await pilot.press(*"abc", "enter")
        await until(pilot, lambda: "'abc' is not a number" in text(app, "#calib-status"))
        box.value = ""
        await take(pilot, app, "25,2")
        assert calibration(app).points[0].reference_c == 25.2
        assert calibration(app).points[0].ohms == pytest.approx(10000.0)
        await until(pilot, lambda: text(app, "#calib-fit").startswith("fit: "))
        # A fault restarts the indicator: no point from a broken reading.
        board.tele(None, "open")
        await until(pilot, lambda: "fault" in text(app, "#calib-live"))
        assert "stable" not in gauge(app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CalibrateScreen))
        assert not commands(device, "set") and not commands(device, "save")
        await pilot.press("t")  # again: a new calibration, the old points forgotten
        await until(pilot, lambda: isinstance(app.screen, CalibrateScreen))
        assert not calibration(app).points


async def test_the_palette_opens_it(device: ScriptedDevice) -> None:
    async with running(device.path) as (app, pilot):
        device.send(hello())
        await until(pilot, lambda: app.state.settings is not None)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "calibrate the thermistor (t)" in titles
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Calibrate the thermistor")
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CalibrateScreen))


async def test_a_refused_fit_is_one_line_and_nothing_is_pushed(
        device: ScriptedDevice) -> None:
    """Resistance rising with temperature is no NTC: the fit is refused, and said so."""
    board = Board(device)
    async with running(device.path) as (app, pilot):
        device.send(hello())
        await open_screen(pilot, app)
        await settle(pilot, app, board, 10000.0)
        await take(pilot, app, "0")
        await settle(pilot, app, board, 20000.0)
        await take(pilot, app, "50")
        await until(pilot, lambda: text(app, "#calib-fit").startswith("fit refused: "))
        refusal = text(app, "#calib-fit")
        assert "\n" not in refusal and len(refusal) > len("fit refused: ") + 10
        assert app.screen.query_one("#calib-fit").has_class("error")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: text(app, "#calib-status").startswith("nothing to push"))
        assert not isinstance(app.screen, ConfirmPush)
        # Dropping the bad point brings a fit back.
        await pilot.press("ctrl+r")
        await until(pilot, lambda: text(app, "#calib-fit").startswith("fit: "))
        assert not commands(device, "set")


def reply_to(device: ScriptedDevice, cmd: str, settings: dict[str, Any], n: int) -> None:
    """Answer the n-th `cmd` the host sent (0-based) once it has arrived."""
    from polling import until as wait

    sent = wait(lambda: commands(device, cmd)[n:n + 1], f"a {cmd} from the monitor")[0]
    device.send(line(wire.ack(sent["id"], cmd, {"settings": settings, "saved": cmd == "save"})))
