"""`picofan bridge` as a person runs it: the installed entry point in a subprocess, its
log (stderr) in a file the test reads while it runs, and the virtual Picos it starts
(--sim) reached through the control sockets it names."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

from picofan_cli import PICOFAN, kill_all
from polling import until

from picofan.sim.process import ControlClient

SIM_LINE = re.compile(r"virtual Pico (\d+) on \S+ \(control socket (\S+)\)")


class BridgeProcess:
    def __init__(self, folder: Path, broker_url: str, *args: str,
                 env: dict[str, str] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / "bridge.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (open while it runs)
        self.proc = subprocess.Popen([PICOFAN, "bridge", "--broker", broker_url, *args],
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, **(env or {})})
        self._sims: dict[int, ControlClient] = {}

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def wait_log(self, pattern: str, count: int = 1) -> str:
        until(lambda: len(re.findall(pattern, self.log)) >= count or self.proc.poll() is not None,
              f"{count} × {pattern!r} in the bridge's log")
        assert self.proc.poll() is None, f"the bridge stopped: {self.log[-3000:]}"
        return self.log

    def sim(self, n: int) -> ControlClient:
        """The control socket of virtual Pico n (1, 2, …) that the bridge started."""
        if n not in self._sims:
            found = until(lambda: {int(k): p for k, p in SIM_LINE.findall(self.log)}.get(n),
                          f"virtual Pico {n} in the bridge's log")
            self._sims[n] = ControlClient(found)
        return self._sims[n]

    def control(self, n: int, command: str) -> dict[str, Any]:
        reply = self.sim(n).send(command)
        assert reply["ok"], reply
        return reply

    def stop(self, sig: int = signal.SIGTERM) -> int:
        for c in self._sims.values():
            c.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._log.close()
        return code

    def close(self) -> None:
        """After a test, pass or fail: nothing it started outlives it."""
        children = self.children()
        with contextlib.suppress(ProcessLookupError):
            self.stop(signal.SIGKILL)
        # Its virtual Picos go when their parent goes (they watch for it).
        with contextlib.suppress(AssertionError):
            until(lambda: not [p for p in children if Path(f"/proc/{p}").exists()
                               and _state(p) != "Z"], "the bridge's virtual Picos gone")
        kill_all([p for p in children if Path(f"/proc/{p}").exists()])

    def children(self) -> list[int]:
        return [int(p.name) for p in Path("/proc").iterdir()
                if p.name.isdigit() and _parent(int(p.name)) == self.proc.pid]


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return ["", "0"]


def _state(pid: int) -> str:
    return _stat(pid)[0]


def _parent(pid: int) -> int:
    return int(_stat(pid)[1])
