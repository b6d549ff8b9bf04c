"""make flash / reset / micropython against a virtual Pico W: the official MicroPython
WebAssembly REPL on a real pseudo-terminal (tests/micropython/repl_board.*), driven
by the real mpremote and ampy through the Makefile and `picofan`."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import repl_board

from picofan.deploy import flash_plan
from picofan.micropython import BUILD_DATE, VERSION

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
SETTINGS = b'{"setpoint": 31.5, "hysteresis": 1.5}\n'
USER_FILES = {"settings.json": SETTINGS, "notes.txt": b"my notes\n",
              "lib/mine.py": b"X = 1\n"}
# What a flash must put on the board: every module of firmware/, named as there, but
# firmware/__init__.py (it only makes firmware/ a package for the wheel).
SOURCES = sorted(p.relative_to(FIRMWARE).as_posix() for p in FIRMWARE.rglob("*.py")
                 if "__pycache__" not in p.parts and p != FIRMWARE / "__init__.py")
PICOFAN = str(Path(sys.executable).with_name("picofan"))


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # -o .venv/.runtime: the environment is already set up (make test runs setup
    # first); this keeps a bare `pytest` from reinstalling it.
    return subprocess.run(["make", "-s", "--no-print-directory", "-o", ".venv/.runtime", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})})


def snapshot(board: repl_board.ReplBoard) -> dict[str, bytes]:
    board.sync()
    return {p.relative_to(board.flash_dir).as_posix(): p.read_bytes()
            for p in sorted(board.flash_dir.rglob("*")) if p.is_file()}


@pytest.fixture
def board(tmp_path: Path) -> Iterator[repl_board.ReplBoard]:
    """A Pico W that has user files, saved settings and leftovers of an older app:
    a module the last flash put there (in its manifest) and a stale compiled one
    that would shadow nothing but is ours (fanctl/app.mpy)."""
    flash = tmp_path / "flash"
    for name, data in USER_FILES.items():
        (flash / name).parent.mkdir(parents=True, exist_ok=True)
        (flash / name).write_bytes(data)
    (flash / "fanctl").mkdir()
    (flash / "fanctl/old.py").write_bytes(b"OLD = 1\n")
    (flash / "fanctl/app.mpy").write_bytes(b"M\x06\x00\x1f stale")
    (flash / ".picofan-files").write_text("main.py\nfanctl/old.py\n")
    with repl_board.ReplBoard(flash) as b:
        yield b


def assert_app_on_board(files: dict[str, bytes], compiled: bool = False) -> None:
    for rel in SOURCES:
        if compiled and rel != "main.py":
            mpy = files.get(rel[:-3] + ".mpy")
            assert mpy is not None, rel
            assert mpy[:2] == b"M\x06", f"{rel}: not a v6 .mpy"
            assert rel not in files, f"{rel}: source left next to its .mpy"
        else:
            assert files.get(rel) == (FIRMWARE / rel).read_bytes(), rel
    for name, data in USER_FILES.items():
        assert files[name] == data, f"{name} was touched"
    assert "fanctl/old.py" not in files


def test_flash_plan_is_the_firmware_folder() -> None:
    plan = flash_plan()
    assert [f.remote for f in plan] == SOURCES
    assert {"main.py", "board.py", "fanctl/app.py"} <= set(SOURCES)
    assert "__init__.py" not in SOURCES
    for f in plan:
        assert f.data == (FIRMWARE / f.remote).read_bytes(), f.remote


@pytest.mark.slow  # every file over a REPL, twice (ampy's raw REPL at its own pace)
@pytest.mark.parametrize("tool", ["mpremote", "ampy"])
def test_flash_py_copies_verifies_cleans_and_starts(board: repl_board.ReplBoard,
                                                    tool: str) -> None:
    run = make("flash", f"PORT={board.port}", f"TOOL={tool}", "MPY=0")
    assert run.returncode == 0, run.stdout + run.stderr
    files = snapshot(board)
    assert_app_on_board(files)
    assert "fanctl/app.mpy" not in files  # ours, and it would shadow nothing but confuse
    assert files[".picofan-files"].decode().split() == SOURCES
    for rel in SOURCES:
        assert f"copy  {rel} " in run.stdout
    assert "rm    fanctl/old.py" in run.stdout
    assert f"verified {len(SOURCES)} files by sha256" in run.stdout
    assert "running picofan 0.1.0 on Raspberry Pi Pico W" in run.stdout  # the app's hello

    again = make("flash", f"PORT={board.port}", f"TOOL={tool}", "MPY=0")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing to copy" in again.stdout
    assert "copy  " not in again.stdout and "rm  " not in again.stdout
    assert "running picofan 0.1.0" in again.stdout
    assert snapshot(board) == files


@pytest.mark.slow  # every file compiled and copied over a REPL
def test_flash_by_default_replaces_sources_with_compiled(board: repl_board.ReplBoard) -> None:
    assert make("flash", f"PORT={board.port}", "MPY=0").returncode == 0
    run = make("flash", f"PORT={board.port}")  # .mpy: the default
    assert run.returncode == 0, run.stdout + run.stderr
    files = snapshot(board)
    assert_app_on_board(files, compiled=True)
    assert files["main.py"] == (FIRMWARE / "main.py").read_bytes()
    assert "rm    fanctl/app.py" in run.stdout
    # The compiled app imports and runs on the board: its hello came back.
    assert "running picofan 0.1.0" in run.stdout


def test_flash_failure_names_the_file(board: repl_board.ReplBoard) -> None:
    # A folder where a module must go: no tool can write that file.
    (board.flash_dir / "fanctl/control.mpy").mkdir()
    board.stop()
    board.start()
    run = make("flash", f"PORT={board.port}")
    assert run.returncode != 0
    assert "fanctl/control.mpy" in run.stderr, run.stderr
    assert "running picofan" not in run.stdout
    assert snapshot(board)["settings.json"] == SETTINGS


def test_flash_says_who_holds_the_port(board: repl_board.ReplBoard) -> None:
    before = snapshot(board)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import serial, sys; s = serial.Serial(sys.argv[1], exclusive=True); "
         "print('held', flush=True); sys.stdin.read()", board.port],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout and holder.stdout.readline() == "held\n"
        run = make("flash", f"PORT={board.port}")
    finally:
        holder.communicate("")
    assert run.returncode != 0
    assert "busy" in run.stderr and f"pid {holder.pid} " in run.stderr, run.stderr
    assert snapshot(board) == before


def test_flash_wrong_port_is_a_clear_error() -> None:
    run = make("flash", "PORT=/dev/no-such-pico")
    assert run.returncode != 0
    assert "/dev/no-such-pico does not exist" in run.stderr


def test_reset_starts_the_app(board: repl_board.ReplBoard) -> None:
    assert make("flash", f"PORT={board.port}").returncode == 0
    run = make("reset", f"PORT={board.port}")
    assert run.returncode == 0, run.stderr
    assert "running picofan 0.1.0" in run.stdout


# ---- make micropython -------------------------------------------------------
# The UF2 family ids (RP2350 datasheet, 5.5.3): what each boot ROM takes.
RP2040 = 0xE48BFF56
RP2350_ARM = 0xE48BFF59
RP2350_RISCV = 0xE48BFF5A
ABSOLUTE = 0xE48BFF57  # picotool puts such blocks before an RP2350 image (RP2350-E10)
# What each chip's boot ROM puts on its drive.
INFO_UF2 = {"RPI-RP2": "UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n",
            "RP2350": "UF2 Bootloader v1.0\nModel: Raspberry Pi RP2350\nBoard-ID: RP2350\n"}


def uf2_image(blocks: int = 3, family: int = RP2040, first: int | None = None) -> bytes:
    """`first`: the first block's family, where it differs."""
    out = b""
    for n in range(blocks):
        head = struct.pack("<8I", 0x0A324655, 0x9E5D5157, 0x2000, 0x10000000 + 256 * n,
                           256, n, blocks, first if n == 0 and first is not None else family)
        out += head + bytes([n]) * 256 + bytes(476 - 256) + struct.pack("<I", 0x0AB16F30)
    return out


