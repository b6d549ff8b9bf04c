"""`picofan calibrate` as a person runs it: the installed command as a subprocess, its
prompts answered through a pipe, against a virtual Pico whose bead is put in a bath
through its control socket and checked against its reference thermometer."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from picofan_cli import PICOFAN, run
from polling import until
from terminal import Tmux

from device_port import Port
from fanctl.settings import defaults
from picofan.calibration import CONVERSION, History
from picofan.sim.process import SimProcess

WAIT_S = 300.0  # generous: the suite must pass on a busy machine


class Calibrate:
    """`picofan calibrate ARGS --port P`, stdin and stdout/stderr on pipes."""

    def __init__(self, port: str, state: Path, *args: str) -> None:
        env = {**os.environ, "XDG_STATE_HOME": str(state)}
        self.proc = subprocess.Popen([PICOFAN, "calibrate", "--port", port, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.out = ""  # everything on stdout so far, a prompt's unfinished line too
        self.err: list[str] = []
        threading.Thread(target=self._collect_out, daemon=True).start()
        threading.Thread(target=self._collect_err, daemon=True).start()

    def _collect_out(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()  # raw reads: a prompt has no newline yet
        while chunk := os.read(fd, 4096):
            self.out += chunk.decode(errors="replace")

    def _collect_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)

    def mark(self) -> int:
        return len(self.out)

    def type(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def said(self, text: str, since: int = 0) -> str:
        """Wait for a line of stdout (from line `since` on) containing text."""
        def look() -> str | None:
            line = next((line for line in self.out[since:].splitlines() if text in line), None)
            if line is None and self.proc.poll() is not None:
                return "(exited)"
            return line

        found = until(look, f"{text!r} on stdout", WAIT_S)
        assert found != "(exited)", (f"exited {self.proc.returncode} before {text!r}: "
                                     f"{self.out} {self.err}")
        return found

    def end(self, stdin_open: bool = False) -> int:
        if not stdin_open and self.proc.stdin:
            self.proc.stdin.close()
        return self.proc.wait(WAIT_S)


def bead_at(sim: SimProcess, c: float) -> float:
    """Put the bead in a bath at c and wait until the reference thermometer says so."""
    assert sim.control(f"bath {c}")["ok"]
    until(lambda: abs(sim.control("reference")["reference_c"] - c) < 0.002,
          f"the bead at {c} degC", WAIT_S)
    return float(sim.control("reference")["reference_c"])


def board_error(sim: SimProcess, c: float) -> float:
    """The board's reading minus the reference, averaged over 5 readings, bead at c."""
    reference = bead_at(sim, c)
    port = Port(sim.port)
    try:
        since = sim.control("status")["state"]["ms"]
        temps = [port.wait_for(lambda m: m["type"] == "tele" and m["ms"] > since
                               and m["temp"] is not None, WAIT_S)["temp"] for _ in range(5)]
    finally:
        port.close()
    return sum(temps) / len(temps) - reference


def conversion_settings(sim: SimProcess) -> dict:
    got = run("get", "--json", "--port", sim.port)
    assert got.returncode == 0, got.stderr
    settings = json.loads(got.stdout)
    return {k: settings[k] for k in CONVERSION}


def one_line(err: list[str]) -> str:
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_three_points_bring_the_board_to_the_reference_and_undo_restores(tmp_path: Path):
    # The command at its defaults; the board at its defaults, telemetry once a second of
    # its clock, which runs 50 times faster than real time: the settling window is counted
    # on the board's clock (the ms of its readings), so every point settles as it would.
    with SimProcess(speed=50, seed=3) as sim:
        points = (0.0, 22.0, 50.0)  # ice water, room, warm water
        before = {c: board_error(sim, c) for c in points}
        assert max(abs(e) for e in before.values()) > 0.1  # 1 % parts and the ADC: off
        original = conversion_settings(sim)
        cal = Calibrate(sim.port, tmp_path)
        cal.said("board (unnamed) (uid ")
        for c in points:
            reference = bead_at(sim, c)  # what the reference thermometer says
            since = cal.mark()
            cal.type(f"{reference}")
            cal.said("settling [", since)  # the indicator, while it waits
            cal.said("taken", since)
        since = cal.mark()
        cal.type("")  # done
        cal.said("residuals", since)
        cal.said("ohms   new degC   now degC", since)
        rows = [line.split() for line in cal.out[since:].splitlines()]
        assert any(row[1:2] == ["100.00"] for row in rows), cal.out  # the curve to 100 degC
        assert any(row[1:2] == ["-20.00"] for row in rows), cal.out
        cal.said("[y/N]", since)
        cal.type("y")
        cal.said("saved on the board", since)
        assert cal.end() == 0, cal.err
        calibrated = conversion_settings(sim)
        assert calibrated["model"] == "steinhart" and calibrated != original
        after = {c: board_error(sim, c) for c in points}
        assert all(abs(e) < 0.1 for e in after.values()), (before, after)
        uid = sim.info["uid"]
        assert History(uid, tmp_path / "picofan").previous() == original

        undo = Calibrate(sim.port, tmp_path, "--undo")
        undo.said("the previous calibration: Beta")
        undo.type("y")
        undo.said("saved on the board")
        assert undo.end() == 0, undo.err
        assert conversion_settings(sim) == original
        assert History(uid, tmp_path / "picofan").previous() is None
        # And it was saved: the board restarts with it.
        assert sim.control("reset")["ok"]
        assert conversion_settings(sim) == original


