"""What a device command holds open: the board on --port (or the only Pico
plugged in), or a virtual Pico started for it (--sim), and the Device talking
to it. One way in for the CLI and the monitor."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from picofan import ports, shutdown
from picofan.client import Device
from picofan.link import LinkLost
from picofan.sim.process import SimControl

if TYPE_CHECKING:
    from picofan.sim.process import SimProcess


class Session:
    """A started Device, and the virtual Pico behind it (None on a real board).
    close() may come from any thread, once or more: the first call releases both.
    `world`: the virtual Pico's console, this command's own (--sim) or a running one's
    given with --port; None on a real board."""

    def __init__(self, device: Device, sim: SimProcess | None,
                 world: SimControl | None = None) -> None:
        self.device = device
        self.sim = sim
        self.world: SimProcess | SimControl | None = sim or world
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        # Under the lock to the end: a second caller (a hang-up thread about to
        # exit the process) waits until the virtual Pico is gone.
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self.device.close()
            finally:
                if self.sim:
                    self.sim.stop()


def start_sim(speed: float) -> SimProcess:
    from picofan.sim.process import SimProcess

    try:
        return SimProcess(speed=speed, listed=False)  # this command's: no other tool's
    except RuntimeError as e:  # no MicroPython unix port here: say so, as a link problem
        raise LinkLost(str(e)) from None


def virtual(args: argparse.Namespace) -> bool:
    """The command's board is a virtual Pico: its own (--sim), or a running one on --port
    (each registers itself: picofan.ports)."""
    return bool(args.sim or ports.registered_sim(args.port))


@contextlib.contextmanager
def session(args: argparse.Namespace) -> Iterator[Session]:
    """A Session for a device command's options (--port, --sim, --sim-speed,
    --timeout); everything is released on the way out."""
    sim = start_sim(args.sim_speed) if args.sim else None
    try:
        if sim:
            with contextlib.suppress(OSError):  # the terminal may be gone
                print(f"picofan: virtual Pico on {sim.info['pty']}", file=sys.stderr, flush=True)
        device = Device(sim.port if sim else args.port, reply_timeout=args.timeout).start()
    except BaseException:
        if sim:
            with shutdown.shielded():
                sim.stop()
        raise
    found = None if sim else ports.registered_sim(args.port)
    held = Session(device, sim, SimControl(found.control) if found and found.control else None)
    try:
        yield held
    finally:
        with shutdown.shielded():
            held.close()
