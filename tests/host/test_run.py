"""`picofan run`, like `esphome run`: flash the board, then watch it, in one command,
in a real terminal (tmux), against MicroPython's REPL on a pty (the WebAssembly
build, tests/micropython/repl_board.*)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import repl_board
from terminal import Tmux

from picofan.deploy import flash_plan

PICOFAN = Path(sys.executable).with_name("picofan")


@pytest.fixture
def board(tmp_path: Path) -> Iterator[repl_board.ReplBoard]:
    """A Pico W with MicroPython and nothing else on it."""
    (tmp_path / "flash").mkdir()
    with repl_board.ReplBoard(tmp_path / "flash") as b:
        yield b


@pytest.mark.slow  # every file copied over a REPL, then the monitor
def test_run_flashes_then_opens_the_monitor_on_the_board(
        board: repl_board.ReplBoard, tmp_path: Path) -> None:
    tmux = Tmux("picofan-run-test")
    tmux.start(f"{PICOFAN} run --port {board.port} --no-log; echo RUN-EXITED $?; sleep 600",
               cwd=tmp_path)
    try:
        # The monitor, talking to the app that was just flashed: its hello's version.
        tmux.wait_for("connected", "firmware 0.1.0", timeout=240)
        tmux.keys("q")
        shown = tmux.wait_for("RUN-EXITED")
    finally:
        tmux.stop()
    assert "RUN-EXITED 0" in shown, shown
    # What flash said, on the screen again once the monitor has left it:
    assert f"verified {len(flash_plan())} files by sha256" in shown
    board.sync()
    assert (board.flash_dir / "main.py").is_file()
    assert (board.flash_dir / "fanctl/app.mpy").is_file()  # compiled: the default
    assert list(tmp_path.iterdir()) == [board.flash_dir]  # --no-log: no files
