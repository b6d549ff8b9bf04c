"""The monitor's calibration screen (t, or the palette): the settling indicator, points
taken against a reference, a refused fit, push and save behind one confirmation, undo,
and Escape changing nothing. Against a device the test plays (its ohms exactly as the
test says) and against the virtual Pico with its bead held in a bath."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from monitor_pilot import BOOT, commands, hello, line, running, until
from rich.console import Console
from scripted_device import ScriptedDevice
from textual.binding import Binding
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Static

from fanctl import protocol as wire
from fanctl.settings import defaults
from fanctl.thermistor import ohms_to_c
from picofan.calibration import CONVERSION, History
from picofan.monitor.app import MonitorApp
from picofan.monitor.calibrate import CalibrateScreen
from picofan.monitor.confirm_push import ConfirmPush
from picofan.sim.process import SimProcess


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


def table(app: MonitorApp, selector: str) -> str:
    """A table on the screen on top, as text."""
    console = Console(file=io.StringIO(), width=200)
    console.print(app.screen.query_one(selector, Static).content)
    return console.file.getvalue()  # type: ignore[attr-defined]


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


async def take(pilot: Pilot[int], app: MonitorApp, reference: str,
               board: Board | None = None, ohms: float = 0.0) -> None:
    """The reference typed, Enter, and the point taken once the reading settles (on
    the scripted `board`: its telemetry at `ohms` until then)."""
    before = len(calibration(app).steps.points)
    await pilot.press(*reference, "enter")
    await until(pilot, lambda: calibration(app).steps.waiting is not None
                or len(calibration(app).steps.points) > before)
    if board is not None:
        await settle(pilot, app, board, ohms)
    await until(pilot, lambda: len(calibration(app).steps.points) == before + 1)


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
        # Typed before there is a reading: the point waits for the reading to settle.
        await pilot.press(*"25,2", "enter")
        await until(pilot, lambda: text(app, "#calib-status").startswith("waiting: 25.2 °C"))
        assert not calibration(app).steps.points
        # A reading that moves never settles; a steady one does, the bar filling.
        for ohms in (12000.0, 11000.0, 10000.0, 9000.0):
            board.tele(ohms)
        await until(pilot, lambda: app.state.lines == 4)
        assert "then 25.2 °C is taken" in gauge(app)
        seen = await settle(pilot, app, board, 10000.0)
        assert seen[0] < 0.5 and seen[-1] == 1.0 and len(set(seen)) > 3, seen
        assert all(p < 1.0 for p in seen[:-1])
        await until(pilot, lambda: len(calibration(app).steps.points) == 1)
        assert calibration(app).steps.points[0].reference_c == 25.2
        assert calibration(app).steps.points[0].ohms == pytest.approx(10000.0)
        assert "point 1 taken: 25.2 °C at 10000.0 Ω" in text(app, "#calib-status")
        assert "10000.0 Ω" in text(app, "#calib-live")
        await pilot.press(*"abc", "enter")
        await until(pilot, lambda: "'abc' is not a number" in text(app, "#calib-status"))
        await until(pilot, lambda: text(app, "#calib-fit").startswith("fit: "))
        # A fault restarts the indicator: no point from a broken reading.
        app.screen.query_one("#calib-reference", Input).value = "30"
        board.tele(None, "open")
        await until(pilot, lambda: "fault" in text(app, "#calib-live"))
        assert "stable" not in gauge(app)
        await pilot.press("enter")
        await until(pilot, lambda: "then 30 °C is taken" in gauge(app))
        await pilot.press("ctrl+r")  # not this one after all
        await until(pilot, lambda: text(app, "#calib-status") == "30 °C not taken")
        assert len(calibration(app).steps.points) == 1
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CalibrateScreen))
        assert not commands(device, "set") and not commands(device, "save")
        await pilot.press("t")  # again: a new calibration, the old points forgotten
        await until(pilot, lambda: isinstance(app.screen, CalibrateScreen))
        assert not calibration(app).steps.points


async def test_the_palette_opens_it_and_the_help_lists_its_keys(
        device: ScriptedDevice) -> None:
    async with running(device.path) as (app, pilot):
        device.send(hello())
        await until(pilot, lambda: app.state.settings is not None)
        shown = "\n".join(what for _, rows in app.help_sections() for _, what in rows)
        for binding in CalibrateScreen.BINDINGS:
            assert isinstance(binding, Binding) and binding.tooltip in shown, binding
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
        await take(pilot, app, "0", board, 10000.0)
        await take(pilot, app, "50", board, 20000.0)
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



async def in_bath(pilot: Pilot[int], app: MonitorApp, sim: SimProcess, bath_c: float) -> None:
    """The bead into a stirred bath at bath_c, and the screen's indicator full for the
    new reading (not still for the last one: its average near the bath)."""
    sim.control(f"bath {bath_c:g}")

    def settled_there() -> bool:
        settling = calibration(app).settling
        return bool(settling and settling.stable and settling.temp_c is not None
                    and abs(settling.temp_c - bath_c) < 2.0 and "stable" in gauge(app))

    await until(pilot, settled_there)


def on_board(app: MonitorApp) -> dict[str, Any]:
    """The conversion settings the board itself reports now."""
    return {k: v for k, v in app.device.request("get")["settings"].items() if k in CONVERSION}


async def test_three_baths_push_and_save_then_undo(history_home: Path) -> None:
    """Ice water, room temperature and warm water: three points, a Steinhart-Hart fit,
    pushed and saved after one confirmation; the board then reads ice water as the
    reference does. Undo puts the board's old calibration back."""
    with SimProcess(speed=20, seed=11) as sim:
        async with running(sim.port, sim, reply_timeout=30) as (app, pilot):
            await open_screen(pilot, app)
            factory = on_board(app)
            uid = app.state.hello["uid"] if app.state.hello else ""
            read_in_ice = None
            for bath_c in (0.0, 25.0, 50.0):
                await in_bath(pilot, app, sim, bath_c)
                if bath_c == 0.0:
                    read_in_ice = calibration(app).settling.temp_c  # type: ignore[union-attr]
                await take(pilot, app, f"{bath_c:g}")
            # This seed's parts (R25, Beta, the ADC's offset) read ice water 0.2 degC off.
            assert read_in_ice is not None and abs(read_in_ice) > 0.1, read_in_ice
            await until(pilot, lambda: text(app, "#calib-fit").startswith(
                "fit: steinhart from 3 points"))
            found = calibration(app).steps.found
            assert found is not None and all(abs(r) < 0.01 for r in found.residuals)
            curve = table(app, "#calib-curve")
            assert "fit °C" in curve and "-20.00" in curve and "100.00" in curve, curve
            assert len(table(app, "#calib-points").splitlines()) == 4  # a header, 3 points
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, ConfirmPush))
            assert "model=steinhart" in text(app, "#confirm-changes")
            assert on_board(app) == factory, "nothing is sent before the confirmation"
            await pilot.press("y")
            await until(pilot, lambda: text(app, "#calib-status").startswith(
                "pushed and saved on the board"))
            pushed = on_board(app)
            assert pushed == {**factory, **found.changes}
            assert app.device.request("save")["saved"], "already in the board's flash"
            assert History(uid).previous() == factory
            assert (history_home / "picofan").is_dir()
            # After: the board reads ice water as the reference thermometer does.
            await in_bath(pilot, app, sim, 0.0)

            def error_now() -> float:
                settling = calibration(app).settling
                assert settling is not None and settling.temp_c is not None
                return abs(settling.temp_c - sim.control("reference")["reference_c"])

            await until(pilot, lambda: error_now() < 0.05)
            print(f"ice water, seed 11: read {read_in_ice:+.3f} before, {error_now():.3f} "
                  "degC off after")
            # Undo, behind the same confirmation: the old calibration back, and saved.
            await pilot.press("ctrl+z")
            await until(pilot, lambda: isinstance(app.screen, ConfirmPush))
            await pilot.press("n")  # no: nothing changes
            await until(pilot, lambda: isinstance(app.screen, CalibrateScreen))
            assert on_board(app) == pushed
            await pilot.press("ctrl+z")
            await until(pilot, lambda: isinstance(app.screen, ConfirmPush))
            await pilot.press("enter")
            await until(pilot, lambda: text(app, "#calib-status").startswith(
                "undone and saved on the board"))
            assert on_board(app) == factory
            assert History(uid).previous() is None
            await pilot.press("ctrl+z")
            await until(pilot, lambda: text(app, "#calib-status").startswith(
                "nothing to undo"))
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, CalibrateScreen))


