"""A fault starting and ending, in the device messages panel, against the virtual
Pico's firmware (50x real time): each said with its time; a fault that keeps
coming and going is said a few times, then counted, not listed line by line."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from monitor_pilot import running, until
from textual.widgets import RichLog

from picofan.monitor.app import MonitorApp
from picofan.monitor.faults import BURST, QUIET_S
from picofan.sim.process import SimProcess

STAMP = r"\d\d:\d\d:\d\d"
START = (rf"{STAMP} fault open: thermistor OPEN \(disconnected\?\); "
         "the fan driven at full power")
END = rf"{STAMP} fault over \(open\): back to normal control"


@pytest.fixture
def sim_fast() -> Iterator[SimProcess]:
    with SimProcess(speed=50, seed=5) as s:
        yield s


def panel(app: MonitorApp) -> str:
    """The messages panel's text as shown, its wrapped lines joined again."""
    log = app.query_one("#messages", RichLog)
    return " ".join(" ".join(strip.text.split()) for strip in log.lines)


def fault_lines(app: MonitorApp) -> list[str]:
    return [m for m in app.state.messages if re.search(rf"{STAMP} fault", m)]


async def test_a_fault_that_came_and_went_is_in_the_panel(sim_fast: SimProcess) -> None:
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.tele is not None)
        await pilot.press("f")  # the thermistor disconnected
        await until(pilot, lambda: app.state.tele["fault"] == "open")
        await pilot.press("f")  # and back
        await until(pilot, lambda: app.state.tele["fault"] is None)
        await until(pilot, lambda: re.search(END, panel(app)) is not None)
        shown = panel(app)
        start = re.search(START, shown)
        assert start is not None, shown
        assert start.start() < re.search(END, shown).start()  # type: ignore[union-attr]
        assert len(fault_lines(app)) == 2


async def test_a_flapping_fault_is_counted_not_listed(sim_fast: SimProcess) -> None:
    """Twenty starts and ends, 3 s apart on the board's clock (its telemetry sees each
    one): the first BURST are listed, then one line says the rest are counted, and
    one more, once it has held still, how many there were."""
    flaps = 20
    async with running(sim_fast.port, sim_fast) as (app, pilot):
        await until(pilot, lambda: app.state.tele is not None)
        t0 = app.state.tele["ms"] / 1000 + 5
        for i in range(flaps):
            sim_fast.control(f"at {t0 + 3 * i:.1f} fault {'none' if i % 2 else 'open'}")
        settled = (t0 + 3 * flaps + QUIET_S + 2) * 1000
        await until(pilot, lambda: app.state.tele["ms"] > settled)
        await until(pilot, lambda: "more starts and ends" in panel(app))
        lines = fault_lines(app)
        assert len(lines) == BURST + 2, lines
        assert re.search(START, lines[0]) and re.search(END, lines[1])
        assert "keeps coming and going" in lines[BURST]
        assert re.fullmatch(rf"{STAMP} fault open came and went: {flaps - BURST} more starts "
                            rf"and ends \(the last at {STAMP}\), not listed; now no fault",
                            lines[-1]), lines[-1]
