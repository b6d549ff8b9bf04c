"""A board edge for running the firmware in CPython, in the simulator's own process,
and a rig around it (a world of plant, parts, ADC and a silent port drawn from one
seed): for benchmarks/control_quality.py, which runs simulated hours and needs
CPython's speed, and the tests of that rig. The virtual Pico itself runs the
firmware on MicroPython (chip_runner.py, on_chip/unix_board.py)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from fanctl import fan
from fanctl.settings import defaults
from picofan.sim.adc import AdcParams, Divider, Rp2040Adc
from picofan.sim.clock import SimClock
from picofan.sim.plant import Plant, PlantParams
from picofan.sim.serial_port import VirtualSerialPort
from picofan.sim.usb_cdc import CTRL_C

TICKS_PERIOD: int = fan.TICKS_PERIOD  # ticks_ms() wraps here (typed: fanctl is not)
_HALF = TICKS_PERIOD // 2


class InProcessBoard:
    name = "virtual Pico W"

    def __init__(self, plant: Plant, divider: Divider, adc: Rp2040Adc,
                 port: VirtualSerialPort, clock: SimClock,
                 on_time: Callable[[float], None]) -> None:
        self.plant = plant
        self.divider = divider
        self.adc = adc
        self.port = port
        self.clock = clock
        self.on_time = on_time  # runs scheduled events and pending unplugs/resets
        self.fault: str | None = None
        self.stuck_code: int | None = None
        self.led_on = False
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

    # machine.Pin(2) as an output or PWM, through the virtual Pico's wiring (sim/fan.py),
    # the tach's edges on GPIO3, and Pin("LED")
    def fan(self, on: bool) -> None:
        self.plant.advance_to(self.clock.ms / 1000)
        self.plant.fan.pin_digital(bool(on))

    def fan_pwm(self, level: int) -> None:
        self.plant.advance_to(self.clock.ms / 1000)
        self.plant.fan.pin_pwm(level)

    def tach_count(self) -> int:
        self.plant.advance_to(self.clock.ms / 1000)
        return self.plant.fan.tach_count

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

    def unique_id(self) -> str:
        return "0000000000000001"



class NullPort:
    """The serial port, with nobody typing: output lines are kept for inspection."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def wait_readable(self, timeout_s: float) -> bool:
        return False

    def read(self, n: int = 4096) -> bytes:
        return b""

    def write_line(self, text: str) -> None:
        self.lines.append(text)


class Sample(NamedTuple):
    """The world as the rig records it once a loop pass, before the controller waits."""

    ms: float
    bead_c: float  # the true bead temperature, from the plant
    duty: float  # percent, as the fan sees it
    rpm: float


class RigBoard(InProcessBoard):
    """InProcessBoard that records the world once a loop pass (every controller waits once
    per sample) from record_from_ms on, and every change of the fan's drive: its starts
    and stops, and its duty."""

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.record_from_ms = 0
        self.trace: list[Sample] = []
        self.switch_ms: list[float] = []  # the fan started or stopped
        self.changes: list[tuple[float, float]] = []  # (ms, duty): the fan's duty changed

    def _drove(self, was: float) -> None:
        now = self.plant.fan.duty
        if now != was:
            self.changes.append((self.clock.ms, now))
            if (now > 0) != (was > 0):
                self.switch_ms.append(self.clock.ms)

    def fan(self, on: bool) -> None:
        was = self.plant.fan.duty
        super().fan(on)
        self._drove(was)

    def fan_pwm(self, level: int) -> None:
        was = self.plant.fan.duty
        super().fan_pwm(level)
        self._drove(was)

    def wait(self, ms: int) -> bool:
        if self.clock.ms >= self.record_from_ms:
            self.plant.advance_to(self.clock.ms / 1000)
            fan = self.plant.fan
            self.trace.append(Sample(self.clock.ms, self.plant.bead_c, fan.duty, fan.rpm))
        return super().wait(ms)


@dataclass
class World:
    board: RigBoard
    plant: Plant
    port: NullPort
    actions: list[tuple[int, Callable[[World], None]]] = field(default_factory=list)
    triggers: list[Callable[[World], bool]] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)

    def on_time(self, ms: int) -> None:
        if self.actions and self.actions[0][0] <= ms:
            self.plant.advance_to(ms / 1000)  # the world changes now, not a sample ago
        while self.actions and self.actions[0][0] <= ms:
            self.actions.pop(0)[1](self)
        self.triggers[:] = [t for t in self.triggers if not t(self)]


def make_world(seed: int, plant_params: PlantParams | None = None) -> World:
    # The same construction as the virtual Pico's (hardware.py): parts drawn from the
    # seed, then the ADC.
    rng = random.Random(seed)
    params = AdcParams()
    divider = Divider.from_nominal(defaults(), params, rng)
    adc = Rp2040Adc(params, rng)
    plant = Plant(plant_params)
    port = NullPort()
    world = World(board=None, plant=plant, port=port)  # type: ignore[arg-type]
    world.board = RigBoard(plant, divider, adc, port, SimClock(0), world.on_time)
    return world
