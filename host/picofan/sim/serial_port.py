"""The virtual Pico's USB serial port: a pseudo-terminal.

Programs open the slave side (its path, or the stable symlink) exactly as they
would /dev/ttyACM0. Like the Pico's USB CDC port it does not echo, sends
`\\r\\n` line ends, and can be unplugged: the pty goes away (readers see an
error) and a new one appears behind the same symlink."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import struct
import termios
import time
import tty


class VirtualSerialPort:
    def __init__(self, link: str | None = None) -> None:
        self.link = link
        self.master = -1
        self.slave = -1
        self.path = ""
        self.dropped_lines = 0
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        # Raw: no echo, no line editing, no CR/LF translation, like a USB CDC port.
        tty.setraw(self.slave, termios.TCSANOW)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        if self.link:
            tmp = self.link + ".new"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)  # atomic: readers never see no link

    def unplug(self) -> None:
        # The device node goes away with the cable (as /dev/ttyACM0 does): a host that
        # reopened the old path meanwhile could land on another program's new pty
        # that the kernel gave the same number.
        if self.link:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.master = self.slave = -1

    def close(self) -> None:
        self.unplug()
        if self.link:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link)

    def wait_readable(self, timeout_s: float) -> bool:
        if self.master < 0:
            return False
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout_s))
        return bool(ready)

    def read(self, n: int = 4096) -> bytes:
        if self.master < 0:
            return b""
        try:
            return os.read(self.master, n)
        except (BlockingIOError, OSError):
            return b""

    def write_line(self, text: str, timeout_s: float = 1.0) -> bool:
        """Send one line; if nobody reads for timeout_s the line is dropped,
        as the Pico's USB stack drops output with no host listening.
        True when the whole line went into the port."""
        data = text.encode() + b"\r\n"
        while data and self.master >= 0:
            try:
                n = os.write(self.master, data)
                data = data[n:]
            except BlockingIOError:
                _, ready, _ = select.select([], [self.master], [], timeout_s)
                if not ready:
                    self.dropped_lines += 1
                    return False
            except OSError:
                return False
        return not data

    def unread(self) -> int:
        """Bytes sent that the host has not read yet."""
        if self.slave < 0:
            return 0
        buf = fcntl.ioctl(self.slave, termios.FIONREAD, struct.pack("i", 0))
        return int(struct.unpack("i", buf)[0])

    def drain(self, timeout_s: float = 1.0) -> bytes:
        """Wait (real time) until the host has read everything sent; returns what
        it left unread by the deadline (taken out of the port: lost with the cable)."""
        deadline = time.monotonic() + timeout_s
        while self.unread() and time.monotonic() < deadline:
            time.sleep(0.001)
        left = b""
        while self.unread():
            try:
                left += os.read(self.slave, 65536)
            except OSError:
                break
        return left
