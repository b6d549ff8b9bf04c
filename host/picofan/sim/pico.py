"""The virtual Pico: the unchanged firmware (fanctl.app.App) on a simulated
board, a pty for its USB serial port, and a control interface for the world
around it (pinch, faults, ambient, unplug).

The board's life is here (boot, run, the REPL after Ctrl-C); its hardware and the
world around it are hardware.py, the chip running the firmware chip_runner.py, the
control commands (their grammar, the control socket and the console) control.py."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from typing import Any

from picofan import micropython
from picofan.sim.adc import AdcParams
from picofan.sim.chip_runner import Chip
from picofan.sim.control import Controls
from picofan.sim.hardware import Hardware
from picofan.sim.plant import PlantParams

BANNER = (f"MicroPython v{micropython.VERSION} on {micropython.BUILD_DATE}; "
          "Raspberry Pi Pico W with RP2040 (virtual)",
          'Type "help()" for more information.')
CTRL_D = 4


class VirtualPico:
    def __init__(self, *, speed: float = 1.0, seed: int = 1, link: str | None = None,
                 flash_dir: str | None = None, plant: PlantParams | None = None,
                 adc: AdcParams | None = None, host_wait_s: float = 1.0) -> None:
        self.seed = seed
        self.hardware = Hardware(speed=speed, seed=seed, link=link, flash_dir=flash_dir,
                                 plant=plant, adc=adc, host_wait_s=host_wait_s)
        self.controls = Controls(self.hardware)
        hw = self.hardware
        self.uid, self.flash, self.stopped = hw.uid, hw.flash, hw.stopped

    # -- the world, from the console or the control socket (control.py) ----------
    def command(self, line: str) -> dict[str, Any]:
        """Apply one control command; returns the reply (raises ControlError)."""
        return self.controls.command(line)

    def reply(self, line: str) -> dict[str, Any]:
        return self.controls.reply(line)

    def serve_control(self, path: str) -> threading.Thread:
        return self.controls.serve(path)

    def state(self) -> dict[str, Any]:
        return self.hardware.state()

    # -- the board's life: boot, run, REPL after Ctrl-C ----------------------------
    def run(self) -> None:
        """Run until stop(): the firmware, restarted after every reset or replug."""
        hw = self.hardware
        while not hw.stopped.is_set():
            hw.boots += 1
            hw.boot_ms = hw.clock.ms  # a fresh board's clock starts at 0
            hw.hang_requested = hw.hung = False
            hw.at_repl = False
            result = Chip(hw).run()
            hw.hung = False
            if result.outcome == "stopped":
                return
            if result.outcome == "power":
                hw.power_event()
                continue
            if result.outcome == "watchdog":
                hw.watchdog_reset()
                continue
            self._repl(result.after_interrupt)

    def _repl(self, typed: bytearray) -> None:
        # The firmware stopped (Ctrl-C, or it ended): the board sits at the REPL until
        # Ctrl-D soft-reboots it. The watchdog, being hardware, runs on if nobody
        # stopped it. (The REPL itself is not simulated; make flash is tested against
        # the real MicroPython REPL instead.)
        hw = self.hardware
        hw.at_repl = True
        for line in BANNER:
            hw.port.write_line(line)
        hw.port.write_some(b">>> ")
        last = time.monotonic()
        while not hw.stopped.is_set():
            now = time.monotonic()
            hw.clock.advance_real(now - last)  # the board's clock runs on at the REPL
            last = now
            if CTRL_D in typed:
                hw.port.write_line("MPY: soft reboot")
                return
            if hw.pending:
                hw.power_event()
                return
            if hw.watchdog.expired(hw.clock.ms):
                hw.watchdog_reset()
                return
            if b"\r" in typed or b"\n" in typed:
                hw.port.write_some(b"\r\n>>> ")  # the REPL answers every line
            typed.clear()
            if hw.port.host_attached() and hw.port.wait_readable(0.02):
                typed += hw.port.read()
            else:
                time.sleep(0.02)

    def stop(self) -> None:
        self.hardware.stopped.set()

    def close(self) -> None:
        self.hardware.port.close()

    def describe(self) -> dict[str, Any]:
        hw = self.hardware
        return {"pty": hw.port.path, "link": hw.port.link, "speed": hw.clock.speed,
                "seed": self.seed, "uid": hw.uid, "flash": str(hw.flash),
                "plant": asdict(hw.plant.p), "parts": self.parts()}

    def parts(self) -> dict[str, Any]:
        """The parts drawn for this board (what a calibration has to find out)."""
        d = self.hardware.divider
        return {"r0": d.r0, "t0": d.t0, "beta": d.beta, "r_fixed": d.r_fixed,
                "adc_offset_lsb": self.hardware.adc.offset_lsb}
