"""The board side of make flash, whatever the tool: the port (free? who holds it?),
what is on the board (a script run there), and the soft reset into the app."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import serial

MANIFEST = ".picofan-files"  # on the board: the files the last flash put there
MARK = "PICOFAN-INVENTORY"
# What a flash may ever remove: Python modules and compiled modules, never data
# (settings.json) or anything outside a plain relative path.
_APP_FILE = re.compile(r"^[A-Za-z0-9_]+(/[A-Za-z0-9_]+)*\.(py|mpy)$")


def is_app_file(path: str) -> bool:
    return bool(_APP_FILE.match(path))


class BoardError(Exception):
    pass


def inventory_script(paths: list[str]) -> str:
    """MicroPython code printing the manifest and the sha256 of `paths` and of every
    file the manifest names (None where there is no such file)."""
    return f"""\
import json, hashlib, binascii
def h(p):
    try:
        f = open(p, "rb")
    except OSError:
        return None
    d = hashlib.sha256()
    b = bytearray(512)
    try:
        while True:
            n = f.readinto(b)
            if not n:
                break
            d.update(b if n == 512 else b[:n])
    except OSError:
        return None
    finally:
        f.close()
    return binascii.hexlify(d.digest()).decode()
try:
    with open({MANIFEST!r}) as f:
        m = f.read().split()
except OSError:
    m = []
print({MARK!r}, json.dumps({{"manifest": m, "hashes": {{p: h(p) for p in {paths!r} + m}}}}))
"""


@dataclass
class Inventory:
    manifest: list[str]
    hashes: dict[str, str | None]

    @classmethod
    def parse(cls, output: str) -> Inventory:
        for line in output.splitlines():
            if line.startswith(MARK + " "):
                data = json.loads(line[len(MARK) + 1:])
                return cls(list(data["manifest"]), dict(data["hashes"]))
        raise BoardError(f"reading the board: no answer from the inventory script: "
                         f"{output.strip()[-300:] or 'no output'}")


def check_port(device: str) -> None:
    """Fail clearly now rather than deep inside a tool: missing, forbidden, or busy."""
    if not os.path.exists(device):
        raise BoardError(f"{device} does not exist. Is the Pico plugged in? "
                         "(`make flash` without PORT= finds it by itself)")
    try:
        serial.Serial(device, exclusive=True).close()
    except serial.SerialException as e:
        if e.errno in (errno.EACCES, errno.EPERM):
            raise BoardError(
                f"permission denied on {device}. On Linux add yourself to the serial "
                f"group: sudo usermod -aG dialout $USER, then log out and in again") from None
        if "lock" in str(e) or e.errno == errno.EBUSY:
            who = holders(device)
            named = "; ".join(who) if who else "another program"
            raise BoardError(
                f"{device} is busy: held by {named}. mpremote needs the port to itself: "
                "quit that program (the monitor, a terminal) and try again") from None
        raise BoardError(f"{device}: {e}") from None


def holders(device: str) -> list[str]:
    """Processes that have the port open, those holding its lock first, as
    "pid N (command line)". Linux via /proc, elsewhere via lsof if installed."""
    target = os.path.realpath(device)
    pids: list[int] = []
    if Path("/proc/locks").exists():
        st = os.stat(target)
        for line in Path("/proc/locks").read_text().splitlines():
            f = line.split()
            if len(f) >= 6 and f[1] == "FLOCK" and f[4].isdigit():
                dev = f[5].split(":")
                if (len(dev) == 3 and int(dev[2]) == st.st_ino
                        and os.makedev(int(dev[0], 16), int(dev[1], 16)) == st.st_dev):
                    pids.append(int(f[4]))
        for fd_dir in Path("/proc").glob("[0-9]*/fd"):
            pid = int(fd_dir.parent.name)
            if pid in pids or pid == os.getpid():
                continue
            try:
                if any(os.path.realpath(fd) == target for fd in fd_dir.iterdir()):
                    pids.append(pid)
            except OSError:
                continue
    elif shutil.which("lsof"):
        run = subprocess.run(["lsof", "-t", target], capture_output=True, text=True)
        pids = [int(p) for p in run.stdout.split() if p.isdigit()]
    return [f"pid {pid} ({_command(pid)})" for pid in pids]


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        text = " ".join(a.decode(errors="replace") for a in raw.split(b"\0") if a)
    except OSError:
        run = subprocess.run(["ps", "-o", "command=", "-p", str(pid)],
                             capture_output=True, text=True)
        text = run.stdout.strip()
    return text if len(text) <= 100 else text[:97] + "..."


def wait_for_hello(link: serial.Serial, timeout: float) -> dict[str, object]:
    """Stop whatever runs, soft-reset from the friendly REPL (which runs main.py, as
    a raw-REPL reset does not) and return the app's hello line."""
    link.reset_input_buffer()
    link.write(b"\r\x03\x03")  # Ctrl-C twice: interrupt the app or a stuck script
    link.write(b"\x02")  # Ctrl-B: the friendly REPL, should a tool have left it raw
    _read_until(link, lambda buf: buf.endswith(b">>> "), 5.0, "REPL prompt")
    link.write(b"\x04")  # Ctrl-D: soft reset
    found: dict[str, object] = {}

    def hello_in(buf: bytes) -> bool:
        for line in buf.splitlines():
            line = line.strip()
            if line.startswith(b"{"):
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if isinstance(msg, dict) and msg.get("type") == "hello":
                    found.update(msg)
                    return True
        return False

    _read_until(link, hello_in, timeout, "hello from the app after a soft reset")
    return found


def _read_until(link: serial.Serial, done: Callable[[bytes], bool], timeout: float,
                what: str) -> bytes:
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        buf += link.read(link.in_waiting or 1)  # waits up to the port's read timeout
        if done(buf):
            return buf
    tail = buf.decode(errors="replace").strip()[-400:]
    raise TimeoutError(f"no {what} within {timeout:.0f} s; the board said: {tail or 'nothing'}")
