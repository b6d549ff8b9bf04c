"""`pip install picofan` from its wheel, outside the repository: the wheel is built
from a fresh checkout, installed into a new venv in a temporary folder, and its
`picofan` flashes the packaged firmware onto a MicroPython board (the official
WebAssembly REPL on a pty, tests/micropython/repl_board.*) and runs the virtual
Pico, with no file of the repository in reach."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import repl_board
from checkout import ROOT, copy_checkout

pytestmark = pytest.mark.slow  # a wheel built, and installed from the package index
FIRMWARE = ROOT / "firmware"
# What goes on the board: firmware/'s modules but its __init__.py (packaging only).
SOURCES = {p.relative_to(FIRMWARE).as_posix(): p for p in sorted(FIRMWARE.rglob("*.py"))
           if "__pycache__" not in p.parts and p != FIRMWARE / "__init__.py"}


@dataclass
class Installed:
    wheel: Path
    bin: Path  # the venv's bin/
    home: Path  # a folder outside the repository to run it in

    def run(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        # A clean environment: nothing from this repository's venv or pytest leaks in.
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VIRTUAL_ENV", "COLUMNS", "LINES")}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return subprocess.run([str(self.bin / args[0]), *args[1:]], cwd=self.home, env=env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)


def pip(python: Path | str, *args: str, cwd: Path) -> None:
    run = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args],
                         cwd=cwd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools' build/ folder in the work tree would keep
    # files deleted since, and put them in the wheel.
    source = copy_checkout(tmp / "source")
    pip(sys.executable, "wheel", "--no-deps", "-w", str(tmp / "dist"), str(source), cwd=tmp)
    (wheel,) = (tmp / "dist").glob("picofan-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True, timeout=120)
    # The wheel's dependencies come from the package index, as for any pip user.
    pip(tmp / "venv/bin/python", "install", str(wheel), cwd=tmp)
    home = tmp / "home"
    home.mkdir()
    return Installed(wheel, tmp / "venv/bin", home)


def test_the_wheel_holds_the_host_package_the_firmware_and_the_license(
        installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for path in (ROOT / "host/picofan").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert "picofan/" + path.relative_to(ROOT / "host/picofan").as_posix() in names, path
    for path in FIRMWARE.rglob("*.py"):
        if "__pycache__" not in path.parts:
            assert "picofan/firmware/" + path.relative_to(FIRMWARE).as_posix() in names, path
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_installed_flash_plan_is_the_packaged_firmware(installed: Installed) -> None:
    run = installed.run("python", "-c",
                        "from picofan.deploy import flash_plan\n"
                        "for f in flash_plan(): print(f.remote, f.local)")
    assert run.returncode == 0, run.stderr
    plan = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    assert sorted(plan) == sorted(SOURCES)
    venv = installed.bin.parent
    for remote, local in plan.items():
        assert Path(local).is_relative_to(venv), local  # the wheel's copy, not the repo's
        assert Path(local).read_bytes() == (FIRMWARE / remote).read_bytes(), remote


@pytest.fixture
def board(tmp_path: Path) -> Iterator[repl_board.ReplBoard]:
    """A Pico W with MicroPython and nothing else on it."""
    (tmp_path / "flash").mkdir()
    with repl_board.ReplBoard(tmp_path / "flash") as b:
        yield b


def test_installed_picofan_flashes_a_board(installed: Installed,
                                           board: repl_board.ReplBoard) -> None:
    run = installed.run("picofan", "flash", "--port", board.port)
    assert run.returncode == 0, run.stdout + run.stderr
    board.sync()
    on_board = {p.relative_to(board.flash_dir).as_posix(): p.read_bytes()
                for p in board.flash_dir.rglob("*") if p.suffix in (".py", ".mpy")}
    # main.py as it is packaged, every other module compiled (the default: .mpy)
    assert on_board.pop("main.py") == SOURCES["main.py"].read_bytes()
    assert sorted(on_board) == sorted(rel[:-3] + ".mpy" for rel in SOURCES if rel != "main.py")
    assert all(data[:2] == b"M\x06" for data in on_board.values())
    assert f"verified {len(SOURCES)} files by sha256" in run.stdout
    assert "running picofan 0.1.0 on Raspberry Pi Pico W" in run.stdout  # the app's hello


def test_installed_picofan_logs_a_virtual_pico(installed: Installed) -> None:
    run = installed.run("picofan", "log", "--sim", "--duration", "3")
    assert run.returncode == 0, run.stderr
    (log,) = (installed.home / "logs").glob("picofan-*.csv")
    with open(log, newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows, log.read_text()
    assert f"{len(rows)} readings in {log.relative_to(installed.home)}" in run.stderr


def test_installed_plot_names_the_install_that_gives_it_matplotlib(
        installed: Installed) -> None:
    # The wheel's own dependencies leave matplotlib out (it is the `plot` extra), and
    # picofan is not on the package index: the command given must work where it runs.
    from datetime import datetime, timedelta

    from fanctl import protocol as wire
    from fanctl.settings import defaults
    from picofan.logger import CsvLog

    path = installed.home / "plotted.csv"
    log = CsvLog(path)
    start = datetime(2026, 11, 23, 14, 0, 0).astimezone()
    for i in range(5):
        log.telemetry(start + timedelta(seconds=i),
                      wire.tele("aaaa0001", i, 1000 * i, 25.0 + i, 30000, 9000.0, False,
                                defaults(), None, 0.0, None))
    log.close()
    done = installed.run("picofan", "plot", str(path))
    assert done.returncode == 2 and done.stdout == "", done
    (line,) = done.stderr.strip().splitlines()
    assert "picofan plot needs matplotlib" in line and "picofan[plot]" not in line
    command = line.rsplit(": ", 1)[1]
    assert command == f"{installed.bin / 'python'} -m pip install matplotlib", line
    installed_it = subprocess.run(command.split(), capture_output=True, text=True,
                                  timeout=600)
    assert installed_it.returncode == 0, installed_it.stderr[-3000:]
    done = installed.run("picofan", "plot", str(path))
    assert done.returncode == 0, done.stderr
    assert f"{path.with_suffix('.png')} (5 readings)" in done.stdout
