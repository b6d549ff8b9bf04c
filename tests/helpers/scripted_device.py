"""A device end written by the test itself, on a real pseudo-terminal: for
what the virtual Pico never sends (junk, half lines, silence)."""

from __future__ import annotations

import contextlib
import os
import select
import termios
import tty


class ScriptedDevice:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave, termios.TCSANOW)
        self.path = os.ttyname(self.slave)
        self.received = bytearray()

    def send(self, data: bytes) -> None:
        """All of data (blocks while the host has not read what is in the port)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.master, view):]

    def read(self, timeout: float = 0.5) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            data = os.read(self.master, 65536)
            self.received += data
            return data
        return b""

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
