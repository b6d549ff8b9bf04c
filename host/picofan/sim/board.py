"""A board edge for running the firmware in CPython, in the simulator's own process:
used only by benchmarks/control_quality.py, which runs simulated hours and needs
CPython's speed. The virtual Pico itself runs the firmware on MicroPython
(chip.py, chip/simboard.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from picofan.sim.adc import Divider, Rp2040Adc
from picofan.sim.clock import SimClock
from picofan.sim.plant import Plant
from picofan.sim.serial_port import VirtualSerialPort
from picofan.sim.usb_cdc import CTRL_C

TICKS_PERIOD = 1 << 30  # ticks_ms() wraps here on the RP2040 port
_HALF = TICKS_PERIOD // 2


class SimBoard:
    name = "virtual Pico W"

    def __init__(self, plant: Plant, divider: Divider, adc: Rp2040Adc,
                 port: VirtualSerialPort, clock: SimClock,
                 on_time: Callable[[int], None]) -> None:
        self.plant = plant
        self.divider = divider
        self.adc = adc
        self.port = port
        self.clock = clock
        self.on_time = on_time  # runs scheduled events and pending unplugs/resets
        self.fault: str | None = None
        self.stuck_code: int | None = None
        self.led_on = False
        self.fan_on = True
        self.inbox = bytearray()
        self.partial = bytearray()
        self.boot_ms = 0  # virtual time of the last boot: ticks_ms() starts from 0 there

    # machine.ADC(26).read_u16()
    def read_u16(self) -> int:
        self.plant.advance_to(self.clock.ms / 1000)
        if self.stuck_code is not None:
            return Rp2040Adc.to_u16(self.stuck_code)
        t = self.plant.bead_c
        self.plant.self_heat_w = 0.0 if self.fault else self.divider.self_heat_w(t)
        return Rp2040Adc.to_u16(self.adc.code(self.divider.ratio(t, self.fault)))

    # machine.Pin(2) and Pin("LED")
    def fan(self, on: bool) -> None:
        self.plant.advance_to(self.clock.ms / 1000)
        self.fan_on = self.plant.fan = bool(on)

    def led(self, on: bool) -> None:
        self.led_on = bool(on)

    # time.ticks_*
    def ticks_ms(self) -> int:
        return int(self.clock.ms - self.boot_ms) % TICKS_PERIOD

    def ticks_add(self, t: int, d: int) -> int:
        return (t + d) % TICKS_PERIOD

    def ticks_diff(self, a: int, b: int) -> int:
        return (a - b + _HALF) % TICKS_PERIOD - _HALF

    def wait(self, ms: int) -> bool:
        clock = self.clock
        target = clock.ms + ms
        if self.inbox:
            return True
        if clock.speed <= 0:
            ready = self.port.wait_readable(0)
            if not ready:
                clock.ms = target
        else:
            ready = self.port.wait_readable(clock.real_deadline(target) - time.monotonic())
            if ready:
                clock.catch_up_to_real(target)
            else:
                clock.ms = target
        self.on_time(clock.ms)
        return ready

    # USB serial: sys.stdin byte-wise, print()
    def read_byte(self) -> int | None:
        if not self.inbox:
            self.inbox.extend(self.port.read())
            if not self.inbox:
                return None
        b = self.inbox.pop(0)
        if b == CTRL_C:  # MicroPython raises this on the interrupt char
            self.inbox.clear()
            raise KeyboardInterrupt
        return b

    def random32(self) -> int:
        return self.adc.rng.getrandbits(32)

    def usb_room(self) -> int:
        return 1 << 16

    def usb_write(self, buf: bytes | memoryview) -> int:
        self.partial.extend(buf)
        while (i := self.partial.find(b"\n")) >= 0:
            self.port.write_line(self.partial[:i].decode(errors="replace").rstrip("\r"))
            del self.partial[:i + 1]
        return len(buf)

    def watchdog_start(self, ms: int) -> None:
        pass

    def watchdog_feed(self) -> None:
        pass

    def watchdog_stop(self) -> None:
        pass

    def reset_cause(self) -> str:
        return "power"

