"""Serial ports: finding the Pico among them (one rule for every tool: the link,
the CLI, the monitor, flash), every board there is now, real and virtual (one answer
for `picofan ports`, `log --all`, `monitor --all` and the bridge), and saying why a
port cannot be opened (one message for every tool: missing, forbidden, or busy and
held by whom).

A running virtual Pico registers itself: a small JSON file per simulator in the
runtime directory (runtime_dir()), written when its port exists and removed when it
stops. A simulator killed outright leaves its file behind; a file whose process is
gone is stale, ignored and tidied away by the next look."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import serial
from serial.tools import list_ports

# MicroPython's rp2 port enumerates as 2E8A:0005 unless a board overrides it (the
# Pico W's build does not): ports/rp2/mpconfigport.h, MICROPY_HW_USB_PID, "RP2
# MicroPython". The vendor id alone is not enough: Raspberry Pi's Debug Probe
# (2E8A:000C) and a C program using pico-sdk's USB stdio (2E8A:000A) are serial
# ports with the same vendor id, and talking JSON to them would only confuse.
PICO_VID = 0x2E8A  # Raspberry Pi
MICROPYTHON_PID = 0x0005
# Where running virtual Picos register; tests point it at a folder of their own so
# parallel runs never see each other's simulators.
RUNTIME_DIR_ENV = "PICOFAN_RUNTIME_DIR"
SIM_PREFIX = "sim-"  # sim-PID.json, the registration; sim-PID.tty, its default port link


class PortError(Exception):
    """No port could be chosen or opened; the message says what to do."""


@dataclass(frozen=True)
class Candidate:
    device: str
    description: str
    serial_number: str | None
    vid: int | None = None
    pid: int | None = None
    sim_pid: int | None = None  # a virtual Pico's process; None for a real port
    control: str | None = None  # a virtual Pico's control socket

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

    @property
    def is_virtual(self) -> bool:
        return self.sim_pid is not None


def all_ports() -> list[Candidate]:
    """Every serial port the system lists, with its USB ids where it has them."""
    found = [Candidate(p.device, p.description or "", p.serial_number, p.vid, p.pid)
             for p in list_ports.comports()]
    return sorted(found, key=lambda c: c.device)


def candidates() -> list[Candidate]:
    """Serial ports of a Pico running MicroPython (USB 2E8A:0005)."""
    return [c for c in all_ports() if c.is_pico]


def board_ports() -> list[Candidate]:
    """Every board port there is now: real Picos (MicroPython's USB id), then the
    running virtual Picos whose port exists (an unplugged one's does not, as a real
    board's does not). The one answer to "which boards are there"."""
    real = candidates()
    seen = {os.path.realpath(c.device) for c in real}
    virtual = [c for c in virtual_ports() if os.path.realpath(c.device) not in seen]
    return real + virtual


def choose(port: str | None = None) -> str:
    """The port to use: the one given, else the only real Pico plugged in. Virtual
    Picos are never chosen by themselves (a sim left running in another terminal
    must not catch a command meant for the board, nor a flash); with no real Pico,
    the error names them so that --port can."""
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
        virtual = virtual_ports()
        if virtual:
            listed = ", ".join(f"--port {c.device}" for c in virtual)
            seen += (f" Running virtual Pico{'s' if len(virtual) > 1 else ''} (never chosen "
                     f"by default): {listed}.")
        raise PortError(
            "no Pico found (no serial port with MicroPython's USB id 2e8a:0005). Plug the "
            "board in with a data cable; if it is new, `make micropython` then `make flash`; "
            "or try it without hardware: `--sim` (or `make demo`)." + seen)
    listed = ", ".join(f"{c.device} ({c.description})" for c in found)
    raise PortError(f"several Picos found: {listed}. Choose one with --port (make: PORT=).")


def runtime_dir() -> Path:
    """Where virtual Picos register: $PICOFAN_RUNTIME_DIR, else $XDG_RUNTIME_DIR/picofan,
    else a folder of this user's in the temporary directory."""
    given = os.environ.get(RUNTIME_DIR_ENV)
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "picofan"
    user = getattr(os, "getuid", lambda: os.getlogin())()
    return Path(tempfile.gettempdir()) / f"picofan-{user}"


def _own_folder(folder: Path) -> bool:
    """The folder is this user's alone (a shared /tmp: another user could have made
    it, and fed us ports)."""
    try:
        st = folder.stat()
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    return stat.S_ISDIR(st.st_mode) and (
        getuid is None or (st.st_uid == getuid() and not st.st_mode & 0o022))


def sim_link_path(pid: int | None = None) -> Path:
    """The default stable path of a virtual Pico's port (a symlink that follows its
    pseudo-terminal across unplugs), in the runtime directory."""
    return runtime_dir() / f"{SIM_PREFIX}{pid or os.getpid()}.tty"


def make_runtime_dir() -> Path:
    """The runtime directory, made if missing (this user's only); OSError if it
    cannot be, or is someone else's."""
    folder = runtime_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _own_folder(folder):
        raise OSError(errno.EACCES, f"{folder} is not this user's own folder "
                                    f"(set {RUNTIME_DIR_ENV} to another)")
    return folder


def register_sim(info: dict[str, Any]) -> Path:
    """Register a running virtual Pico: info has at least `port` (a stable path)
    and `pid`. Written atomically; returns the file, for unregister_sim."""
    folder = make_runtime_dir()
    path = folder / f"{SIM_PREFIX}{info['pid']}.json"
    tmp = path.with_suffix(".json.new")
    tmp.write_text(json.dumps(info))
    os.replace(tmp, path)
    return path


def unregister_sim(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return False
    return True


def virtual_ports() -> list[Candidate]:
    """The running virtual Picos whose port exists now, by port path. Registrations
    of simulators that are gone (killed: no cleanup ran) are removed on the way."""
    folder = runtime_dir()
    if not _own_folder(folder):
        return []
    found: list[Candidate] = []
    for path in sorted(folder.glob(f"{SIM_PREFIX}*.json")):
        try:
            info = json.loads(path.read_text())
            pid, port = int(info["pid"]), str(info["port"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being written, or not ours: not a board
        if not _alive(pid):
            unregister_sim(path)
            link = sim_link_path(pid)
            if link.is_symlink() and not link.exists():  # its port link, dangling
                with contextlib.suppress(OSError):
                    link.unlink()
            continue
        if not os.path.exists(port):  # unplugged (or between plug and link)
            continue
        uid = info.get("uid")
        found.append(Candidate(port, f"virtual Pico (seed {info.get('seed')}, pid {pid})",
                               uid if isinstance(uid, str) else None, sim_pid=pid,
                               control=info.get("control")))
    return sorted(found, key=lambda c: c.device)


def registered_sim(device: str | None) -> Candidate | None:
    """The running virtual Pico on this port (its stable path, or the pseudo-terminal
    that path leads to now), else None: a port given with --port may be one."""
    if not device:
        return None
    target = os.path.realpath(device)
    return next((c for c in virtual_ports() if os.path.realpath(c.device) == target), None)


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
    if is_busy(error):
        return (f"{device} is busy: held by {held_by(device)}. The port takes one program at a "
                "time: quit that one (the monitor, a terminal) and try again")
    return f"cannot open {device}: {error}"


def is_busy(error: BaseException | None) -> bool:
    """The port would not open because another program holds it."""
    # pyserial's exclusive lock (flock) fails with EAGAIN/EWOULDBLOCK; a port another
    # program opened with TIOCEXCL (screen, some IDEs) refuses with EBUSY.
    code = getattr(error, "errno", None)
    return error is not None and (
        code in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY) or "lock" in str(error))


def held_by(device: str) -> str:
    """Who holds a busy port, as a person reads it."""
    return "; ".join(holders(device)) or "another program"


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
