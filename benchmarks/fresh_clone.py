"""Fresh clone -> first screen: `make demo` in a new copy of the repository (no
.venv, no node_modules), in a real terminal (tmux, 100x32), timed from the command
to the monitor showing its first reading. Then `make demo` again in the same
clone (set up already): the monitor's start alone.

    .venv/bin/python benchmarks/fresh_clone.py [RUNS]

Printed per run: the one-time setup (until make starts picofan), the monitor's
start (until the screen shows a reading), the total; and the size of the .venv.
The setup's time is mostly pip fetching and installing from the package index, so
it depends on the link and on pip's cache."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "rigs"))  # the rigs the tests use too
from checkout import copy_checkout
from terminal import Tmux

MONITOR_STARTS = ".venv/bin/picofan monitor --sim"  # make's echo of the command


def first_screen(tmux: Tmux, clone: Path) -> tuple[float, float]:
    """(seconds until make starts the monitor, seconds until a reading shows)."""
    started = time.monotonic()
    tmux.start("make demo; echo DEMO-EXITED $?; sleep 600", cwd=clone)
    setup = None
    while True:
        shown = tmux.screen()
        now = time.monotonic()
        if setup is None and MONITOR_STARTS in shown:
            setup = now - started
        if "connected" in shown and "°C" in shown:
            break
        if "DEMO-EXITED" in shown:
            raise SystemExit(f"make demo ended early:\n{shown}")
        if now - started > 900:
            raise SystemExit(f"no first screen in 900 s:\n{shown}")
        time.sleep(0.05)  # polling the pane: there is no event to wait on
    total = time.monotonic() - started
    tmux.keys("q")
    tmux.wait_for("DEMO-EXITED")
    tmux.stop()
    return (setup if setup is not None else total), total


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    tmux = Tmux("picofan-bench-clone")
    totals, again = [], []
    print("fresh clone -> first screen of `make demo` (tmux 100x32)")
    for n in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            clone = copy_checkout(Path(tmp) / "picofan")
            setup, total = first_screen(tmux, clone)
            totals.append(total)
            print(f"  run {n + 1}: setup {setup:5.1f} s + monitor {total - setup:4.1f} s "
                  f"= {total:5.1f} s")
            _, warm = first_screen(tmux, clone)
            again.append(warm)
            size = subprocess.run(["du", "-sm", str(clone / ".venv")], capture_output=True,
                                  text=True).stdout.split()[0]
            print(f"         then make demo again (set up): {warm:4.1f} s; .venv {size} MB")
    if runs > 1:
        print(f"  median: {statistics.median(totals):.1f} s fresh, "
              f"{statistics.median(again):.1f} s set up")


if __name__ == "__main__":
    main()
