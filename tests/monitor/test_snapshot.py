"""Snapshots of the main screen (pytest-textual-snapshot): a fixed story fed in
as link events through MonitorApp.feed (a warm-up, the fan switching on, or a
PWM fan with a tach speeding up along its curve), so the picture is the same on
every run. Update after a deliberate change:
pytest tests/monitor/test_snapshot.py --snapshot-update, then look at the SVGs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from monitor_pilot import until
from scripted_device import ScriptedDevice
from textual.pilot import Pilot

from fanctl import protocol as wire
from fanctl.control import Controller
from fanctl.settings import defaults, merge
from picofan.client import Connected, Device, Event, Received
from picofan.logger import CsvLog
from picofan.monitor.app import MonitorApp
from picofan.protocol import Message, parse_line

T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
# What Linux names a Pico by: long enough to wrap an 80-column status bar.
LONG_PORT = "/dev/serial/by-id/usb-MicroPython_Board_in_FS_mode_e6614c311b7e8a2b-if00"


def message(data: dict[str, object]) -> Message:
    parsed = parse_line(json.dumps(data).encode())
    assert isinstance(parsed, Message)
    return parsed


def story(port: str, **changes: object) -> list[Event]:
    """A minute warming from 28 °C, the board's own Controller setting the fan; with
    a tach (`tach="on"`) the fan turns at 18 rpm per percent."""
    s = merge(defaults(), changes)
    events: list[Event] = [Connected(port, at=T0)]
    hello = wire.hello("0.1.0", "Raspberry Pi Pico W", "e6614103e7452d2f", "0000b007", "power",
                       s, True, None, "connect")
    events.append(Received(message(hello), at=T0))
    control = Controller()
    for i in range(60):
        temp = 28.0 + 0.06 * i if i < 40 else 30.4 + 0.05 * (i - 40)
        duty = control.update(temp, None, s, 1000)
        rpm = round(duty * 18) if s["tach"] == "on" else None
        tele = wire.tele("0000b007", i, i * 1000, temp, 34000 + i * 20, 9000.0 - i * 10,
                         duty > 0, s, None, duty, rpm)
        events.append(Received(message(tele), at=T0 + timedelta(seconds=i)))
    return events


@pytest.fixture
def quiet_device() -> Iterator[Device]:
    """A Device on a port that says nothing: the story is all the screen gets."""
    device = ScriptedDevice()
    dev = Device(device.path).start()
    dev.poll_events()  # its own Connected event carries the wall clock: the story has one
    yield dev
    dev.close()
    device.close()


def told(app: MonitorApp, port: str, **changes: object):  # type: ignore[no-untyped-def]
    async def feed(pilot: Pilot[int]) -> None:
        # (the autopilot may start before the screen is up: a redraw would draw nothing)
        await until(pilot, lambda: app.main.is_mounted)
        app.feed(story(port, **changes))
        app.redraw()
        await pilot.pause()
        assert app.state.lines == 60  # the whole story is on the screen

    return feed


def test_main_screen_pwm_fan_on_a_curve(snap_compare, quiet_device: Device) -> None:  # type: ignore[no-untyped-def]
    """A 4-wire fan: its duty on the plot's right-hand axis, its rpm and their sparkline,
    the curve's ends as the guides."""
    app = MonitorApp(quiet_device, refresh_s=3600)  # no timer redraws: the test draws once
    assert snap_compare(app, terminal_size=(110, 36), run_before=told(
        app, "/dev/ttyACM0", output="pwm", control="curve", curve_low=28.0, curve_high=32.0,
        tach="on"))


def test_80x24_with_a_long_port_path(snap_compare, quiet_device: Device, tmp_path: Path,  # type: ignore[no-untyped-def]
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The stated minimum: the status bar keeps both lines (● recording), the
    footer and the messages panel are whole."""
    monkeypatch.chdir(tmp_path)
    csv = CsvLog(Path("logs/picofan-20261122-120000.csv"))
    app = MonitorApp(quiet_device, csv=csv, refresh_s=3600)
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=told(app, LONG_PORT))
    finally:
        csv.close()
