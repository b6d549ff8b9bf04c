"""The official MicroPython WebAssembly build (npm), driven by Node: run a script with
the firmware, the scripted board (these rigs) and the host's specification on its path.
Used by the tests that run the firmware on MicroPython and by the memory benchmarks."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RIGS = Path(__file__).resolve().parent
RUNNER = RIGS / "run.mjs"
# Guest folder <- host folder, each put on sys.path in this order.
MOUNTS = (("/fw", ROOT / "firmware"), ("/r", RIGS), ("/h", ROOT / "host"))


def run(*args: str, heap: str = "192k", firmware: Path | None = None,
        paths: tuple[Path, ...] = (), timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run run.mjs with ARGS (its own flags, then the script and its arguments);
    `firmware` replaces firmware/ (e.g. a folder of .mpy files); `paths`: more host
    folders for sys.path (e.g. the portable tests')."""
    mounts: list[str] = []
    extra = tuple((f"/p{i}", path) for i, path in enumerate(paths))
    for guest, host in (*MOUNTS, *extra):
        source = firmware if (firmware is not None and guest == "/fw") else host
        mounts += ["--mount", f"{source}:{guest}", "--path", guest]
    cmd = ["node", str(RUNNER), "--heap", heap, *mounts, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def firmware_heap(cycles: int, script: str = "memory_mp/heap.py",
                  marks: int = 10) -> dict[str, object]:
    """Run benchmarks/SCRIPT and then its chunk(n) MARKS+1 times, each as a run of its own
    (this build's collector frees only between runs): the heap in use after import and
    after a collection every cycles/MARKS control cycles, telemetry lines and fan switches."""
    step = max(1, cycles // marks)
    done = run("--each", f"chunk({step})", "--times", str(marks + 1),
               str(ROOT / "benchmarks" / script), timeout=3600)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    rows = [line.split() for line in done.stdout.splitlines() if line.strip()]
    get = {r[0]: r[1:] for r in rows}
    return {
        "after_import": int(get["heap_after_import_bytes"][0]),
        "per_cycle": float(get.get("alloc_per_cycle_bytes", ["nan"])[0]),
        "heap": [(int(r[1]), int(r[2])) for r in rows if r[0] == "heap_in_use_bytes"],
        "lines": int(get["done"][1]),
        "switches": int(get["done"][2]),
    }
