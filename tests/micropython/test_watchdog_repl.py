"""The watchdog design on real MicroPython (the WebAssembly REPL board, whose watchdog
is a model of the RP2040's: tests/micropython/repl_board.*), driven by the real
mpremote, ampy, pyserial and picofan client, as a user drives a Pico W.

What is proved: the app's watchdog never resets a board that is being flashed or
that sits at the REPL (Ctrl-C stops it through the CTRL register), and a watchdog
nobody feeds does reset the board, after which the app says so and runs again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import repl_board
import serial
from polling import until

from picofan.client import Device, Received

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
BIN = Path(sys.executable).parent  # the venv's pinned mpremote, as make flash uses

WDT_MS = 1000  # the board's saved watchdog_ms: short, so the waits past it stay short
WAIT_S = 60.0  # a generous limit for anything to happen on a busy machine


@pytest.fixture
def board(tmp_path: Path) -> Iterator[repl_board.ReplBoard]:
    """A Pico W running an older build of the app (every module differs from
    firmware/, so a flash copies them all) with watchdog_ms=1000 saved."""
    flash = tmp_path / "flash"
    for src in FIRMWARE.rglob("*.py"):
        if "__pycache__" in src.parts:
            continue
        dest = flash / src.relative_to(FIRMWARE)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(src.read_bytes() + b"\n# an older build\n")
    (flash / "settings.json").write_text(json.dumps({"watchdog_ms": WDT_MS}) + "\n")
    with repl_board.ReplBoard(flash) as b:
        yield b


def make(*args: str) -> subprocess.CompletedProcess[str]:
    # As tests/host/test_deploy.py: -o setup, the environment is already set up.
    return subprocess.run(["make", "-s", "--no-print-directory", "-o", "setup", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))


def mpremote(board: repl_board.ReplBoard, *args: str) -> str:
    run = subprocess.run([str(BIN / "mpremote"), "connect", board.port, *args],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def watchdog_when(board: repl_board.ReplBoard,
                  done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The model's state once `done` holds (asked again until then)."""
    def reached() -> dict[str, Any] | None:
        state = board.watchdog()
        return state if done(state) else None

    return until(reached, "the watchdog model reaching the state", WAIT_S)


def hello_and_telemetry(board: repl_board.ReplBoard) -> tuple[dict[str, Any], dict[str, Any]]:
    """The app's hello (asked for) and then one telemetry line, through picofan's
    own client: the app is up and sampling."""
    with Device(board.port, reply_timeout=WAIT_S, reconnect=False) as dev:
        hello = dev.request("hello")
        for event in dev.events(timeout=WAIT_S):
            if isinstance(event, Received) and event.message.type == "tele":
                return hello, event.message.data
    raise AssertionError(f"no telemetry within {WAIT_S:.0f} s")


def read_until(term: serial.Serial, end: bytes) -> bytes:
    buf = b""
    deadline = time.monotonic() + WAIT_S
    while not buf.endswith(end):
        assert time.monotonic() < deadline, f"no {end!r} in {WAIT_S:.0f} s: {buf[-300:]!r}"
        buf += term.read(1)  # a byte at a time: never past `end`, whatever follows it
    return buf


