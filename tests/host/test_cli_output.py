"""What the picofan command prints for a person: `get` grouped as docs/protocol.md
groups the settings, with units; `ports` with a header; counts in good English; the
virtual Pico's console prompt in a real terminal (tmux)."""

from __future__ import annotations

import shlex
from pathlib import Path

import picofan_cli
from picofan_cli import PICOFAN, SimCommand
from terminal import Tmux

from fanctl.settings import defaults


def test_get_groups_the_settings_with_their_units(tmp_path: Path) -> None:
    with SimCommand(tmp_path) as sim:
        done = picofan_cli.run("get", "--port", sim.port)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert headings == ["What to hold:", "Switching:", "The fan output:", "Auto mode:",
                        "The fan's limits:", "The tach:", "Timing:", "The thermistor:",
                        "The board:", "(saved on the board: no)"]
    rows = {line.split()[0]: line.strip() for line in lines if line.startswith("  ")}
    assert sorted(rows) == sorted(defaults())  # every setting, once
    assert rows["setpoint"] == "setpoint = 30.0 °C"
    assert rows["min_on_ms"] == "min_on_ms = 5000 ms"
    assert rows["min_duty"] == "min_duty = 20.0 %"
    assert rows["r_fixed"] == "r_fixed = 10000.0 Ω"
    assert rows["pid_ki"] == "pid_ki = 2.0 %/(°C·s)"
    assert rows["mode"] == "mode = auto"
    assert lines[lines.index("What to hold:") + 1:][:3] == [
        "  setpoint = 30.0 °C", "  hysteresis = 2.0 °C", "  mode = auto"]


def test_one_reading_is_one_reading(tmp_path: Path) -> None:
    with SimCommand(tmp_path) as sim:
        done = picofan_cli.run("log", "--port", sim.port, "--count", "1", "--quiet",
                               "--log", str(tmp_path / "one.csv"))
    assert done.returncode == 0, done.stderr
    assert f"1 reading in {tmp_path / 'one.csv'}" in done.stderr
    assert "1 readings" not in done.stderr


def test_ports_and_ports_all_have_one_header_and_one_column_order(tmp_path: Path) -> None:
    with SimCommand(tmp_path) as sim:
        named = picofan_cli.run("set", "--port", sim.port, "name=desk fan")
        assert named.returncode == 0, named.stderr
        asked = picofan_cli.run("ports")
        listed = picofan_cli.run("ports", "--all")
    assert asked.returncode == 0 and listed.returncode == 0, asked.stderr + listed.stderr
    header = "PORT\tKIND\tUSB ID\tUID\tNAME\tDESCRIPTION"
    assert asked.stdout.splitlines()[0] == header
    assert listed.stdout.splitlines()[0] == header
    (board,) = [r.split("\t") for r in asked.stdout.splitlines()[1:]]
    (same,) = [r.split("\t") for r in listed.stdout.splitlines()[1:] if r.startswith(sim.port)]
    assert board[:4] == same[:4] and board[0] == sim.port and board[1] == "virtual Pico"
    assert board[4] == "desk fan" and same[4] == "?"  # --all asks nothing


def test_the_sim_console_has_a_prompt_in_a_terminal(tmp_path: Path) -> None:
    term = Tmux("picofan-sim-prompt")
    try:
        term.start(shlex.join([PICOFAN, "sim", "--link", str(tmp_path / "tty"),
                               "--flash", str(tmp_path / "flash")]), tmp_path)
        term.wait_for("type help for commands", "picofan-sim> ", timeout=60)
        term.keys("-l", "reference")
        term.keys("Enter")
        screen = term.wait_for("reference ", " C\npicofan-sim> ", timeout=60)
        assert "picofan-sim> reference\n" in screen
    finally:
        term.stop()
    # On a pipe (a program driving it) there is no prompt in the way of its replies.
    (tmp_path / "piped").mkdir()
    with SimCommand(tmp_path / "piped") as sim:
        assert sim.proc.stdin is not None and sim.proc.stdout is not None
        sim.proc.stdout.readline()  # the control socket line
        sim.proc.stdin.write("reference\n")
        sim.proc.stdin.flush()
        assert sim.proc.stdout.readline().startswith("reference ")
