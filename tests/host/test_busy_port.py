"""A port another program holds: every picofan command that needs the board says
who holds it (the virtual Pico stands in for a real board: its registration is out of
sight), in one line from one place (picofan.ports.why_not_open), and exits 3
having changed nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import picofan_cli
import pytest

from picofan.sim.process import SimProcess

COMMANDS = [
    ("ping",), ("get",), ("set", "setpoint=28"), ("log", "--duration", "5"), ("monitor",),
    ("flash",), ("reset",), ("run",),
]


@pytest.fixture
def holder(sim: SimProcess) -> Iterator[subprocess.Popen[str]]:
    """Another program with the virtual Pico's port open, as the monitor keeps it."""
    proc = subprocess.Popen(
        [sys.executable, "-c",
         "import serial, sys; s = serial.Serial(sys.argv[1], exclusive=True); "
         "print('held', flush=True); sys.stdin.read()", sim.port],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout and proc.stdout.readline() == "held\n"
    yield proc
    proc.communicate("")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_busy_port_names_its_holder(sim: SimProcess, holder: subprocess.Popen[str],
                                      command: tuple[str, ...], tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    done = picofan_cli.run(*command, "--port", sim.port, cwd=here,
                           env=picofan_cli.as_a_real_board(tmp_path))
    assert done.returncode == 3, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"{sim.port} is busy: held by pid {holder.pid} (" in lines[0]
    assert "quit that one" in lines[0]
    assert "Errno" not in lines[0]  # not pyserial's raw words
    assert list(here.iterdir()) == []  # no log started