@pytest.mark.parametrize("tool", ["mpremote", "ampy"])
def test_flash_and_the_prompt_never_trip_the_watchdog(board: repl_board.ReplBoard,
                                                      tool: str) -> None:
    # The older build runs, its watchdog on, and fed: twice its timeout later (on the
    # board's clock) the board has not reset.
    state = watchdog_when(board, lambda s: s["enabled"])
    assert state["load_ms"] == WDT_MS
    board.wait_clock(state["now"] + 2 * WDT_MS)

    # Its raw REPL sessions, the copies, the soft reset into the new build: seconds
    # of them, many times the watchdog's timeout.
    run = make("flash", f"PORT={board.port}", f"TOOL={tool}")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "copy  fanctl/app.mpy" in run.stdout  # .mpy: what make flash deploys
    assert "running picofan 0.1.0" in run.stdout
    assert board.resets == []
    state = watchdog_when(board, lambda s: s["enabled"])  # the new build started it again
    board.wait_clock(state["now"] + 2 * WDT_MS)  # and feeds it

    # The user's next command stops the app; the board is left at >>>.
    assert mpremote(board, "exec", "import machine; print(machine.reset_cause())").split() \
        == ["1"]  # PWRON_RESET: no watchdog reset so far
    state = board.watchdog()
    assert not state["enabled"]
    # Twice the timeout later on the board's clock (its last feed was before `now`),
    # the board has not reset: it still answers at the prompt, never rebooted.
    board.wait_clock(state["now"] + 2 * WDT_MS)
    with serial.Serial(board.port, 115200, timeout=0.1, exclusive=True) as term:
        term.write(b"\r")
        read_until(term, b">>> ")
    assert mpremote(board, "exec", "import machine; print(machine.reset_cause())").split() \
        == ["1"]
    assert board.resets == []


def test_a_watchdog_left_running_at_the_prompt_resets_the_board(
        board: repl_board.ReplBoard) -> None:
    watchdog_when(board, lambda s: s["enabled"])
    hello = hello_and_telemetry(board)[0]
    assert hello["reset"] == "power"
    # board.py's own id, from machine.unique_id()'s 8 bytes (the REPL board's stand-in)
    assert hello["uid"] == "e6614103e7452d2f"
    with serial.Serial(board.port, 115200, timeout=0.1, exclusive=True) as term:
        term.write(b"\r\x03\x03")  # stop the app (its watchdog stops with it)
        read_until(term, b">>> ")
        # A user starts a watchdog by hand and leaves the board at the prompt.
        term.write(b"import machine; machine.WDT(timeout=%d)\r" % WDT_MS)
        read_until(term, b">>> ")
    assert board.wait_resets(1, WAIT_S) == ["watchdog"]
    hello, tele = hello_and_telemetry(board)  # main.py ran again: the app is back
    assert hello["reset"] == "watchdog"
    assert tele["boot"] == hello["boot"]


def test_a_hung_loop_resets_the_board_and_the_app_runs_again(
        board: repl_board.ReplBoard) -> None:
    watchdog_when(board, lambda s: s["enabled"])
    before, _ = hello_and_telemetry(board)
    assert before["reset"] == "power"
    board.hang_adc()  # the next ADC conversion never completes: the loop stops there
    assert board.wait_resets(1, WAIT_S) == ["watchdog"]
    hello, tele = hello_and_telemetry(board)
    assert hello["reset"] == "watchdog"
    assert hello["boot"] != before["boot"]  # a new boot of the app...
    assert tele["boot"] == hello["boot"]  # ...sampling again
    assert watchdog_when(board, lambda s: s["enabled"])["load_ms"] == WDT_MS


