"""The picofan command: exit codes and the CSV log, end to end."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import picofan_cli
import pytest
import serial
from polling import until
from scripted_device import ScriptedDevice

from fanctl import protocol as wire
from fanctl.settings import defaults, merge
from picofan.cli.command import main
from picofan.cli.settings import parse_assignments
from picofan.logger import COLUMNS, TELE_COLUMNS, TELE_FIELDS
from picofan.protocol import encode_command
from picofan.sim.process import SimProcess


def test_set_prints_ack_and_exits_0(sim: SimProcess, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", "--port", sim.port, "setpoint=28", "mode=auto"]) == 0
    out = capsys.readouterr().out
    assert "ack: setpoint=28.0 mode=auto" in out and "not saved" in out
    assert main(["get", "--port", sim.port, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["setpoint"] == 28.0


def test_set_save_stores_on_the_board(sim: SimProcess,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", "--port", sim.port, "--save", "setpoint=26.5"]) == 0
    boots = sim.control("reset")["state"]["boots"]  # reboot: settings come from flash
    # the reset lands at the firmware's next wait
    until(lambda: sim.control("status")["state"]["boots"] != boots, "a reboot")
    capsys.readouterr()
    assert main(["get", "--port", sim.port, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["setpoint"] == 26.5


def test_device_error_exits_1(sim: SimProcess, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", "--port", sim.port, "setpoint=124.5"]) == 1
    assert "the device refused" in capsys.readouterr().err


def test_no_board_exits_3_with_advice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ping", "--port", str(tmp_path / "ttyNONE")]) == 3
    assert "cannot open" in capsys.readouterr().err


def test_csv_holds_exactly_the_telemetry_sent(tmp_path: Path) -> None:
    device = ScriptedDevice()
    sent = []
    s = defaults()
    for i in range(25):
        fault = "open" if i == 7 else None
        temp = None if fault else 24.0 + i * 0.137
        msg = wire.tele("0000b007", i, 1000 * i, temp, 30000 + i,
                        None if fault else 9000.5 + i, i % 3 == 0,
                        merge(s, {"setpoint": 20.0 + i}), fault)
        sent.append(msg)

    def play() -> None:
        while b"hello" not in device.received:  # the host asks for hello on connect
            device.read()
        device.send(b"MicroPython banner line\r\n")
        for msg in sent:
            device.send(json.dumps(msg).encode() + b"\r\n")

    player = threading.Thread(target=play)
    player.start()
    path = tmp_path / "run.csv"
    try:
        code = main(["log", "--port", device.path, "--log", str(path), "--count", "25",
                         "--quiet"])
    finally:
        player.join(10)
        device.close()
    assert code == 0
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == COLUMNS
    assert len(rows) == 26
    assert rows[0][:3] == ["host_time", "utc_offset", "source"]
    assert {"boot", "seq", "temp_c", "ohms", "setpoint_c", "hysteresis_c"} <= set(rows[0])
    for msg, row in zip(sent, rows[1:], strict=True):
        record = dict(zip(COLUMNS, row, strict=True))
        assert record["source"] == "board"
        for name, column in zip(TELE_FIELDS, TELE_COLUMNS, strict=True):
            v = msg[name]
            want = "" if v is None else str(int(v)) if isinstance(v, bool) else str(v)
            assert record[column] == want, (name, record, msg)
    events = path.with_suffix(".events.log").read_text()
    assert "MicroPython banner line" in events  # device text: in the side file, not the CSV


# -- `picofan sim` through the picofan command ------------------

def test_sim_help_shows_the_simulators_own_options() -> None:
    done = picofan_cli.run("sim", "--help")
    assert done.returncode == 0, done.stderr
    for option in ("--link", "--control", "--speed", "--seed", "--script"):
        assert option in done.stdout
    assert "Traceback" not in done.stderr


def test_sim_link_as_in_the_docs_serves_a_board_on_that_path(tmp_path: Path) -> None:
    with picofan_cli.SimCommand(tmp_path) as sim:
        assert sim.port in sim.banner
        done = picofan_cli.run("ping", "--port", sim.port)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"pong from {sim.port}")
        assert sim.control("status")["state"]["link"] == sim.port
    assert sim.proc.returncode == 0  # `quit` on its console ends it cleanly
    assert not Path(sim.port).exists()


def test_sim_bad_option_is_one_line_and_exit_2() -> None:
    done = picofan_cli.run("sim", "--speed", "-1")
    assert done.returncode == 2
    assert "speed" in done.stderr and "Traceback" not in done.stderr


# -- bad input: one line, exit 2, nothing sent -------------------

def one_clear_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("picofan: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def sent_anything(device: ScriptedDevice) -> bool:
    """After the command exited: did it write a single byte to the port?"""
    return bool(device.read(0))


@pytest.mark.parametrize("args", [
    ["set", "setpoint=hot"],
    ["set", "setpoint=500"],
    ["set", "nosuch=1"],
    ["set", "setpoint"],
    ["set", "setpoint=NaN"],
    ["set", "cmd=ping"],
    ["set", "cmd_id=5"],
    ["set", "id=5"],
    ["set", "timeout=5"],  # was taken as the reply timeout, and `set` went out empty
    ["ping", "--timeout", "inf"],
    ["ping", "--timeout", "nan"],
    ["ping", "--timeout", "-1"],
    ["ping", "--timeout", "0"],
    ["ping", "--timeout", "soon"],
    ["get", "--timeout", "1e300"],
    ["log", "--count", "0"],
    ["log", "--count", "-3"],
    ["log", "--duration", "-5"],
    ["log", "--duration", "0"],
    ["log", "--duration", "nan"],
    ["log", "--duration", "inf"],
    ["set"],
], ids=" ".join)
def test_bad_input_is_one_line_exit_2_and_nothing_sent(args: list[str], tmp_path: Path) -> None:
    device = ScriptedDevice()
    try:
        done = picofan_cli.run(*args, "--port", device.path, cwd=tmp_path)
        assert done.returncode == 2, (done.returncode, done.stderr)
        line = one_clear_line(done.stderr)
        if args[0] == "set" and len(args) > 1:
            assert "not sent" in line, line
        assert not sent_anything(device)
    finally:
        device.close()
    assert list(tmp_path.iterdir()) == []  # no log files either


def test_log_into_a_folder_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    device = ScriptedDevice()
    try:
        for command in ("log", "monitor"):
            done = picofan_cli.run(command, "--port", device.path, "--log", str(tmp_path))
            assert done.returncode == 2, (command, done.stderr)
            assert "folder" in one_clear_line(done.stderr)
            assert not sent_anything(device)
    finally:
        device.close()
    assert list(tmp_path.iterdir()) == []


def test_bad_sim_speed_is_one_line_and_leaves_no_virtual_pico(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    for command in ("ping", "log", "monitor"):
        done = picofan_cli.run(command, "--sim", "--sim-speed", "-1", cwd=tmp_path, env=env)
        assert done.returncode == 2, (command, done.stderr)
        assert "sim-speed" in one_clear_line(done.stderr)
    assert picofan_cli.processes_mentioning(str(tmp_path)) == []
    assert list(tmp_path.iterdir()) == []


def test_log_with_no_board_leaves_no_files(tmp_path: Path) -> None:
    missing = str(tmp_path / "ttyNONE")
    done = picofan_cli.run("log", "--port", missing, "--log", str(tmp_path / "run.csv"))
    assert done.returncode == 3
    assert "cannot open" in one_clear_line(done.stderr)
    done = picofan_cli.run("log", "--port", missing, cwd=tmp_path)  # the default logs/ path
    assert done.returncode == 3
    one_clear_line(done.stderr)
    assert list(tmp_path.iterdir()) == []


# -- a refusal is never a lost link ------------------------------

# Every number and word setting, valid, with the longest spellings: the `set` line is 513
# bytes.
LONG_SET = [
    "setpoint=30.000000000000004", "hysteresis=2.0000000000000004", "mode=auto",
    "min_on_ms=5999", "min_off_ms=599999", "interval_ms=59900", "sample_ms=100",
    "oversample=256", "divider=ntc_to_3v3", "r_fixed=10000.000000000002", "model=beta",
    "r0=10000.000000000002", "t0=25.000000000000004", "beta=3950.0000000000005",
    "sh_a=0.0010222850000000002", "sh_b=0.00025316460000000005",
    "sh_c=0.0", "t_min=-39.99999999999999", "watchdog_ms=8000", "t_max=124.99999999999999",
]


def test_a_set_longer_than_the_devices_line_is_refused_before_sending(tmp_path: Path) -> None:
    changes = parse_assignments(LONG_SET)
    assert len(changes) == len(LONG_SET) and set(changes) <= set(defaults())
    merge(defaults(), changes)  # every value is valid
    with pytest.raises(ValueError, match=f"would be {wire.MAX_LINE + 1} bytes"):
        encode_command("set", 1, **changes)
    with picofan_cli.SimCommand(tmp_path) as sim:
        done = picofan_cli.run("set", "--port", sim.port, *LONG_SET)
        assert done.returncode == 2, done.stderr
        line = one_clear_line(done.stderr)
        assert "not sent" in line and str(wire.MAX_LINE) in line
        # one byte shorter is a line the device takes: the limits are the same
        shorter = [*LONG_SET[:-1], "t_max=124.9999999999999"]
        done = picofan_cli.run("set", "--port", sim.port, *shorter)
        assert done.returncode == 0, done.stderr
        assert "ack: setpoint=30.000000000000004" in done.stdout


def test_a_half_line_left_in_the_board_cannot_swallow_the_first_command(tmp_path: Path) -> None:
    with picofan_cli.SimCommand(tmp_path) as sim:
        for setpoint in (27, 28, 29, 27.5, 28.5):
            # another program wrote half a command and went away
            other = serial.Serial(sim.port)
            other.write(b'{"cmd": "set", "setpoint": 3')
            other.close()
            done = picofan_cli.run("set", "--port", sim.port, f"setpoint={setpoint}")
            assert done.returncode == 0, done.stderr
            assert f"ack: setpoint={float(setpoint)}" in done.stdout


def test_the_first_thing_sent_on_a_port_is_a_line_end() -> None:
    device = ScriptedDevice()
    try:
        done = picofan_cli.run("ping", "--port", device.path, "--timeout", "0.5")
        assert done.returncode == 3
        device.read(0)
        assert device.received.startswith(b"\n"), device.received[:40]
        assert b'"cmd": "ping"' in device.received
    finally:
        device.close()


def picofan_against(board: Callable[[ScriptedDevice, threading.Event], None],
                    *args: str) -> subprocess.CompletedProcess[str]:
    """Run `picofan ARGS --port P` while `board(device, stop)` plays the board on P."""
    device = ScriptedDevice()
    stop = threading.Event()
    player = threading.Thread(target=board, args=(device, stop))
    player.start()
    try:
        return picofan_cli.run(*args, "--port", device.path)
    finally:
        stop.set()
        player.join()
        device.close()


def test_no_reply_while_telemetry_flows_says_the_port_may_be_shared() -> None:
    def board_whose_replies_go_elsewhere(device: ScriptedDevice, stop: threading.Event) -> None:
        seq = 0
        while not stop.is_set():
            if b'"ping"' in device.received:  # telemetry comes, the ack does not
                msg = wire.tele("0000b007", seq, 1000 * seq, 25.0, 32768, 10000.0, False,
                                defaults(), None)
                device.send(json.dumps(msg).encode() + b"\r\n")
                seq += 1
            device.read(0.1)

    done = picofan_against(board_whose_replies_go_elsewhere, "ping")
    assert done.returncode == 3
    line = one_clear_line(done.stderr)
    assert "no reply to 'ping'" in line and "another program" in line


def test_no_reply_from_a_board_at_the_repl_says_so_and_what_to_do() -> None:
    def micropython_repl(device: ScriptedDevice, stop: threading.Event) -> None:
        # as the REPL does: echo what comes, a fresh prompt after every line end
        device.send(b"MicroPython v1.27.0; Raspberry Pi Pico W with RP2040\r\n>>> ")
        while not stop.is_set():
            data = device.read(0.1)
            if data:
                device.send(data.replace(b"\r", b"").replace(b"\n", b"\r\n>>> "))

    done = picofan_against(micropython_repl, "ping")
    assert done.returncode == 3
    line = one_clear_line(done.stderr)
    assert "REPL" in line and "make reset" in line


def test_too_long_from_a_board_with_a_shorter_line_is_a_refusal_not_a_lost_link() -> None:
    def board_with_a_short_line(device: ScriptedDevice, stop: threading.Event) -> None:
        answered = 0
        while not stop.is_set():
            device.read(0.1)
            while device.received.count(b"\n") > answered:  # every line: too long
                answered += 1
                error = wire.error(None, "too_long", "line longer than 16 bytes")
                device.send(json.dumps(error).encode() + b"\r\n")

    done = picofan_against(board_with_a_short_line, "ping")
    assert done.returncode == 1, done.stderr
    assert "refused: line longer than 16 bytes (too_long)" in one_clear_line(done.stderr)
