"""`picofan log` and `picofan log --all` on a disk that fills up, as a person meets it: a
real (tmpfs) filesystem with a few kilobytes left, the installed command against
`picofan sim`. It stops with one line that says the disk is full (exit 4), and each
CSV ends at its last whole row."""

from __future__ import annotations

import contextlib
import csv
import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import picofan_cli
import pytest
from picofan_cli import SimCommand

from picofan.logger import COLUMNS

LEFT_FREE = 8192  # bytes: room for the header, the events log and some rows
DISK_FULL = 4  # the exit code (README: exit codes)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB filesystem of its own, filled but for LEFT_FREE bytes."""
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=True)
    try:
        filler = disk / "filler"
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"x" * 4096)
            except OSError as e:
                assert e.errno == errno.ENOSPC
        size = filler.stat().st_size
        with open(filler, "r+b") as f:
            f.truncate(size - LEFT_FREE)
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def whole_rows(path: Path) -> list[list[str]]:
    """The CSV's rows, checked whole: it ends at a line end, every row full width."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), text[-200:]
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == COLUMNS
    assert all(len(row) == len(COLUMNS) for row in rows), [len(r) for r in rows]
    return rows[1:]


def says_disk_full(stderr: str) -> None:
    assert "Traceback" not in stderr and "Errno" not in stderr, stderr
    [line] = [line for line in stderr.splitlines() if "disk is full" in line]
    assert line.startswith("picofan: "), stderr


def test_log_on_a_full_disk_stops_with_one_line_and_whole_rows(
        tmp_path: Path, small_disk: Path) -> None:
    path = small_disk / "run.csv"
    with SimCommand(tmp_path, "--speed", "20") as sim:
        done = picofan_cli.run("log", "--port", sim.port, "--log", str(path), "--quiet")
    assert done.returncode == DISK_FULL, done.stderr
    says_disk_full(done.stderr)
    rows = whole_rows(path)
    assert rows, done.stderr  # the rows that fitted are kept
    assert f"{len(rows)} readings in {path}" in done.stderr


def test_log_all_on_a_full_disk_stops_with_one_line_and_whole_rows(
        tmp_path: Path, small_disk: Path, own_runtime_dir: Path) -> None:
    with SimCommand(tmp_path, "--speed", "20"):
        done = picofan_cli.run("log", "--all", "--dir", str(small_disk), "--quiet")
    assert done.returncode == DISK_FULL, done.stderr
    says_disk_full(done.stderr)
    [path] = small_disk.glob("*.csv")
    rows = whole_rows(path)
    assert rows, done.stderr
    assert f"{len(rows)} readings in {path}" in done.stderr
    with contextlib.suppress(FileNotFoundError):
        for line in path.with_suffix(".events.log").read_text().splitlines():
            assert len(line.split("\t")) == 3, line  # whole lines there too