def test_the_model_behaves_as_the_rp2040_watchdog(tmp_path: Path) -> None:
    """The edge itself, at a terminal on a board with no app: what the tests above
    rely on, per the rp2 port's machine.WDT and the RP2040's CTRL register."""
    flash = tmp_path / "flash"
    flash.mkdir()
    with repl_board.ReplBoard(flash) as board, \
            serial.Serial(board.port, 115200, timeout=0.1, exclusive=True) as term:

        def repl(line: bytes) -> bytes:
            # The REPL echoes the line first: reading past the echo skips any prompt
            # still in the buffer (the banner's and the one for a bare Enter can arrive
            # in either order with the first read), so the output is this line's.
            term.write(line + b"\r")
            read_until(term, line)
            return read_until(term, b">>> ")

        term.write(b"\r")
        read_until(term, b">>> ")
        assert b"ValueError: timeout exceeds 8388" in repl(
            b"import machine; machine.WDT(timeout=8389)")
        # Started, then ENABLE cleared through the atomic-clear alias: it holds.
        repl(b"w = machine.WDT(timeout=%d); machine.mem32[0x4005B000] = 1 << 30" % WDT_MS)
        state = board.watchdog()
        assert not state["enabled"] and state["load_ms"] == WDT_MS
        board.wait_clock(state["now"] + 2 * WDT_MS)
        assert board.resets == []
        # ENABLE set again through the atomic-set alias: the count resumes, expires,
        # and the board hard-resets into a fresh interpreter that knows why.
        repl(b"machine.mem32[0x4005A000] = 1 << 30")
        assert board.wait_resets(1, WAIT_S) == ["watchdog"]
        read_until(term, b">>> ")  # the new boot's banner and prompt
        assert repl(b"import machine; machine.reset_cause()").split()[-2] == b"3"
        assert not board.watchdog()["enabled"]  # a reset leaves it off
        # A soft reset does not stop it. (The longest timeout: the soft reset and the
        # look at the register must come before it expires, on any machine.)
        repl(b"w = machine.WDT(timeout=8388)")
        deadline = board.watchdog()["deadline"]
        term.write(b"\x04")
        read_until(term, b">>> ")
        after = board.watchdog()
        assert after["enabled"] and after["deadline"] == deadline
        assert board.wait_resets(2, WAIT_S) == ["watchdog", "watchdog"]


def firmware_flash(tmp_path: Path) -> Path:
    """A board's flash holding firmware/ as `make flash` leaves it, watchdog_ms=1000."""
    flash = tmp_path / "flash"
    for src in FIRMWARE.rglob("*.py"):
        if "__pycache__" not in src.parts:
            dest = flash / src.relative_to(FIRMWARE)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read_bytes())
    (flash / "settings.json").write_text(json.dumps({"watchdog_ms": WDT_MS}) + "\n")
    return flash


def test_on_a_pico_2_w_the_app_stops_its_watchdog_at_the_prompt(tmp_path: Path) -> None:
    # The RP2350's watchdog is elsewhere in its address space (0x400d8000); at the
    # RP2040's address sits its PLL_USB. The app must stop the RP2350's own.
    with repl_board.ReplBoard(firmware_flash(tmp_path), machine=repl_board.PICO_2_W) as board:
        state = watchdog_when(board, lambda s: s["enabled"])
        assert state["load_ms"] == WDT_MS
        hello = hello_and_telemetry(board)[0]
        assert hello["board"] == "Raspberry Pi Pico 2 W"
        with serial.Serial(board.port, 115200, timeout=0.1, exclusive=True) as term:
            term.write(b"\r\x03\x03")  # stop the app: the user is at the prompt
            out = read_until(term, b">>> ")
        assert b"stopped; fan left on" in out
        state = board.watchdog()
        assert not state["enabled"]
        board.wait_clock(state["now"] + 2 * WDT_MS)  # twice its timeout: no reset
        assert board.resets == []


def test_on_a_chip_it_does_not_know_the_app_refuses_in_one_line(tmp_path: Path) -> None:
    # Its registers are not the RP2040's nor the RP2350's: nothing is written to them,
    # no watchdog is started; one line says why, and the board sits at the prompt.
    machine = "Raspberry Pi Pico 3 W with RP2450"
    with repl_board.ReplBoard(firmware_flash(tmp_path), machine=machine) as board, \
            serial.Serial(board.port, 115200, timeout=0.1, exclusive=True) as term:
        term.write(b"\r")
        out = read_until(term, b">>> ").decode()
        lines = [line for line in out.splitlines() if "picofan" in line]
        assert lines == ["picofan: unknown chip (Raspberry Pi Pico 3 W with RP2450); "
                         "picofan runs on RP2040 or RP2350 only: not started"], out
        assert "Traceback" not in out
        assert not board.watchdog()["enabled"]
        assert board.resets == []