@pytest.fixture
def drive(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A mounted BOOTSEL drive, as the Pico W's boot ROM presents it."""
    return bootsel_drive(tmp_path, "RPI-RP2")


def bootsel_drive(tmp_path: Path, label: str) -> tuple[Path, dict[str, str]]:
    d = tmp_path / "media" / label
    d.mkdir(parents=True)
    (d / "INFO_UF2.TXT").write_text(INFO_UF2[label])
    return d, {"PICOFAN_BOOTSEL_ROOTS": str(d.parent)}


def picofan_micropython(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # Straight to picofan for a short wait: no board will come back here.
    return subprocess.run([PICOFAN, "micropython", *args, "--wait", "0.5"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env={**os.environ, **env})


def test_micropython_without_bootsel_drive(tmp_path: Path) -> None:
    uf2 = tmp_path / "mp.uf2"
    uf2.write_bytes(uf2_image())
    run = make("micropython", f"UF2={uf2}", env={"PICOFAN_BOOTSEL_ROOTS": str(tmp_path)})
    assert run.returncode != 0
    assert "no BOOTSEL drive (RPI-RP2 or RP2350) is mounted" in run.stderr


@pytest.mark.parametrize("content, why", [
    (b"not a uf2 at all" * 32, "lacks the UF2 magic numbers"),
    (uf2_image()[:-1], "not a whole number of 512-byte blocks"),
    (uf2_image()[:1020] + b"\0\0\0\0" + uf2_image()[1024:], "block 1 lacks the UF2 magic"),
    (uf2_image(family=0xE48BFF59), "UF2 for another chip"),
], ids=["not-uf2", "cut-short", "bad-second-block", "rp2350-family"])
def test_micropython_refuses_a_file_that_is_not_a_pico_uf2(
        tmp_path: Path, drive: tuple[Path, dict[str, str]], content: bytes, why: str) -> None:
    bad = tmp_path / "firmware.uf2"
    bad.write_bytes(content)
    run = make("micropython", f"UF2={bad}", env=drive[1])
    assert run.returncode != 0
    assert why in run.stderr, run.stderr
    assert sorted(p.name for p in drive[0].iterdir()) == ["INFO_UF2.TXT"]  # nothing copied


def test_micropython_missing_uf2(tmp_path: Path, drive: tuple[Path, dict[str, str]]) -> None:
    run = make("micropython", f"UF2={tmp_path / 'nope.uf2'}", env=drive[1])
    assert run.returncode != 0 and "nope.uf2: no such file" in run.stderr


def test_micropython_copies_the_uf2_then_waits_for_the_port(
        tmp_path: Path, drive: tuple[Path, dict[str, str]]) -> None:
    good = tmp_path / "RPI_PICO_W.uf2"
    good.write_bytes(uf2_image())
    # Straight to picofan for a short wait: no board will come back here.
    run = subprocess.run([PICOFAN, "micropython", "--uf2", str(good), "--wait", "0.5"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, **drive[1]})
    copied = drive[0] / good.name
    assert hashlib.sha256(copied.read_bytes()).digest() == \
        hashlib.sha256(good.read_bytes()).digest()
    assert "waiting for the Raspberry Pi Pico W to come back as a serial port" in run.stdout
    assert run.returncode != 0 and "no Pico serial port appeared" in run.stderr


@pytest.mark.parametrize("label, image, board", [
    ("RPI-RP2", uf2_image(family=RP2040), "Raspberry Pi Pico W"),
    ("RP2350", uf2_image(family=RP2350_ARM), "Raspberry Pi Pico 2 W"),
    ("RP2350", uf2_image(family=RP2350_RISCV), "Raspberry Pi Pico 2 W"),
    ("RP2350", uf2_image(family=RP2350_ARM, first=ABSOLUTE), "Raspberry Pi Pico 2 W"),
], ids=["pico-w", "pico-2-w-arm", "pico-2-w-riscv", "pico-2-w-picotool-e10"])
def test_micropython_puts_each_chips_uf2_on_its_own_drive(
        tmp_path: Path, label: str, image: bytes, board: str) -> None:
    drive, env = bootsel_drive(tmp_path, label)
    uf2 = tmp_path / "micropython.uf2"
    uf2.write_bytes(image)
    run = picofan_micropython(env, "--uf2", str(uf2))
    assert (drive / uf2.name).read_bytes() == image
    assert f"waiting for the {board} to come back as a serial port" in run.stdout
    assert run.returncode != 0 and "no Pico serial port appeared" in run.stderr


@pytest.mark.parametrize("label, image, why", [
    ("RPI-RP2", uf2_image(family=RP2350_ARM),
     "a UF2 for another chip: the RP2350 (Raspberry Pi Pico 2 W); the board in BOOTSEL"
     " is a Raspberry Pi Pico W (RP2040)"),
    ("RP2350", uf2_image(family=RP2040),
     "a UF2 for another chip: the RP2040 (Raspberry Pi Pico W); the board in BOOTSEL"
     " is a Raspberry Pi Pico 2 W (RP2350)"),
    ("RP2350", uf2_image(family=0xE48BFF58), "a UF2 for another chip (family 0xE48BFF58)"),
    ("RP2350", uf2_image(family=ABSOLUTE), "holds no program"),
], ids=["pico-2-w-uf2-on-pico-w", "pico-w-uf2-on-pico-2-w", "data-family", "only-absolute"])
def test_micropython_refuses_a_uf2_its_board_cannot_run(
        tmp_path: Path, label: str, image: bytes, why: str) -> None:
    drive, env = bootsel_drive(tmp_path, label)
    uf2 = tmp_path / "micropython.uf2"
    uf2.write_bytes(image)
    run = picofan_micropython(env, "--uf2", str(uf2))
    assert run.returncode != 0
    assert why in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr  # one line, no traceback
    assert sorted(p.name for p in drive.iterdir()) == ["INFO_UF2.TXT"]  # nothing copied


@pytest.mark.parametrize("label, build", [("RPI-RP2", "RPI_PICO_W"), ("RP2350", "RPI_PICO2_W")])
def test_micropython_gets_the_official_build_for_the_board_in_bootsel(
        tmp_path: Path, label: str, build: str) -> None:
    # The build already in picofan's download cache: no network here.
    drive, env = bootsel_drive(tmp_path, label)
    name = f"{build}-{BUILD_DATE.replace('-', '')}-v{VERSION}.uf2"
    image = uf2_image(family=RP2040 if label == "RPI-RP2" else RP2350_ARM)
    (tmp_path / "cache/picofan").mkdir(parents=True)
    (tmp_path / "cache/picofan" / name).write_bytes(image)
    run = picofan_micropython({**env, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert f"downloading https://micropython.org/resources/firmware/{name}" in run.stdout
    assert (drive / name).read_bytes() == image
    assert run.returncode != 0 and "no Pico serial port appeared" in run.stderr


def test_micropython_names_each_place_it_looked_once(tmp_path: Path) -> None:
    uf2 = tmp_path / "mp.uf2"
    uf2.write_bytes(uf2_image())
    # As make runs with no USER in its environment (cron, a container, sudo -i).
    env = {k: v for k, v in os.environ.items() if k not in ("USER", "PICOFAN_BOOTSEL_ROOTS")}
    run = subprocess.run(["make", "-s", "--no-print-directory", "-o", ".venv/.runtime",
                          "micropython", f"UF2={uf2}"], cwd=ROOT, capture_output=True,
                         text=True, timeout=180, env=env)
    assert run.returncode != 0 and "drive (RPI-RP2 or RP2350) is mounted" in run.stderr, run.stderr
    looked = run.stderr.split("(looked in ", 1)[1].split(")", 1)[0].split(", ")
    assert "/media" in looked and len(looked) == len(set(looked)), looked
