"""Serial ports: finding the Pico among them (one rule for every tool: the link,
the CLI, the monitor, flash) and saying why one cannot be opened (one message for
every tool: missing, forbidden, or busy and held by whom)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import serial
from serial.tools import list_ports

# MicroPython's rp2 port enumerates as 2E8A:0005 unless a board overrides it (the
# Pico W's build does not): ports/rp2/mpconfigport.h, MICROPY_HW_USB_PID, "RP2
# MicroPython". The vendor id alone is not enough: Raspberry Pi's Debug Probe
# (2E8A:000C) and a C program using pico-sdk's USB stdio (2E8A:000A) are serial
# ports with the same vendor id, and talking JSON to them would only confuse.
PICO_VID = 0x2E8A  # Raspberry Pi
MICROPYTHON_PID = 0x0005


class PortError(Exception):
    """No port could be chosen or opened; the message says what to do."""


@dataclass(frozen=True)
class Candidate:
    device: str
    description: str
    serial_number: str | None
    vid: int | None = None
    pid: int | None = None

    @property
    def usb_id(self) -> str:
        """"2e8a:0005" as `lsusb` and `mpremote devs` write it; "-" for a port with
        no USB ids (a built-in UART, a pseudo-terminal)."""
        if self.vid is None or self.pid is None:
            return "-"
        return f"{self.vid:04x}:{self.pid:04x}"

    @property
    def is_pico(self) -> bool:
        return (self.vid, self.pid) == (PICO_VID, MICROPYTHON_PID)


def all_ports() -> list[Candidate]:
    """Every serial port the system lists, with its USB ids where it has them."""
    found = [Candidate(p.device, p.description or "", p.serial_number, p.vid, p.pid)
             for p in list_ports.comports()]
    return sorted(found, key=lambda c: c.device)


def candidates() -> list[Candidate]:
    """Serial ports of a Pico running MicroPython (USB 2E8A:0005)."""
    return [c for c in all_ports() if c.is_pico]


def choose(port: str | None = None) -> str:
    """The port to use: the one given, else the only Pico plugged in."""
    if port:
        return port
    everything = all_ports()
    found = [c for c in everything if c.is_pico]
    if len(found) == 1:
        return found[0].device
    if not found:
        others = [c for c in everything if c.vid == PICO_VID]
        seen = ""
        if others:
            listed = ", ".join(f"{c.device} ({c.description}, {c.usb_id})" for c in others)
            seen = (f" Other Raspberry Pi serial ports are not MicroPython: {listed}; "
                    "give one with --port if it is yours.")
        raise PortError(
            "no Pico found (no serial port with MicroPython's USB id 2e8a:0005). Plug the "
            "board in with a data cable; if it is new, `make micropython` then `make flash`; "
            "or try it without hardware: `--sim` (or `make demo`)." + seen)
    listed = ", ".join(f"{c.device} ({c.description})" for c in found)
    raise PortError(f"several Picos found: {listed}. Choose one with --port (make: PORT=).")


def check_free(device: str) -> None:
    """Open and close the port as the tools will (exclusively): PortError saying why
    not, at once, rather than deep inside a tool."""
    try:
        serial.Serial(device, exclusive=True).close()
    except (serial.SerialException, OSError) as e:
        raise PortError(why_not_open(device, e)) from None


def why_not_open(device: str, error: BaseException) -> str:
    """The one message for a port that would not open, whoever tried: what is wrong
    and what to do. Busy ports name the programs holding them."""
    code = getattr(error, "errno", None)
    if not os.path.exists(device):
        return (f"{device} does not exist (cannot open it). Is the Pico plugged in? "
                "Without --port (make: PORT=) picofan finds it by itself")
    if code in (errno.EACCES, errno.EPERM):
        return (f"permission denied on {device} (cannot open it). On Linux add yourself to "
                "the serial group: sudo usermod -aG dialout $USER, then log out and in again")
    # pyserial's exclusive lock (flock) fails with EAGAIN/EWOULDBLOCK; a port another
    # program opened with TIOCEXCL (screen, some IDEs) refuses with EBUSY.
    if code in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY) or "lock" in str(error):
        who = holders(device)
        named = "; ".join(who) if who else "another program"
        return (f"{device} is busy: held by {named}. The port takes one program at a "
                "time: quit that one (the monitor, a terminal) and try again")
    return f"cannot open {device}: {error}"


def holders(device: str) -> list[str]:
    """Processes that have the port open, those holding its lock first, as
    "pid N (command line)". Linux via /proc, elsewhere via lsof if installed."""
    target = os.path.realpath(device)
    pids: list[int] = []
    if Path("/proc/locks").exists():
        try:
            st = os.stat(target)
        except OSError:
            return []
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
    return [f"pid {pid} ({_command(pid)})" for pid in pids if pid != os.getpid()]


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        text = " ".join(a.decode(errors="replace") for a in raw.split(b"\0") if a)
    except OSError:
        run = subprocess.run(["ps", "-o", "command=", "-p", str(pid)],
                             capture_output=True, text=True)
        text = run.stdout.strip()
    return text if len(text) <= 100 else text[:97] + "..."
