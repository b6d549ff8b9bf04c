"""The firmware's loop keeps its period whatever the host does, proved on the
virtual Pico (the firmware on MicroPython, its USB port modelled as the rp2 port
drives it) through the real pty, at default settings: a junk flood, thousands of
pipelined commands, a host that opens the port and stops reading, Ctrl-C on a busy
board, and the watchdog. The simulator measures the loop from the hardware's side
(`status` → `loop`: the board time between ADC samples, and from a fault to the
fan), so nothing here depends on the test's own timing."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import serial
from polling import until

from device_port import Port
from picofan.sim.process import SimProcess

SAMPLE_MS = 100  # the default sample_ms
ONE_SAMPLE_LATE = 2 * SAMPLE_MS  # the period, plus at most one sample


def state(sim: SimProcess) -> dict[str, Any]:
    return sim.control("status")["state"]


def run_board_time(sim: SimProcess, ms: float) -> None:
    start = state(sim)["ms"]
    until(lambda: state(sim)["ms"] >= start + ms, timeout=120)


@pytest.fixture
def sim10() -> Iterator[SimProcess]:
    with SimProcess(speed=10, seed=11) as s:
        yield s


def junk(n: int) -> bytes:
    # Random bytes in lines of 1 byte to 4 KB (most over the 512-byte limit), never
    # Ctrl-C or Ctrl-D.
    rng = random.Random(5)
    lines, size = [], 0
    while size < n:
        k = rng.choice((rng.randrange(1, 120), rng.randrange(600, 4096)))
        lines.append(bytes(b for b in rng.randbytes(k) if b not in (3, 4, 10, 13)) + b"\n")
        size += len(lines[-1])
    return b"".join(lines)


class FastReader:
    """The host end, reading everything as it comes (in bulk, as picofan's link does)."""

    def __init__(self, path: str) -> None:
        self.serial = serial.Serial(path, timeout=0.05)
        self.data = bytearray()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(serial.SerialException):
                self.data += self.serial.read(self.serial.in_waiting or 1)

    def messages(self) -> list[dict[str, Any]]:
        out = []
        for line in bytes(self.data).split(b"\n"):
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return [m for m in out if isinstance(m, dict)]

    def tele(self) -> list[dict[str, Any]]:
        return [m for m in self.messages() if m.get("type") == "tele"]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.serial.close()


def test_a_junk_flood_never_starves_sampling_or_telemetry(sim10: SimProcess) -> None:
    host = FastReader(sim10.port)
    until(lambda: host.tele())
    sim10.control("mark")
    start = state(sim10)["ms"]
    stop = threading.Event()
    sent = [0]

    def flood() -> None:
        chunk = junk(1 << 18)
        while not stop.is_set():
            try:
                host.serial.write(chunk)
                sent[0] += len(chunk)
            except serial.SerialException:
                return

    flooder = threading.Thread(target=flood, daemon=True)
    flooder.start()
    try:
        run_board_time(sim10, 15_000)
    finally:
        stop.set()
        flooder.join(10)
    loop = state(sim10)["loop"]
    host.close()
    assert sent[0] > 200_000  # a flood went in, as fast as the port took it
    assert loop["samples"] >= 140 and loop["max_sample_gap_ms"] <= ONE_SAMPLE_LATE, loop
    tele = [m for m in host.tele() if m["ms"] >= start]
    assert len(tele) >= 14
    assert [m["seq"] for m in tele] == list(range(tele[0]["seq"], tele[-1]["seq"] + 1))
    gaps = [b["ms"] - a["ms"] for a, b in itertools.pairwise(tele)]
    assert max(gaps) <= 1000 + SAMPLE_MS, gaps


PINGS = 5000


def pings() -> bytes:
    return b"".join(json.dumps({"cmd": "ping", "id": i}).encode() + b"\n"
                    for i in range(PINGS))


def test_five_thousand_pipelined_commands_each_answered_once_in_order(
        sim10: SimProcess) -> None:
    # A host that writes them all at once and reads as replies come (picofan's
    # Device reads in a thread of its own).
    host = FastReader(sim10.port)
    until(lambda: host.tele())
    sim10.control("mark")
    host.serial.write(pings())
    until(lambda: b'"id": %d' % (PINGS - 1) in host.data, timeout=120)
    host.close()
    acks = [m["id"] for m in host.messages() if m["type"] == "ack"]
    assert acks == list(range(PINGS))
    loop = state(sim10)["loop"]
    assert loop["max_sample_gap_ms"] <= ONE_SAMPLE_LATE, loop


def test_a_host_that_writes_a_burst_before_it_reads_never_deadlocks(
        sim10: SimProcess) -> None:
    # 5000 commands written before reading a byte: far more replies than any buffer
    # holds. The board holds its input a second at most for the host to read, then
    # takes it again: the write completes, replies come in order (those that found
    # no room are dropped whole), and the loop keeps its period throughout.
    port = Port(sim10.port)
    port.wait_for(lambda m: m["type"] == "tele")
    sim10.control("mark")
    port.serial.write(pings())  # returns once the board and the pty have it all
    # The board has worked through the burst when, once its replies have begun,
    # telemetry comes three times with no reply between: then a command gets its
    # reply again. (Before the replies the port holds telemetry sent before the burst
    # went in, which says nothing about the burst.)
    quiet: list[int | None] = [None]

    def calm(m: dict[str, Any]) -> bool:
        if m["type"] == "ack":
            quiet[0] = 0
        elif quiet[0] is not None:
            quiet[0] = quiet[0] + 1 if m["type"] == "tele" else 0
        return quiet[0] is not None and quiet[0] >= 3

    port.wait_for(calm, timeout=120)
    port.send({"cmd": "ping", "id": "last"})
    port.wait_for(lambda m: m["type"] == "ack" and m["id"] == "last", timeout=120)
    acks = [m["id"] for m in port.seen if m["type"] == "ack" and m["id"] != "last"]
    assert acks == sorted(set(acks)) and acks, acks[:5]  # in order, none twice
    loop = state(sim10)["loop"]
    assert loop["max_sample_gap_ms"] <= ONE_SAMPLE_LATE, loop
    port.close()


def test_a_host_that_opens_the_port_and_stops_reading_never_stalls_the_loop(
        sim10: SimProcess) -> None:
    # Telemetry 50 times a second fills the pty and then the USB FIFO fast; the host
    # holds the port open and reads nothing. On the rp2 port every write would then
    # wait 500 ms for room; the firmware must not.
    port = Port(sim10.port)
    port.reply({"cmd": "set", "id": 1, "interval_ms": 20, "sample_ms": 20})
    sim10.control("mark")
    run_board_time(sim10, 20_000)
    s = state(sim10)
    assert s["host_attached"] and s["dropped_bytes"] == 0
    loop = s["loop"]
    assert loop["samples"] >= 900 and loop["max_sample_gap_ms"] <= 2 * 20, loop
    # The fail-safe too: a sensor fault turns the fan on within a sample.
    sim10.control("fault open")
    until(lambda: state(sim10)["loop"]["fault_to_fan_ms"] is not None)
    assert state(sim10)["loop"]["fault_to_fan_ms"] <= 2 * 20
    # The host reads again: whole lines, in order, and the newest are there.
    port.serial.reset_input_buffer()
    tail = port.wait_for(lambda m: m["type"] == "tele" and m["fault"] == "open")
    after = port.wait_for(lambda m: m["type"] == "tele" and m["seq"] == tail["seq"] + 1)
    assert after["fault"] == "open"
    port.close()


def test_ctrl_c_interrupts_a_busy_firmware_at_once(sim10: SimProcess) -> None:
    # The loop hangs on the ADC bus; Ctrl-C still stops it, with the fan on, as the
    # rp2 port raises KeyboardInterrupt when the byte arrives, not when it is read.
    port = Port(sim10.port)
    port.reply({"cmd": "set", "id": 1, "watchdog_ms": 0})
    sim10.control("hang")
    until(lambda: state(sim10)["hung"])  # at its next sample
    port.send(b'{"cmd": "ping", "id": 2}\n')  # never read: the firmware is stuck
    port.send(b"\x03")
    stopped = port.wait_for(lambda m: m["type"] == "log" and "stopped" in m["msg"])
    assert stopped["level"] == "info"
    s = until(lambda: (st := state(sim10))["at_repl"] and st)
    assert s["fan"] is True
    assert not [m for m in port.seen if m["type"] == "ack" and m["id"] == 2]
    port.close()


def test_watchdog_resets_a_hung_loop_and_never_the_repl(sim10: SimProcess) -> None:
    port = Port(sim10.port)
    hello = port.reply({"cmd": "hello", "id": 1})
    assert hello["reset"] == "power" and hello["settings"]["watchdog_ms"] == 8000
    sim10.control("hang")
    again = port.wait_for(lambda m: m["type"] == "hello" and m["id"] is None, timeout=120)
    assert again["reset"] == "watchdog" and again["boot"] != hello["boot"]
    assert state(sim10)["watchdog"]["resets"] == 1
    # Ctrl-C: the firmware stops its watchdog; the board then idles at the REPL far
    # past the timeout without a reset.
    port.wait_for(lambda m: m["type"] == "tele" and m["boot"] == again["boot"])
    port.send(b"\x03")
    until(lambda: state(sim10)["at_repl"])
    run_board_time(sim10, 3 * 8000)
    s = state(sim10)
    assert s["at_repl"] and s["watchdog"]["resets"] == 1 and not s["watchdog"]["running"]
    # Ctrl-D: a soft reset runs the firmware again, and it starts the watchdog again.
    port.send(b"\x04")
    port.wait_for(lambda m: m["type"] == "hello" and m["boot"] != again["boot"])
    until(lambda: state(sim10)["watchdog"]["running"])
    port.close()


def test_no_sim_leaves_files_behind_when_it_refuses_a_path(tmp_path: Any) -> None:
    # --link and --control never replace a file that is not the simulator's.
    mine = tmp_path / "notes.txt"
    mine.write_text("keep me")
    for flag in ("--link", "--control"):
        run = subprocess.run([sys.executable, "-m", "picofan.sim", flag, str(mine)],
                             capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
        assert run.returncode == 2, run
        assert "Traceback" not in run.stderr and str(mine) in run.stderr
        assert mine.read_text() == "keep me"
    assert os.listdir(tmp_path) == ["notes.txt"]
