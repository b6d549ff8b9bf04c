"""A simulated day on the virtual Pico at speed 0 (virtual time, as fast as the CPU
goes), through its real pty, with the host's Device client and CSV logger: the rig
of benchmarks/endurance.py (which prints a day's figures) and tests/host/test_endurance.py
(which checks a short one).

The day: the heat load changes every 20 min (8 / 10 / 12 W), a 30 s pinch every
7 min, a setpoint push from the host every 3 min (29 / 30 / 31 C), the USB cable
pulled for 2 s every hour (a reconnect). audit() and exactly_once() check that every
telemetry line the virtual Pico delivered is in the CSV exactly once."""


from __future__ import annotations

import csv
import itertools
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from picofan.client import (
    Connected,
    Device,
    DeviceError,
    Disconnected,
    Noise,
    Received,
    ReplyTimeout,
)
from picofan.logger import CsvLog
from picofan.sim.process import SimProcess

HEAT_EVERY_S, PINCH_EVERY_S, PUSH_EVERY_S, UNPLUG_EVERY_S = 1200, 420, 180, 3600


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def script(hours: float) -> list[str]:
    end = int(hours * 3600)
    cmds = [f"at {t} heat {(8, 10, 12)[(t // HEAT_EVERY_S) % 3]}"
            for t in range(HEAT_EVERY_S, end, HEAT_EVERY_S)]
    for t in range(PINCH_EVERY_S, end, PINCH_EVERY_S):
        cmds += [f"at {t} pinch", f"at {t + 30} release"]
    cmds += [f"at {t} unplug 2" for t in range(UNPLUG_EVERY_S, end, UNPLUG_EVERY_S)]
    cmds.append(f"at {end} pause")
    return cmds


@dataclass
class Day:
    hours: float
    rows: int = 0
    pushes: int = 0
    pushes_lost: int = 0  # a request in flight when the cable came out
    connects: int = 0
    cut_at_connect: int = 0  # a line fragment read right after opening the port
    disconnects: int = 0
    problems: list[str] = field(default_factory=list)
    rss: list[tuple[int, int]] = field(default_factory=list)  # (sim hour, host kB)
    sim: dict[str, Any] = field(default_factory=dict)
    csv_rows: int = 0
    segments: list[list[int]] = field(default_factory=list)  # the CSV's seq, one list a boot
    seconds: float = 0.0
    sim_stderr: str = ""
    base: tuple[int, int] = (0, 0)
    base_seq: int = 0  # lines of the first boot sent before the count started


def run_day(hours: float, seed: int = 1, wall_limit_s: float = 3600) -> Day:
    day = Day(hours)
    end_ms = int(hours * 3600 * 1000)
    crashed: list[str] = []
    previous_hook = threading.excepthook
    threading.excepthook = lambda a: crashed.append(f"{a.thread}: {a.exc_value!r}")
    try:
        return _run_day(day, seed, wall_limit_s, end_ms, crashed)
    finally:
        threading.excepthook = previous_hook


