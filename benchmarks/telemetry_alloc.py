"""Bytes the firmware allocates per telemetry line and per control cycle (a line every
cycle) on MicroPython, with the collector off: this tree's firmware, and another
revision's for comparison (default main). Per line both ways the firmware can build
it: a message dict, json.dumps, encode (send(state())), and written straight into the
transmit queue (put_written(state)), as the loop sends it.

    .venv/bin/python benchmarks/telemetry_alloc.py [REV]
"""

import sys
import tempfile
from pathlib import Path

from micropython_run import ROOT, firmware_at, run, wasm_available


def main() -> None:
    rev = sys.argv[1] if len(sys.argv) > 1 else "main"
    ports = ["unix", "wasm"] if wasm_available() else ["unix"]
    with tempfile.TemporaryDirectory() as tmp:
        before = firmware_at(rev, Path(tmp))
        print("bytes allocated (MicroPython, gc disabled, mean of 100)")
        for port in ports:
            now = run(port, "mp_telemetry.py", ROOT / "firmware", "alloc")
            then = run(port, "mp_telemetry.py", before, "alloc")
            bits = "64-bit unix port" if port == "unix" else "32-bit WebAssembly build"
            print(f"{port} ({bits}):")
            print(f"  per control cycle, a line each: {rev} {then['per_cycle_bytes']:6.0f}"
                  f"   this tree {now['per_cycle_bytes']:6.0f}")
            print(f"  per line, dict + json.dumps + encode: {rev} "
                  f"{then['per_line_dict_bytes']:6.0f}   this tree "
                  f"{now['per_line_dict_bytes']:6.0f}")
            print(f"  per line, written into the queue:                 this tree "
                  f"{now['per_line_written_bytes']:6.0f}")


if __name__ == "__main__":
    main()
