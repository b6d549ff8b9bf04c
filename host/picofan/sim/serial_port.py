"""The virtual Pico's USB serial port: a pseudo-terminal.

Programs open the slave side (its path, or the stable symlink) exactly as they
would /dev/ttyACM0. Like the Pico's USB CDC port it does not echo, sends
`\\r\\n` line ends, and can be unplugged: the pty goes away (readers see an
error) and a new one appears behind the same symlink.

The simulator never holds the slave side open itself, so "a host has the port
open" (the DTR of a real port) is what the master side reports: no hang-up."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import stat
import struct
import termios
import tty


class PathInUse(Exception):
    """--link or --control names a path that exists and is not the simulator's."""


def ours_or_free(path: str, kind: str) -> None:
    """Refuse a path the simulator would overwrite that is not its own: a symlink to
    a pty (a link left by an earlier run), a socket (its control socket), or nothing."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if kind == "link" and stat.S_ISLNK(st.st_mode) and os.readlink(path).startswith("/dev/pts/"):
        return
    if kind == "control" and stat.S_ISSOCK(st.st_mode):
        return
    what = "a folder" if stat.S_ISDIR(st.st_mode) else "a file"
    raise PathInUse(f"{path} exists and is {what} the simulator did not make; "
                    f"choose another path for --{kind} (nothing was changed)")


class VirtualSerialPort:
    def __init__(self, link: str | None = None) -> None:
        if link:
            ours_or_free(link, "link")
        self.link = link
        self.master = -1
        self.path = ""
        self.dropped_lines = 0
        self.plug()

    def plug(self) -> None:
        self.master, slave = os.openpty()
        # Raw: no echo, no line editing, no CR/LF translation, like a USB CDC port.
        tty.setraw(slave, termios.TCSANOW)
        self.path = os.ttyname(slave)
        os.close(slave)
        os.set_blocking(self.master, False)
        if self.link:
            tmp = self.link + ".new"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)  # atomic: readers never see no link

    def host_attached(self) -> bool:
        """A program holds the port open (a real port's DTR)."""
        if self.master < 0:
            return False
        p = select.poll()
        p.register(self.master, select.POLLIN)
        return not any(ev & select.POLLHUP for _, ev in p.poll(0))

    def unread(self) -> bytes:
        """Take what was sent and the host has not read yet (lost with the cable)."""
        if not self.path or self.master < 0:
            return b""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return b""
        left = b""
        try:
            while True:
                size = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD,
                                                       struct.pack("i", 0)))[0]
                if not size:
                    break
                left += os.read(fd, size)
        except OSError:
            pass
        finally:
            os.close(fd)
        return left

    def unplug(self) -> None:
        # The device node goes away with the cable (as /dev/ttyACM0 does): a host that
        # reopened the old path meanwhile could land on another program's new pty
        # that the kernel gave the same number.
        if self.link:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link)
        if self.master >= 0:
            with contextlib.suppress(OSError):
                os.close(self.master)
        self.master = -1

    def close(self) -> None:
        self.unplug()

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

    def write_some(self, data: bytes) -> int:
        """As much of data as the pty takes now (0 when it is full or gone)."""
        if self.master < 0 or not data:
            return 0
        try:
            return os.write(self.master, data)
        except (BlockingIOError, OSError):
            return 0

    def write_line(self, text: str) -> bool:
        """The REPL's own output (banner, prompt): whatever fits, never waiting."""
        data = text.encode() + b"\r\n"
        return self.write_some(data) == len(data)
