"""Snapshot of the main screen (pytest-textual-snapshot): a fixed story fed in
as link events (a warm-up, the fan switching on, a pinch), so the picture is
the same on every run. Update after a deliberate change: pytest --snapshot-update."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scripted_device import ScriptedDevice

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan.client import Connected, Device, Received
from picofan.monitor.app import MonitorApp
from picofan.protocol import Message, parse_line

PORT_LINK = "/tmp/picofan-snapshot-ttyACM0"
T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def story() -> list[object]:
    s = defaults()
    events: list[object] = [Connected(PORT_LINK, at=T0)]
    hello = wire.hello("0.1.0", "Raspberry Pi Pico W", "0000b007", "power", s, True, None,
                       "connect")
    events.append(Received(parse_line(json.dumps(hello).encode()), at=T0))
    fan = False
    for i in range(60):
        temp = 28.0 + 0.06 * i if i < 40 else 30.4 + 0.05 * (i - 40)
        fan = fan or temp >= 31.0
        msg = wire.tele("0000b007", i, i * 1000, temp, 34000 + i * 20, 9000.0 - i * 10, fan, s,
                       None)
        parsed = parse_line(json.dumps(msg).encode())
        assert isinstance(parsed, Message)
        events.append(Received(parsed, at=T0 + timedelta(seconds=i)))
    return events


@pytest.fixture
def quiet_device():
    device = ScriptedDevice()
    if os.path.lexists(PORT_LINK):
        os.unlink(PORT_LINK)
    os.symlink(device.path, PORT_LINK)
    dev = Device(PORT_LINK).start()
    dev.poll_events()  # its own Connected event carries the wall clock: the story has one
    yield dev
    dev.close()
    os.unlink(PORT_LINK)
    device.close()


def test_main_screen(snap_compare, quiet_device: Device, tmp_path: Path) -> None:
    app = MonitorApp(quiet_device, refresh_s=3600)  # no timer redraws: the test draws once

    async def feed(pilot) -> None:  # type: ignore[no-untyped-def]
        with app._inbox_lock:
            app._inbox.extend(story())  # type: ignore[arg-type]
        app.redraw()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(110, 36), run_before=feed)
