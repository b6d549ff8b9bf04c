"""Firmware memory under MicroPython (the official WebAssembly build): heap in
use after import, bytes allocated per control cycle, and the heap in use after
a collection, sampled over many cycles (it must stay flat).

    .venv/bin/python benchmarks/firmware_memory.py [CYCLES]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/helpers"))  # the rigs the tests use too

from micropython_wasm import firmware_heap  # noqa: E402


def main() -> None:
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    m = firmware_heap(cycles)
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
