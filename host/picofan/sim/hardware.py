"""The virtual Pico's hardware and the world around it: the plant, the parts (divider,
ADC), the fan, the board's clock, the USB port, the watchdog, the radio, and the power
events (unplug, reset). The chip (chip_runner.py) reaches the board through this and
nothing else; the control commands (control.py) change it."""

from __future__ import annotations

import contextlib
import heapq
import json
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fanctl import faults, protocol, settings, thermistor
from picofan.sim.adc import AdcParams, draw_parts
from picofan.sim.clock import SimClock
from picofan.sim.plant import Plant, PlantParams
from picofan.sim.serial_port import VirtualSerialPort
from picofan.sim.usb_cdc import UsbCdc
from picofan.sim.wlan import SimWifi

# What marks a telemetry line, from the encoder itself: b'"type": "tele"' (MicroPython
# orders a dict's keys its own way)
TELE_MARK = protocol.encode({"type": "tele"})[1:-1].encode()


@dataclass
class Watchdog:
    """The RP2040 watchdog: once started, only a feed or a write to CTRL stops it, and
    it survives a soft reset (it is hardware, not part of MicroPython)."""

    timeout_ms: int = 0
    deadline_ms: float = 0.0
    running: bool = False
    resets: int = 0

    def start(self, now_ms: float, timeout_ms: int) -> None:
        self.timeout_ms, self.running = timeout_ms, True
        self.deadline_ms = now_ms + timeout_ms

    def feed(self, now_ms: float) -> None:
        if self.running:
            self.deadline_ms = now_ms + self.timeout_ms

    def expired(self, now_ms: float) -> bool:
        return self.running and now_ms >= self.deadline_ms


class LoopStats:
    """How the firmware's loop kept time, seen from the hardware: the board time of
    every sample (an ADC batch), and how long after a fault (a sensor fault, or the
    rotor locked) the fan was driven at 100 %, whichever way it is wired."""

    def __init__(self) -> None:
        self.samples = 0
        self.last_ms: float | None = None
        self.max_gap_ms = 0.0
        self.fault_ms: float | None = None
        self.fault_to_fan_ms: float | None = None

    def sampled(self, ms: float) -> None:
        if self.last_ms is not None and ms > self.last_ms:
            self.max_gap_ms = max(self.max_gap_ms, ms - self.last_ms)
        if self.last_ms is None or ms > self.last_ms:
            self.samples += 1
        self.last_ms = ms

    def fault_at(self, ms: float | None) -> None:
        self.fault_ms, self.fault_to_fan_ms = ms, None

    def fan_full_at(self, ms: float) -> None:
        if self.fault_ms is not None and self.fault_to_fan_ms is None:
            self.fault_to_fan_ms = ms - self.fault_ms

    def report(self) -> dict[str, Any]:
        return {"samples": self.samples, "max_sample_gap_ms": round(self.max_gap_ms, 1),
                "fault_to_fan_ms": None if self.fault_to_fan_ms is None
                else round(self.fault_to_fan_ms, 1)}


