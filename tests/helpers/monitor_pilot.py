"""The monitor under Textual's pilot: started on a real port (the virtual
Pico's pty, or a ScriptedDevice the test plays), read back from its widgets."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from picofan_cli import WAIT_S
from polling import until_async
from scripted_device import ScriptedDevice
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan import ports
from picofan.client import Device
from picofan.logger import CsvLog
from picofan.monitor.app import MonitorApp
from picofan.monitor.many import AllBoardsApp
from picofan.sim.process import SimProcess

SIZE = (110, 36)
BOOT = "0000b007"


def text(app: MonitorApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def footer(app: MonitorApp) -> list[str]:
    """The footer's entries as shown: "q quit", "^p palette"..."""
    return [f"{key.key_display} {key.description}".strip() for key in app.query(FooterKey)]


async def until(pilot: Pilot[int], ok: Callable[[], bool], timeout: float = WAIT_S) -> None:
    """Let the app run until ok() holds (a condition, not a duration)."""
    await until_async(ok, pilot.pause, "the monitor reaching the state", timeout)


@contextlib.asynccontextmanager
async def running(port: str, sim: SimProcess | None = None, log_path: Path | None = None,
                  size: tuple[int, int] = SIZE, reply_timeout: float = 2.0,
                  ) -> AsyncIterator[tuple[MonitorApp, Pilot[int]]]:
    """The monitor on a started Device, redrawing often so tests see changes soon."""
    dev = Device(port, reply_timeout=reply_timeout).start()
    csv = CsvLog(log_path, "sim" if sim else "board") if log_path else None
    app = MonitorApp(dev, sim=sim, csv=csv, refresh_s=0.05)
    try:
        async with app.run_test(size=size) as pilot:
            yield app, pilot
    finally:
        dev.close()
        if csv:
            csv.close()


def line(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode() + b"\r\n"


def hello(**settings: Any) -> bytes:
    """The board's hello, with these settings over the defaults."""
    return line(wire.hello("0.1.0", "Raspberry Pi Pico W", "e6614103e7452d2f", BOOT, "power",
                           {**defaults(), **settings}, True, None))


def commands(device: ScriptedDevice, cmd: str) -> list[dict[str, Any]]:
    """Every `cmd` command the host has written to the device so far."""
    while device.read(0):
        pass
    complete = bytes(device.received).rpartition(b"\n")[0]
    found = [json.loads(raw) for raw in complete.splitlines() if raw.strip()]
    return [c for c in found if c.get("cmd") == cmd]


@contextlib.asynccontextmanager
async def monitor_all() -> AsyncIterator[tuple[AllBoardsApp, Pilot[int]]]:
    # Textual's thread workers share the loop's pool, min(32, cores + 4) threads: a
    # pool of 2, as on a small machine, and every board must still be read and
    # steered (one reader per board in that pool read only the first few).
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=2))
    app = AllBoardsApp(ports.board_ports, refresh_s=0.05)
    try:
        async with app.run_test(size=SIZE) as pilot:
            yield app, pilot
    finally:
        app.close_boards()


def rows(app: AllBoardsApp) -> dict[str, dict[str, str]]:
    """The table as shown: port -> {column: cell}."""
    if not app.table.ready:
        return {}
    table = app.table.query_one(DataTable)
    return {str(key.value): {str(c.value): str(table.get_cell(key, c)) for c in table.columns}
            for key in table.rows}
