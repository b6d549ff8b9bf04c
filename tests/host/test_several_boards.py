"""The README's "Several boards at once" with `picofan log --all`, as a person runs
it: `picofan sim` in three terminals (no option: each is a board of its own), then
the logger. Two virtual Picos given one --seed are two boards with one unique id,
as a cloned flash makes on real hardware: the second is refused, in one line, and
the first is logged on. And a virtual Pico opened with --port is known for one."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import threading
from pathlib import Path

from picofan_cli import SimCommand, csv_rows, registered_uid, run, sims, start
from polling import until


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def test_three_sims_log_all_writes_three_files(tmp_path: Path, own_runtime_dir: Path) -> None:
    logs = tmp_path / "logs"
    with contextlib.ExitStack() as stack:
        boards = sims(stack, tmp_path, count=3)
        uids = {registered_uid(own_runtime_dir, sim) for sim in boards}
        assert len(uids) == 3  # each `picofan sim` a board of its own
        logger = start("log", "--all", "--dir", str(logs), "--quiet")
        try:
            until(lambda: all(len(csv_rows(logs / f"{uid}.csv")) >= 2 for uid in uids),
                  "readings from the three boards, a file each")
        finally:
            code, err = stop(logger)
        assert code == 0, err
    assert sorted(p.stem for p in logs.glob("*.csv")) == sorted(uids)
    for uid in uids:  # one board per file: one boot, never a sawtooth of restarts
        assert len({row["boot"] for row in csv_rows(logs / f"{uid}.csv")}) == 1


def test_a_second_board_with_the_same_uid_is_refused(tmp_path: Path,
                                                     own_runtime_dir: Path) -> None:
    logs = tmp_path / "logs"
    with contextlib.ExitStack() as stack:
        first, clone = sims(stack, tmp_path, "--seed", "9", count=2)
        uid = registered_uid(own_runtime_dir, first)
        assert registered_uid(own_runtime_dir, clone) == uid
        logger = start("log", "--all", "--dir", str(logs), "--quiet")
        said: list[str] = []
        reader = threading.Thread(target=lambda: said.extend(logger.stderr or []), daemon=True)
        reader.start()
        try:
            until(lambda: any("already has" in line for line in said), "the refusal")
            until(lambda: len(csv_rows(logs / f"{uid}.csv")) >= 3, "the first board logged on")
        finally:
            logger.send_signal(signal.SIGINT)
            code = logger.wait(60)
            reader.join(60)
        assert code == 0, said
    refused = [line for line in said if "already has" in line]
    assert len(refused) == 1, said
    (line,) = refused
    assert uid in line and first.port in line and clone.port in line, line
    assert [p.name for p in logs.glob("*.csv")] == [f"{uid}.csv"]
    seqs = [int(row["seq"]) for row in csv_rows(logs / f"{uid}.csv")]
    assert seqs == sorted(set(seqs)), seqs  # one board's lines, none of the other's


def test_log_on_a_virtual_picos_port_says_sim_and_no_half_line(tmp_path: Path) -> None:
    with SimCommand(tmp_path, plain=True) as sim:
        until(lambda: sim.control("status")["state"]["tele_sent"] >= 2, "lines sent")
        done = run("log", "--port", sim.port, "--count", "3", "--log",
                   str(tmp_path / "x.csv"), "--quiet")
    assert done.returncode == 0, done.stderr
    events = (tmp_path / "x.events.log").read_text()
    assert "device:" not in events, events  # the line cut in half when the port opened
    assert {row["source"] for row in csv_rows(tmp_path / "x.csv")} == {"sim"}


def test_flash_on_a_virtual_pico_says_it_runs_the_checkouts_firmware(tmp_path: Path) -> None:
    with SimCommand(tmp_path, plain=True) as sim:
        done = run("flash", "--port", sim.port)
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1, done.stderr
    assert "virtual Pico" in done.stderr and "firmware" in done.stderr, done.stderr


def test_ports_flags_a_second_board_with_the_same_uid(tmp_path: Path,
                                                      own_runtime_dir: Path) -> None:
    with contextlib.ExitStack() as stack:
        first, clone = sims(stack, tmp_path, "--seed", "9", count=2)
        uid = registered_uid(own_runtime_dir, first)
        done = run("ports")
        listed = run("ports", "--json")
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines()[1:]]
    by_port = {row[0]: row for row in rows}
    assert {first.port, clone.port} <= set(by_port)
    flagged = [row for row in rows if "already has" in row[-1]]
    assert len(flagged) == 1 and flagged[0][3] == uid  # one of the two, the later one
    other = first.port if flagged[0][0] == clone.port else clone.port
    assert other in flagged[0][-1]
    boards = json.loads(listed.stdout)
    assert sorted(bool(b["clash_with"]) for b in boards if b["uid"] == uid) == [False, True]