@pytest.fixture
def sim50() -> Iterator[SimProcess]:
    with SimProcess(speed=50, seed=7) as s:
        yield s


def nothing_changed(sim: SimProcess, state: Path) -> None:
    assert conversion_settings(sim) == {k: defaults()[k] for k in CONVERSION}
    assert not (state / "picofan").exists() or not any((state / "picofan").iterdir())


def test_a_typo_asks_again_and_the_end_of_input_changes_nothing(sim50, tmp_path: Path):
    cal = Calibrate(sim50.port, tmp_path)
    cal.said("point 1:")
    cal.type("warm")
    until(lambda: cal.err, "the complaint", WAIT_S)
    assert "'warm' is not a temperature in degC" in one_line(cal.err)
    cal.type("1e9")
    until(lambda: len(cal.err) == 2, "the second complaint", WAIT_S)
    assert "outside -30..130 degC" in cal.err[1]
    assert cal.end() == 2
    assert "stopped (end of input): nothing changed" in cal.err[-1]
    assert all("Traceback" not in line for line in cal.err)
    nothing_changed(sim50, tmp_path)


def settling(sim: SimProcess, state: Path) -> Calibrate:
    """`picofan calibrate` waiting for a first point at 20 degC to settle."""
    cal = Calibrate(sim.port, state)
    cal.said("point 1:")
    cal.type("20")
    cal.said("settling [")
    return cal


def test_ctrl_c_while_settling_changes_nothing(sim50, tmp_path: Path):
    cal = settling(sim50, tmp_path)
    cal.proc.send_signal(signal.SIGINT)
    assert cal.end(stdin_open=True) == 128 + signal.SIGINT
    assert one_line(cal.err) == "picofan: stopped (SIGINT): nothing changed\n"
    nothing_changed(sim50, tmp_path)


def test_an_unplugged_board_while_settling_changes_nothing(sim50, tmp_path: Path):
    cal = settling(sim50, tmp_path)
    assert sim50.control("unplug 3")["ok"]
    assert cal.end(stdin_open=True) == 3
    assert "went away while settling" in one_line(cal.err)
    assert "nothing changed" in cal.err[0]
    until(lambda: sim50.control("status")["state"]["link"], "the board back", WAIT_S)
    nothing_changed(sim50, tmp_path)


def test_a_refused_fit_says_why_and_changes_nothing(sim50, tmp_path: Path):
    cal = Calibrate(sim50.port, tmp_path)
    cal.said("point 1:")
    for n, c in enumerate((20.0, 21.0), 2):  # too close to tell a slope from noise
        reference = bead_at(sim50, c)
        since = cal.mark()
        cal.type(str(reference))
        cal.said("taken", since)
        cal.said(f"point {n}:", since)
    cal.type("")
    assert cal.end() == 2
    why = one_line(cal.err)
    assert why.startswith("picofan: fit refused: ") and "at least 2 degC apart" in why
    assert why.endswith("nothing changed\n")
    nothing_changed(sim50, tmp_path)


def test_undo_with_nothing_recorded_changes_nothing(sim50, tmp_path: Path):
    cal = Calibrate(sim50.port, tmp_path, "--undo")
    assert cal.end() == 2
    assert "no calibration of board " in one_line(cal.err)
    nothing_changed(sim50, tmp_path)


def test_no_board_is_one_line(tmp_path: Path):
    got = run("calibrate", "--port", str(tmp_path / "nothing-here"))
    assert got.returncode == 3
    assert len(got.stderr.splitlines()) == 1 and "Traceback" not in got.stderr


def test_the_settling_line_is_redrawn_whole_in_a_terminal(sim50, tmp_path: Path):
    term = Tmux("picofan-settling")
    try:
        term.start(shlex.join([PICOFAN, "calibrate", "--port", sim50.port]) + "; sleep 600",
                   tmp_path)
        term.wait_for("point 1:", timeout=WAIT_S)
        term.keys("-l", "20")
        term.keys("Enter")
        term.wait_for("degC/min", timeout=WAIT_S)  # the long form of the settling line
        assert sim50.control("fault open")["ok"]
        screen = term.wait_for("reports a fault", timeout=WAIT_S)
        said = [row.rstrip() for row in screen.splitlines() if "reports a fault" in row]
        assert said and set(said) == {"  the board reports a fault (open): waiting for a "
                                      "reading"}, screen
    finally:
        term.stop()
