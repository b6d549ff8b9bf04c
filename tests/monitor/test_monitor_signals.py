"""`picofan monitor --sim` in a real terminal (a pty it holds as its controlling
terminal), stopped by `kill` or by the terminal closing: the virtual Pico and
its folder must go with it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import termios
import threading
from pathlib import Path

import picofan_cli
import pytest
from picofan_cli import csv_rows
from polling import until

PROG = [picofan_cli.PICOFAN]
pytestmark = pytest.mark.slow  # `picofan monitor --sim` in real time


class Terminal:
    """A pseudo-terminal with `picofan ARGS` as its session leader, as a terminal
    window runs it; the screen output is read and thrown away."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 110, 0, 0))
        env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
        # setsid --ctty: a new session whose controlling terminal is this pty, so
        # closing the master hangs it up (SIGHUP) as closing a terminal window does.
        self.proc = subprocess.Popen(["setsid", "--ctty", *PROG, *args],
                                     stdin=slave, stdout=slave, stderr=slave,
                                     env={**env, "TERM": "xterm-256color"})
        os.close(slave)
        self.screen = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with contextlib.suppress(OSError):
            while data := os.read(self.master, 65536):
                self.screen += data

    def hang_up(self) -> None:
        os.close(self.master)


@pytest.mark.parametrize("how", ["SIGTERM", "terminal closed"])
def test_monitor_sim_stopped_leaves_no_virtual_pico(how: str, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    path = tmp_path / "m.csv"
    term = Terminal("monitor", "--sim", "--log", str(path),
                    env={**os.environ, "TMPDIR": str(temp)})
    try:
        until(lambda: len(csv_rows(path)) >= 1 or term.proc.poll() is not None,
                   "the monitor logging a reading")
        assert term.proc.poll() is None, bytes(term.screen[-2000:])
        assert picofan_cli.processes_mentioning(str(temp)), "the virtual Pico is running"
        if how == "SIGTERM":
            term.proc.send_signal(signal.SIGTERM)
        else:
            term.hang_up()
        term.proc.wait(60)
    finally:
        term.proc.kill()
        left = picofan_cli.processes_mentioning(str(temp))
        picofan_cli.kill_all(left)
        with contextlib.suppress(OSError):
            term.hang_up()
    assert left == [], "the virtual Pico outlived the monitor"
    assert list(temp.iterdir()) == [], "its temporary folder was left behind"
    assert len(csv_rows(path)) >= 1
