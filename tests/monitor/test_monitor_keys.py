"""The monitor's keys, help, palette and layout, against a device the test
plays on a real pty (it answers only when the test says so)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from monitor_pilot import commands, footer, hello, line, running, text, until
from rich.console import Console
from scripted_device import ScriptedDevice
from textual.command import CommandPalette
from textual.widgets import Input, Static

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan.monitor.app import MIN_SIZE, MonitorApp
from picofan.monitor.help import HelpScreen


@pytest.fixture
def device() -> Iterator[ScriptedDevice]:
    d = ScriptedDevice()
    yield d
    d.close()


def ack(command: dict[str, object], **settings: object) -> bytes:
    return line(wire.ack(command["id"], command["cmd"],
                         {"settings": {**defaults(), **settings}, "saved": False}))


async def test_escape_leaves_a_box_and_keys_typed_there_stay(device: ScriptedDevice) -> None:
    async with running(device.path) as (app, pilot):
        device.send(hello())
        await until(pilot, lambda: app.state.settings is not None)
        await until(pilot, lambda: "q quit" in footer(app))
        await pilot.press("tab")
        box = app.query_one("#setpoint", Input)
        assert app.focused is box
        # Only what works in a text box is offered there.
        await until(pilot, lambda: "q quit" not in footer(app))
        assert footer(app) == ["esc leave box", "^p palette"]
        for key in ("2", "s", "q", "plus", "r"):
            await pilot.press(key)
        assert box.value == "2sq+r"  # typed, not acted on
        assert app.is_running and app.csv is None and not commands(device, "save")
        await pilot.press("escape")
        assert app.focused is None
        assert box.value == "2sq+r"  # kept for later
        await until(pilot, lambda: "q quit" in footer(app))
        assert "s save" in footer(app) and "esc leave box" not in footer(app)
        await pilot.press("s")  # a key again
        await until(pilot, lambda: bool(commands(device, "save")))


async def test_quick_presses_step_from_the_pending_value_in_few_requests(
        device: ScriptedDevice) -> None:
    """Five + from 30.5 ask for 33.0: the first press goes out at once, the other
    four wait behind it as one request."""
    async with running(device.path, reply_timeout=3600) as (app, pilot):
        device.send(hello(setpoint=30.5))
        await until(pilot, lambda: app.state.settings is not None)
        for _ in range(5):
            await pilot.press("plus")
        await until(pilot, lambda: len(commands(device, "set")) == 1)
        first = commands(device, "set")[0]
        assert first["setpoint"] == 31.0
        assert text(app, "#status") == "pending: setpoint=33.0"
        device.send(ack(first, setpoint=31.0))
        await until(pilot, lambda: len(commands(device, "set")) == 2)
        second = commands(device, "set")[1]
        assert second["setpoint"] == 33.0
        device.send(ack(second, setpoint=33.0))
        await until(pilot, lambda: text(app, "#status").startswith(
            "acknowledged: setpoint=33.0"))
        assert len(commands(device, "set")) == 2


async def test_a_refusal_drops_what_waited_behind_it(device: ScriptedDevice) -> None:
    async with running(device.path, reply_timeout=3600) as (app, pilot):
        device.send(hello(setpoint=30.0))
        await until(pilot, lambda: app.state.settings is not None)
        await pilot.press("plus", "plus")
        await until(pilot, lambda: len(commands(device, "set")) == 1)
        first = commands(device, "set")[0]
        device.send(line(wire.error(first["id"], "io", "flash full")))
        await until(pilot, lambda: "refused by the device: flash full" in text(app, "#status"))
        assert len(commands(device, "set")) == 1  # the waiting +0.5 was built on it
        await pilot.press("plus")  # from the device's own 30.0 again
        await until(pilot, lambda: len(commands(device, "set")) == 2)
        assert commands(device, "set")[1]["setpoint"] == 30.5


async def test_help_lists_every_key_from_the_bindings(device: ScriptedDevice) -> None:
    async with running(device.path) as (app, pilot):
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        console = Console(width=80, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("#help-keys", Static).content)
        shown = console.export_text()
        for binding in MonitorApp.app_bindings():
            if binding.action in ("pinch", "fault"):
                assert binding.tooltip not in shown  # no virtual Pico here
            else:
                assert binding.tooltip in shown, binding
        assert "back to the keys" in shown  # the settings box's own Escape
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_palette_runs_every_action_and_screenshot_saves_beside_the_logs(
        device: ScriptedDevice, tmp_path: Path) -> None:
    async with running(device.path, log_path=tmp_path / "logs" / "m.csv") as (app, pilot):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for action in ("setpoint +", "save", "record", "window", "screenshot", "pause"):
            assert any(t.startswith(action) for t in titles), (action, titles)
        assert not any(t.startswith(("pinch", "fault")) for t in titles)  # a real board
        assert titles.count("screenshot (c)") == 1  # ours, not Textual's ~/Downloads one
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"screenshot")
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: bool(list((tmp_path / "logs").glob("*.svg"))))
        svg = next((tmp_path / "logs").glob("*.svg"))
        assert svg.name.startswith("picofan-") and "<svg" in svg.read_text()


async def test_sim_keys_are_offered_only_with_a_virtual_pico(device: ScriptedDevice) -> None:
    async with running(device.path) as (app, pilot):
        await until(pilot, lambda: "q quit" in footer(app))
        assert not any(e.startswith(("k ", "f ")) for e in footer(app))


@pytest.mark.parametrize("size", [(79, 24), (80, 23), (60, 20)])
async def test_below_80x24_it_says_so(device: ScriptedDevice,
                                      size: tuple[int, int]) -> None:
    async with running(device.path, size=size) as (app, pilot):
        await pilot.pause()
        note = app.query_one("#too-small")
        assert note.display and "terminal too small (need 80×24)" in str(note.render())
        assert not app.query_one("#plot").display
        await pilot.resize_terminal(*MIN_SIZE)
        await until(pilot, lambda: not note.display)
        assert app.query_one("#plot").display
