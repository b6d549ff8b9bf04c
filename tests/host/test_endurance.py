"""A short version of benchmarks/endurance.py: 75 simulated minutes (heat-load
changes, pinches, setpoint pushes every 3 min, the cable pulled at the hour)
through the real pty, the host's Device and CSV logger."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_bench():
    spec = importlib.util.spec_from_file_location("endurance", ROOT / "benchmarks/endurance.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["endurance"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_short_day_logs_every_line_once_and_survives_a_reconnect() -> None:
    bench = load_bench()
    day = bench.run_day(1.25, wall_limit_s=600)
    audit = bench.audit(day)
    assert day.problems == []
    assert len(day.segments) == 2 and day.disconnects == 1 and day.connects == 2
    assert audit["duplicates"] == 0 and audit["holes"] == 0
    assert bench.exactly_once(day), (audit, bench.sent(day), day.csv_rows)
    assert day.pushes >= 20 and day.pushes_lost <= 1
    assert day.csv_rows > 4000
