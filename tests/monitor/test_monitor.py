"""The monitor driven by Textual's pilot, against the virtual Pico (50x real
time) through its real pty, and against a device played by the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from monitor_pilot import running, text, until
from scripted_device import ScriptedDevice
from textual.widgets import Input, RichLog

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan.sim.process import SimProcess


@pytest.fixture
def sim_fast() -> Iterator[SimProcess]:
    with SimProcess(speed=50, seed=5) as s:
        yield s


async def test_pinch_key_turns_fan_on_on_screen(sim_fast: SimProcess, tmp_path: Path) -> None:
    async with running(sim_fast.port, sim_fast, log_path=tmp_path / "m.csv") as (app, pilot):
        # past the minimum off-time after boot, then a finger on the bead
        await until(pilot, lambda: bool(app.state.tele) and app.state.tele["ms"] > 6000)
        assert "fan off" in text(app, "#fan-state")
        await pilot.press("k")
        await until(pilot, lambda: "FAN ON" in text(app, "#fan-state"))
        assert app.query_one("#fan").has_class("on")
        assert app.state.tele["temp"] >= 31.0
        await pilot.press("k")  # release: it cools and the fan goes off again
        await until(pilot, lambda: "fan off" in text(app, "#fan-state"), timeout=60)
    rows = (tmp_path / "m.csv").read_text().splitlines()
    assert len(rows) > 10
    assert rows[0].startswith("host_time,utc_offset,source,boot,seq,board_ms,temp_c")


async def test_setpoint_push_is_acknowledged_and_drawn(sim_fast: SimProcess) -> None:
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.settings is not None)
        app.query_one("#setpoint", Input).value = "27.5"
        app.query_one("#hysteresis", Input).value = "1"
        await pilot.click("#apply")
        await until(pilot, lambda: "acknowledged" in text(app, "#status"))
        assert "setpoint=27.5" in text(app, "#status")
        await until(pilot, lambda: "≥ 28.00" in text(app, "#band"))
        assert "≤ 27.00" in text(app, "#band")
        await pilot.press("plus")  # nudge: +0.5
        await until(pilot, lambda: "≥ 28.50" in text(app, "#band"))
        assert app.state.tele["setpoint"] == 28.0


async def test_invalid_input_is_refused_before_sending(sim_fast: SimProcess) -> None:
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.settings is not None)
        for value, why in (("warm", "is not a number"), ("500", "between"),
                           ("nan", "is not a number")):
            app.query_one("#setpoint", Input).value = value
            await pilot.click("#apply")
            await pilot.pause()
            assert "not sent" in text(app, "#status") and why in text(app, "#status")
        await until(pilot, lambda: app.state.tele is not None)
        assert app.state.tele["setpoint"] == 30.0
        assert app.device.request("get")["settings"]["setpoint"] == 30.0


async def test_device_error_is_shown_verbatim() -> None:
    device = ScriptedDevice()
    hello = wire.hello("0.1.0", "Raspberry Pi Pico W", "e6614103e7452d2f", "0000b007", "power",
                       defaults(), True, None)
    try:
        async with running(device.path) as (app, pilot):
            device.send(json.dumps(hello).encode() + b"\r\n")
            await until(pilot, lambda: app.state.settings is not None)
            app.query_one("#setpoint", Input).value = "25"
            await pilot.click("#apply")
            await until(pilot, lambda: b'"cmd": "set"' in device.read(0.05) + device.received)
            cmd = json.loads(device.received.decode().strip().splitlines()[-1])
            error = wire.error(cmd["id"], "io", "could not write settings: [Errno 28] flash full")
            device.send(json.dumps(error).encode() + b"\r\n")
            await until(pilot, lambda: "refused by the device" in text(app, "#status"))
            assert "could not write settings: [Errno 28] flash full" in text(app, "#status")
            assert app.query_one("#status").has_class("error")
    finally:
        device.close()


async def test_unplug_shows_disconnected_then_reconnects(sim_fast: SimProcess) -> None:
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.tele is not None)
        lines_before = app.state.lines
        # Paused, the unplugged board stays unplugged until the screen has shown it.
        sim_fast.control("pause")
        sim_fast.control("unplug 100")
        await until(pilot, lambda: "DISCONNECTED" in text(app, "#status-bar"))
        assert app.query_one("#status-bar").has_class("down")
        sim_fast.control("resume")
        await until(pilot, lambda: "● connected" in text(app, "#status-bar"))
        await until(pilot, lambda: app.state.lines > lines_before + 3)
        assert any("disconnected" in m for m in app.state.messages)


async def test_reset_while_watching_is_reported(sim_fast: SimProcess) -> None:
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.tele is not None)
        before = app.state.tele["boot"]
        sim_fast.control("reset")
        await until(pilot, lambda: app.state.reboots == 1)
        after = app.state.tele["boot"]
        assert any(f"the board restarted (boot {before} → {after})" in m
                   for m in app.state.messages)
        assert app.query_one("#messages", RichLog).lines  # shown in the panel


@pytest.mark.slow  # real time: the unplug is the board losing power for 1 s
async def test_a_restart_across_an_unplug_is_reported() -> None:
    with SimProcess() as sim:  # real time, the default telemetry interval
        async with running(sim.port, sim) as (app, pilot):
            await until(pilot, lambda: app.state.tele is not None)
            before = app.state.tele["boot"]
            sim.control("unplug 1")  # the board loses power: it boots again
            await until(pilot, lambda: app.state.reboots == 1, timeout=60)
            await until(pilot, lambda: app.state.tele["boot"] != before)
            restarted = f"the board restarted (boot {before} → {app.state.tele['boot']})"
            assert any(restarted in m for m in app.state.messages)


async def test_lost_telemetry_lines_are_reported() -> None:
    device = ScriptedDevice()
    try:
        async with running(device.path) as (app, pilot):
            await until(pilot, lambda: b'"hello"' in device.read(0) + device.received)
            for seq in (0, 1, 14):
                msg = wire.tele("0000b007", seq, 1000 * seq, 25.0, 32768, 10000.0, False,
                                defaults(), None)
                device.send(json.dumps(msg).encode() + b"\r\n")
            await until(pilot, lambda: app.state.lines == 3)
            assert any(m.endswith("lost 12 lines of telemetry") for m in app.state.messages)
            assert app.state.reboots == 0
    finally:
        device.close()


async def test_fault_key_shows_a_loud_fault(sim_fast: SimProcess) -> None:
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.tele is not None)
        assert not app.query_one("#fault").display
        await until(pilot, lambda: "°C/min" in text(app, "#trend"))  # a slope from readings
        await pilot.press("f")
        await until(pilot, lambda: app.query_one("#fault").display)
        assert "thermistor OPEN" in text(app, "#fault") and "FAN ON" in text(app, "#fan-state")
        # No slope from the readings before the fault: it says nothing about now.
        assert text(app, "#trend") == "trend  – (sensor fault)"
        assert app.state.trend() is None


async def test_five_quick_plus_presses_add_up(sim_fast: SimProcess) -> None:
    """Each + steps from the setpoint on its way, not the last acknowledged one."""
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.settings is not None)
        assert app.state.settings["setpoint"] == 30.0
        for _ in range(5):
            await pilot.press("plus")
        await until(pilot, lambda: "acknowledged: setpoint=32.5" in text(app, "#status"))
        await until(pilot, lambda: "≥ 33.50" in text(app, "#band"))  # drawn from telemetry
        assert app.device.request("get")["settings"]["setpoint"] == 32.5
        for _ in range(3):
            await pilot.press("minus")
        await until(pilot, lambda: "acknowledged: setpoint=31.0" in text(app, "#status"))


async def test_events_log_gets_device_messages_and_reconnects(sim_fast: SimProcess,
                                                             tmp_path: Path) -> None:
    """As `picofan log` writes it, beside the CSV; the board's missing-settings
    warning is said once (its boot hello, the hello the host asks for and its
    log line all carry it)."""
    csv = tmp_path / "m.csv"
    events = tmp_path / "m.events.log"
    async with running(sim_fast.port, sim_fast, log_path=csv) as (app, pilot):
        await until(pilot, lambda: app.state.lines >= 3)
        assert "[virtual Pico]" in text(app, "#status-bar")  # shown as written, not markup
        said = [m for m in app.state.messages if "no settings file" in m]
        assert len(said) == 1, app.state.messages
        assert events.read_text().count("no settings file") == 1
        sim_fast.control("unplug 100")
        # the unplug cut its power: it boots again (told when its first line comes)
        await until(pilot, lambda: "\tRebooted\t" in events.read_text())
    log = events.read_text()
    assert "\tConnected\tconnected to" in log and "s away" in log
    assert "\tReceived\thello: firmware 0.1.0 on virtual Pico W" in log
    assert f"\tDisconnected\tdisconnected from {sim_fast.port}" in log
    assert "\tRebooted\tthe board restarted (boot " in log
    assert "°C  fan" not in log  # telemetry goes to the CSV only


async def test_a_virtual_pico_that_died_is_said_not_a_crash() -> None:
    # k and f talk to the virtual Pico's control socket: with the simulator gone, the
    # monitor says so in one line and keeps running (it used to end in a traceback).
    with SimProcess(speed=50, seed=5) as sim:
        async with running(sim.port, sim) as (app, pilot):
            await until(pilot, lambda: app.state.tele is not None)
            sim.proc.kill()
            sim.proc.wait()
            await pilot.press("k")
            await until(pilot, lambda: "the virtual Pico did not answer" in
                        text(app, "#status"))
            assert app.is_running
