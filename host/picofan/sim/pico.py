"""The virtual Pico: the unchanged firmware (fanctl.app.App) on a simulated
board, a pty for its USB serial port, and a control interface for the world
around it (pinch, faults, ambient, unplug).

Control commands are text lines, the same from the simulator's console and
from its control socket (a Unix socket; one reply line of JSON per command):

    pinch | release              a finger on the thermistor bead, or not
    hang                         the ADC bus stops answering: the loop hangs (the
                                 watchdog, if running, resets the board)
    fault open|short|stuck|none  break the thermistor (open/short) or freeze the ADC
    stall | unstall              lock the fan's rotor (0 rpm, no tach pulses) / free it
    ambient C | heat W           room temperature, heat-source power
    bath C | bath off            hold the bead in a stirred bath at C (ice water 0, warm
                                 water 50): it follows in seconds; off: back in the air
    reference                    the bead's true temperature, as a reference
                                 thermometer beside it reads it (reference_c)
    unplug [S]                   pull the USB cable for S seconds (default 1): the
                                 port goes away (once the host has read what was
                                 sent, or after 1 s) and the firmware restarts after
    reset                        press reset: the firmware restarts
    wifi down | wifi up          the board's Wi-Fi network goes out of range (the link
                                 drops, joins fail) until `wifi up`
    ap reboot [S]                the access point power-cycles: gone for S seconds
                                 (default 10), then back
    at S COMMAND                 run COMMAND when the board's clock reaches S seconds
    pause | resume               freeze the board's clock (and the firmware) / go on
    mark                         start counting the loop's timing (status: loop) anew
    status | help                status: the world and the board (fan: duty as the fan
                                 sees it, rpm, stalled; loop: see mark)
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import random
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fanctl import faults, protocol, settings, thermistor
from picofan import micropython
from picofan.sim.adc import AdcParams, draw_parts
from picofan.sim.chip_runner import Chip, Watchdog
from picofan.sim.clock import SimClock
from picofan.sim.plant import Plant, PlantParams
from picofan.sim.serial_port import VirtualSerialPort
from picofan.sim.usb_cdc import UsbCdc
from picofan.sim.wlan import AP_REBOOT_S, SimWifi

BANNER = (f"MicroPython v{micropython.VERSION} on {micropython.BUILD_DATE}; "
          "Raspberry Pi Pico W with RP2040 (virtual)",
          'Type "help()" for more information.')
CTRL_D = 4
# What marks a telemetry line, from the encoder itself: b'"type": "tele"' (MicroPython
# orders a dict's keys its own way)
TELE_MARK = protocol.encode({"type": "tele"})[1:-1].encode()
# What `fault` can break, named as the firmware reports it: the thermistor's wire cut
# or shorted (the divider hits a rail), or the ADC stuck on its current code.
WIRE_FAULTS = (faults.OPEN, faults.SHORT)
FAULT_KINDS = (*WIRE_FAULTS, faults.STUCK)


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


class ControlError(ValueError):
    pass


class VirtualPico:
    def __init__(self, *, speed: float = 1.0, seed: int = 1, link: str | None = None,
                 flash_dir: str | None = None, plant: PlantParams | None = None,
                 adc: AdcParams | None = None, host_wait_s: float = 1.0) -> None:
        self.host_wait_s = host_wait_s  # speed 0: real time a reading host gets
        self.rng = random.Random(seed)
        self.seed = seed
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
        self.wifi = SimWifi(seed)
        self.flash = Path(flash_dir or tempfile.mkdtemp(prefix="picofan-flash-"))
        self.flash.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.events: list[tuple[float, int, str]] = []  # (due s, order, command)
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

    # -- the world, from the console or the control socket ---------------------
    def command(self, line: str) -> dict[str, Any]:
        """Apply one control command; returns the reply (raises ControlError)."""
        words = line.split()
        if not words:
            raise ControlError("empty command; try help")
        verb, args = words[0].lower(), words[1:]
        with self.lock:
            if verb == "at":
                if len(args) < 2:
                    raise ControlError("at S COMMAND")
                due = _number(args[0], "seconds", 0, 1e9)
                rest = " ".join(args[1:])
                self._check(rest.split()[0].lower(), rest.split()[1:])
                heapq.heappush(self.events, (due, len(self.events), rest))
                return {"ok": True, "scheduled": rest, "at_s": due}
            self._check(verb, args)
            return self._apply(verb, args)

    def _check(self, verb: str, args: list[str]) -> None:
        arity = {"pinch": 0, "release": 0, "fault": 1, "stall": 0, "unstall": 0,
                 "ambient": 1, "heat": 1, "bath": 1, "reference": 0,
                 "unplug": (0, 1), "reset": 0, "pause": 0, "resume": 0, "status": 0,
                 "help": 0, "hang": 0, "mark": 0, "wifi": 1, "ap": (1, 2)}
        if verb not in arity:
            raise ControlError(f"unknown command {verb!r}; try help")
        n = arity[verb]
        allowed = n if isinstance(n, tuple) else (n,)
        if len(args) not in allowed:
            raise ControlError(f"{verb} takes {' or '.join(map(str, allowed))} argument(s)")
        if verb == "fault" and args[0] not in (*FAULT_KINDS, "none"):
            raise ControlError(f"fault {'|'.join(FAULT_KINDS)}|none")
        if verb == "ambient":
            _number(args[0], "ambient", -40, 80)
        if verb == "heat":
            _number(args[0], "heat", 0, 200)
        if verb == "bath" and args[0].lower() != "off":
            _number(args[0], "bath", -30, 100)
        if verb == "unplug" and args:
            _number(args[0], "seconds", 0, 3600)
        if verb == "wifi" and args[0].lower() not in ("down", "up"):
            raise ControlError("wifi down|up")
        if verb == "ap":
            if args[0].lower() != "reboot":
                raise ControlError("ap reboot [S]")
            if len(args) > 1:
                _number(args[1], "seconds", 0, 3600)

    def _apply(self, verb: str, args: list[str]) -> dict[str, Any]:
        self.plant.advance_to(self.clock.ms / 1000)  # the world changes now, not a sample ago
        if verb == "pinch":
            self.plant.pinched = True
        elif verb == "release":
            self.plant.pinched = False
        elif verb == "fault":
            kind = args[0]
            self.fault = kind if kind in WIRE_FAULTS else None
            self.stuck_code = None
            if kind == faults.STUCK:
                self.stuck_code = self.adc.code(self.divider.ratio(self.plant.bead_c))
            self._fault_began(kind != "none")
        elif verb in ("stall", "unstall"):
            self.plant.fan.lock(verb == "stall")
            self._fault_began(verb == "stall")
        elif verb == "ambient":
            self.plant.p.ambient_c = float(args[0])
        elif verb == "heat":
            self.plant.p.heat_w = float(args[0])
        elif verb == "bath":
            # (From the board's last sample on, a tenth of a second at most: the board's
            # thread alone steps the plant.)
            self.plant.bath_c = None if args[0].lower() == "off" else float(args[0])
        elif verb == "reference":  # as of the board's last sample
            return {"ok": True, "reference_c": round(self.plant.bead_c, 3)}
        elif verb == "unplug":
            self.pending = ("unplug", float(args[0]) if args else 1.0)
        elif verb == "reset":
            self.pending = ("reset", 0.0)
        elif verb == "hang":
            self.hang_requested = True
        elif verb == "wifi":
            self.wifi.set_down(args[0].lower() == "down")
        elif verb == "ap":
            self.wifi.ap_reboot(self.clock.ms, float(args[1]) if len(args) > 1 else AP_REBOOT_S)
        elif verb == "mark":
            self.stats = LoopStats()
        elif verb == "pause":
            self.running.clear()
        elif verb == "resume":
            self.running.set()
        elif verb == "help":
            return {"ok": True, "help": (__doc__ or "").split("\n\n", 2)[2].rstrip()}
        return {"ok": True, "state": self.state()}

    def _fault_began(self, began: bool) -> None:
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
            "loop": self.stats.report(), "wifi": self.wifi.state(self.clock.ms),
        }

    # -- the hardware, as the chip uses it (chip_runner.py) ------------------------------------
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
            with contextlib.suppress(ControlError):
                self.command(line)
        if not self.running.is_set():
            t0 = time.monotonic()
            while not self.running.wait(0.05) and not self.stopped.is_set():
                pass
            self.clock.hold(time.monotonic() - t0)
        if self.stopped.is_set():
            return "stopped"
        if self.watchdog.expired(self.clock.ms):
            return "watchdog"
        return "power" if self.pending else ""

    def _power_event(self) -> None:
        with self.lock:
            kind, seconds = self.pending or ("reset", 0.0)
            self.pending = None
        self.reset_cause = "power"
        self.count_lost(bytes(self.cdc.fifo))  # never left the board
        self.cdc.reset()
        if kind == "unplug":
            # The cable comes out between lines: what the host has not read by then is
            # lost with it (and no longer counts as delivered).
            self.count_lost(self.port.unread())
            self.port.unplug()
            self.cdc.unplug()
            # Unpowered, GPIO2 floats: the gate pull-down turns a switched fan off (and
            # lets a PWM fan's own pull-up run it at full speed).
            self.plant.advance_to(self.clock.ms / 1000)
            self.plant.fan.pin_floating()
            self.led_on = False
            self._sleep_virtual(seconds)
            self.port.plug()

    def count_lost(self, data: bytes) -> None:
        for line in data.split(b"\n"):
            if TELE_MARK in line:
                with contextlib.suppress(ValueError, KeyError):
                    self.tele_ms_sum -= int(json.loads(line)["ms"])
                    self.tele_sent -= 1

    def _sleep_virtual(self, seconds: float) -> None:
        target = self.clock.ms + seconds * 1000
        if self.clock.speed > 0:
            self.stopped.wait(max(0.0, self.clock.real_deadline(target) - time.monotonic()))
        self.clock.ms = target
        self.plant.advance_to(target / 1000)

    # -- the board's life: boot, run, REPL after Ctrl-C ----------------------------
    def run(self) -> None:
        """Run until stop(): the firmware, restarted after every reset or replug."""
        while not self.stopped.is_set():
            self.boots += 1
            self.boot_ms = self.clock.ms  # a fresh board's clock starts at 0
            self.hang_requested = self.hung = False
            self.at_repl = False
            result = Chip(self).run()
            self.hung = False
            if result.outcome == "stopped":
                return
            if result.outcome == "power":
                self._power_event()
                continue
            if result.outcome == "watchdog":
                self._watchdog_reset()
                continue
            self._repl(result.after_interrupt)

    def _watchdog_reset(self) -> None:
        self.watchdog.resets += 1
        self.watchdog.running = False  # a reset stops it until the firmware starts it
        self.reset_cause = "watchdog"
        self.count_lost(bytes(self.cdc.fifo))
        self.cdc.reset()

    def _repl(self, typed: bytearray) -> None:
        # The firmware stopped (Ctrl-C, or it ended): the board sits at the REPL until
        # Ctrl-D soft-reboots it. The watchdog, being hardware, runs on if nobody
        # stopped it. (The REPL itself is not simulated; make flash is tested against
        # the real MicroPython REPL instead.)
        self.at_repl = True
        for line in BANNER:
            self.port.write_line(line)
        self.port.write_some(b">>> ")
        last = time.monotonic()
        while not self.stopped.is_set():
            now = time.monotonic()
            self.clock.advance_real(now - last)  # the board's clock runs on at the REPL
            last = now
            if CTRL_D in typed:
                self.port.write_line("MPY: soft reboot")
                return
            if self.pending:
                self._power_event()
                return
            if self.watchdog.expired(self.clock.ms):
                self._watchdog_reset()
                return
            if b"\r" in typed or b"\n" in typed:
                self.port.write_some(b"\r\n>>> ")  # the REPL answers every line
            typed.clear()
            if self.port.host_attached() and self.port.wait_readable(0.02):
                typed += self.port.read()
            else:
                time.sleep(0.02)
    def stop(self) -> None:
        self.stopped.set()

    def close(self) -> None:
        self.port.close()

    # -- the control socket ------------------------------------------------------
    def serve_control(self, path: str) -> threading.Thread:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen()

        def client(conn: socket.socket) -> None:
            with conn, conn.makefile("rwb") as f:
                for raw in f:
                    f.write(json.dumps(self.reply(raw.decode(errors="replace"))).encode() + b"\n")
                    f.flush()

        def accept() -> None:
            while not self.stopped.is_set():
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                threading.Thread(target=client, args=(conn,), daemon=True).start()

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        return thread

    def reply(self, line: str) -> dict[str, Any]:
        try:
            return self.command(line)
        except ControlError as e:
            return {"ok": False, "error": str(e)}

    def describe(self) -> dict[str, Any]:
        return {"pty": self.port.path, "link": self.port.link, "speed": self.clock.speed,
                "seed": self.seed, "uid": self.uid, "flash": str(self.flash),
                "plant": asdict(self.plant.p), "parts": self.parts()}

    def parts(self) -> dict[str, Any]:
        """The parts drawn for this board (what a calibration has to find out)."""
        d = self.divider
        return {"r0": d.r0, "t0": d.t0, "beta": d.beta, "r_fixed": d.r_fixed,
                "adc_offset_lsb": self.adc.offset_lsb}


def _number(text: str, name: str, lo: float, hi: float) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ControlError(f"{name} must be a number, not {text!r}") from None
    if not lo <= v <= hi:
        raise ControlError(f"{name} must be between {lo} and {hi}")
    return v


PROMPT = "picofan-sim> "


def console(pico: VirtualPico, stream: Any = None) -> None:
    """Read control commands from a person at the terminal until EOF or quit."""
    stream = stream or sys.stdin
    prompt = PROMPT if stream.isatty() else ""  # a program on a pipe wants replies only
    while True:
        if prompt:
            print(prompt, end="", flush=True)
        raw = stream.readline()
        if not raw:
            break
        line = raw.strip()
        if line in ("quit", "exit"):
            break
        if not line:
            continue
        r = pico.reply(line)
        if "help" in r:
            print(r["help"])
        elif "reference_c" in r:
            print(f"reference {r['reference_c']:.3f} C")
        elif r.get("ok") and line.split()[0].lower() in ("wifi", "ap"):
            w = r["state"]["wifi"]
            print(f"ok: access point {w['ap']}, board's link {w['link']}")
        elif r.get("ok"):
            s = r.get("state")
            print(f"ok: bead {s['bead_c']:.2f} C, fan {'ON' if s['fan'] else 'off'} "
                  f"(duty {s['duty']:g} %, {s['rpm']} rpm{', stalled' if s['stalled'] else ''})"
                  f", pinched {s['pinched']}, fault {s['fault']}" if s else f"ok: {r}")
        else:
            print(f"error: {r['error']}")
    pico.stop()
