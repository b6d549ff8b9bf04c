"""The README's "Several boards at once" with `picofan monitor --all`: `picofan sim`
in three terminals (no option), then the monitor in a real terminal: three boards,
each with its own unique id. Two virtual Picos given one --seed are two boards with
one unique id (a cloned flash): the second's row says so, naming both ports and the
uid, and the first is shown and steered. A virtual Pico opened with --port is shown
as one, with its keys."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import picofan_cli
import pytest
from monitor_pilot import monitor_all, rows, until
from picofan_cli import PICOFAN, WAIT_S, SimCommand, registered_uid
from polling import until as until_sync
from terminal import Tmux

from picofan import ports

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def sims(tmp_path: Path, *args: str, count: int) -> Iterator[list[SimCommand]]:
    with contextlib.ExitStack() as stack:
        yield picofan_cli.sims(stack, tmp_path, *args, count=count)


@contextlib.contextmanager
def terminal(command: str, runtime: Path) -> Iterator[Tmux]:
    term = Tmux("picofan-test-several")
    term.start(f"env {ports.RUNTIME_DIR_ENV}={runtime} {PICOFAN} {command}; "
               "echo MONITOR-EXITED $?; sleep 30", cwd=ROOT, width=120, height=30)
    try:
        yield term
    finally:
        term.stop()


def test_three_sims_are_three_boards_in_tmux(tmp_path: Path, own_runtime_dir: Path) -> None:
    with sims(tmp_path, count=3) as boards, terminal("monitor --all", own_runtime_dir) as term:
        uids = [registered_uid(own_runtime_dir, sim) for sim in boards]
        def connected() -> str:
            shown = term.screen()
            return shown if shown.count("● connected") == 3 else ""

        shown = until_sync(connected, "three boards connected", WAIT_S)
        assert "3 boards" in shown, shown
        assert [shown.count(uid) for uid in uids] == [1, 1, 1], shown  # a row each
        term.keys("q")
        assert "MONITOR-EXITED 0" in term.wait_for("MONITOR-EXITED", timeout=WAIT_S)


async def test_a_second_board_with_the_same_uid_is_flagged(tmp_path: Path,
                                                           own_runtime_dir: Path) -> None:
    with sims(tmp_path, "--seed", "9", count=2) as (a, b):
        uid = registered_uid(own_runtime_dir, a)
        async with monitor_all() as (app, pilot):
            def flagged() -> bool:
                links = [row["link"] for row in rows(app).values()]
                return len(links) == 2 and any(cell.startswith("✗") for cell in links)

            await until(pilot, flagged)
            await until(pilot, lambda: any(row["link"] == "● connected" and row["setpoint"]
                                           != "…" for row in rows(app).values()))
            (refused,) = [p for p, row in rows(app).items() if row["link"].startswith("✗")]
            kept = ({a.port, b.port} - {refused}).pop()
            assert rows(app)[kept]["board"] == uid
            why = app.problems[refused]
            assert uid in why and refused in why and kept in why and "\n" not in why, why
            # The first is the board in front, and steered.
            before = rows(app)[kept]["setpoint"]
            await pilot.press(*["down"] * list(rows(app)).index(kept), "plus")
            await until(pilot, lambda: rows(app)[kept]["setpoint"] != before)


@pytest.mark.slow  # real time, in a real terminal
def test_monitor_on_a_virtual_picos_port_offers_its_keys(tmp_path: Path,
                                                         own_runtime_dir: Path) -> None:
    with SimCommand(tmp_path, plain=True) as sim, \
            terminal(f"monitor --port {sim.port} --no-log", own_runtime_dir) as term:
        term.wait_for("[virtual Pico]", "● connected", timeout=WAIT_S)
        shown = term.wait_for("k pinch", timeout=WAIT_S)
        assert "device:" not in shown  # no half line as the port opened
        term.keys("k")
        until_sync(lambda: sim.control("status")["state"]["pinched"], "the bead pinched")
        term.keys("q")
        assert "MONITOR-EXITED 0" in term.wait_for("MONITOR-EXITED", timeout=WAIT_S)
