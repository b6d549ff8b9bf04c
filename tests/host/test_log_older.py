"""What an older picofan left behind, and an older board: a log written before the fan's
duty and rpm (protocol 3) still reads (read_log, `picofan plot`, `picofan monitor
--replay`) and is never appended to; a board whose firmware predates protocol 4 is one
clear line, not a stream of noise. The files in tests/host/data/ were recorded with
that older picofan (their README says how)."""

from __future__ import annotations

import json
import shutil
import signal
from datetime import datetime, timedelta
from pathlib import Path

import picofan_cli
import pytest
from picofan_cli import csv_rows
from PIL import Image
from polling import until
from scripted_device import ScriptedDevice
from terminal import Tmux

from fanctl import protocol as wire
from fanctl.settings import defaults, merge
from picofan.log_read import read_log
from picofan.logger import COLUMNS, OLDER_COLUMNS, OLDER_LAYOUTS, CsvLog
from picofan.protocol import OUTDATED, DeviceText, Message, parse_line

DATA = Path(__file__).parent / "data"
OLD_LOG = DATA / "picofan-protocol3.csv"
OLD_BOARD = DATA / "protocol3-board.jsonl"


@pytest.fixture
def old_log(tmp_path: Path) -> Path:
    path = tmp_path / "old.csv"
    shutil.copy(OLD_LOG, path)
    return path


def test_the_recording_is_the_older_layout() -> None:
    header = OLD_LOG.read_text().splitlines()[0].split(",")
    assert header == OLDER_COLUMNS != COLUMNS
    assert {"duty", "rpm", "wifi", "rssi", "mqtt", "demand", "kick", "output", "control",
            "curve_low_c", "curve_high_c"} == set(COLUMNS) - set(header)


def test_an_older_log_reads_with_the_duty_it_had(old_log: Path) -> None:
    readings = read_log(old_log)
    assert len(readings) == 32
    for _, m in readings:
        # a switched fan: full duty while on, and no tach
        assert m["duty"] == (100.0 if m["fan"] else 0.0) and m["rpm"] is None
        assert (m["wifi"], m["rssi"], m["mqtt"]) == ("off", None, "off")  # USB only then
        assert "settings" not in m  # the settings in force were not logged then
        assert m["demand"] == m["duty"] and m["kick"] is False  # not sent then
    assert {m["fan"] for _, m in readings} == {True, False}
    assert [m["fault"] for _, m in readings].count("open") == 4
    assert readings[0][1]["temp"] == 28.151 and readings[0][1]["seq"] == 2


def test_plot_draws_an_older_log_without_a_duty_panel(old_log: Path) -> None:
    done = picofan_cli.run("plot", str(old_log))
    assert done.returncode == 0, done.stderr
    png = old_log.with_suffix(".png")
    assert f"{png} (32 readings)" in done.stdout
    assert Image.open(png).size == (1100, 500)  # the temperature alone: no duty it never had


def test_an_older_log_is_never_appended_to(old_log: Path) -> None:
    before = old_log.read_bytes()
    done = picofan_cli.run("log", "--sim", "--log", str(old_log), "--count", "1")
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert ("is a log from an older picofan (without duty, rpm, wifi, rssi, mqtt, demand, "
            "kick, output, control, curve_low_c, curve_high_c): give a new file name") in line
    assert old_log.read_bytes() == before
    assert not old_log.with_suffix(".events.log").exists()  # refused before anything started


@pytest.mark.slow  # a real terminal
def test_replay_shows_an_older_log(old_log: Path) -> None:
    term = Tmux("picofan-replay-older-test")
    term.start(f"{picofan_cli.PICOFAN} monitor --replay {old_log}; echo EXITED $?; sleep 60",
               cwd=old_log.parent, width=80, height=24)
    try:
        shown = term.wait_for("▶ replay of", timeout=60)
        assert "32 readings  ·  read-only" in shown
        term.keys("q")
        shown = term.wait_for("EXITED", timeout=60)
        assert "EXITED 0" in shown and "32 readings replayed from" in shown
        assert "Traceback" not in shown
    finally:
        term.stop()


# -- a board that predates protocol 4 -------------------------------------------------

def old_board_lines() -> list[bytes]:
    return [line + b"\r\n" for line in OLD_BOARD.read_bytes().splitlines()]


