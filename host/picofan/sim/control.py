"""The virtual Pico's controls: the world around the board (pinch, faults, ambient,
unplug), from the simulator's console and from its control socket.

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
                                 (unplug while paused: out at once, until resume)
    mark                         start counting the loop's timing (status: loop) anew
    status | help                status: the world and the board (fan: duty as the fan
                                 sees it, rpm, stalled; loop: see mark)
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import socket
import sys
import threading
from typing import Any

from fanctl import faults
from picofan.sim.hardware import Hardware, LoopStats
from picofan.sim.wlan import AP_REBOOT_S

# What `fault` can break, named as the firmware reports it: the thermistor's wire cut
# or shorted (the divider hits a rail), or the ADC stuck on its current code.
WIRE_FAULTS = (faults.OPEN, faults.SHORT)
FAULT_KINDS = (*WIRE_FAULTS, faults.STUCK)


class ControlError(ValueError):
    pass


class Controls:
    """The control commands, applied to the board's hardware and world."""

    def __init__(self, hw: Hardware) -> None:
        self.hw = hw
        hw.run_scheduled = self.reply  # `at`: a command that fails then is dropped

    def command(self, line: str) -> dict[str, Any]:
        """Apply one control command; returns the reply (raises ControlError)."""
        words = line.split()
        if not words:
            raise ControlError("empty command; try help")
        verb, args = words[0].lower(), words[1:]
        hw = self.hw
        with hw.lock:
            if verb == "at":
                if len(args) < 2:
                    raise ControlError("at S COMMAND")
                due = _number(args[0], "seconds", 0, 1e9)
                rest = " ".join(args[1:])
                self._check(rest.split()[0].lower(), rest.split()[1:])
                heapq.heappush(hw.events, (due, len(hw.events), rest))
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
        hw = self.hw
        hw.plant.advance_to(hw.clock.ms / 1000)  # the world changes now, not a sample ago
        if verb == "pinch":
            hw.plant.pinched = True
        elif verb == "release":
            hw.plant.pinched = False
        elif verb == "fault":
            kind = args[0]
            hw.fault = kind if kind in WIRE_FAULTS else None
            hw.stuck_code = None
            if kind == faults.STUCK:
                hw.stuck_code = hw.adc.code(hw.divider.ratio(hw.plant.bead_c))
            hw.fault_began(kind != "none")
        elif verb in ("stall", "unstall"):
            hw.plant.fan.lock(verb == "stall")
            hw.fault_began(verb == "stall")
        elif verb == "ambient":
            hw.plant.p.ambient_c = float(args[0])
        elif verb == "heat":
            hw.plant.p.heat_w = float(args[0])
        elif verb == "bath":
            # (From the board's last sample on, a tenth of a second at most: the board's
            # thread alone steps the plant.)
            hw.plant.bath_c = None if args[0].lower() == "off" else float(args[0])
        elif verb == "reference":  # as of the board's last sample
            return {"ok": True, "reference_c": round(hw.plant.bead_c, 3)}
        elif verb == "unplug":
            hw.pending = ("unplug", float(args[0]) if args else 1.0)
        elif verb == "reset":
            hw.pending = ("reset", 0.0)
        elif verb == "hang":
            hw.hang_requested = True
        elif verb == "wifi":
            hw.wifi.set_down(args[0].lower() == "down")
        elif verb == "ap":
            hw.wifi.ap_reboot(float(args[1]) if len(args) > 1 else AP_REBOOT_S)
        elif verb == "mark":
            hw.stats = LoopStats()
        elif verb == "pause":
            hw.running.clear()
        elif verb == "resume":
            hw.running.set()
        elif verb == "help":
            return {"ok": True, "help": (__doc__ or "").split("\n\n", 2)[2].rstrip()}
        return {"ok": True, "state": hw.state()}

    def reply(self, line: str) -> dict[str, Any]:
        try:
            return self.command(line)
        except ControlError as e:
            return {"ok": False, "error": str(e)}

    # -- the control socket ------------------------------------------------------
    def serve(self, path: str) -> threading.Thread:
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
            while not self.hw.stopped.is_set():
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                threading.Thread(target=client, args=(conn,), daemon=True).start()

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        return thread


def _number(text: str, name: str, lo: float, hi: float) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ControlError(f"{name} must be a number, not {text!r}") from None
    if not lo <= v <= hi:
        raise ControlError(f"{name} must be between {lo} and {hi}")
    return v


PROMPT = "picofan-sim> "


def console(controls: Controls, stream: Any = None) -> None:
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
        r = controls.reply(line)
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
    controls.hw.stopped.set()
