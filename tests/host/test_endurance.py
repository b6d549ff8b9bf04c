"""A short version of benchmarks/endurance.py, on the same rig
(benchmarks/rigs/endurance_day.py): 75 simulated minutes (heat-load changes, pinches,
setpoint pushes every 3 min, the cable pulled at the hour) through the real pty, the
host's Device and CSV logger."""

from __future__ import annotations

import endurance_day as bench


def test_short_day_logs_every_line_once_and_survives_a_reconnect() -> None:
    day = bench.run_day(1.25, wall_limit_s=600)
    audit = bench.audit(day)
    assert day.problems == []
    assert len(day.segments) == 2 and day.disconnects == 1 and day.connects == 2
    assert audit["duplicates"] == 0 and audit["holes"] == 0
    assert bench.exactly_once(day), (audit, bench.sent(day), day.csv_rows)
    assert day.pushes >= 20 and day.pushes_lost <= 1
    assert day.csv_rows > 4000
