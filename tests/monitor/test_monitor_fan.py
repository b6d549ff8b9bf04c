"""The fan in the monitor: its duty, rpm and stall on screen (a device the test plays
on a real pty, with scripted telemetry), and the fan's settings from the settings
box, on the virtual Pico's firmware and against a device that refuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from monitor_pilot import commands, hello, line, running, text, until
from scripted_device import ScriptedDevice
from textual.widgets import Input, Select

from fanctl import protocol as wire
from fanctl.faults import STALL
from fanctl.settings import defaults, merge
from picofan.monitor.app import MonitorApp
from picofan.monitor.controls import FAN_SETTINGS, Controls
from picofan.sim.process import SimProcess

PWM_TACH = {"output": "pwm", "tach": "on"}


@pytest.fixture
def device() -> Iterator[ScriptedDevice]:
    d = ScriptedDevice()
    yield d
    d.close()


@pytest.fixture
def sim_fast() -> Iterator[SimProcess]:
    with SimProcess(speed=50, seed=5) as s:
        yield s


def tele(seq: int, temp: float, duty: float, rpm: int | None, fault: str | None = None,
         **changes: Any) -> bytes:
    return line(wire.tele("0000b007", seq, seq * 1000, temp, 30000, 10000.0, duty > 0,
                          merge(defaults(), changes), fault, duty, rpm))


async def test_duty_and_rpm_are_shown_and_a_stall_is_loud(device: ScriptedDevice) -> None:
    async with running(device.path) as (app, pilot):
        device.send(hello(**PWM_TACH))
        for seq in range(5):
            device.send(tele(seq, 31.0 + 0.1 * seq, 45.0, 1180 + 10 * seq, **PWM_TACH))
        await until(pilot, lambda: app.state.lines == 5)
        await until(pilot, lambda: text(app, "#fan-rpm") == "1220 rpm")
        assert text(app, "#fan-state") == "■ FAN ON" and text(app, "#fan-duty") == "duty 45 %"
        assert text(app, "#rpm-trend").strip(), "the rpm sparkline"
        assert [p.duty for p in app.state.history] == [45.0] * 5  # the plot's duty series
        # The rotor locked: the firmware drives 100 % and reports the stall.
        device.send(tele(5, 31.6, 100.0, 0, STALL, **PWM_TACH))
        await until(pilot, lambda: app.query_one("#fan").has_class("stalled"))
        assert text(app, "#fan-rpm") == "STALLED · 0 rpm"
        assert text(app, "#fan-duty") == "duty 100 %"
        assert app.query_one("#fault").display
        assert text(app, "#fault") == ("⚠ FAULT: fan STALLED (driven, but its tach shows no "
                                       "turning); fan at 100 %")
        assert "°C/min" in text(app, "#trend")  # the thermistor reads on: no sensor fault
        device.send(tele(6, 31.7, 50.0, 900, **PWM_TACH))  # turning again
        await until(pilot, lambda: not app.query_one("#fan").has_class("stalled"))
        assert not app.query_one("#fault").display and text(app, "#fan-rpm") == "900 rpm"


async def test_without_a_tach_rpm_is_a_dash_and_no_sparkline(device: ScriptedDevice) -> None:
    async with running(device.path) as (app, pilot):
        device.send(hello())  # the defaults: output switch, tach off
        device.send(tele(0, 31.0, 100.0, None))
        await until(pilot, lambda: app.state.lines == 1)
        await until(pilot, lambda: text(app, "#fan-rpm") == "rpm —")
        assert text(app, "#fan-duty") == "duty 100 %"
        assert not app.query_one("#rpm-trend").display


async def test_a_kick_start_the_board_reports_is_said(device: ScriptedDevice) -> None:
    slow = {"output": "pwm", "kick_start_ms": 1500}  # a line a second: the kick's start unseen
    s = merge(defaults(), slow)
    async with running(device.path) as (app, pilot):
        device.send(hello(**slow))
        device.send(line(wire.tele("0000b007", 0, 1000, 30.0, 30000, 10000.0, True, s, None,
                                   100.0, None, demand=35.0, kick=True)))
        await until(pilot, lambda: text(app, "#fan-duty") == "kick-start 100 %")
        # Full power that is no kick-start (the demand itself) is plain duty.
        device.send(line(wire.tele("0000b007", 1, 2000, 30.0, 30000, 10000.0, True, s, None,
                                   100.0, None, demand=100.0, kick=False)))
        await until(pilot, lambda: text(app, "#fan-duty") == "duty 100 %")


def pick(app: MonitorApp, name: str) -> None:
    app.query_one("#fan-setting", Select).value = name


async def test_fan_settings_from_the_box_reach_the_firmware(sim_fast: SimProcess) -> None:
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.settings is not None)
        # A word setting: its words in a list, the board's value as the prompt.
        assert app.query_one("#fan-choice", Select).display
        assert app.query_one("#fan-choice", Select).prompt == "switch"
        app.query_one("#fan-choice", Select).value = "pwm"
        await pilot.click("#apply")
        await until(pilot, lambda: "acknowledged: output=pwm" in text(app, "#status"))
        pick(app, "control")
        await pilot.pause()
        app.query_one("#fan-choice", Select).value = "pid"
        await pilot.click("#apply")
        await until(pilot, lambda: "acknowledged: control=pid" in text(app, "#status"))
        await until(pilot, lambda: "(PID)" in text(app, "#band"))
        # A number: a text box with the table's limits beside it, a decimal comma read.
        pick(app, "pid_kp")
        await pilot.pause()
        assert app.query_one("#fan-value", Input).display
        assert text(app, "#fan-hint") == "0–1000"
        box = app.query_one("#fan-value", Input)
        assert box.placeholder == f"{defaults()['pid_kp']:g}"
        box.focus()
        await pilot.press(*"12,5", "enter")
        await until(pilot, lambda: "acknowledged: pid_kp=12.5" in text(app, "#status"))
        await until(pilot, lambda: f"kp 12.5 ki {defaults()['pid_ki']:g}" in text(app, "#band"))
        got = app.device.request("get")["settings"]
        assert (got["output"], got["control"], got["pid_kp"]) == ("pwm", "pid", 12.5)


async def test_the_settings_box_is_worked_with_the_keys(device: ScriptedDevice) -> None:
    """Tab in and on to the fan's row; Enter opens a list and picks from it, and focus
    moves on: to the setting's box, then to Apply, where Enter sends. (A quiet device:
    under a stream of telemetry the pilot waits for an idle screen at every key. It
    never answers the set: the reply timeout is long, so "pending" is still what a
    busy machine shows when the test looks.)"""
    async with running(device.path, reply_timeout=3600) as (app, pilot):
        device.send(hello())
        await until(pilot, lambda: app.state.settings is not None)
        await pilot.press(*["tab"] * 5)  # setpoint, hysteresis, mode, Apply, fan setting
        assert app.focused is app.query_one("#fan-setting")
        await pilot.press("enter", *["down"] * FAN_SETTINGS.index("pwm_invert"), "enter")
        await until(pilot, lambda: app.query_one(Controls).fan_setting == "pwm_invert")
        assert app.focused is app.query_one("#fan-choice")
        await pilot.press("enter", "down", "down", "enter")  # the prompt, on, off
        await until(pilot, lambda: app.focused is app.query_one("#apply"))
        await pilot.press("enter")
        await until(pilot, lambda: len(commands(device, "set")) == 1)
        sent = commands(device, "set")[0]
        assert {k: v for k, v in sent.items() if k not in ("cmd", "id")} == {"pwm_invert": "off"}
        assert text(app, "#status") == "pending: pwm_invert=off"


async def test_a_refused_fan_setting_says_why_and_changes_nothing(
        sim_fast: SimProcess) -> None:
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.settings is not None)
        pick(app, "control")  # while the output is a switch (the default)
        await pilot.pause()
        app.query_one("#fan-choice", Select).value = "pid"
        await pilot.click("#apply")
        await until(pilot, lambda: "not sent" in text(app, "#status"))
        assert text(app, "#status") == ("not sent: control pid needs output pwm: a switched "
                                        "fan is only on or off")
        assert app.query_one("#status").has_class("error")
        pick(app, "stall_ms")
        await pilot.pause()
        assert text(app, "#fan-hint") == "500–60000"
        app.query_one("#fan-value", Input).value = "100"
        await pilot.click("#apply")
        await until(pilot, lambda: "stall_ms must be between 500 and 60000" in
                    text(app, "#status"))
        got = app.device.request("get")["settings"]
        assert (got["control"], got["stall_ms"]) == ("hysteresis", 2000)


async def test_the_boards_refusal_is_its_own_words(device: ScriptedDevice) -> None:
    """The board has the last word (its settings may have moved under the monitor):
    its one-line reason is shown, and the settings stay as it reported them."""
    async with running(device.path, reply_timeout=3600) as (app, pilot):
        device.send(hello(output="pwm"))
        await until(pilot, lambda: app.state.settings is not None)
        pick(app, "control")
        await pilot.pause()
        app.query_one("#fan-choice", Select).value = "pid"
        await pilot.click("#apply")
        await until(pilot, lambda: len(commands(device, "set")) == 1)
        sent = commands(device, "set")[0]
        assert sent["control"] == "pid"
        why = "control pid needs output pwm: a switched fan is only on or off"
        device.send(line(wire.error(sent["id"], "range", why)))
        await until(pilot, lambda: "refused by the device" in text(app, "#status"))
        assert text(app, "#status") == f"refused by the device: {why}"
        assert app.state.settings is not None and app.state.settings["control"] == "hysteresis"
