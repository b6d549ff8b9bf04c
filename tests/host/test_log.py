"""`picofan log` as a person runs it: the installed command in its own process,
on the virtual Pico at the default settings (a reading a second, real time)."""

from __future__ import annotations

import json
import os
import re
import signal
from datetime import datetime, timedelta
from pathlib import Path

import picofan_cli
import pytest
from picofan_cli import SimCommand, csv_rows
from polling import until
from scripted_device import ScriptedDevice

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan.cli.output import count


def test_log_sim_streams_for_the_whole_duration(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    done = picofan_cli.run("log", "--sim", "--duration", "8", "--log", str(path), "--quiet")
    assert done.returncode == 0, done.stderr
    rows = csv_rows(path)
    assert len(rows) >= 7, (len(rows), done.stderr)  # a reading a second for 8 s
    assert f"{count(len(rows), 'reading')} in {path}" in done.stderr


def test_log_count_stops_after_exactly_that_many(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    with SimCommand(tmp_path) as sim:
        done = picofan_cli.run("log", "--port", sim.port, "--count", "4", "--log", str(path))
    assert done.returncode == 0, done.stderr
    assert len(csv_rows(path)) == 4
    assert done.stdout.count("°C") == 4  # and each reading on the terminal


def log_across(tmp_path: Path, path: Path, count: int, command: str) -> tuple[int, str, str]:
    """`picofan log --count N` on a virtual Pico, with a control command sent to the
    board once two readings are in: -> (exit code, stdout, stderr)."""
    with SimCommand(tmp_path) as sim:
        log = picofan_cli.start("log", "--port", sim.port, "--count", str(count),
                                "--log", str(path))
        try:
            until(lambda: len(csv_rows(path)) >= 2 or log.poll() is not None,
                       "two readings logged")
            sim.control(command)
            out, err = log.communicate(timeout=120)
        except BaseException:
            log.kill()
            raise
    return log.returncode, out, err


def test_log_keeps_going_through_an_unplug_and_records_the_gap(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    code, out, err = log_across(tmp_path, path, 6, "unplug 2")
    assert code == 0, err
    rows = csv_rows(path)
    assert len(rows) == 6, err
    events = path.with_suffix(".events.log").read_text()
    assert "\tDisconnected\tdisconnected from" in events
    assert "\tConnected\tconnected to" in events and "s away" in events
    # readings from before and after the cable was out, which power-cycled the board
    boots = [r["boot"] for r in rows]
    assert boots[0] != boots[-1], boots
    assert "disconnected from" in out and "s away" in out
    restarted = f"the board restarted (boot {boots[0]} → {boots[-1]})"
    assert restarted in out and f"\tRebooted\t{restarted}" in events
    # the new boot's lines sent before the port was open again are counted as lost
    first = int(next(r["seq"] for r in rows if r["boot"] == boots[-1]))
    if first:
        assert f"lost {first} line{'s' if first > 1 else ''} " in events
    else:
        assert "\tLinesLost\t" not in events


def test_log_says_when_the_board_restarts(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    code, out, err = log_across(tmp_path, path, 4, "reset")
    assert code == 0, err
    boots = [r["boot"] for r in csv_rows(path)]
    assert boots[0] != boots[-1] and len(set(boots)) == 2, boots
    restarted = f"the board restarted (boot {boots[0]} → {boots[-1]})"
    events = path.with_suffix(".events.log").read_text()
    assert restarted in out and f"\tRebooted\t{restarted}" in events
    assert "\tLinesLost\t" not in events  # the port stayed open: nothing was missed


def test_log_counts_lost_telemetry_lines(tmp_path: Path) -> None:
    device = ScriptedDevice()
    path = tmp_path / "run.csv"
    log = picofan_cli.start("log", "--port", device.path, "--log", str(path), "--count", "4")
    try:
        wait_for_host(device)
        for seq in (0, 1, 14, 15):  # 2..13 never arrive
            device.send(tele_line(seq))
        out, err = log.communicate(timeout=60)
    finally:
        log.kill()
        device.close()
    assert log.returncode == 0, err
    events = path.with_suffix(".events.log").read_text()
    assert events.count("\tLinesLost\t") == 1 and "\tLinesLost\tlost 12 lines" in events
    assert "lost 12 lines" in out
    assert "\tRebooted\t" not in events


def test_log_tells_a_restart_from_a_reconnect_by_the_boot_id(tmp_path: Path) -> None:
    link = tmp_path / "ttyBOARD"  # a stable name, as the virtual Pico's --link
    path = tmp_path / "run.csv"

    def plug() -> ScriptedDevice:
        device = ScriptedDevice()
        os.symlink(device.path, link)
        return device

    def unplug(device: ScriptedDevice) -> None:
        link.unlink()
        device.close()

    device = plug()
    log = picofan_cli.start("log", "--port", str(link), "--log", str(path), "--count", "5")
    try:
        wait_for_host(device)
        device.send(tele_line(0, "aaaa0001") + tele_line(1, "aaaa0001"))
        until(lambda: len(csv_rows(path)) == 2, "two readings")
        unplug(device)
        device = plug()  # the same boot: only the cable was out
        wait_for_host(device)
        device.send(tele_line(5, "aaaa0001"))
        until(lambda: len(csv_rows(path)) == 3, "a reading after the reconnect")
        unplug(device)
        device = plug()  # a new boot id: it restarted
        wait_for_host(device)
        device.send(tele_line(0, "bbbb0002") + tele_line(1, "bbbb0002"))
        out, err = log.communicate(timeout=60)
    finally:
        log.kill()
        device.close()
    assert log.returncode == 0, err
    events = path.with_suffix(".events.log").read_text()
    kept = events.index("the board did not restart (boot aaaa0001)")
    assert kept < events.index("lost 3 lines")  # 2, 3, 4: sent while unplugged
    assert "the board restarted (boot aaaa0001 → bbbb0002)" in events
    assert [events.count(f"\t{kind}\t") for kind in ("Rebooted", "NotRebooted", "LinesLost")
            ] == [1, 1, 1]
    assert "the board did not restart" in out and "the board restarted" in out


def test_log_without_duration_or_count_runs_until_stopped(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    with SimCommand(tmp_path) as sim:
        log = picofan_cli.start("log", "--port", sim.port, "--log", str(path))
        try:
            # it is still running once three readings (three seconds) have come
            until(lambda: len(csv_rows(path)) >= 3 or log.poll() is not None,
                       "three readings logged")
            assert log.poll() is None, log.communicate()
            log.send_signal(signal.SIGINT)  # Ctrl-C
            _, err = log.communicate(timeout=60)
        except BaseException:
            log.kill()
            raise
    assert log.returncode == 0, err
    assert "Traceback" not in err
    assert re.search(rf"\d+ readings? in {re.escape(str(path))}", err), err


# -- stopped by a signal: nothing left behind ---------------------

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT,
                                    signal.SIGQUIT], ids=lambda s: signal.Signals(s).name)
def test_log_sim_stopped_by_a_signal_stops_its_virtual_pico(signum: int, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"  # where the virtual Pico makes its folder
    temp.mkdir()
    path = tmp_path / "run.csv"
    log = picofan_cli.start("log", "--sim", "--log", str(path),
                            env={**os.environ, "TMPDIR": str(temp)})
    try:
        until(lambda: len(csv_rows(path)) >= 1 or log.poll() is not None,
                   "a reading logged")
        assert picofan_cli.processes_mentioning(str(temp)), "the virtual Pico is running"
        log.send_signal(signum)
        log.wait(60)
    finally:
        log.kill()
        left = picofan_cli.processes_mentioning(str(temp))
        picofan_cli.kill_all(left)  # an orphan would hold log's stderr open
        _, err = log.communicate()
    assert left == [], "the virtual Pico outlived picofan log"
    assert list(temp.iterdir()) == [], "its temporary folder was left behind"
    assert log.returncode == 0, err
    assert "Traceback" not in err
    assert f"{count(len(csv_rows(path)), 'reading')} in {path}" in err  # also on a signal


# -- a port that streams without newlines -------------------------

def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def tele_line(seq: int, boot: str = "0000b007") -> bytes:
    msg = wire.tele(boot, seq, 1000 * seq, 25.0, 32768, 10000.0, False, defaults(), None)
    return json.dumps(msg).encode() + b"\r\n"


def wait_for_host(device: ScriptedDevice) -> None:
    """Until the host has opened the port and asked for hello."""
    until(lambda: bool(device.read(0.05)) and b'"hello"' in device.received,
               "the host asking for hello")


def test_a_stream_without_newlines_is_bounded_and_reported_once(tmp_path: Path) -> None:
    device = ScriptedDevice()
    path = tmp_path / "run.csv"
    log = picofan_cli.start("log", "--port", device.path, "--log", str(path), "--count", "2")
    junk = bytes(range(33, 127)) * (16 * 1024 * 1024 // 94)  # 16 MiB, no newline
    try:
        wait_for_host(device)
        device.send(tele_line(0))
        until(lambda: len(csv_rows(path)) == 1, "the first reading")
        before = peak_rss_kib(log.pid)
        for i in range(0, len(junk), 65536):  # the pty blocks until the host reads
            device.send(junk[i:i + 65536])
        events = path.with_suffix(".events.log")
        # said while the junk is still coming (no newline yet), not only at its end
        until(lambda: "longer than" in events.read_text(), "the noise reported")
        grown_kib = peak_rss_kib(log.pid) - before
        device.send(b"\r\n" + tele_line(1))  # the junk ends; the next line is whole
        log.wait(60)
    finally:
        log.kill()
        _, err = log.communicate()
        device.close()
    assert log.returncode == 0, err
    assert [r["seq"] for r in csv_rows(path)] == ["0", "1"]
    assert events.read_text().count("longer than") == 1  # once for this overflow
    assert grown_kib < 4096, f"the host grew by {grown_kib} KiB reading 16 MiB of junk"
    assert "Traceback" not in err


# -- the CSV, for spreadsheets and pandas --------------------------
def test_a_sim_run_is_marked_and_its_csv_reads_in_a_spreadsheet(tmp_path: Path) -> None:
    # The default path, as a user runs it: logs/ in the working folder.
    started = datetime.now().astimezone()
    done = picofan_cli.run("log", "--sim", "--duration", "3", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [path] = (tmp_path / "logs").glob("*.csv")
    assert path.name.startswith("picofan-sim-"), path.name  # not mistaken for a board's
    rows = csv_rows(path)
    assert rows, done.stderr
    for row in rows:
        assert row["source"] == "sim"
        # what spreadsheets parse, with the offset beside it: together, an exact instant
        local = datetime.strptime(row["host_time"], "%Y-%m-%d %H:%M:%S.%f")
        assert re.fullmatch(r"[+-]\d\d:\d\d", row["utc_offset"]), row["utc_offset"]
        instant = datetime.fromisoformat(row["host_time"] + row["utc_offset"])
        assert instant.replace(tzinfo=None) == local
        assert started - timedelta(seconds=1) <= instant <= datetime.now().astimezone()
        assert float(row["temp_c"]) and float(row["setpoint_c"]) and float(row["hysteresis_c"])
        assert len(row["boot"]) == 8 and int(row["seq"]) >= 0
    seqs = [int(r["seq"]) for r in rows]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_a_board_run_is_named_as_before(tmp_path: Path) -> None:
    with SimCommand(tmp_path) as sim:  # a real board's stand-in: its registration unseen
        done = picofan_cli.run("log", "--port", sim.port, "--count", "1", "--quiet",
                               cwd=tmp_path, env=picofan_cli.as_a_real_board(tmp_path))
    assert done.returncode == 0, done.stderr
    [path] = (tmp_path / "logs").glob("*.csv")
    assert path.name.startswith("picofan-2"), path.name
    assert [r["source"] for r in csv_rows(path)] == ["board"]


def test_appending_to_a_csv_with_other_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    old = "host_time,ms,temp\n2026-01-01T00:00:00,1,25.0\n"
    path.write_text(old)
    done = picofan_cli.run("log", "--sim", "--count", "1", "--log", str(path))
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "other columns (not a picofan log)" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert path.read_text() == old


# -- the fan's duty and rpm ------------------------------------------------

def test_the_csv_carries_the_duty_and_the_rpm_after_the_fan(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    with SimCommand(tmp_path) as sim:
        # A 4-wire fan held at 40 % (mode on), no tach wire: rpm empty.
        done = picofan_cli.run("set", "--port", sim.port, "output=pwm", "mode=on",
                               "manual_duty=40", "kick_start_ms=0")
        assert done.returncode == 0, done.stderr
        done = picofan_cli.run("log", "--port", sim.port, "--count", "3", "--log", str(path))
        assert done.returncode == 0, done.stderr
        header = path.read_text().splitlines()[0].split(",")
        assert header[header.index("fan") + 1:header.index("fan") + 3] == ["duty", "rpm"]
        rows = csv_rows(path)
        assert [(r["fan"], r["duty"], r["rpm"]) for r in rows] == [("1", "40.0", "")] * 3
        assert done.stdout.count("fan ON   40 %  on≥") == 3  # and on the terminal
        # With the tach wire: rpm in whole numbers once the first second is counted.
        done = picofan_cli.run("set", "--port", sim.port, "tach=on")
        assert done.returncode == 0, done.stderr
        more = tmp_path / "tach.csv"
        done = picofan_cli.run("log", "--port", sim.port, "--count", "3", "--log", str(more))
        assert done.returncode == 0, done.stderr
        assert re.fullmatch(r"\d+", csv_rows(more)[-1]["rpm"]), csv_rows(more)
        assert re.search(r"\d rpm  on≥", done.stdout), done.stdout


def test_a_switched_fans_duty_is_0_or_100(tmp_path: Path) -> None:
    with SimCommand(tmp_path) as sim:  # at the defaults: output switch, no tach
        for mode, want in (("on", ("1", "100.0", "")), ("off", ("0", "0.0", ""))):
            done = picofan_cli.run("set", "--port", sim.port, f"mode={mode}")
            assert done.returncode == 0, done.stderr
            path = tmp_path / f"{mode}.csv"
            done = picofan_cli.run("log", "--port", sim.port, "--count", "2", "--log", str(path))
            assert done.returncode == 0, done.stderr
            assert [(r["fan"], r["duty"], r["rpm"]) for r in csv_rows(path)] == [want] * 2


def test_the_csv_carries_the_settings_in_force(tmp_path: Path) -> None:
    """How the fan is driven and how auto mode picks its duty, with the curve's ends: what
    plot and the monitor's replay need to draw the right guides."""
    path = tmp_path / "run.csv"
    with SimCommand(tmp_path) as sim:
        done = picofan_cli.run("set", "--port", sim.port, "output=pwm", "control=curve",
                               "curve_low=26", "curve_high=36")
        assert done.returncode == 0, done.stderr
        done = picofan_cli.run("log", "--port", sim.port, "--count", "2", "--log", str(path))
        assert done.returncode == 0, done.stderr
        done = picofan_cli.run("set", "--port", sim.port, "control=pid")
        assert done.returncode == 0, done.stderr
        done = picofan_cli.run("log", "--port", sim.port, "--count", "2", "--log", str(path))
        assert done.returncode == 0, done.stderr
    settings = [(r["output"], r["control"], r["curve_low_c"], r["curve_high_c"])
                for r in csv_rows(path)]
    assert settings == [("pwm", "curve", "26.0", "36.0")] * 2 + [("pwm", "pid", "26.0",
                                                                  "36.0")] * 2
