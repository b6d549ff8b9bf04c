"""`picofan monitor --all` under Textual's pilot: three virtual Picos found by the
real discovery (they register in this test's runtime folder), one unplugged and
plugged back, a setpoint pushed to the second reaching only the second (read back
afterwards with `picofan get --port`, as a person would check)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from monitor_pilot import monitor_all, rows, text, until
from picofan_cli import PICOFAN, WAIT_S, SimCommand, run, start
from polling import until as until_sync
from terminal import Tmux
from textual.widgets import Static

from fanctl.settings import defaults
from picofan import ports
from picofan.monitor.boards import BoardsScreen
from picofan.monitor.many import AllBoardsApp
from picofan.sim.process import SimProcess

ROOT = Path(__file__).resolve().parents[2]
SETPOINT = defaults()["setpoint"]


@pytest.fixture
def sims() -> Iterator[list[SimProcess]]:
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(SimProcess(seed=seed)) for seed in (1, 2, 3)]


def all_connected(app: AllBoardsApp, count: int) -> bool:
    shown = rows(app)
    return len(shown) == count and all(r["link"] == "● connected" and r["setpoint"] != "…"
                                       for r in shown.values())


async def test_boards_appear_and_an_unplugged_one_reconnects(sims: list[SimProcess]) -> None:
    async with monitor_all() as (app, pilot):
        await until(pilot, lambda: all_connected(app, 3))
        assert set(rows(app)) == {sim.port for sim in sims}
        named = {r["board"] for r in rows(app).values()}
        assert len(named) == 3  # each its own uid
        # A fourth board, started while the monitor runs, appears by itself.
        with SimProcess(seed=4) as late:
            await until(pilot, lambda: all_connected(app, 4))
            assert late.port in rows(app)
        unplugged = sims[0].port
        sims[0].control("unplug 3")
        await until(pilot, lambda: rows(app)[unplugged]["link"].startswith("○ disconnected"))
        others = [sim.port for sim in sims[1:]]
        assert all(rows(app)[port]["link"] == "● connected" for port in others)
        await until(pilot, lambda: rows(app)[unplugged]["link"] == "● connected")
        lines_before = app.board_at(unplugged).state.lines  # type: ignore[union-attr]
        await until(pilot, lambda: app.board_at(unplugged).state.lines  # type: ignore[union-attr]
                    > lines_before)  # and readings flow again


async def test_setpoint_on_the_second_board_reaches_only_it(sims: list[SimProcess]) -> None:
    async with monitor_all() as (app, pilot):
        await until(pilot, lambda: all_connected(app, 3))
        order = list(rows(app))
        second = order[1]
        await pilot.press("down")  # the highlight onto the second row: the board in front
        await until(pilot, lambda: app.board is app.board_at(second))
        await pilot.press("enter")  # its full view
        await until(pilot, lambda: isinstance(app.screen, BoardsScreen) is False)
        name = rows(app)[second]["board"]
        await until(pilot, lambda: text(app, "#status-bar").startswith(f"{name}  ·  ● connected"))
        await pilot.press("plus")
        await until(pilot, lambda: "acknowledged: setpoint=" in text(app, "#status"))
        await pilot.press("escape")  # back to the table, which shows it
        await until(pilot, lambda: isinstance(app.screen, BoardsScreen))
        await until(pilot, lambda: rows(app)[second]["setpoint"] == f"{SETPOINT + 0.5:.2f} °C")
        assert [rows(app)[port]["setpoint"] for port in order if port != second] == [
            f"{SETPOINT:.2f} °C"] * 2
        # The keys act on the highlighted row, table or not: - on the third.
        await pilot.press("down", "minus")
        await until(pilot, lambda: rows(app)[order[2]]["setpoint"]
                    == f"{SETPOINT - 0.5:.2f} °C")
        assert rows(app)[order[0]]["setpoint"] == f"{SETPOINT:.2f} °C"
        await pilot.press("q")
    # Each board's own settings, read back by another program once the monitor let go.
    wanted = {order[0]: SETPOINT, second: SETPOINT + 0.5, order[2]: SETPOINT - 0.5}
    for port, setpoint in wanted.items():
        got = run("get", "--port", port, "--json")
        assert got.returncode == 0, got.stderr
        assert f'"setpoint": {setpoint}' in got.stdout, (port, got.stdout)


async def test_the_board_recording_is_marked_in_its_row(sims: list[SimProcess], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # (r records into logs/ here)
    async with monitor_all() as (app, pilot):
        await until(pilot, lambda: all_connected(app, 3))
        order = list(rows(app))
        assert [rows(app)[port]["rec"] for port in order] == ["", "", ""]
        await pilot.press("down", "r")  # the second board records
        await until(pilot, lambda: rows(app)[order[1]]["rec"] == "● rec")
        assert [rows(app)[port]["rec"] for port in (order[0], order[2])] == ["", ""]
        assert len(list((tmp_path / "logs").glob("*.csv"))) == 1
        await pilot.press("r")  # and stops
        await until(pilot, lambda: rows(app)[order[1]]["rec"] == "")


@pytest.mark.slow  # real time, in a real terminal
def test_in_tmux_unplug_open_push_and_back(tmp_path: Path, own_runtime_dir: Path) -> None:
    """docs/monitor.md's: three `picofan sim`, then `picofan monitor --all` in tmux: what a
    person sees and types."""
    folders = [tmp_path / f"sim{i}" for i in range(3)]
    with contextlib.ExitStack() as stack:
        for folder in folders:
            folder.mkdir()
        sims = [stack.enter_context(SimCommand(folder)) for folder in folders]
        in_tmux(sims, own_runtime_dir)


def in_tmux(sims: list[SimCommand], own_runtime_dir: Path) -> None:
    term = Tmux("picofan-test-all")
    term.start(f"env {ports.RUNTIME_DIR_ENV}={own_runtime_dir} {PICOFAN} monitor --all; "
               "echo MONITOR-EXITED $?; sleep 30", cwd=ROOT, width=100, height=30)
    try:
        def connected(count: int) -> Callable[[], str]:
            def showing() -> str:
                shown = term.screen()
                return shown if shown.count("● connected") == count else ""
            return showing

        shown = until_sync(connected(3), "three boards connected", WAIT_S)
        assert "3 boards" in shown, shown
        until_sync(lambda: term.screen().count(f"{SETPOINT:.2f} °C") == 3, "three setpoints")
        sims[0].control("unplug 3")
        term.wait_for("○ disconnected, retrying", timeout=WAIT_S)
        until_sync(connected(3), "the unplugged board back", WAIT_S)
        term.keys("Down")
        term.keys("Enter")  # the full view of the highlighted board
        shown = term.wait_for("firmware 0.1.0 on virtual Pico W", "esc all boards",
                              timeout=WAIT_S)
        assert "setpoint " in shown
        term.keys("+")
        term.wait_for(f"acknowledged: setpoint={SETPOINT + 0.5}", timeout=WAIT_S)
        term.keys("Escape")
        shown = term.wait_for(f"{SETPOINT + 0.5:.2f} °C", "3 boards", timeout=WAIT_S)
        assert shown.count(f"{SETPOINT:.2f} °C") == 2
        term.keys("q")
        shown = term.wait_for("MONITOR-EXITED", timeout=WAIT_S)
        assert "MONITOR-EXITED 0" in shown
    finally:
        term.stop()
    setpoints = sorted(json.loads(run("get", "--port", sim.port, "--json").stdout)["setpoint"]
                       for sim in sims)
    assert setpoints == [SETPOINT, SETPOINT, SETPOINT + 0.5]


async def test_a_board_another_program_holds_says_who_then_joins(
        sims: list[SimProcess], tmp_path: Path) -> None:
    held = sims[2].port
    logging = start("log", "--port", held, "--quiet", "--log", str(tmp_path / "held.csv"))
    try:
        until_sync(lambda: (tmp_path / "held.csv").exists(), "picofan log holding the port")
        async with monitor_all() as (app, pilot):
            # All three rows in (the keys below count rows): two boards, one busy port.
            others = [sim.port for sim in sims[:2]]

            def in_place() -> bool:
                links = {port: row["link"] for port, row in rows(app).items()}
                return (links.keys() == {held, *others} and "busy" in links[held]
                        and all(links[port] == "● connected" for port in others))

            await until(pilot, in_place)
            shown = rows(app)
            assert shown[held]["link"].startswith(f"✗ is busy: held by pid {logging.pid} (")
            # (rows keep the order they came in: the busy one's may be before a board's)
            await pilot.press(*["down"] * list(shown).index(held), "enter")  # the whole reason
            status = app.table.query_one("#boards-status", Static)
            await until(pilot, lambda: "quit that one" in str(status.render()))
            assert app.board is None  # the keys have no board there: + changes nothing
            await pilot.press("plus")
            assert not any(b.queued() for b in app.boards)
            assert isinstance(app.screen, BoardsScreen)  # (no full view of a port not open)
            assert all(rows(app)[port]["link"] == "● connected" for port in others)
            logging.terminate()
            assert logging.wait(WAIT_S) == 0
            await until(pilot, lambda: all_connected(app, 3))  # tried again, and in
    finally:
        if logging.poll() is None:
            logging.kill()
        logging.communicate()


def test_all_with_a_port_is_one_line_and_nothing_opened() -> None:
    for extra in (["--port", "/dev/ttyACM0"], ["--sim"], ["--replay", "x.csv"]):
        got = run("monitor", "--all", *extra)
        assert got.returncode == 2, got
        assert got.stderr.count("\n") == 1 and "--all watches every board" in got.stderr
        assert "Traceback" not in got.stderr
