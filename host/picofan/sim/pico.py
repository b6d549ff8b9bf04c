"""The virtual Pico: the unchanged firmware (fanctl.app.App) on a simulated
board, a pty for its USB serial port, and a control interface for the world
around it (pinch, faults, ambient, unplug).

Control commands are text lines, the same from the simulator's console and
from its control socket (a Unix socket; one reply line of JSON per command):

    pinch | release              a finger on the thermistor bead, or not
    fault open|short|stuck|none  break the thermistor (open/short) or freeze the ADC
    ambient C | heat W           room temperature, heat-source power
    unplug [S]                   pull the USB cable for S seconds (default 1): the
                                 port goes away (once the host has read what was
                                 sent, or after 1 s) and the firmware restarts after
    reset                        press reset: the firmware restarts
    at S COMMAND                 run COMMAND when the board's clock reaches S seconds
    pause | resume               freeze the board's clock (and the firmware) / go on
    status | help
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
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fanctl import settings
from fanctl.app import SETTINGS_FILE, App
from picofan.sim.adc import AdcParams, Divider, Rp2040Adc
from picofan.sim.board import TELE_PREFIX, Reboot, SerialInterrupt, SimBoard, SimClock
from picofan.sim.plant import Plant, PlantParams
from picofan.sim.serial_port import VirtualSerialPort

BANNER = ("MicroPython v1.27.0 on 2025-12-09; Raspberry Pi Pico W with RP2040 (virtual)",
          'Type "help()" for more information.')
CTRL_D = 4


class ControlError(ValueError):
    pass


class VirtualPico:
    def __init__(self, *, speed: float = 1.0, seed: int = 1, link: str | None = None,
                 flash_dir: str | None = None, plant: PlantParams | None = None,
                 adc: AdcParams | None = None) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.plant = Plant(plant)
        adc_params = adc or AdcParams()
        self.divider = Divider.from_nominal(settings.defaults(), adc_params, self.rng)
        self.adc = Rp2040Adc(adc_params, self.rng)
        self.port = VirtualSerialPort(link)
        self.clock = SimClock(speed)
        self.board = SimBoard(self.plant, self.divider, self.adc, self.port, self.clock,
                              self._on_time)
        self.flash = Path(flash_dir or tempfile.mkdtemp(prefix="picofan-flash-"))
        self.lock = threading.Lock()
        self.events: list[tuple[float, int, str]] = []  # (due s, order, command)
        self.pending: tuple[str, float] | None = None  # ("unplug", s) or ("reset", 0)
        self.boots = 0
        self.stopped = threading.Event()
        self.running = threading.Event()  # cleared by pause
        self.running.set()

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
        arity = {"pinch": 0, "release": 0, "fault": 1, "ambient": 1, "heat": 1,
                 "unplug": (0, 1), "reset": 0, "pause": 0, "resume": 0, "status": 0,
                 "help": 0}
        if verb not in arity:
            raise ControlError(f"unknown command {verb!r}; try help")
        n = arity[verb]
        allowed = n if isinstance(n, tuple) else (n,)
        if len(args) not in allowed:
            raise ControlError(f"{verb} takes {' or '.join(map(str, allowed))} argument(s)")
        if verb == "fault" and args[0] not in ("open", "short", "stuck", "none"):
            raise ControlError("fault open|short|stuck|none")
        if verb == "ambient":
            _number(args[0], "ambient", -40, 80)
        if verb == "heat":
            _number(args[0], "heat", 0, 200)
        if verb == "unplug" and args:
            _number(args[0], "seconds", 0, 3600)

    def _apply(self, verb: str, args: list[str]) -> dict[str, Any]:
        if verb == "pinch":
            self.plant.pinched = True
        elif verb == "release":
            self.plant.pinched = False
        elif verb == "fault":
            kind = args[0]
            self.board.fault = kind if kind in ("open", "short") else None
            self.board.stuck_code = None
            if kind == "stuck":
                self.board.stuck_code = self.adc.code(self.divider.ratio(self.plant.bead_c))
        elif verb == "ambient":
            self.plant.p.ambient_c = float(args[0])
        elif verb == "heat":
            self.plant.p.heat_w = float(args[0])
        elif verb == "unplug":
            self.pending = ("unplug", float(args[0]) if args else 1.0)
        elif verb == "reset":
            self.pending = ("reset", 0.0)
        elif verb == "pause":
            self.running.clear()
        elif verb == "resume":
            self.running.set()
        elif verb == "help":
            return {"ok": True, "help": (__doc__ or "").split("\n\n", 2)[2].rstrip()}
        return {"ok": True, "state": self.state()}

    def state(self) -> dict[str, Any]:
        fault = self.board.fault or ("stuck" if self.board.stuck_code is not None else None)
        return {
            "ms": self.clock.ms, "bead_c": round(self.plant.bead_c, 3),
            "body_c": round(self.plant.body_c, 3), "ambient_c": self.plant.p.ambient_c,
            "heat_w": self.plant.p.heat_w, "pinched": self.plant.pinched,
            "fan": self.board.fan_on, "led": self.board.led_on, "fault": fault,
            "port": self.port.path, "link": self.port.link, "boots": self.boots,
            "dropped_lines": self.port.dropped_lines, "paused": not self.running.is_set(),
            "tele_sent": self.board.tele_sent, "tele_ms_sum": self.board.tele_ms_sum,
        }

    # -- time: scheduled events and power events, on the firmware's thread ------
    def _on_time(self, ms: int) -> None:
        due: list[str] = []
        with self.lock:
            while self.events and self.events[0][0] * 1000 <= ms:
                due.append(heapq.heappop(self.events)[2])
        for line in due:
            with contextlib.suppress(ControlError):
                self.command(line)
        while not self.running.wait(0.05) and not self.stopped.is_set():
            pass
        if self.stopped.is_set():
            raise Reboot
        if self.pending:
            self._power_event()

    def _power_event(self) -> None:
        with self.lock:
            kind, seconds = self.pending or ("reset", 0.0)
            self.pending = None
        if kind == "unplug":
            # The cable comes out between lines: what the host has not read by then
            # is lost with it (and no longer counts as sent).
            for line in self.port.drain().decode(errors="replace").splitlines():
                self.port.dropped_lines += 1
                if line.startswith(TELE_PREFIX):
                    self.board.count_tele(line, -1)
            self.port.unplug()
            self.board.fan(False)  # unpowered: the gate pull-down turns the fan off
            self.board.led(False)
            self._sleep_virtual(seconds)
            self.port.plug()
        raise Reboot

    def _sleep_virtual(self, seconds: float) -> None:
        target = self.clock.ms + int(seconds * 1000)
        if self.clock.speed > 0:
            self.stopped.wait(max(0.0, self.clock.real_deadline(target) - time.monotonic()))
        self.clock.ms = target
        self.plant.advance_to(target / 1000)

    # -- the board's life: boot, run, REPL after Ctrl-C ----------------------------
    def run(self) -> None:
        """Run until stop(): the firmware, restarted after every reset or replug."""
        while not self.stopped.is_set():
            self.boots += 1
            self.board.inbox.clear()
            self.board.boot_ms = self.clock.ms  # a fresh board's clock starts at 0
            try:
                App(self.board, str(self.flash / SETTINGS_FILE)).run()
            except Reboot:
                continue
            except SerialInterrupt:
                try:
                    self._repl()
                except Reboot:
                    continue

    def _repl(self) -> None:
        # Ctrl-C left the firmware: the board sits at the REPL until Ctrl-D
        # soft-reboots it. (The REPL itself is not simulated; make flash is
        # tested against the real MicroPython REPL instead.)
        for line in BANNER:
            self.port.write_line(line)
        self.port.write_line(">>> ")
        while not self.stopped.is_set():
            self.board.wait(100)
            while self.board.inbox or self.port.wait_readable(0):
                self.board.inbox.extend(self.port.read())
                if CTRL_D in self.board.inbox:
                    self.port.write_line("MPY: soft reboot")
                    raise Reboot
                self.board.inbox.clear()

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
                "seed": self.seed, "flash": str(self.flash),
                "plant": asdict(self.plant.p)}


def _number(text: str, name: str, lo: float, hi: float) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ControlError(f"{name} must be a number, not {text!r}") from None
    if not lo <= v <= hi:
        raise ControlError(f"{name} must be between {lo} and {hi}")
    return v


def console(pico: VirtualPico, stream: Any = None) -> None:
    """Read control commands from a person at the terminal until EOF or quit."""
    stream = stream or sys.stdin
    for raw in stream:
        line = raw.strip()
        if line in ("quit", "exit"):
            break
        if not line:
            continue
        r = pico.reply(line)
        if "help" in r:
            print(r["help"])
        elif r.get("ok"):
            s = r.get("state")
            print(f"ok: bead {s['bead_c']:.2f} C, fan {'ON' if s['fan'] else 'off'}, "
                  f"pinched {s['pinched']}, fault {s['fault']}" if s else f"ok: {r}")
        else:
            print(f"error: {r['error']}")
    pico.stop()