async def test_a_push_the_board_refuses_says_why_and_leaves_no_undo(
        device: ScriptedDevice) -> None:
    """The board has the last word: its refusal is shown in its words, and the history
    keeps no undo for a calibration the board never took."""
    board = Board(device)
    async with running(device.path, reply_timeout=3600) as (app, pilot):
        device.send(hello())
        await open_screen(pilot, app)
        await take(pilot, app, "24", board, 10000.0)
        await until(pilot, lambda: text(app, "#calib-fit").startswith("fit: offset"))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmPush))
        await pilot.press("escape")  # no
        await until(pilot, lambda: text(app, "#calib-status") == "not pushed: nothing changed")
        assert not commands(device, "set")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmPush))
        await pilot.press("y")
        await until(pilot, lambda: len(commands(device, "set")) == 1)
        sent = commands(device, "set")[0]
        assert sent["model"] == "beta" and sent["r0"] != 10000.0
        # Recorded first: a calibration on its way has its undo on disk.
        assert History("e6614103e7452d2f").previous() is not None
        device.send(line(wire.error(sent["id"], "io", "could not write settings: ENOSPC")))
        await until(pilot, lambda: text(app, "#calib-status").startswith("refused"))
        assert text(app, "#calib-status") == ("refused by the device: could not write "
                                              "settings: ENOSPC")
        assert History("e6614103e7452d2f").previous() is None
        assert not commands(device, "save")
        await pilot.press("escape")  # nothing half done: it leaves
        await until(pilot, lambda: not isinstance(app.screen, CalibrateScreen))
