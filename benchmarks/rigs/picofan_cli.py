"""The `picofan` command as a person runs it: a subprocess of the installed
entry point, and a virtual Pico started with `picofan sim` (its console on a
pipe, its control socket spoken to directly). For tests of the real entry point."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from picofan import ports
from picofan.sim.process import ControlClient

# The console script next to the interpreter running the tests (.venv/bin/picofan).
PICOFAN = str(Path(sys.executable).with_name("picofan"))
WAIT_S = 60.0  # generous: the suite must pass on a busy machine


def run(*args: str, timeout: float = 120.0, **kw: Any) -> subprocess.CompletedProcess[str]:
    """`picofan ARGS`, to the end; its stdout and stderr as text."""
    return subprocess.run([PICOFAN, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False, **kw)


def as_a_real_board(folder: Path) -> dict[str, str]:
    """The environment of a picofan that cannot see the virtual Picos' registrations
    (an empty folder of its own): to it, a virtual Pico's port is a port like a real
    board's, the stand-in for a real board where the board's side is what is tested."""
    empty = folder / "no-registrations"
    empty.mkdir(exist_ok=True)
    return {**os.environ, ports.RUNTIME_DIR_ENV: str(empty)}


def start(*args: str, **kw: Any) -> subprocess.Popen[str]:
    """`picofan ARGS` in the background, stdout and stderr piped."""
    return subprocess.Popen([PICOFAN, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The CSV's data rows so far (a row being written is left out)."""
    if not path.exists():
        return []
    with open(path, newline="") as f:
        text = f.read()
    complete = text[: text.rfind("\n") + 1]
    return list(csv.DictReader(complete.splitlines()))


class SimCommand:
    """`picofan sim --link DIR/tty --control DIR/ctl.sock`, as a person starts it."""

    def __init__(self, folder: Path, *args: str, plain: bool = False) -> None:
        """plain: `picofan sim ARGS` and nothing more, its paths its own defaults (its
        temporary files in `folder`, as TMPDIR)."""
        own = [] if plain else ["--link", str(folder / "tty"), "--control",
                                str(folder / "ctl.sock"), "--flash", str(folder / "flash")]
        self.proc = subprocess.Popen(
            [PICOFAN, "sim", *own, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TMPDIR": str(folder)} if plain else None)
        assert self.proc.stdout is not None
        self.banner = self.proc.stdout.readline()  # "virtual Pico W on /dev/pts/N (and …)"
        self.control_path = str(folder / "ctl.sock")
        if plain:  # "control socket PATH; type help …"
            said = self.proc.stdout.readline().removeprefix("control socket ")
            self.control_path = said.partition(";")[0]
        self._control = ControlClient(self.control_path)
        if "virtual Pico" not in self.banner:
            self.stop()
            raise AssertionError(f"picofan sim did not start (exit {self.proc.returncode}): "
                                 f"{self.banner!r}")
        self.port = self.banner.rpartition("(and ")[2].rstrip().rstrip(")")

    def control(self, command: str) -> dict[str, Any]:
        """One control command over the socket: one line in, one JSON line back."""
        reply = self._control.send(command)
        assert reply["ok"], reply
        return reply

    def stop(self) -> int:
        self._control.close()
        if self.proc.poll() is None and self.proc.stdin:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
        try:
            code = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        return code

    def __enter__(self) -> SimCommand:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line contains text (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def kill_all(pids: list[int]) -> None:
    """Clean up after a failed test: what it left running must not outlive it."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def registered_uid(runtime: Path, sim: SimCommand) -> str:
    """The unique id a running `picofan sim` registered in the folder `runtime`."""
    for f in runtime.glob("sim-*.json"):
        info = json.loads(f.read_text())
        if info["pid"] == sim.proc.pid:
            return str(info["uid"])
    raise AssertionError(f"virtual Pico {sim.proc.pid} not registered")


def sims(stack: contextlib.ExitStack, folder: Path, *args: str,
         count: int) -> list[SimCommand]:
    """`count` bare `picofan sim ARGS` processes, each in a folder of its own, as a person
    starts them in several terminals; stopped when `stack` closes."""
    started = []
    for i in range(count):
        own = folder / f"sim{i}"
        own.mkdir()
        started.append(stack.enter_context(SimCommand(own, *args, plain=True)))
    return started