def _run_day(day: Day, seed: int, wall_limit_s: float, end_ms: int,
             crashed: list[str]) -> Day:
    hours = day.hours
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "day.csv"
        stderr = open(Path(tmp) / "sim.err", "w+")  # noqa: SIM115
        # A minute, not the default second, for the host to read: the audit counts every
        # line, and a loaded machine can stall the host longer than a second.
        with SimProcess(speed=0, seed=seed, script="at 0 pause", stderr=stderr,
                        host_wait_s=60) as sim:
            for cmd in script(hours):
                assert sim.control(cmd)["ok"], cmd
            # The board boots and stops at once ("at 0 pause"): wait for that, so the
            # day starts when the host is listening, however slow the machine.
            while not sim.control("status")["state"]["paused"]:
                if time.monotonic() - t0 > wall_limit_s:
                    raise RuntimeError("the virtual Pico never reached its first pause")
                time.sleep(0.01)
            log = CsvLog(path)
            with Device(sim.port) as dev:
                # Opening a port discards what was sent before (pyserial, like a real
                # ttyACM): count from here.
                base = sim.control("status")["state"]
                day.base = (base["tele_sent"], base["tele_ms_sum"])
                day.base_seq = base["tele_sent"]
                sim.control("resume")
                next_push, next_hour, last_ms = PUSH_EVERY_S * 1000, 0, -1
                # The board's clock restarts at every boot: the day's clock adds the boots up.
                boot_offset, day_ms = 0, -1
                just_connected = True
                deadline = t0 + wall_limit_s
                while time.monotonic() < deadline:
                    events = _drain(dev)
                    for e in events:
                        if isinstance(e, Received):
                            m = e.message
                            if m.type == "tele":
                                log.telemetry(e.at, m.data)
                                day.rows += 1
                                if m.data["ms"] < last_ms:
                                    boot_offset = day_ms + 1000
                                last_ms = m.data["ms"]
                                day_ms = boot_offset + last_ms
                                if m.data["fault"] == "error":
                                    day.problems.append(f"error fault at {last_ms}")
                            elif m.type == "log" and m.data["level"] == "error":
                                day.problems.append(f"firmware error log: {m.data['msg']}")
                        elif isinstance(e, Noise):
                            if just_connected:  # the port opened mid-line: a fragment
                                day.cut_at_connect += 1
                            else:
                                day.problems.append(f"stray text: {e.line.text[:80]!r}")
                        elif isinstance(e, Connected):
                            day.connects += 1
                        elif isinstance(e, Disconnected):
                            day.disconnects += 1
                        just_connected = isinstance(e, Connected)
                    if day_ms >= next_hour * 3_600_000:
                        day.rss.append((next_hour, rss_kb()))
                        next_hour += 1
                    if day_ms >= next_push and day_ms < end_ms:
                        target = (29.0, 30.0, 31.0)[(next_push // 1000 // PUSH_EVERY_S) % 3]
                        next_push += PUSH_EVERY_S * 1000
                        try:
                            dev.request("set", setpoint=target)
                            day.pushes += 1
                        except ReplyTimeout:
                            day.pushes_lost += 1
                        except DeviceError as err:
                            day.problems.append(f"push refused: {err}")
                    if not events:
                        # Quiet: paused at the end? Then the host has all it will get.
                        day.sim = sim.control("status")["state"]
                        if day.sim["paused"]:
                            break
                else:
                    day.problems.append(f"did not finish in {wall_limit_s} s (at {last_ms} ms)")
                day.sim = sim.control("status")["state"]
            log.close()
            day.seconds = time.monotonic() - t0
            sim.control("resume")
        stderr.seek(0)
        day.sim_stderr = stderr.read()
        stderr.close()
        with open(path, newline="") as f:
            rows = [(r["boot"], int(r["seq"])) for r in csv.DictReader(f)]
        day.segments = boots(rows)
        day.csv_rows = len(rows)
    day.problems += crashed
    if day.sim_stderr.strip():
        day.problems.append("simulator stderr: " + day.sim_stderr.strip()[-300:])
    return day


def _drain(dev: Device) -> list[Any]:
    # Every event waiting now, or the next one within 0.5 s.
    got = dev.poll_events()
    if got:
        return got
    return list(_first(dev.events(timeout=0.5)))


def _first(it: Any) -> list[Any]:
    for e in it:
        return [e]
    return []


def boots(rows: list[tuple[str, int]]) -> list[list[int]]:
    """The CSV's telemetry seq numbers, one list per boot id, in the order seen."""
    out: dict[str, list[int]] = {}
    for boot, seq in rows:
        out.setdefault(boot, []).append(seq)
    return list(out.values())


def sent(day: Day) -> tuple[int, int]:
    """Telemetry lines the sim put into the port after the host first opened it,
    and the sum of their ms."""
    return (day.sim.get("tele_sent", 0) - day.base[0],
            day.sim.get("tele_ms_sum", 0) - day.base[1])


def audit(day: Day) -> dict[str, int]:
    """Within each boot (its id) the CSV must hold every telemetry line once, in
    order (seq counts up by one), from the first line the host could read after
    (re)connecting to the last. The lines a board sends before a host opens its port
    are lost, as on a real ttyACM (opening the port discards them): those are counted
    (the first seq of each boot), not hidden."""
    duplicates = holes = lost_at_connect = 0
    for seg in day.segments:
        duplicates += len(seg) - len(set(seg))
        holes += sum(b - a - 1 for a, b in itertools.pairwise(seg) if b - a > 1)
        lost_at_connect += seg[0]
    return {"duplicates": duplicates, "holes": holes, "lost_at_connect": lost_at_connect}


def exactly_once(day: Day) -> bool:
    """No line twice, no line missing while connected, and every line the port
    carried that is not in the CSV (by the simulator's own tally) was sent before
    the host (re)opened the port."""
    a = audit(day)
    n, _ = sent(day)
    return (a["duplicates"] == 0 and a["holes"] == 0
            and n - day.csv_rows == a["lost_at_connect"] - day.base_seq)
