"""Firmware memory under MicroPython (the official WebAssembly build): heap in
use after import, bytes allocated per control cycle, and the heap in use after
a collection, sampled over many cycles (it must stay flat).

    .venv/bin/python benchmarks/firmware_memory.py [CYCLES]
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKS = 10


def run(cycles: int, script: str = "mp_heap.py", marks: int = MARKS) -> list[list[str]]:
    step = max(1, cycles // marks)
    cmd = ["node", str(ROOT / "tests/micropython/run.mjs"),
           "--mount", f"{ROOT / 'firmware'}:/fw", "--mount", f"{ROOT / 'tests/firmware'}:/t",
           "--path", "/fw", "--path", "/t", "--each", f"chunk({step})", "--times", str(marks + 1),
           str(ROOT / "benchmarks" / script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def measure(cycles: int, script: str = "mp_heap.py", marks: int = MARKS) -> dict[str, object]:
    rows = run(cycles, script, marks)
    get = {r[0]: r[1:] for r in rows}
    heap = [(int(r[1]), int(r[2])) for r in rows if r[0] == "heap_in_use_bytes"]
    return {
        "after_import": int(get["heap_after_import_bytes"][0]),
        "per_cycle": float(get.get("alloc_per_cycle_bytes", ["nan"])[0]),
        "heap": heap,
        "lines": int(get["done"][1]),
        "switches": int(get["done"][2]),
    }


def main() -> None:
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    m = measure(cycles)
    heap = m["heap"]
    assert isinstance(heap, list)
    print(f"MicroPython {sys.argv[0]}: {cycles} control cycles, telemetry every cycle")
    print(f"  heap in use after import : {m['after_import']:7d} bytes")
    print(f"  allocated per cycle      : {m['per_cycle']:7.0f} bytes (garbage, collected)")
    for done, used in heap:
        print(f"  heap in use after {done:7d} cycles: {used:7d} bytes")
    print(f"  growth first->last       : {heap[-1][1] - heap[0][1]:+d} bytes")
    print(f"  telemetry lines {m['lines']}, fan switches {m['switches']}")


if __name__ == "__main__":
    main()
