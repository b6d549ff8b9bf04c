"""`picofan log --all` as a person runs it: a subprocess, real virtual Picos started
with `picofan sim` (found as picofan finds boards: each registers itself), the default
telemetry interval, real time. One CSV per board, named after it; boards coming,
going and coming back; two boards with one name; every line readable as it comes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import tty
from pathlib import Path

from picofan_cli import PICOFAN, SimCommand, csv_rows, registered_uid, run, start
from polling import until

from picofan import ports


def named(sim: SimCommand, name: str) -> None:
    """Name the board and save it (its flash keeps the name across unplugs)."""
    until(lambda: sim.control("status")["state"]["tele_sent"], "the virtual Pico running")
    done = run("set", f"name={name}", "--save", "--port", sim.port)
    assert done.returncode == 0, done.stderr


def board_lines(csv_path: Path) -> list[str]:
    events = csv_path.with_suffix(".events.log")
    if not events.exists():
        return []
    return [line.split("\t")[2] for line in events.read_text().splitlines()
            if line.split("\t")[1:2] == ["Board"]]


def boots(csv_path: Path) -> set[str]:
    return {row["boot"] for row in csv_rows(csv_path)}


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def test_log_all_writes_a_csv_per_board_as_boards_come_and_go(
        tmp_path: Path, own_runtime_dir: Path) -> None:
    logs = tmp_path / "logs"
    folders = {k: tmp_path / k for k in ("desk", "twin1", "twin2")}
    for folder in folders.values():
        folder.mkdir()
    # The second twin's name saved on its flash beforehand: it is named from its start.
    with SimCommand(folders["twin2"], "--seed", "63") as early:
        named(early, "twin")
    with SimCommand(folders["desk"], "--seed", "61") as desk, \
            SimCommand(folders["twin1"], "--seed", "62") as twin1:
        named(desk, "desk fan")
        named(twin1, "twin")
        out = (tmp_path / "out.txt").open("w")
        logger = subprocess.Popen([PICOFAN, "log", "--all", "--dir", str(logs)],
                                  stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.PIPE, text=True)
        try:
            desk_csv, twin_csv = logs / "desk fan.csv", logs / "twin.csv"
            # Flushed per line: readings are there to read while it runs.
            until(lambda: len(csv_rows(desk_csv)) >= 2 and len(csv_rows(twin_csv)) >= 2,
                  "readings from both boards")
            with SimCommand(folders["twin2"], "--seed", "63") as twin2:  # plugged in later
                twin2_csv = logs / f"twin-{registered_uid(own_runtime_dir, twin2)}.csv"
                until(lambda: len(csv_rows(twin2_csv)) >= 2, "the later board's readings")
                before = len(csv_rows(desk_csv))
                desk.control("unplug 3")  # out, and back (restarted) 3 s later
                until(lambda: len(board_lines(desk_csv)) == 2, "the desk fan found again")
                until(lambda: len(boots(desk_csv)) == 2, "readings after its restart")
                assert len(csv_rows(desk_csv)) > before
                assert "Disconnected" in desk_csv.with_suffix(".events.log").read_text()
                twin2_uid = registered_uid(own_runtime_dir, twin2)
            desk_uid = registered_uid(own_runtime_dir, desk)
            twin1_uid = registered_uid(own_runtime_dir, twin1)
        finally:
            code, err = stop(logger)
            out.close()
        assert code == 0, err
    # One board per file, and each file says whose it is.
    assert sorted(p.name for p in logs.glob("*.csv")) == sorted(
        ["desk fan.csv", "twin.csv", f"twin-{twin2_uid}.csv"])
    assert all(line.startswith(f"uid {desk_uid} name 'desk fan'")
               for line in board_lines(desk_csv))
    assert board_lines(twin_csv) == [f"uid {twin1_uid} name 'twin' port {twin1.port}"]
    assert board_lines(twin2_csv) == [f"uid {twin2_uid} name 'twin' port {twin2.port}"]
    assert not boots(twin_csv) & boots(twin2_csv)  # no twin's readings in the other's file
    assert {row["source"] for row in csv_rows(desk_csv)} == {"sim"}
    for path in (desk_csv, twin_csv, twin2_csv):
        assert f"{len(csv_rows(path))} readings in {path}" in err
    shown = (tmp_path / "out.txt").read_text().splitlines()
    assert any(line.startswith("desk fan: ") and "°C" in line for line in shown)
    assert any(line.startswith("twin: ") for line in shown)

    # Another run, the second twin alone: twin.csv stays the first twin's.
    kept = twin_csv.read_bytes()
    grown = len(csv_rows(twin2_csv))
    with SimCommand(folders["twin2"], "--seed", "63"):
        logger = start("log", "--all", "--dir", str(logs), "--quiet")
        try:
            until(lambda: len(csv_rows(twin2_csv)) > grown, "the second twin logged again")
        finally:
            code, err = stop(logger)
        assert code == 0, err
    assert twin_csv.read_bytes() == kept
    assert len(list(logs.glob("*.csv"))) == 3


def test_log_all_bad_input_is_one_line_and_makes_nothing(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    for args, says in ((["--all", "--port", "/dev/ttyACM0"], "not with --port"),
                       (["--all", "--log", "x.csv"], "not with --log"),
                       (["--all", "--count", "5"], "not with --count"),
                       (["--all", "--dir", str(a_file / "logs")], "is not a folder"),
                       (["--dir", "logs"], "--dir goes with --all")):
        done = run("log", *args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and says in done.stderr, (args, done.stderr)
        assert done.stdout == ""
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_port_that_never_says_who_it_is_is_named_and_not_logged(
        tmp_path: Path, own_runtime_dir: Path) -> None:
    # A registered port with something else on it: a pseudo-terminal of this test's,
    # which answers no hello and sends lines that are not picofan's.
    master, slave = os.openpty()
    tty.setraw(slave)
    device = os.ttyname(slave)
    os.close(slave)
    (own_runtime_dir / f"sim-{os.getpid()}.json").write_text(
        json.dumps({"pid": os.getpid(), "port": device}))
    logger = start("log", "--all", "--dir", str(tmp_path / "logs"))
    said: list[str] = []
    assert logger.stderr
    reader = threading.Thread(target=lambda: said.extend(logger.stderr or []), daemon=True)
    reader.start()
    try:
        until(lambda: ports.holders(device), "picofan log on the port")
        for n in range(30):
            os.write(master, f"not picofan {n}\r\n".encode())
        warning = f"picofan: {device}: not logged yet: it has not said who it is"
        until(lambda: any(line.startswith(warning) for line in said), "the warning")
    finally:
        logger.send_signal(signal.SIGINT)
        code = logger.wait(60)
        reader.join(60)
        os.close(master)
    assert code == 0, said
    assert not (tmp_path / "logs").exists() or not list((tmp_path / "logs").iterdir())