def test_an_older_boards_lines_are_told_apart_from_broken_ones() -> None:
    for raw in old_board_lines():
        parsed = parse_line(raw)
        assert isinstance(parsed, DeviceText) and parsed.outdated, parsed
    # A current board's lines are messages; a broken one is noise, not older firmware.
    tele = wire.tele("0000b007", 0, 1000, 25.0, 32768, 10000.0, False, defaults(), None)
    assert isinstance(parse_line(json.dumps(tele).encode()), Message)
    broken = {k: v for k, v in tele.items() if k != "raw"}
    parsed = parse_line(json.dumps(broken).encode())
    assert isinstance(parsed, DeviceText) and not parsed.outdated


def test_log_says_once_that_an_older_board_needs_flashing(tmp_path: Path) -> None:
    device = ScriptedDevice()
    path = tmp_path / "run.csv"
    log = picofan_cli.start("log", "--port", device.path, "--log", str(path))
    try:
        until(lambda: bool(device.read(0.05)) and b'"hello"' in device.received,
              "the host asking for hello")
        for _ in range(3):  # its hello and telemetry, again and again
            for line in old_board_lines():
                device.send(line)
        # then the same board flashed with this firmware: read as usual
        tele = wire.tele("0000b007", 0, 1000, 25.0, 32768, 10000.0, False, defaults(), None)
        device.send(json.dumps(tele).encode() + b"\r\n")
        until(lambda: len(csv_rows(path)) == 1 or log.poll() is not None, "the new reading")
        log.send_signal(signal.SIGINT)
        out, err = log.communicate(timeout=60)
    finally:
        log.kill()
        device.close()
    assert log.returncode == 0, err
    assert "Traceback" not in err
    assert out.count(OUTDATED) == 1 and "picofan flash" in OUTDATED
    assert "device: {" not in out  # none of its lines dumped as noise
    events = path.with_suffix(".events.log").read_text()
    assert events.count(OUTDATED) == 1
    assert [r["seq"] for r in csv_rows(path)] == ["0"]


def layout_of(newer: Path, columns: list[str], into: Path) -> Path:
    """The rows of `newer` (a log this picofan wrote) in an older layout's columns."""
    lines = newer.read_text().splitlines()
    keep = [lines[0].split(",").index(c) for c in columns]
    into.write_text("".join(",".join(line.split(",")[i] for i in keep) + "\n"
                            for line in lines))
    return into


def test_a_log_without_the_settings_columns_reads_and_plots(tmp_path: Path) -> None:
    """The layout picofan wrote before the settings in force were logged (protocol 5)."""
    newer = tmp_path / "newer.csv"
    log = CsvLog(newer)
    start = datetime(2026, 11, 23, 14, 0, 0).astimezone()
    for i in range(10):
        log.telemetry(start + timedelta(seconds=i),
                      wire.tele("aaaa0001", i, 1000 * i, 29.0, 30000, 9000.0, False, defaults(),
                                None))
    log.close()
    older = layout_of(newer, OLDER_LAYOUTS[1], tmp_path / "older.csv")
    assert older.read_text().splitlines()[0].split(",") == OLDER_LAYOUTS[1]
    assert "control" not in OLDER_LAYOUTS[1] and "mqtt" in OLDER_LAYOUTS[1]
    readings = read_log(older)
    assert len(readings) == 10 and all("settings" not in m for _, m in readings)
    done = picofan_cli.run("plot", str(older))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "(10 readings)" in done.stdout


def test_a_log_without_demand_and_kick_reads_with_the_duty_it_drove(tmp_path: Path) -> None:
    """The layout picofan wrote before tele carried demand and kick (protocol 5, with
    the settings columns): the duty as driven stands for the demand, and no kick."""
    newer = tmp_path / "newer.csv"
    log = CsvLog(newer)
    log.settings = merge(defaults(), {"output": "pwm"})
    start = datetime(2026, 11, 23, 14, 0, 0).astimezone()
    for i in range(6):
        log.telemetry(start + timedelta(seconds=i),
                      wire.tele("aaaa0001", i, 1000 * i, 29.0, 30000, 9000.0, True,
                                log.settings, None, 100.0 if i < 2 else 40.0, None,
                                demand=40.0, kick=i < 2))
    log.close()
    assert [m["kick"] for _, m in read_log(newer)] == [True, True, False, False, False, False]
    older = layout_of(newer, OLDER_LAYOUTS[0], tmp_path / "older.csv")
    assert {"demand", "kick"} == set(COLUMNS) - set(OLDER_LAYOUTS[0])
    readings = read_log(older)
    assert [(m["duty"], m["demand"], m["kick"]) for _, m in readings] == (
        [(100.0, 100.0, False)] * 2 + [(40.0, 40.0, False)] * 4)
    assert all(m["settings"]["output"] == "pwm" for _, m in readings)
    done = picofan_cli.run("plot", str(older))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "(6 readings)" in done.stdout
