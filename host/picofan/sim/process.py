"""Start a virtual Pico in its own process and steer it: used by `--sim` on
every picofan command, by the tests and by the benchmarks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any


class ControlClient:
    """A connection to a virtual Pico's control socket: one command line in, one
    JSON reply line back."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._sock: socket.socket | None = None

    def send(self, command: str) -> dict[str, Any]:
        """The reply; OSError when the virtual Pico is gone (its socket closed)."""
        if self._sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                raise
            self._sock, self._reader = sock, sock.makefile("rb")
        self._sock.sendall(command.encode() + b"\n")
        line = self._reader.readline()
        if not line:
            self.close()
            raise ConnectionResetError("the virtual Pico closed its control socket")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        if self._sock is not None:
            self._reader.close()
            self._sock.close()
            self._sock = None


class SimControl:
    """A registered virtual Pico's console, for the monitor's pinch and fault keys."""

    def __init__(self, path: str) -> None:
        self._client = ControlClient(path)
        self._lock = threading.Lock()  # one command and its reply at a time

    def control(self, command: str) -> dict[str, Any]:
        with self._lock:
            return self._client.send(command)


class SimProcess:
    """A running `picofan sim`. `port` is a stable path (a symlink that follows
    the pty across unplugs); `control()` sends one control command. Listed (the
    default): registered, so discovery (picofan.ports.board_ports) finds it."""

    def __init__(self, *, speed: float = 1.0, seed: int = 1, script: str | None = None,
                 flash: str | None = None, startup_timeout: float = 30.0,
                 stderr: IO[str] | None = None, host_wait_s: float | None = None,
                 listed: bool = True) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="picofan-sim-")
        base = Path(self._dir.name)
        self.port = str(base / "ttyPICO")
        self.control_path = str(base / "control.sock")
        cmd = [sys.executable, "-m", "picofan.sim", "--ready-json", "--speed", str(speed),
               "--seed", str(seed), "--link", self.port, "--control", self.control_path,
               "--flash", flash or str(base / "flash")]
        if script:
            cmd += ["--script", script]
        if host_wait_s is not None:
            cmd += ["--host-wait", str(host_wait_s)]
        if not listed:  # a command's own: other tools' discovery must not take it
            cmd.append("--unlisted")
        self._control = ControlClient(self.control_path)
        try:
            os.makedirs(flash or base / "flash", exist_ok=True)
            # Its own session: a terminal's signals (Ctrl-C, hang-up) reach the
            # program that started it, which stops it and removes its folder;
            # the simulator never outlives that cleanup or races it.
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                         stdin=subprocess.DEVNULL, stderr=stderr, text=True,
                                         start_new_session=True)
        except BaseException:
            self._dir.cleanup()
            raise
        try:
            assert self.proc.stdout is not None
            line = self.proc.stdout.readline()  # blocks until ready (or the process dies)
            if not line:
                self.proc.wait(startup_timeout)
                raise RuntimeError(f"virtual Pico failed to start (exit {self.proc.returncode})")
            self.info: dict[str, Any] = json.loads(line)
        except BaseException:  # also Ctrl-C or SIGTERM while it starts: no orphan
            self.stop()
            raise

    def control(self, command: str) -> dict[str, Any]:
        return self._control.send(command)

    def stop(self) -> None:
        self._control.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self._dir.cleanup()

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