class Hardware:
    def __init__(self, *, speed: float = 1.0, seed: int = 1, link: str | None = None,
                 flash_dir: str | None = None, plant: PlantParams | None = None,
                 adc: AdcParams | None = None, host_wait_s: float = 1.0) -> None:
        self.host_wait_s = host_wait_s  # speed 0: real time a reading host gets
        self.rng = random.Random(seed)
        # The board's unique id, as machine.unique_id() gives it: one per seed, drawn
        # apart from `rng` so the parts and the noise stay what they were per seed.
        self.uid = "%016x" % random.Random(f"unique id {seed}").getrandbits(64)
        self.plant = Plant(plant)
        adc_params = adc or AdcParams()
        self.divider, self.adc = draw_parts(settings.defaults(), adc_params, seed, self.rng)
        self.port = VirtualSerialPort(link)
        self.cdc = UsbCdc(self.port)
        self.clock = SimClock(speed)
        self.watchdog = Watchdog()
        self.wifi = SimWifi(seed, self.clock)
        self.flash = Path(flash_dir or tempfile.mkdtemp(prefix="picofan-flash-"))
        self.flash.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.events: list[tuple[float, int, str]] = []  # (due s, order, command)
        # Runs a scheduled command when its time comes (control.py sets it).
        self.run_scheduled: Callable[[str], object] = lambda line: None
        self.pending: tuple[str, float] | None = None  # ("unplug", s) or ("reset", 0)
        self.boots = 0
        self.boot_ms = 0.0  # board time of the last boot: ticks_ms() starts from 0 there
        self.reset_cause = "power"
        self.fault: str | None = None
        self.stuck_code: int | None = None
        self.hang_requested = False
        self.hung = False  # the firmware is stuck in a read the bus never answers
        self.led_on = False
        self.stopped = threading.Event()
        self.running = threading.Event()  # cleared by pause
        self.running.set()
        self.at_repl = False
        self.tele_sent = 0
        self.tele_ms_sum = 0
        self._out_partial = b""
        self.stats = LoopStats()

    def fault_began(self, began: bool) -> None:
        # A fault starts (or ends): time how long until the fan is driven at 100 %.
        self.stats.fault_at(self.clock.ms if began else None)
        self._fan_driven()

    def _fan_driven(self) -> None:
        if self.plant.fan.duty >= 100.0:
            self.stats.fan_full_at(self.clock.ms)

    def state(self) -> dict[str, Any]:
        fan = self.plant.fan
        fault = self.fault or (faults.STUCK if self.stuck_code is not None else None)
        return {
            "ms": int(self.clock.ms), "bead_c": round(self.plant.bead_c, 3),
            "body_c": round(self.plant.body_c, 3), "ambient_c": self.plant.p.ambient_c,
            "heat_w": self.plant.p.heat_w, "pinched": self.plant.pinched,
            "bath_c": self.plant.bath_c,
            "fan": fan.duty > 0, "duty": round(fan.duty, 2), "rpm": round(fan.rpm),
            "stalled": fan.locked, "led": self.led_on, "fault": fault,
            "port": self.port.path, "link": self.port.link, "boots": self.boots,
            "reset_cause": self.reset_cause, "at_repl": self.at_repl, "hung": self.hung,
            "watchdog": {"running": self.watchdog.running, "resets": self.watchdog.resets,
                         "timeout_ms": self.watchdog.timeout_ms},
            "host_attached": self.port.host_attached(),
            "dropped_bytes": self.cdc.dropped_bytes, "paused": not self.running.is_set(),
            "tele_sent": self.tele_sent, "tele_ms_sum": self.tele_ms_sum,
            "loop": self.stats.report(), "wifi": self.wifi.state(),
        }

    # -- the hardware, as the chip uses it (chip_runner.py) ------------------------------
    def boot_info(self) -> list[int | str]:
        """What the chip learns at boot: the reset cause, a random seed, whether its
        compute time is charged (speed > 0) and its unique id."""
        return [self.reset_cause, self.rng.getrandbits(32),
                1 if self.clock.speed > 0 else 0, self.uid]

    def adc_reads(self, n: int) -> list[int]:
        self.plant.advance_to(self.clock.ms / 1000)
        self.stats.sampled(self.clock.ms)
        if self.stuck_code is not None:
            return [thermistor.u16(self.stuck_code)] * n
        t = self.plant.bead_c
        self.plant.self_heat_w = 0.0 if self.fault else self.divider.self_heat_w(t)
        ratio = self.divider.ratio(t, self.fault)
        return [thermistor.u16(self.adc.code(ratio)) for _ in range(n)]

    def set_fan(self, on: bool) -> None:
        # GPIO2 as a digital output (sim/fan.py has the wiring).
        self.plant.advance_to(self.clock.ms / 1000)
        self.plant.fan.pin_digital(on)
        self._fan_driven()

    def set_fan_pwm(self, level: int) -> None:
        # GPIO2 as PWM, through the inverting open-drain stage.
        self.plant.advance_to(self.clock.ms / 1000)
        self.plant.fan.pin_pwm(level)
        self._fan_driven()

    def tach_count(self) -> int:
        # GPIO3's falling edges since power-up, as the board's interrupt counts them.
        self.plant.advance_to(self.clock.ms / 1000)
        return self.plant.fan.tach_count

    def radio_request(self, op: bytes, args: list[bytes]) -> list[int | str]:
        # The chip's network.WLAN calls, on the board's clock (wlan.py).
        return self.wifi.request(op, args)

    def usb_wait_ms(self, ms: int) -> None:
        # A blocked USB write: board time passes, and the host gets real time to read.
        self.clock.ms += ms
        time.sleep(ms / 1000 / (self.clock.speed if self.clock.speed > 0 else 20))

    def count_output(self, data: bytes) -> None:
        # Telemetry the firmware handed to the USB stack: how many lines, and their ms sum.
        *lines, self._out_partial = (self._out_partial + data).split(b"\n")
        for line in lines:
            if TELE_MARK in line:
                with contextlib.suppress(ValueError, KeyError):
                    self.tele_ms_sum += int(json.loads(line)["ms"])
                    self.tele_sent += 1

    def wait(self, ms: int, arrived: threading.Event,
             waiting: Callable[[], bool]) -> tuple[bool, str]:
        """The firmware sleeps up to ms, or until input. -> (input ready, outcome)."""
        clock = self.clock
        target = clock.ms + ms
        ready = waiting()
        if ready:
            if clock.speed > 0:
                clock.catch_up_to_real(target)
        elif clock.speed <= 0:
            # As fast as the CPU goes, the host's included: a host that holds the port
            # open gets up to host_wait_s (a second) of real time to read before the
            # board runs on.
            deadline = time.monotonic() + self.host_wait_s
            while self.cdc.backed_up() and time.monotonic() < deadline:
                if self.stopped.is_set() or self.pending:
                    break
                time.sleep(0.001)
            clock.ms = target
        else:
            while True:
                arrived.clear()
                if waiting():
                    clock.catch_up_to_real(target)
                    ready = True
                    break
                left = clock.real_deadline(target) - time.monotonic()
                if left <= 0:
                    clock.ms = target
                    break
                if self.stopped.is_set() or self.pending:
                    clock.catch_up_to_real(target)
                    break
                arrived.wait(min(left, 0.02))
        return ready, self._on_time(clock.ms)

    # -- time: scheduled events and power events -----------------------------------------
    def _on_time(self, ms: float) -> str:
        due: list[str] = []
        with self.lock:
            while self.events and self.events[0][0] * 1000 <= ms:
                due.append(heapq.heappop(self.events)[2])
        for line in due:
            self.run_scheduled(line)
        self._hold_while_paused(unplug_goes=True)
        if self.stopped.is_set():
            return "stopped"
        if self.watchdog.expired(self.clock.ms):
            return "watchdog"
        return "power" if self.pending else ""

    def _hold_while_paused(self, unplug_goes: bool = False) -> None:
        # The clock stands still until resume; with unplug_goes, an unplug meanwhile
        # pulls the cable at once (its time out runs once resumed: _sleep_virtual).
        if self.running.is_set():
            return
        t0 = time.monotonic()
        while not self.running.wait(0.05) and not self.stopped.is_set():
            if unplug_goes and self.pending and self.pending[0] == "unplug":
                break
        self.clock.hold(time.monotonic() - t0)

    def power_event(self) -> None:
        with self.lock:
            kind, seconds = self.pending or ("reset", 0.0)
            self.pending = None
        self.reset_cause = "power"
        if kind == "unplug":
            # The cable comes out: what the host has not read whole by then is lost
            # with it (and no longer counts as delivered), and so is what never left
            # the board.
            self.count_lost(self.cdc.undelivered())
        else:
            self.count_lost(bytes(self.cdc.fifo))  # never left the board
        self.cdc.reset()
        if kind == "unplug":
            self.port.unplug()
            self.cdc.unplug()
            # Unpowered, GPIO2 floats: the gate pull-down turns a switched fan off (and
            # lets a PWM fan's own pull-up run it at full speed).
            self.plant.advance_to(self.clock.ms / 1000)
            self.plant.fan.pin_floating()
            self.led_on = False
            self._sleep_virtual(seconds)
            self.port.plug()

    def watchdog_reset(self) -> None:
        self.watchdog.resets += 1
        self.watchdog.running = False  # a reset stops it until the firmware starts it
        self.reset_cause = "watchdog"
        self.count_lost(bytes(self.cdc.fifo))
        self.cdc.reset()

    def count_lost(self, data: bytes) -> None:
        for line in data.split(b"\n"):
            if TELE_MARK in line:
                with contextlib.suppress(ValueError, KeyError):
                    self.tele_ms_sum -= int(json.loads(line)["ms"])
                    self.tele_sent -= 1

    def _sleep_virtual(self, seconds: float) -> None:
        # Out for `seconds` of board time: a pause, before or during, holds it out.
        target = self.clock.ms + seconds * 1000
        while not self.stopped.is_set():
            self._hold_while_paused()
            if self.clock.speed <= 0:
                break
            left = self.clock.real_deadline(target) - time.monotonic()
            if left <= 0:
                break
            self.stopped.wait(min(left, 0.05))
        self.clock.ms = target
        self.plant.advance_to(target / 1000)
