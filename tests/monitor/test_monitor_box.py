"""The settings box against the virtual Pico's firmware (50x real time): an Apply
sends what was typed or picked for it and nothing older, the boxes then show the
board's acknowledged values; the band box named for what it holds; + and - not
offered while the setpoint steers nothing (control curve)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from monitor_pilot import footer, running, text, until
from rich.console import Console
from textual.widgets import Input, Select, Static

from picofan.monitor.app import MonitorApp
from picofan.monitor.help import HelpScreen
from picofan.sim.process import SimProcess


@pytest.fixture
def sim_fast() -> Iterator[SimProcess]:
    with SimProcess(speed=50, seed=5) as s:
        yield s


def pick(app: MonitorApp, name: str) -> None:
    app.query_one("#fan-setting", Select).value = name


def acknowledged(app: MonitorApp, done: str) -> bool:
    """The status line says this Apply's ack, and only what it sent."""
    return text(app, "#status").split("\n")[0] == f"acknowledged: {done}"


async def apply_word(app: MonitorApp, pilot, name: str, word: str) -> None:  # type: ignore[no-untyped-def]
    pick(app, name)
    await pilot.pause()
    app.query_one("#fan-choice", Select).value = word
    await pilot.click("#apply")
    await until(pilot, lambda: f"{name}={word}" in text(app, "#status"))


async def test_an_apply_sends_only_what_it_was_given(sim_fast: SimProcess) -> None:
    """A setpoint typed and applied, then + + to 30.5, then fan settings from the second
    row: the typed 29.5 (and the mode picked with it) are not sent again."""
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.settings is not None)
        setpoint = app.query_one("#setpoint", Input)
        assert setpoint.placeholder == "setpoint 30"  # the board's value as the prompt
        setpoint.value = "29.5"
        app.query_one("#mode", Select).value = "on"
        await pilot.click("#apply")
        await until(pilot, lambda: acknowledged(app, "setpoint=29.5 mode=on"))
        # Refilled from the board: the box empty, the acknowledged value its prompt.
        assert setpoint.value == "" and setpoint.placeholder == "setpoint 29.5"
        assert app.query_one("#mode", Select).is_blank()
        await pilot.press("plus", "plus")
        await until(pilot, lambda: acknowledged(app, "setpoint=30.5"))
        assert setpoint.placeholder == "setpoint 30.5"
        await apply_word(app, pilot, "output", "pwm")
        await until(pilot, lambda: acknowledged(app, "output=pwm"))
        await apply_word(app, pilot, "control", "pid")
        await until(pilot, lambda: acknowledged(app, "control=pid"))
        got = app.device.request("get")["settings"]
        assert (got["setpoint"], got["mode"], got["control"]) == (30.5, "on", "pid")


async def test_the_band_box_is_named_for_the_whole_band(sim_fast: SimProcess) -> None:
    """The hysteresis setting is the band's whole width: the box, the readout and
    the help call it the band, and the readout's thresholds are half of it either
    side of the setpoint."""
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        band = app.query_one("#hysteresis", Input)
        await until(pilot, lambda: app.state.tele is not None)
        await until(pilot, lambda: band.placeholder == "band 2")
        band.value = "1"
        await pilot.click("#apply")
        await until(pilot, lambda: acknowledged(app, "hysteresis=1.0"))
        await until(pilot, lambda: "band 1.00" in text(app, "#band"))
        shown = text(app, "#band")
        assert shown.startswith("setpoint 30.00 °C, band 1.00\n"), shown
        assert "≥ 30.50" in shown and "≤ 29.50" in shown
        assert "±" not in shown
        assert band.placeholder == "band 1"
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        console = Console(width=80, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("#help-keys", Static).content)
        help_text = " ".join(console.export_text().split())
        assert ("band °C the hysteresis band's whole width: the fan goes on at setpoint + "
                "band/2, off at setpoint − band/2") in help_text


async def test_plus_is_not_offered_for_a_curve_and_says_why(sim_fast: SimProcess) -> None:
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.settings is not None)
        await until(pilot, lambda: "+" in footer(app) and "-" in footer(app))
        await apply_word(app, pilot, "output", "pwm")
        await apply_word(app, pilot, "control", "curve")
        await until(pilot, lambda: acknowledged(app, "control=curve"))
        # (an empty footer, redrawn for the new keys, has no "+" either)
        await until(pilot, lambda: "s save" in footer(app) and "+" not in footer(app))
        await pilot.press("plus")
        await until(pilot, lambda: "not sent" in text(app, "#status"))
        assert text(app, "#status") == "not sent: control curve ignores the setpoint"
        assert app.query_one("#status").has_class("error")
        await pilot.press("minus")
        assert app.device.request("get")["settings"]["setpoint"] == 30.0
        await apply_word(app, pilot, "control", "pid")  # the setpoint steers again
        await until(pilot, lambda: "+" in footer(app) and "-" in footer(app))
        await pilot.press("plus")
        await until(pilot, lambda: acknowledged(app, "setpoint=30.5"))
